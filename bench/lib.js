// Shared bench plumbing: child processes that print "listening on URL", autocannon
// runs, and medians. Servers run in their own processes so the load generator (this
// process) and the server under test do not share an event loop.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { BENCH_KEYS } from "./fill.js";

export const root = fileURLToPath(new URL("..", import.meta.url));

/** Start `node <args>` and resolve with its URL once it prints `listening on <url>`. */
export async function startProcess(args, env = {}) {
  const started = performance.now();
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
    /** Milliseconds from spawn to the "listening on" line. */
    startMs: performance.now() - started,
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

/**
 * Run each of `runs` once per round, in turn (a, b, a, b, ...), so machine noise hits
 * every side alike; returns every sample by name.
 */
export async function interleave(rounds, runs) {
  const samples = Object.fromEntries(Object.keys(runs).map((name) => [name, []]));
  for (let i = 0; i < rounds; i++) {
    for (const [name, run] of Object.entries(runs)) samples[name].push(await run());
  }
  return samples;
}

/** Alternated load runs (see interleave), summarised: median req/s, p50, p99. */
export async function alternate(rounds, runs) {
  const samples = await interleave(rounds, runs);
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

/** b / a, rounded (for "gateway / baseline" ratios). */
export function ratio(value, baseline, digits = 3) {
  return Number((value / baseline).toFixed(digits));
}

/**
 * A goal as the issue states it: `{ at_least: 0.9 }` for throughput ratios, `{ at_most: 1.5 }`
 * for times and memory. Returns the goal with whether `value` meets it.
 */
export function goal(value, target) {
  const met = "at_least" in target ? value >= target.at_least : value <= target.at_most;
  return { ...target, met };
}

/** "≥ 0.9" / "≤ 250 ms" for the printed table. */
export function goalText(target, unit = "") {
  const [sign, value] = "at_least" in target ? ["≥", target.at_least] : ["≤", target.at_most];
  return `${sign} ${value}${unit}${target.met === undefined ? "" : target.met ? " ✓" : " ✗"}`;
}

/** The load on the machine right now: on a shared 2-core machine, read every number beside it. */
export function machineLoad() {
  const [one, five, fifteen] = os.loadavg().map((l) => Number(l.toFixed(2)));
  return { load_1m: one, load_5m: five, load_15m: fifteen, cpus: os.cpus().length };
}

/** Milliseconds from spawning `node <args>` to its exit; throws unless it exits 0. */
export async function wallTime(args, env = {}) {
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr.on("data", (chunk) => {
    output += chunk;
  });
  const [code] = await once(child, "exit");
  const ms = performance.now() - started;
  if (code !== 0) throw new Error(`node ${args.join(" ")} exited with ${code}:\n${output}`);
  return { ms, output };
}

/** The emulator in its own process, with auto-approve so logins need no clicks. */
export async function startEmulatorProcess() {
  const emulator = await startProcess(["packages/emulator/dist/cli.js", "--port", "0"]);
  await post(`${emulator.url}/_emulator/config`, { auto_approve: true });
  return emulator;
}

export async function post(url, body, headers = {}) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  if (response.status >= 300)
    throw new Error(`POST ${url}: ${response.status} ${await response.text()}`);
  return response.status === 204 ? undefined : response.json();
}

export { BENCH_KEYS };

/**
 * `soundgate serve` against the emulator process, with a client registered for it.
 * `nodeArgs` go before the script (e.g. `--cpu-prof` for bench/profile.js).
 */
export async function startGatewayProcess(emulatorUrl, database, extraEnv = {}, nodeArgs = []) {
  const publicUrl = "http://gateway.bench";
  await post(`${emulatorUrl}/_emulator/clients`, {
    client_id: "bench-gateway",
    client_secret: "bench-gateway-secret",
    redirect_uris: [`${publicUrl}/auth/soundcloud/redirect`],
  });
  return startProcess(
    [...nodeArgs, GATEWAY_CLI, "serve", "--port", "0"],
    gatewayEnv(emulatorUrl, {
      SOUNDGATE_PUBLIC_URL: publicUrl,
      SOUNDGATE_ALLOWED_RETURN_TO: `${publicUrl}/`,
      SOUNDGATE_DATABASE_URL: database,
      ...extraEnv,
    }),
  );
}

export const GATEWAY_CLI = "packages/server/dist/cli.js";

/** The gateway's environment in every benchmark: keys set, no rate limit, no logs. */
export function gatewayEnv(emulatorUrl, extra = {}) {
  return {
    SOUNDCLOUD_CLIENT_ID: "bench-gateway",
    SOUNDCLOUD_CLIENT_SECRET: "bench-gateway-secret",
    SOUNDCLOUD_AUTH_URL: emulatorUrl,
    SOUNDCLOUD_API_URL: emulatorUrl,
    SOUNDGATE_ENCRYPTION_KEYS: BENCH_KEYS,
    SOUNDGATE_RATE_LIMIT_PER_MINUTE: "0",
    SOUNDGATE_LOG_LEVEL: "silent",
    ...extra,
  };
}

/** A BFF login through the gateway (auto-approved at the emulator); returns the Cookie header. */
export async function bffLogin(gatewayUrl) {
  const start = await fetch(`${gatewayUrl}/auth/soundcloud/login`, { redirect: "manual" });
  const login = cookiePair(start);
  const approve = await fetch(start.headers.get("location"), { redirect: "manual" });
  const back = new URL(approve.headers.get("location"));
  const done = await fetch(`${gatewayUrl}${back.pathname}${back.search}`, {
    redirect: "manual",
    headers: { Cookie: login },
  });
  const session = cookiePair(done, "soundgate_session");
  if (!session) throw new Error(`BFF login failed: ${done.status}`);
  return session;
}

function cookiePair(response, name) {
  const lines = response.headers.getSetCookie();
  const line = name ? lines.find((l) => l.startsWith(`${name}=`)) : lines[0];
  return line ? line.split(";")[0] : "";
}

/** A fresh Postgres database on 127.0.0.1:5432, or undefined when none is reachable. */
export async function postgresDatabase() {
  const pg = (await import("pg")).default;
  const admin = new pg.Client({ connectionString: "postgres://postgres@127.0.0.1:5432/postgres" });
  try {
    await admin.connect();
  } catch {
    return undefined;
  }
  const name = `soundgate_bench_${process.pid}_${Date.now()}`;
  await admin.query(`create database ${name}`);
  await admin.end();
  return {
    url: `postgres://postgres@127.0.0.1:5432/${name}`,
    async drop() {
      const client = new pg.Client({
        connectionString: "postgres://postgres@127.0.0.1:5432/postgres",
      });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

export async function stats(emulatorUrl) {
  return (await fetch(`${emulatorUrl}/_emulator/stats`)).json();
}

/** Resident memory of a process in MiB (Linux). */
export function rssMiB(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return Math.round(kb / 1024);
  } catch {
    return undefined;
  }
}
