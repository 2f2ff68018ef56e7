import { randomBytes } from "node:crypto";
import { safeEqual, secretHash } from "../crypto/hash.js";
import { HttpError, upstreamHttpError } from "../http/errors.js";
import type { FlowRecord, SessionRecord } from "../store/store.js";
import type { Connections } from "./connections.js";
import type { GatewayContext } from "./context.js";
import { type FlowEngine, oauthErrorCode } from "./flow-engine.js";
import { allowedReturnTo, errorCode } from "./flows.js";
import type { UserSummary } from "./login-result.js";

export interface SessionView {
  sessionId: string;
  connectionId: string;
  user: UserSummary;
  status: "active" | "reauth_required";
  expiresAt: number;
}

/**
 * BFF mode: the browser holds only an opaque session cookie; the gateway keeps the
 * SoundCloud grant (as a connection of its own) and calls the API on the user's behalf.
 */
export class Sessions {
  constructor(
    private readonly ctx: GatewayContext,
    private readonly engine: FlowEngine,
    private readonly connections: Connections,
  ) {}

  /**
   * Start a BFF login. The returned binding secret goes into a short-lived cookie and
   * must come back with SoundCloud's redirect, so a code and state sent to someone
   * else's browser cannot log that browser into the sender's account (login CSRF).
   */
  async start(returnTo: string | undefined): Promise<{ url: string; binding: string }> {
    const target = allowedReturnTo(this.ctx, returnTo ?? `${this.ctx.config.publicUrl}/`);
    const binding = randomBytes(32).toString("base64url");
    const { url } = await this.engine.start({
      kind: "session",
      returnTo: target,
      browserBinding: secretHash(binding),
    });
    return { url, binding };
  }

  /**
   * A claimed "session" flow came back through /redirect. Returns where to send the
   * browser and, on success, the new session's secret for the cookie.
   */
  async finishRedirect(
    flow: FlowRecord,
    input: { code?: string | undefined; error?: string | undefined },
    binding: string | undefined,
  ): Promise<{ location: string; session?: string }> {
    const back = new URL(flow.returnTo);
    try {
      if (
        !binding ||
        !flow.browserBinding ||
        !safeEqual(secretHash(binding), flow.browserBinding)
      ) {
        back.searchParams.set("error", "login_not_started_here");
        return { location: back.href };
      }
      if (input.error !== undefined || !input.code) {
        back.searchParams.set(
          "error",
          input.error ? oauthErrorCode(input.error) : "invalid_request",
        );
        return { location: back.href };
      }
      const result = await this.engine.exchange(flow, input.code).catch((error: unknown) => {
        this.ctx.logger.warn({ err_code: errorCode(error) }, "BFF code exchange failed");
        throw upstreamHttpError(error, "exchange");
      });
      const connectionId = `session:${randomBytes(16).toString("base64url")}`;
      await this.connections.save(connectionId, result);
      const session = randomBytes(32).toString("base64url");
      const now = this.ctx.now();
      await this.ctx.store.createSession({
        id: secretHash(session),
        connectionId,
        createdAt: now,
        expiresAt: now + this.ctx.config.sessionTtlMs,
        seal: null,
      });
      return { location: back.href, session };
    } catch (error) {
      back.searchParams.set("error", error instanceof HttpError ? error.error : "login_failed");
      return { location: back.href };
    } finally {
      await this.ctx.store.deleteFlow(flow.id);
    }
  }

  /** The session behind a cookie value, with its user; undefined when there is none. */
  /** The live session record behind a cookie value (one read; the proxy needs no more). */
  async lookup(session: string | undefined): Promise<SessionRecord | undefined> {
    if (!session || session.length > 128) return undefined;
    return this.ctx.store.getSession(secretHash(session), this.ctx.now());
  }

  async current(session: string | undefined): Promise<SessionView | undefined> {
    const record = await this.lookup(session);
    if (!record) return undefined;
    const id = record.id;
    const connection = await this.connections.get(record.connectionId);
    if (!connection) return undefined;
    return {
      sessionId: id,
      connectionId: record.connectionId,
      user: connection.user,
      status: connection.status,
      expiresAt: record.expiresAt,
    };
  }

  /** End the session: sign out at SoundCloud and forget the grant. */
  async logout(session: string | undefined): Promise<void> {
    const view = await this.current(session);
    if (!view) return;
    await this.ctx.store.deleteSession(view.sessionId);
    await this.connections.disconnect(view.connectionId);
  }
}
