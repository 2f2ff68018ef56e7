// Where the time and memory go, for bench/PROFILE.md. Not part of `npm run bench`.
//   node bench/profile.js proxy|authorize [--seconds N]   CPU profile of the gateway under load
//   node bench/profile.js token                           CPU profile of `soundgate token`
//   node bench/profile.js start                           CPU profile of `soundgate serve` to its first 200
//   node bench/profile.js imports                         time and memory of loading each dependency
//   node bench/profile.js memory                          the idle gateway's memory, by kind
//   node bench/profile.js modules                         the ES modules token and serve load, by package
//   node bench/profile.js layers                          node:http vs Hono vs the gateway, same work
//   node bench/profile.js diff-proxy|diff-authorize [--connections=N]
//                                                         the gateway's CPU minus the limit's, by function
//   node bench/profile.js steps                           CPU per step of the proxy and /authorize
// Profiles (.cpuprofile, open them in Chrome DevTools or speedscope) go to bench/profiles/;
// the summary printed here is self time by function and by package.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AUTHORIZE_PATH } from "./authorize.js";
import { cliLogin } from "./cli-token.js";
import { timeToFirst200 } from "./cold-start.js";
import {
  alternate,
  BENCH_KEYS,
  bffLogin,
  GATEWAY_CLI,
  gatewayEnv,
  load,
  machineLoad,
  median,
  root,
  startEmulatorProcess,
  startGatewayProcess,
  startProcess,
  wallTime,
} from "./lib.js";
import { startBareProxy } from "./proxy.js";
import { steps } from "./steps.js";

const [target = "proxy", ...rest] = process.argv.slice(2);
const seconds = Number(rest.find((a) => a.startsWith("--seconds="))?.split("=")[1] ?? 10);
// diff-proxy|diff-authorize: how many connections the load keeps open (default 20).
const connections = Number(rest.find((a) => a.startsWith("--connections="))?.split("=")[1] ?? 20);
const outDir = join(root, "bench/profiles", target);
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
const cpuProf = ["--cpu-prof", `--cpu-prof-dir=${outDir}`, "--cpu-prof-interval=200"];

const TARGETS = {
  proxy: underLoad,
  authorize: underLoad,
  token,
  start,
  imports,
  memory,
  steps: stepCosts,
  modules,
  layers,
  "diff-proxy": diff,
  "diff-authorize": diff,
};
if (!TARGETS[target]) {
  process.stderr.write(`unknown target "${target}"; one of ${Object.keys(TARGETS).join(", ")}\n`);
  process.exit(2);
}
await TARGETS[target]();

