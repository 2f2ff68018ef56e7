// Shared bench plumbing: child processes that print "listening on URL", autocannon
// runs, and medians. Servers run in their own processes so the load generator (this
// process) and the server under test do not share an event loop.
import { spawn } from "node:child_process";
import { generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { BENCH_KEYS } from "./fill.js";

export const root = fileURLToPath(new URL("..", import.meta.url));

/**
 * Start `node <args>` and resolve once it prints `listening on <url>`. The returned
 * handle keeps collecting its output: `waitForOutput(pattern)` resolves with the first
 * match printed after the call.
 */
export async function startProcess(args, env = {}) {
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const watchers = new Set();
  const onData = (chunk) => {
    output += chunk;
    for (const watcher of watchers) watcher();
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const waitForOutput = (pattern, timeoutMs = 30_000, from = output.length) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(output.slice(from));
        if (!match) return false;
        done();
        resolve(match);
        return true;
      };
      const onExit = (code) => {
        done();
        reject(new Error(`${args.join(" ")} exited with ${code}:\n${output}`));
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${pattern} from ${args.join(" ")}:\n${output}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        watchers.delete(check);
        child.off("exit", onExit);
      };
      if (check()) return;
      watchers.add(check);
      child.once("exit", onExit);
    });
  const [, url] = await waitForOutput(/listening on (http:\/\/\S+)/, 30_000, 0);
  return {
    url,
    child,
    /** Milliseconds from spawn to the "listening on" line. */
    startMs: performance.now() - started,
    waitForOutput,
    /** Everything it has printed so far (stdout and stderr). */
    output: () => output,
    /**
     * SIGTERM, and SIGKILL if it has not exited within `graceMs` (a gateway whose
     * database pool is stuck never finishes closing). Resolves true if it had to be killed.
     */
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return false;
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      let timer;
      const killed = await Promise.race([
        exited.then(() => false),
        new Promise((resolve) => {
          timer = setTimeout(() => resolve(true), graceMs);
        }),
      ]);
      clearTimeout(timer);
      if (killed) {
        child.kill("SIGKILL");
        await exited;
      }
      return killed;
    },
  };
}

/**
 * One bounded autocannon run; returns requests/s and latency percentiles (ms). With
 * `pid`, also the CPU time that process spent per request (user + system): unlike
 * requests/s, it hardly depends on how busy the rest of the machine is.
 */
export async function load({ pid, ...options }) {
  const cpuBefore = pid && cpuMs(pid);
  const result = await autocannon({ connections: 20, duration: 5, ...options });
  const cpu = pid && cpuMs(pid) - cpuBefore;
  const bad = result.non2xx + result.errors + result.timeouts;
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    failures: bad,
    ...(pid ? { cpu_us: (1000 * cpu) / Math.max(1, result.requests.total) } : {}),
  };
}

/** CPU time (user + system, ms) a process has used so far (Linux /proc; 10 ms ticks). */
export function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the ")" that closes the command name: utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}
const CLOCK_TICKS = 100;

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
      ...(list[0].cpu_us === undefined
        ? {}
        : { cpu_us_per_request: Math.round(median(list.map((s) => s.cpu_us))) }),
      failures: list.reduce((sum, s) => sum + s.failures, 0),
      rounds: list.map((s) => Math.round(s.rps)),
      ...(list[0].cpu_us === undefined
        ? {}
        : { cpu_rounds: list.map((s) => Math.round(s.cpu_us)) }),
    };
  }
  Object.defineProperty(summary, "samples", { value: samples, enumerable: false });
  return summary;
}

/**
 * The median over rounds of `value(side)[i] / value(baseline)[i]`: each round's two runs
 * sat side by side in time, so a burst of load elsewhere hits both halves of one ratio
 * instead of one side of the medians.
 */
export function pairedRatio(summary, side, baseline, key = "rps", digits = 3) {
  const a = summary.samples[side];
  const b = summary.samples[baseline];
  const ratios = a.map((s, i) => s[key] / b[i][key]);
  return Number(median(ratios).toFixed(digits));
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
  const emulator = await startProcess([
    "packages/emulator/bin/soundgate-emulator.js",
    "--port",
    "0",
  ]);
  await post(`${emulator.url}/_emulator/config`, { auto_approve: true });
  return emulator;
}

export async function post(url, body, headers = {}) {
  const send = () =>
    fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...headers },
      body: JSON.stringify(body),
    });
  // After a long pause (filling a store) the pooled keep-alive socket may be one the
  // server has just closed; these control calls are idempotent, so send once more.
  const response = await send().catch(send);
  if (response.status >= 300)
    throw new Error(`POST ${url}: ${response.status} ${await response.text()}`);
  return response.status === 204 ? undefined : response.json();
}

export { BENCH_KEYS };

/**
 * `soundgate serve` against the emulator process, with a client registered for it.
 * `nodeArgs` go before the script (e.g. `--cpu-prof`); `script` replaces `soundgate
 * serve` (bench/gateway-harness.js for the clean-up run).
 */
export async function startGatewayProcess(
  emulatorUrl,
  database,
  extraEnv = {},
  { nodeArgs = [], script = [GATEWAY_CLI, "serve", "--port", "0"] } = {},
) {
  await registerGatewayClient(emulatorUrl);
  return startProcess(
    [...nodeArgs, ...script],
    gatewayEnv(emulatorUrl, { SOUNDGATE_DATABASE_URL: database, ...extraEnv }),
  );
}

