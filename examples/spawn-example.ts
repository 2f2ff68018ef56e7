// An example started the way its README says (`node examples/…` / `npm run example:…`),
// as its own process group, with its output kept for the failure message.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const REPO = fileURLToPath(new URL("..", import.meta.url));

export interface ExampleProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the first match of `pattern` in the output; rejects if the process exits first. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  /** Resolves with the exit code once the process ends. */
  exited(): Promise<number | null>;
  stop(): Promise<void>;
}

/** The environment with no SoundCloud or Soundgate settings: what a fresh shell has. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env))
    if (!/^(SOUNDCLOUD_|SOUNDGATE_|PORT$)/.test(name)) env[name] = value;
  return { ...env, ...extra };
}

export function spawnExample(args: string[], env: NodeJS.ProcessEnv): ExampleProcess {
  const child = spawn(process.execPath, args, {
    cwd: REPO,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group: stop() ends `next start` under it too
  });
  let output = "";
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exited: () => exit,
    waitFor(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          child.stdout?.off("data", check);
          reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${output}`));
        }, timeoutMs);
        function check() {
          const match = pattern.exec(output);
          if (!match) return;
          clearTimeout(timer);
          child.stdout?.off("data", check);
          resolve(match);
        }
        child.stdout?.on("data", check);
        void exit.then((code) => {
          clearTimeout(timer);
          reject(new Error(`exited with ${code} before ${pattern}:\n${output}`));
        });
        check();
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        return; // already gone
      }
      await exit;
    },
  };
}
