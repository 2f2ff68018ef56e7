import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { buildEmulator } from "./app.js";
import type { EmulatorOptions } from "./options.js";

export interface RunningEmulator {
  /** Base URL, e.g. `http://127.0.0.1:54321` (no trailing slash). */
  url: string;
  port: number;
  /** Stops listening, drops every connection (keep-alive and hung ones too) and resolves when closed. */
  close(): Promise<void>;
}

/** Starts the emulator on a real HTTP port (default: a free port on 127.0.0.1). */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const { app, state } = buildEmulator(options);
  const host = options.host ?? "127.0.0.1";
  const server = serve({
    fetch: app.fetch,
    port: options.port ?? 0,
    hostname: host,
    // The emulator usually shares a process with the code under test: leave the
    // global Request/Response alone instead of swapping in node-server's own.
    overrideGlobalObjects: false,
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once("error", onError);
    server.once("listening", () => {
      server.off("error", onError);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      // Release hung requests first, then cut idle keep-alive sockets so close() can finish.
      state.close();
      server.close(() => resolve());
      if ("closeAllConnections" in server) server.closeAllConnections();
    });
    return closing;
  };
  return { url, port, close };
}
