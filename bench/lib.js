// Shared bench plumbing: child processes that print "listening on URL", autocannon
// runs, and medians. Servers run in their own processes so the load generator (this
// process) and the server under test do not share an event loop.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";

export const root = fileURLToPath(new URL("..", import.meta.url));

/** Start `node <args>` and resolve with its URL once it prints `listening on <url>`. */
export async function startProcess(args, env = {}) {
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`timed out starting ${args.join(" ")}:\n${output}`)),
      30_000,
    );
    const onData = (chunk) => {
      output += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(" ")} exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    child,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await once(child, "exit");
    },
  };
}

/** One bounded autocannon run; returns requests/s and latency percentiles (ms). */
export async function load(options) {
  const result = await autocannon({ connections: 20, duration: 5, ...options });
  const bad = result.non2xx + result.errors + result.timeouts;
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    failures: bad,
  };
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Alternate the runs (a, b, a, b, ...) so machine noise hits both sides alike. */
export async function alternate(rounds, runs) {
  const samples = Object.fromEntries(Object.keys(runs).map((name) => [name, []]));
  for (let i = 0; i < rounds; i++) {
    for (const [name, run] of Object.entries(runs)) samples[name].push(await run());
  }
  const summary = {};
  for (const [name, list] of Object.entries(samples)) {
    summary[name] = {
      rps: Math.round(median(list.map((s) => s.rps))),
      p50: median(list.map((s) => s.p50)),
      p99: median(list.map((s) => s.p99)),
      failures: list.reduce((sum, s) => sum + s.failures, 0),
      samples: list.length,
    };
  }
  return summary;
}
