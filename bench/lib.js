// Shared bench plumbing: child processes that print "listening on URL", autocannon
// runs, and medians. Servers run in their own processes so the load generator (this
// process) and the server under test do not share an event loop.
import { spawn } from "node:child_process";
import { generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { once } from "node:events";
import { readFileSync } from "node:fs";
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

export const BENCH_KEYS = `bench:${Buffer.alloc(32, 9).toString("base64")}`;
/** The gateway processes' public URL (a name only: requests go to where they listen). */
export const BENCH_PUBLIC_URL = "http://gateway.bench";

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
        htu: `${BENCH_PUBLIC_URL}${path}`,
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

/** `soundgate serve` against the emulator process, with a client registered for it. */
export async function startGatewayProcess(emulatorUrl, database, extraEnv = {}) {
  const publicUrl = BENCH_PUBLIC_URL;
  const client = { client_id: "bench-gateway", client_secret: "bench-gateway-secret" };
  await post(`${emulatorUrl}/_emulator/clients`, {
    ...client,
    redirect_uris: [`${publicUrl}/auth/soundcloud/redirect`],
  });
  return startProcess(["packages/server/dist/cli.js", "serve", "--port", "0"], {
    SOUNDCLOUD_CLIENT_ID: client.client_id,
    SOUNDCLOUD_CLIENT_SECRET: client.client_secret,
    SOUNDCLOUD_AUTH_URL: emulatorUrl,
    SOUNDCLOUD_API_URL: emulatorUrl,
    SOUNDGATE_PUBLIC_URL: publicUrl,
    SOUNDGATE_ALLOWED_RETURN_TO: `${publicUrl}/`,
    SOUNDGATE_DATABASE_URL: database,
    SOUNDGATE_ENCRYPTION_KEYS: BENCH_KEYS,
    SOUNDGATE_RATE_LIMIT_PER_MINUTE: "0",
    SOUNDGATE_LOG_LEVEL: "silent",
    ...extraEnv,
  });
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