export const GATEWAY_PUBLIC_URL = "http://gateway.bench";

/**
 * A browser's DPoP key (RFC 9449), as the browser SDK makes one: `proof(method, path)`
 * signs a proof for that path of the bench gateway.
 */
export function dpopKey() {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const { kty, crv, x, y } = publicKey.export({ format: "jwk" });
  const part = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const header = part({ typ: "dpop+jwt", alg: "ES256", jwk: { kty, crv, x, y } });
  return {
    proof(method, path) {
      const claims = part({
        htm: method,
        htu: `${GATEWAY_PUBLIC_URL}${path}`,
        iat: Math.floor(Date.now() / 1000),
        jti: randomBytes(16).toString("base64url"),
      });
      const input = `${header}.${claims}`;
      const signature = sign("sha256", Buffer.from(input), {
        key: privateKey,
        dsaEncoding: "ieee-p1363",
      });
      return `${input}.${signature.toString("base64url")}`;
    },
  };
}

export const GATEWAY_CLIENT = {
  clientId: "bench-gateway",
  clientSecret: "bench-gateway-secret",
  redirectUri: `${GATEWAY_PUBLIC_URL}/auth/soundcloud/redirect`,
};

/** The gateway's client at the emulator (registering again replaces it). */
export async function registerGatewayClient(emulatorUrl) {
  await post(`${emulatorUrl}/_emulator/clients`, {
    client_id: GATEWAY_CLIENT.clientId,
    client_secret: GATEWAY_CLIENT.clientSecret,
    redirect_uris: [GATEWAY_CLIENT.redirectUri],
  });
}

export const GATEWAY_CLI = "packages/cli/bin/soundgate.js";

/**
 * The gateway's environment in every benchmark: keys set, no rate limit, no logs, and no
 * cap on connections per address (all the load comes from this one; the refresh storm
 * opens 1,000 at once).
 */
export function gatewayEnv(emulatorUrl, extra = {}) {
  return {
    SOUNDCLOUD_CLIENT_ID: GATEWAY_CLIENT.clientId,
    SOUNDCLOUD_CLIENT_SECRET: GATEWAY_CLIENT.clientSecret,
    SOUNDGATE_PUBLIC_URL: GATEWAY_PUBLIC_URL,
    SOUNDGATE_ALLOWED_RETURN_TO: `${GATEWAY_PUBLIC_URL}/`,
    SOUNDCLOUD_AUTH_URL: emulatorUrl,
    SOUNDCLOUD_API_URL: emulatorUrl,
    SOUNDGATE_ENCRYPTION_KEYS: BENCH_KEYS,
    SOUNDGATE_RATE_LIMIT_PER_MINUTE: "0",
    SOUNDGATE_MAX_CONNECTIONS_PER_IP: "0",
    SOUNDGATE_LOG_LEVEL: "silent",
    ...extra,
  };
}

/** A BFF login through the gateway (auto-approved at the emulator); returns the Cookie header. */
export async function bffLogin(gatewayUrl) {
  const start = await fetchAgain(`${gatewayUrl}/auth/soundcloud/login`, { redirect: "manual" });
  const login = cookiePair(start);
  const approve = await fetchAgain(start.headers.get("location"), { redirect: "manual" });
  const back = new URL(approve.headers.get("location"));
  const done = await fetchAgain(`${gatewayUrl}${back.pathname}${back.search}`, {
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
  // Several runs may share one server: SOUNDGATE_TEST_DATABASE_PREFIX keeps each to its own names.
  const prefix = /^[a-z_][a-z0-9_]{0,30}$/.test(process.env.SOUNDGATE_TEST_DATABASE_PREFIX ?? "")
    ? process.env.SOUNDGATE_TEST_DATABASE_PREFIX
    : "soundgate_bench_";
  const name = `${prefix}${process.pid}_${Date.now()}`;
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
  return (await fetchAgain(`${emulatorUrl}/_emulator/stats`)).json();
}

/**
 * fetch, sent a second time if the first attempt fails at the socket: after a long pause
 * the pooled keep-alive socket may be one the server has just closed. Only for requests
 * that the first attempt cannot have completed (the server never answered it).
 */
export function fetchAgain(url, init) {
  return fetch(url, init).catch(() => fetch(url, init));
}

/**
 * Requests to `url` from `connections` loops, each request timed, until `stop()`: for
 * latency around an event (a clean-up) rather than a fixed-length run. Cookies rotate.
 */
export function recordLoad({ url, cookies, connections = 20 }) {
  let running = true;
  const samples = [];
  let next = 0;
  const loops = Array.from({ length: connections }, async () => {
    while (running) {
      const start = performance.now();
      let ok = false;
      try {
        const response = await fetch(url, {
          headers: { Cookie: cookies[next++ % cookies.length] },
        });
        await response.arrayBuffer();
        ok = response.status === 200;
      } catch {}
      samples.push({ start, end: performance.now(), ok });
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return samples;
    },
  };
}

/** The p-th percentile (0–100) of a list of numbers. */
export function percentile(values, p) {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

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
