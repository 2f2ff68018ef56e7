import { BoundedMap } from "../bounded-map.js";
import { aad, SealedValueError } from "../crypto/cipher.js";
import { safeEqual, secretHash } from "../crypto/hash.js";
import { randomBytes } from "../crypto/random.js";
import { GatewayError, upstreamError } from "../errors.js";
import type { ConnectionGrant, FlowRecord, SessionRecord } from "../store/store.js";
import type { AppUserConnections, ReauthReason } from "./app-user-connections.js";
import { type AuthCodeFlows, oauthErrorCode } from "./auth-code-flows.js";
import type { GatewayContext } from "./context.js";
import {
  allowedReturnTo,
  errorCode,
  loginEnded,
  loginStarted,
  usableReturnTo,
} from "./gateway-logins.js";
import type { UserSummary } from "./login-result.js";

/**
 * What a session cookie is worth. `reauth_required`: the browser has a session, but the
 * gateway cannot vouch for its row (sealed under a key it no longer has, from before
 * seals, or altered) or can no longer open its grant's tokens: sign in again.
 */
export type SessionLookup =
  | { status: "none" }
  | { status: "reauth_required"; sessionId: string }
  | { status: "valid"; record: SessionRecord; grant: ConnectionGrant | undefined };

/**
 * What `/auth/session` tells the page. `refreshedAt`: when the gateway last refreshed the
 * grant's tokens; null until the first refresh after the login.
 */
export type SessionView =
  | { status: "signed_out" }
  | { status: "reauth_required"; reason: ReauthReason }
  | { status: "active"; user: UserSummary; expiresAt: number; refreshedAt: number | null };

/** How many opened session seals are remembered (a few hundred KiB at most). */
const VERIFIED_SEALS = 4096;

/**
 * BFF mode: the browser holds only an opaque session cookie; the gateway keeps the
 * SoundCloud grant (as a connection of its own) and calls the API on the user's behalf.
 */
export class BffSessions {
  /** Session seal → the id, connection and expiry it was opened and found to match. */
  readonly #verifiedSeals = new BoundedMap<string, string>(VERIFIED_SEALS);

  constructor(
    private readonly ctx: GatewayContext,
    private readonly authCodeFlows: AuthCodeFlows,
    private readonly appUserConnections: AppUserConnections,
  ) {}

  /**
   * Start a BFF login. The returned binding secret goes into a short-lived cookie and
   * must come back with SoundCloud's redirect, so a code and state sent to someone
   * else's browser cannot log that browser into the sender's account (login CSRF).
   */
  async start(returnTo: string | undefined): Promise<{ url: string; binding: string }> {
    const target = allowedReturnTo(this.ctx, returnTo ?? `${this.ctx.config.publicUrl}/`);
    const binding = randomBytes(32).toString("base64url");
    const { url } = await this.authCodeFlows.start({
      kind: "session",
      returnTo: target,
      browserBinding: secretHash(binding),
    });
    loginStarted(this.ctx, "session");
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
    const back = new URL(await usableReturnTo(this.ctx, flow));
    try {
      if (
        !binding ||
        !flow.browserBinding ||
        !safeEqual(secretHash(binding), flow.browserBinding)
      ) {
        loginEnded(this.ctx, "session", "login_not_started_here");
        back.searchParams.set("error", "login_not_started_here");
        return { location: back.href };
      }
      if (input.error !== undefined || !input.code) {
        const error = input.error ? oauthErrorCode(input.error) : "invalid_request";
        loginEnded(this.ctx, "session", error);
        back.searchParams.set("error", error);
        return { location: back.href };
      }
      const result = await this.authCodeFlows.exchange(flow, input.code).catch((error: unknown) => {
        this.ctx.logger.warn({ err_code: errorCode(error) }, "BFF code exchange failed");
        throw upstreamError(error, "exchange");
      });
      const connectionId = `session:${randomBytes(16).toString("base64url")}`;
      await this.appUserConnections.save(connectionId, result);
      const session = randomBytes(32).toString("base64url");
      const now = this.ctx.now();
      const id = secretHash(session);
      const expiresAt = now + this.ctx.config.sessionTtlMs;
      await this.ctx.store.createSession({
        id,
        connectionId,
        createdAt: now,
        expiresAt,
        seal: this.#seal(id, connectionId, expiresAt),
      });
      loginEnded(this.ctx, "session", null);
      return { location: back.href, session };
    } catch (error) {
      const code = error instanceof GatewayError ? error.wireCode : "login_failed";
      loginEnded(this.ctx, "session", code);
      back.searchParams.set("error", code);
      return { location: back.href };
    } finally {
      await this.ctx.store.deleteFlow(flow.id);
    }
  }