async function underLoad() {
  const emulator = await startEmulatorProcess();
  const dir = mkdtempSync(join(tmpdir(), "soundgate-profile-"));
  try {
    const gateway = await startGatewayProcess(
      emulator.url,
      `sqlite:${join(dir, "profile.db")}`,
      {},
      { nodeArgs: cpuProf },
    );
    const cookie = await bffLogin(gateway.url);
    const loadStart = performance.now();
    const result =
      target === "proxy"
        ? await load({
            url: `${gateway.url}/api/soundcloud/me`,
            headers: { Cookie: cookie },
            duration: seconds,
            pid: gateway.child.pid,
          })
        : await load({
            url: gateway.url + AUTHORIZE_PATH,
            duration: seconds,
            pid: gateway.child.pid,
          });
    const loadEnd = performance.now();
    await gateway.stop();
    const stopped = performance.now();
    console.log(
      `${target}: ${Math.round(result.rps)} req/s over ${seconds} s, ${result.requests} requests`,
    );
    // Only the load: the profile ends when the process exits, so count back from there.
    summarise(perRequest(result.requests, "request", result.cpu_us), {
      from: stopped - loadStart,
      to: stopped - loadEnd,
    });
  } finally {
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** CPU per step of the proxy and /authorize, in one process (steps.js). */
async function stepCosts() {
  const emulator = await startEmulatorProcess();
  try {
    const rows = await steps(emulator.url);
    for (const group of ["proxy", "authorize"]) {
      console.log(`\n${group}: CPU µs per call (median of 5 batches)`);
      for (const r of rows.filter((row) => row.group === group)) {
        console.log(`  ${r.us.toFixed(1).padStart(8)}  ${r.name}`);
      }
    }
  } finally {
    await emulator.stop();
  }
}

async function token() {
  const emulator = await startEmulatorProcess();
  const login = await cliLogin(emulator.url);
  try {
    for (let i = 0; i < 5; i++) await wallTime([...cpuProf, GATEWAY_CLI, "token"], login.env);
    console.log("soundgate token: 5 runs");
    summarise(perRequest(5, "run"));
  } finally {
    await emulator.stop();
    rmSync(login.dir, { recursive: true, force: true });
  }
}

async function start() {
  const dir = mkdtempSync(join(tmpdir(), "soundgate-profile-"));
  try {
    for (let i = 0; i < 5; i++) {
      await timeToFirst200(
        [...cpuProf, GATEWAY_CLI, "serve", "--port", "0"],
        gatewayEnv("http://127.0.0.1:9", {
          SOUNDGATE_DATABASE_URL: `sqlite:${join(dir, `s${i}.db`)}`,
        }),
      );
    }
    console.log("soundgate serve to its first 200 (then 0.5 s idle): 5 starts");
    summarise(perRequest(5, "start"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What loading each dependency costs on its own, in a fresh process: ms and RSS. */
async function imports() {
  const modules = [
    ["(nothing)", null],
    ["node:http", "node:http"],
    ["soundgate (core)", "./packages/soundgate/dist/index.js"],
    ["hono", "hono"],
    ["@hono/node-server", "@hono/node-server"],
    ["zod", "zod"],
    ["kysely", "kysely"],
    ["better-sqlite3", "better-sqlite3"],
    ["pg", "pg"],
    ["@soundgate/emulator", "./packages/emulator/dist/index.js"],
    ["cli: main.js (every command)", "./packages/cli/dist/main.js"],
    ["server: gateway.js", "./packages/server/dist/gateway.js"],
    ["server: index.js", "./packages/server/dist/index.js"],
  ];
  const script = (specifier) => `
    const t = performance.now();
    ${specifier ? `await import(${JSON.stringify(specifier)});` : ""}
    const ms = performance.now() - t;
    const m = process.memoryUsage();
    console.log(JSON.stringify({ ms, rss: m.rss, heap: m.heapUsed }));`;
  const rows = [];
  for (const [name, specifier] of modules) {
    const runs = [];
    for (let i = 0; i < 5; i++) {
      const { output } = await wallTime(["--input-type=module", "-e", script(specifier)]);
      runs.push(JSON.parse(output.trim().split("\n").at(-1)));
    }
    rows.push({
      name,
      ms: median(runs.map((r) => r.ms)),
      rss: median(runs.map((r) => r.rss)) / 2 ** 20,
      heap: median(runs.map((r) => r.heap)) / 2 ** 20,
    });
  }
  const base = rows[0];
  console.log("import (fresh process, median of 5)         ms    RSS MiB  (+)    heap MiB (+)");
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(40)} ${r.ms.toFixed(1).padStart(6)}  ${r.rss.toFixed(1).padStart(6)} (+${(r.rss - base.rss).toFixed(1)})  ${r.heap.toFixed(1).padStart(5)} (+${(r.heap - base.heap).toFixed(1)})`,
    );
  }
}

/**
 * The gap in layers: the same essential work on node:http, then behind Hono and
 * @hono/node-server (the gateway's stack), then the gateway itself; requests/s and the
 * server's CPU per request, alternated.
 */
async function layers() {
  const emulator = await startEmulatorProcess();
  const dir = mkdtempSync(join(tmpdir(), "soundgate-profile-"));
  const servers = [];
  try {
    const nodeHttp = await startBareProxy(emulator.url, dir);
    const hono = await startProcess(["bench/bare-server.js"], {
      BARE_DB: join(dir, "bare-proxy.db"),
      BARE_API_URL: emulator.url,
      BARE_FRAMEWORK: "hono",
      SOUNDGATE_ENCRYPTION_KEYS: BENCH_KEYS,
    });
    const honoCors = await startProcess(["bench/bare-server.js"], {
      BARE_DB: join(dir, "bare-proxy.db"),
      BARE_API_URL: emulator.url,
      BARE_FRAMEWORK: "hono",
      BARE_CORS: "1",
      SOUNDGATE_ENCRYPTION_KEYS: BENCH_KEYS,
    });
    const gateway = await startGatewayProcess(emulator.url, `sqlite:${join(dir, "layers.db")}`);
    servers.push(nodeHttp.server, hono, honoCors, gateway);
    const cookie = await bffLogin(gateway.url);
    const duration = Math.max(3, Math.round(seconds / 2));
    const sides = {
      "node:http + the essential work": [nodeHttp.server, nodeHttp.cookie],
      "Hono + @hono/node-server + the same work": [hono, nodeHttp.cookie],
      "… + hono/cors as the gateway sets it up": [honoCors, nodeHttp.cookie],
      "the gateway": [gateway, cookie],
    };
    for (const [path, label] of [
      ["/api/soundcloud/me", "BFF proxy GET /api/soundcloud/me, 20 connections"],
      [AUTHORIZE_PATH, "/auth/soundcloud/authorize (SQLite), 20 connections"],
    ]) {
      const summary = await alternate(
        3,
        Object.fromEntries(
          Object.entries(sides).map(([name, [server, sessionCookie]]) => [
            name,
            () =>
              load({
                url: server.url + path,
                headers: { Cookie: sessionCookie },
                duration,
                pid: server.child.pid,
              }),
          ]),
        ),
      );
      console.log(`\n${label} (load ${machineLoad().load_1m})`);
      for (const [name, s] of Object.entries(summary)) {
        console.log(
          `  ${name.padEnd(44)} ${String(s.rps).padStart(6)} req/s  ${String(s.cpu_us_per_request).padStart(6)} µs CPU/request  p50 ${s.p50} ms`,
        );
      }
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * What the gateway spends that the limit does not: CPU profiles of the bare server (on
 * Hono, the gateway's own stack) and of the gateway under the same load, each turned
 * into µs per request with the CPU time from /proc, and subtracted function by function.
 */
async function diff() {
  const path = target === "diff-proxy" ? "/api/soundcloud/me" : AUTHORIZE_PATH;
  const emulator = await startEmulatorProcess();
  const dir = mkdtempSync(join(tmpdir(), "soundgate-profile-"));
  const dirs = { limit: join(outDir, "limit"), gateway: join(outDir, "gateway") };
  const prof = (d) => ["--cpu-prof", `--cpu-prof-dir=${d}`, "--cpu-prof-interval=200"];
  try {
    const limitDb = join(dir, "bare-proxy.db");
    // startBareProxy makes and fills the database; its own server is not the profiled one.
    const plain = await startBareProxy(emulator.url, dir);
    await plain.server.stop();
    const limit = await startProcess([...prof(dirs.limit), "bench/bare-server.js"], {
      BARE_DB: limitDb,
      BARE_API_URL: emulator.url,
      BARE_FRAMEWORK: "hono",
      SOUNDGATE_ENCRYPTION_KEYS: BENCH_KEYS,
    });
    const gateway = await startGatewayProcess(
      emulator.url,
      `sqlite:${join(dir, "diff.db")}`,
      {},
      { nodeArgs: prof(dirs.gateway) },
    );
    const cookie = await bffLogin(gateway.url);
    const measured = {};
    for (const [name, server, sessionCookie] of [
      ["limit", limit, plain.cookie],
      ["gateway", gateway, cookie],
    ]) {
      const started = performance.now();
      const result = await load({
        url: server.url + path,
        headers: { Cookie: sessionCookie },
        duration: seconds,
        connections,
        pid: server.child.pid,
      });
      const ended = performance.now();
      await server.stop();
      const stopped = performance.now();
      const profile = collect(dirs[name], { from: stopped - started, to: stopped - ended });
      measured[name] = { ...profile, cpuUs: result.cpu_us, rps: result.rps };
    }
    const us = (side, map, key) => (side.cpuUs * (map.get(key) ?? 0)) / side.busy;
    const { limit: a, gateway: b } = measured;
    console.log(
      `${target}: the limit on Hono ${Math.round(a.rps)} req/s, ${Math.round(a.cpuUs)} µs CPU/request; the gateway ${Math.round(b.rps)} req/s, ${Math.round(b.cpuUs)} µs CPU/request (load ${machineLoad().load_1m})`,
    );
    for (const [title, field] of [
      ["by area", "byArea"],
      ["by function", "byFunction"],
    ]) {
      const keys = new Set([...a[field].keys(), ...b[field].keys()]);
      const rows = [...keys]
        .filter((k) => !k.startsWith("(idle)"))
        .map((k) => [k, us(b, b[field], k) - us(a, a[field], k), us(b, b[field], k)])
        .sort((x, y) => y[1] - x[1]);
      console.log(`\nthe gateway's extra CPU per request, ${title} (µs: extra, gateway's total)`);
      for (const [k, extra, total] of rows.slice(0, field === "byArea" ? 15 : 35)) {
        console.log(`  ${extra.toFixed(1).padStart(7)}  ${total.toFixed(1).padStart(7)}  ${k}`);
      }
    }
  } finally {
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The ES modules `soundgate token` and `soundgate serve` load, by package. */
async function modules() {
  const emulator = await startEmulatorProcess();
  const login = await cliLogin(emulator.url);
  const dir = mkdtempSync(join(tmpdir(), "soundgate-profile-"));
  const trace = ["--no-warnings", "--experimental-loader", "./bench/module-trace.js"];
  try {
    const { output: token } = await wallTime([...trace, GATEWAY_CLI, "token"], login.env);
    const serve = await startProcess(
      [...trace, GATEWAY_CLI, "serve", "--port", "0"],
      gatewayEnv(emulator.url, { SOUNDGATE_DATABASE_URL: `sqlite:${join(dir, "m.db")}` }),
    );
    const served = await fetch(`${serve.url}/healthz`);
    await served.arrayBuffer();
    const serveOutput = serve.output();
    await serve.stop();
    const imports = [];
    for (const [name, specifier] of [
      ['import "soundgate"', "soundgate"],
      ['import "@soundgate/server"', "@soundgate/server"],
    ]) {
      // From the repository's root, where the workspaces are linked under node_modules.
      const script = `await import(${JSON.stringify(specifier)});`;
      const { output } = await wallTime([...trace, "--input-type=module", "-e", script]);
      const times = [];
      for (let i = 0; i < 5; i++) {
        const timed = `const t = performance.now(); ${script} console.log(performance.now() - t);`;
        const run = await wallTime(["--input-type=module", "-e", timed]);
        times.push(Number(run.output.trim().split("\n").at(-1)));
      }
      imports.push([
        `${name} (${Math.round(median(times))} ms median of 5, load ${machineLoad().load_1m})`,
        output,
      ]);
    }
    for (const [name, text] of [
      ...imports,
      ["soundgate token", token],
      ["soundgate serve (SQLite, credentials set), to its first 200", serveOutput],
    ]) {
      const urls = new Set(text.split("\n").filter((l) => l.startsWith("module ")));
      const byPackage = new Map();
      for (const url of urls) {
        const pkg =
          /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1] ??
          /\/packages\/([^/]+)\/dist\//.exec(url)?.[1].replace(/^/, "packages/") ??
          (url.startsWith("module node:") ? "node:*" : url);
        byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + 1);
      }
      console.log(`\n${name}: ${urls.size} ES modules (CommonJS ones not counted)`);
      for (const [pkg, count] of [...byPackage].sort((a, b) => b[1] - a[1])) {
        console.log(`  ${String(count).padStart(4)}  ${pkg}`);
      }
    }
  } finally {
    await emulator.stop();
    rmSync(login.dir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The idle gateway's memory by kind, and how many modules it loaded. */
async function memory() {
  const dir = mkdtempSync(join(tmpdir(), "soundgate-profile-"));
  try {
    const gateway = await startProcess(
      ["bench/gateway-harness.js"],
      gatewayEnv("http://127.0.0.1:9", {
        SOUNDGATE_DATABASE_URL: `sqlite:${join(dir, "m.db")}`,
        BENCH_REPORT_MEMORY: "1",
      }),
    );
    const [, json] = await gateway.waitForOutput(/memory: (\{.*\})/, 30_000, 0);
    await gateway.stop();
    const m = JSON.parse(json);
    const mib = (b) => `${(b / 2 ** 20).toFixed(1)} MiB`;
    console.log(
      `idle gateway (in-process start, SQLite): rss ${mib(m.rss)}, heap used ${mib(m.heapUsed)} of ${mib(m.heapTotal)}, external ${mib(m.external)}, array buffers ${mib(m.arrayBuffers)}`,
    );
    console.log(`CommonJS modules loaded: ${m.commonjs}`);
    for (const [pkg, count] of m.byPackage) console.log(`  ${String(count).padStart(4)}  ${pkg}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What to divide by; `cpuUs` (measured CPU per unit) turns shares into microseconds. */
function perRequest(count, unit = "request", cpuUs = undefined) {
  return { count, unit, cpuUs };
}

/**
 * Self time from every .cpuprofile in outDir: by function and by package. With `window`,
 * only the samples between `from` and `to` milliseconds before the profile's end.
 */
function summarise({ count, unit, cpuUs }, window) {
  const { files, byFunction, byArea, inclusive, total, busy } = collect(outDir, window);
  const pct = (ms) => `${((100 * ms) / busy).toFixed(1).padStart(5)} %`;
  // On a loaded machine the profiler's wall-clock samples also cover time the process
  // waited for a CPU; the CPU time measured from /proc is the honest total to split.
  const perUnit = cpuUs ?? (1000 * busy) / count;
  const per = (ms) => `${((perUnit * ms) / busy).toFixed(1).padStart(7)} µs/${unit}`;
  console.log(
    `\n${files.length} profile(s) in bench/profiles/${target}: ${Math.round(total)} ms sampled, ${Math.round(busy)} ms busy; ${Math.round(perUnit)} µs per ${unit}${cpuUs ? " (CPU time, from /proc)" : " (sampled)"}\n`,
  );
  console.log("self time by area (share of busy time)");
  for (const [area, ms] of [...byArea].sort((a, b) => b[1] - a[1]).slice(0, 20)) {
    if (area === "(idle)") continue;
    console.log(`  ${pct(ms)}  ${per(ms)}  ${area}`);
  }
  console.log("\ntotal (inclusive, synchronous) time of our own functions (top 25)");
  for (const [name, ms] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
    console.log(`  ${pct(ms)}  ${per(ms)}  ${name}`);
  }
  console.log("\nself time by function (top 30)");
  for (const [name, ms] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 31)) {
    if (name.startsWith("(idle)")) continue;
    console.log(`  ${pct(ms)}  ${per(ms)}  ${name}`);
  }
}

/** Self time by function and by area, and our functions' inclusive time, from the profiles in `dir`. */
function collect(dir, window) {
  const files = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"));
  const byFunction = new Map();
  const byArea = new Map();
  const inclusive = new Map();
  let total = 0;
  let busy = 0;
  for (const file of files) {
    const profile = JSON.parse(readFileSync(join(dir, file), "utf8"));
    const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
    const parents = new Map();
    for (const n of profile.nodes) for (const child of n.children ?? []) parents.set(child, n);
    let at = profile.startTime;
    for (let i = 0; i < profile.samples.length; i++) {
      at += profile.timeDeltas[i] ?? 0;
      const beforeEnd = (profile.endTime - at) / 1000;
      if (window && (beforeEnd > window.from || beforeEnd < window.to)) continue;
      const node = nodes.get(profile.samples[i]);
      const dt = (profile.timeDeltas[i] ?? 0) / 1000;
      total += dt;
      const area = areaOf(node.callFrame);
      if (area !== "(idle)") busy += dt;
      byArea.set(area, (byArea.get(area) ?? 0) + dt);
      const key = `${node.callFrame.functionName || "(anonymous)"} ${shortUrl(node.callFrame)}`;
      byFunction.set(key, (byFunction.get(key) ?? 0) + dt);
      // Inclusive time of our own functions (packages/*/dist): each once per sample. Async
      // continuations start a fresh stack, so this is the synchronous part of each.
      const seen = new Set();
      for (let n = node; n; n = parents.get(n.id)) {
        if (!n.callFrame.url.includes("/packages/")) continue;
        const name = `${n.callFrame.functionName || "(anonymous)"} ${shortUrl(n.callFrame)}`;
        if (seen.has(name)) continue;
        seen.add(name);
        inclusive.set(name, (inclusive.get(name) ?? 0) + dt);
      }
    }
  }
  return { files, byFunction, byArea, inclusive, total, busy };
}

function areaOf({ url, functionName }) {
  if (!url) return functionName.startsWith("(") ? functionName : "(native / V8)";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const ours = /packages\/([^/]+)\/dist\/(.*?)(\/[^/]*)?$/.exec(url);
  if (ours) return `packages/${ours[1]}${ours[2] && ours[3] ? `/${ours[2]}` : ""}`;
  if (url.startsWith("node:")) return url.split("/").slice(0, 2).join("/");
  return url.replace(/^file:\/\//, "").replace(root, "");
}

function shortUrl({ url, lineNumber }) {
  if (!url) return "";
  const short = url
    .replace(/^file:\/\//, "")
    .replace(root, "")
    .replace(/^.*node_modules\//, "");
  return `${short}:${lineNumber + 1}`;
}
