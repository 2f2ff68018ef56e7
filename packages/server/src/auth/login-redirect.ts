import { GatewayError } from "../errors.js";
import type { AuthCodeFlows } from "./auth-code-flows.js";
import type { BffSessions } from "./bff-sessions.js";
import type { GatewayContext } from "./context.js";
import type { StarlibHandoff } from "./starlib-handoff.js";

/** What SoundCloud's redirect back to the gateway carries. */
export interface RedirectInput {
  state: string;
  code?: string | undefined;
  error?: string | undefined;
}

/**
 * What the browser coming back from SoundCloud gets: sent on (`redirect`, with a new
 * session for a BFF login, and whether that browser's login cookie is spent), or told on
 * a page that the login expired (`page`). The route decides how it looks.
 */
export type RedirectOutcome =
  | { kind: "redirect"; location: string; session?: string; endsBrowserLogin: boolean }
  | { kind: "page"; page: "login_expired"; home: string | undefined };

/**
 * SoundCloud's redirect, by the kind of flow it finishes: a BFF login (session), a
 * Starlib login whose result the front end takes (result). Connection flows of an
 * embedding app complete at that app's own callback, never here.
 */
export class LoginRedirect {
  constructor(
    private readonly ctx: GatewayContext,
    private readonly authCodeFlows: AuthCodeFlows,
    private readonly starlibHandoff: StarlibHandoff,
    private readonly bffSessions: BffSessions,
  ) {}

  /** `loginCookie`: the browser binding a BFF login set, if this browser has one. */
  async finish(input: RedirectInput, loginCookie: string | undefined): Promise<RedirectOutcome> {
    const flow = await this.authCodeFlows.claim(input.state);
    if (!flow) return this.#unknown(loginCookie);
    switch (flow.kind) {
      case "session": {
        const { location, session } = await this.bffSessions.finishRedirect(
          flow,
          input,
          loginCookie,
        );
        return {
          kind: "redirect",
          location,
          endsBrowserLogin: true,
          ...(session ? { session } : {}),
        };
      }
      case "result":
        return {
          kind: "redirect",
          location: await this.starlibHandoff.finishRedirect(flow, input),
          endsBrowserLogin: false,
        };
      case "connection":
        await this.ctx.store.deleteFlow(flow.id);
        throw new GatewayError("invalid_state", "This login does not complete at the gateway");
    }
  }

  /**
   * A login the gateway does not know: expired, already used, or lost in a restart (an
   * in-memory store, the ephemeral development key). Its return_to is unknown too. A
   * browser that started a BFF login here (its login cookie says so) goes back to the
   * gateway's own page with `error=login_expired`, when that page is an allowed return_to;
   * anyone else is told the login expired.
   */
  #unknown(loginCookie: string | undefined): RedirectOutcome {
    const home = `${this.ctx.config.publicUrl}/`;
    const served = this.ctx.config.allowedReturnTo.has(home);
    if (loginCookie && served) {
      return { kind: "redirect", location: `${home}?error=login_expired`, endsBrowserLogin: true };
    }
    return { kind: "page", page: "login_expired", home: served ? home : undefined };
  }
}
