// A gateway as its own OS process (`soundgate serve`), for tests that need several
// instances or a kill -9.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import type { TestEmulator } from "./emulator.js";
import { TEST_ENCRYPTION_KEYS } from "./gateway.js";

const CLI = fileURLToPath(new URL("../packages/cli/bin/soundgate.js", import.meta.url));

export interface GatewayProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  /** stdout and stderr apart (JSON logs go to one, the banner to the other). */
  streams(): { stdout: string; stderr: string };
  stop(): Promise<void>;
  kill9(): Promise<void>;
}

export async function spawnGateway(
  env: Record<string, string>,
  options: { args?: string[]; cwd?: string } = {},
): Promise<GatewayProcess> {
  const child = spawn(process.execPath, [CLI, "serve", ...(options.args ?? ["--port", "0"])], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? "", SOUNDGATE_LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const streams = { stdout: "", stderr: "" };
  child.stdout?.on("data", (chunk) => {
    output += chunk;
    streams.stdout += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
    streams.stderr += chunk;
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${output}`)), 20_000);
    const check = () => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    };
    // The banner goes to stderr when stdout carries JSON logs (the default off a terminal).
    child.stdout?.on("data", check);
    child.stderr?.on("data", check);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code}:\n${output}`));
    });
  });
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  return {
    url,
    child,
    output: () => output,
    streams: () => ({ ...streams }),
    async stop() {
      if (exited()) return;
      child.kill("SIGTERM");
      await once(child, "exit");
    },
    async kill9() {
      if (exited()) return;
      child.kill("SIGKILL");
      await once(child, "exit");
    },
  };
}

/** The public URL of process gateways in tests (a name only: requests go to `url`). */
export const PROCESS_PUBLIC_URL = "http://gateway.test";

/**
 * `soundgate serve` against `emulator` on `database`, as `client` (registered for the
 * gateway's redirect URI; registering again is harmless, so several instances share it).
 */
export async function spawnGatewayFor(
  emulator: TestEmulator,
  database: string,
  client: { client_id: string; client_secret: string },
  env: Record<string, string> = {},
): Promise<GatewayProcess> {
  await emulator.register({
    ...client,
    redirect_uris: [`${PROCESS_PUBLIC_URL}/auth/soundcloud/redirect`],
  });
  return spawnGateway({
    SOUNDCLOUD_CLIENT_ID: client.client_id,
    SOUNDCLOUD_CLIENT_SECRET: client.client_secret,
    SOUNDCLOUD_AUTH_URL: emulator.url,
    SOUNDCLOUD_API_URL: emulator.url,
    SOUNDGATE_PUBLIC_URL: PROCESS_PUBLIC_URL,
    SOUNDGATE_ALLOWED_RETURN_TO: `${PROCESS_PUBLIC_URL}/`,
    SOUNDGATE_DATABASE_URL: database,
    SOUNDGATE_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
    SOUNDGATE_RATE_LIMIT_PER_MINUTE: "0",
    SOUNDGATE_MAX_CONNECTIONS_PER_IP: "0",
    ...env,
  });
}
