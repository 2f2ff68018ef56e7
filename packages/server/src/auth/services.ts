import { Connections } from "./connections.js";
import type { GatewayContext } from "./context.js";
import { DpopVerifier } from "./dpop.js";
import { FlowEngine } from "./flow-engine.js";
import { Flows } from "./flows.js";
import { LoginRedirect } from "./login-redirect.js";
import { Refresher } from "./refresh.js";
import { Sessions } from "./sessions.js";
import { TokenBindings } from "./token-bindings.js";

/** The gateway's services, built once per gateway and shared by its routes. */
export interface GatewayServices {
  engine: FlowEngine;
  flows: Flows;
  refresher: Refresher;
  connections: Connections;
  sessions: Sessions;
  loginRedirect: LoginRedirect;
  dpop: DpopVerifier;
}

export function createServices(ctx: GatewayContext): GatewayServices {
  const engine = new FlowEngine(ctx);
  const connections = new Connections(ctx, engine);
  const flows = new Flows(ctx, engine, new TokenBindings(ctx));
  const sessions = new Sessions(ctx, engine, connections);
  return {
    engine,
    flows,
    refresher: new Refresher(ctx),
    connections,
    sessions,
    loginRedirect: new LoginRedirect(ctx, engine, flows, sessions),
    dpop: new DpopVerifier(ctx),
  };
}