  /**
   * The session behind a cookie value, with its connection's grant (one read: the proxy
   * needs no more while the access token is fresh). Its row must carry a seal of exactly
   * its connection and expiry, made with our key for this row: a row written by anyone
   * without the key never leads to a grant.
   */
  async lookup(session: string | undefined): Promise<SessionLookup> {
    if (!session || session.length > 128) return { status: "none" };
    const found = await this.ctx.store.getSessionWithGrant(secretHash(session), this.ctx.now());
    if (!found) return { status: "none" };
    const record = found.session;
    if (!this.#sealMatches(record)) {
      this.ctx.logger.warn("a session row does not match its seal; it needs a new login");
      return { status: "reauth_required", sessionId: record.id };
    }
    return { status: "valid", record, grant: found.grant };
  }

  /** Who is signed in with this cookie, if anyone. */
  async current(session: string | undefined): Promise<SessionView> {
    const found = await this.lookup(session);
    if (found.status === "none") return { status: "signed_out" };
    // A row the gateway cannot vouch for: most often sealed under a key it no longer has.
    if (found.status === "reauth_required")
      return { status: "reauth_required", reason: "unreadable" };
    const connection = await this.appUserConnections.get(found.record.connectionId);
    if (!connection) return { status: "signed_out" };
    if (connection.status === "reauth_required") {
      return { status: "reauth_required", reason: connection.reauthReason ?? "grant_revoked" };
    }
    return {
      status: "active",
      user: connection.user,
      expiresAt: found.record.expiresAt,
      refreshedAt: connection.refreshedAt,
    };
  }

  /** End the session: sign out at SoundCloud and forget the grant. */
  async logout(session: string | undefined): Promise<void> {
    const found = await this.lookup(session);
    if (found.status === "none") return;
    if (found.status === "reauth_required") {
      // Its connection_id cannot be trusted: forget the session, touch no grant.
      await this.ctx.store.deleteSession(found.sessionId);
      return;
    }
    await this.ctx.store.deleteSession(found.record.id);
    await this.appUserConnections.disconnect(found.record.connectionId);
  }

  #seal(id: string, connectionId: string, expiresAt: number): string {
    return this.ctx.cipher.seal(
      JSON.stringify({ connection_id: connectionId, expires_at: expiresAt }),
      aad("sessions", "seal", id),
    );
  }

  #sealMatches(record: SessionRecord): boolean {
    if (!record.seal) return false; // rows from before seals: sign in again
    // Every proxied call checks its session's seal: remember seals already opened, with
    // exactly what they vouched for (the row's id is their associated data). The row is
    // still read every time, so a logout or a changed row is seen at once; only the
    // decryption of an unchanged seal is skipped.
    const fields = `${record.id}\n${record.connectionId}\n${record.expiresAt}`;
    if (this.#verifiedSeals.get(record.seal) === fields) return true;
    let sealed: { connection_id?: unknown; expires_at?: unknown };
    try {
      sealed = JSON.parse(this.ctx.cipher.open(record.seal, aad("sessions", "seal", record.id)));
    } catch (error) {
      if (error instanceof SealedValueError || error instanceof SyntaxError) return false;
      throw error;
    }
    const matches =
      sealed.connection_id === record.connectionId && sealed.expires_at === record.expiresAt;
    if (matches) this.#verifiedSeals.set(record.seal, fields);
    return matches;
  }
}
