// Helpers for the CLI's tests: they run the real, built command as a child process.
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:net";
import { fileURLToPath } from "node:url";

/** The `soundgate` bin as npm links it (it runs dist/, which `npm test` builds first). */
export const SOUNDGATE_BIN = fileURLToPath(new URL("../bin/soundgate.js", import.meta.url));
/** The emulator's own bin. */
export const EMULATOR_BIN = fileURLToPath(
  new URL("../../emulator/bin/soundgate-emulator.js", import.meta.url),
);

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command to its end in a clean environment (PATH only, plus `env`) and collects
 * its output; killed after `timeoutMs`.
 */
export function runToEnd(
  command: string[],
  options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const [file, ...args] = command as [string, ...string[]];
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? "", ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 20_000);
    child.on("error", reject);
    // "close", not "exit": by then stdout and stderr are read to the end.
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `soundgate …` run to its end. */
export function soundgate(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): Promise<Ran> {
  return runToEnd([process.execPath, SOUNDGATE_BIN, ...args], options);
}

/** A port held open on 127.0.0.1 until `close()`: the "port in use" every test needs. */
export async function takenPort(): Promise<{ port: number; close: () => Promise<void> }> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A port that was free a moment ago, for a process that must be told its port up front. */
export async function freePort(): Promise<number> {
  const { port, close } = await takenPort();
  await close();
  return port;
}

/** One shell word, for `script -qec "<command>"`. */
export function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, "'\\''")}'`;
}
