import { AppUserConnections } from "./app-user-connections.js";
import { AuthCodeFlows } from "./auth-code-flows.js";
import { BffSessions } from "./bff-sessions.js";
import type { GatewayContext } from "./context.js";
import { DpopVerifier } from "./dpop.js";
import { LoginRedirect } from "./login-redirect.js";
import { Refresher } from "./refresh.js";
import { StarlibHandoff } from "./starlib-handoff.js";
import { TokenBindings } from "./token-bindings.js";

/** The gateway's services, built once per gateway and shared by its routes. */
export interface GatewayServices {
  authCodeFlows: AuthCodeFlows;
  starlibHandoff: StarlibHandoff;
  refresher: Refresher;
  appUserConnections: AppUserConnections;
  bffSessions: BffSessions;
  loginRedirect: LoginRedirect;
  dpop: DpopVerifier;
}

export function createServices(ctx: GatewayContext): GatewayServices {
  const authCodeFlows = new AuthCodeFlows(ctx);
  const appUserConnections = new AppUserConnections(ctx, authCodeFlows);
  const starlibHandoff = new StarlibHandoff(ctx, authCodeFlows, new TokenBindings(ctx));
  const bffSessions = new BffSessions(ctx, authCodeFlows, appUserConnections);
  return {
    authCodeFlows,
    starlibHandoff,
    refresher: new Refresher(ctx),
    appUserConnections,
    bffSessions,
    loginRedirect: new LoginRedirect(ctx, authCodeFlows, starlibHandoff, bffSessions),
    dpop: new DpopVerifier(ctx),
  };
}
