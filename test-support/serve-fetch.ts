// A web-standard fetch handler (Auth.js's Auth(), better-auth's handler) served over real
// HTTP on a free port, as a framework adapter would serve it.
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";

export interface ServedApp {
  url: string;
  close(): Promise<void>;
}

export async function serveFetch(
  handler: (request: Request) => Response | Promise<Response>,
): Promise<ServedApp> {
  const server = serve({ fetch: handler, port: 0, hostname: "127.0.0.1" });
  await new Promise((resolve) => server.once("listening", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}
