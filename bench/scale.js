// Scale runs: `npm run bench -- --only=scale` (minutes; not in the default run, not in CI).
// Stores are filled straight with SQL (fill.js), not through the API. On SQLite and on
// Postgres (a database of its own, dropped at the end):
//   - proxy throughput and /authorize with 1,000,000 users (connections + sessions) vs
//     1,000, two gateways alternated (goal: within 10 %);
//   - start-up (migrations included) on the big SQLite file (goal: the cold-start goal);
//   - proxy p99 while the gateway's own clean-up deletes 500,000 expired flows, vs the
//     p99 just before it (goal: at most 2×);
// and on Postgres, 5,000 users whose tokens all expired, one call each at once across 3
// gateway instances → 5,000 upstream refreshes, 0 failures, 0 refresh-token reuse.
// `--quick` shrinks every count (a smoke test of the script, not a measurement).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AUTHORIZE_PATH } from "./authorize.js";
import { COLD_START_GOAL, timeToFirst200 } from "./cold-start.js";
import {
  checkSchema,
  connectionRow,
  fillExpiredFlows,
  fillUsers,
  migrate,
  migrateToKnown,
  openTarget,
  sessionRow,
} from "./fill.js";
import {
  alternate,
  bffLogin,
  cpuMs,
  GATEWAY_CLI,
  GATEWAY_CLIENT,
  gatewayEnv,
  goal,
  goalText,
  interleave,
  load,
  machineLoad,
  median,
  pairedRatio,
  percentile,
  post,
  postgresDatabase,
  ratio,
  recordLoad,
  registerGatewayClient,
  sleep,
  startGatewayProcess,
  stats,
} from "./lib.js";
import { userGrant } from "./user-token.js";

const FULL = {
  users: 1_000_000,
  small: 1_000,
  expiredFlows: 500_000,
  expiredUsers: 5_000,
  instances: 3,
  logins: 20,
  rounds: 5,
  duration: 3,
  baseline: 20,
  starts: 5,
};
const QUICK = {
  users: 20_000,
  small: 1_000,
  expiredFlows: 20_000,
  expiredUsers: 300,
  instances: 3,
  logins: 5,
  rounds: 1,
  duration: 2,
  baseline: 3,
  starts: 2,
};
export const SCALE_GOALS = {
  throughput: { at_least: 0.9 },
  cleanup_p99: { at_most: 2 },
};

const log = (message) =>
  process.stderr.write(`  scale: ${message} (load ${machineLoad().load_1m})\n`);

export async function benchScale(
  emulator,
  { quick = false, stores = new Set(["sqlite", "postgres"]) } = {},
) {
  const size = quick ? QUICK : FULL;
  const dir = mkdtempSync(join(tmpdir(), "soundgate-scale-"));
  const result = { name: "scale", quick, size, load_at_start: machineLoad() };
  try {
    if (stores.has("sqlite")) result.sqlite = await sqliteRuns(emulator, size, dir);
    if (stores.has("postgres")) {
      const small = await postgresDatabase();
      const big = small && (await postgresDatabase());
      if (!small || !big) {
        result.postgres = { skipped: "PostgreSQL not reachable" };
      } else {
        try {
          result.postgres = await postgresRuns(emulator, size, small.url, big.url);
        } finally {
          await small.drop();
          await big.drop();
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  result.load_at_end = machineLoad();
  result.lines = lines(result);
  return result;
}

async function sqliteRuns(emulator, size, dir) {
  const small = `sqlite:${join(dir, "small.db")}`;
  const big = `sqlite:${join(dir, "big.db")}`;
  const out = { fill: {} };
  out.fill.small_ms = await filledStore(small, size.small, "sqlite small");
  out.fill.big_ms = await filledStore(big, size.users, "sqlite big", out.fill);
  // The first start on each file runs the migrations newer than fill.js (none today).
  out.upgrade = {
    pending_migrations: out.fill.pending,
    small_first_start_ms: Math.round(
      (await timeToFirst200(serveArgs(), gatewayEnv(emulator.url, dbEnv(small)))).ms,
    ),
    big_first_start_ms: Math.round(
      (await timeToFirst200(serveArgs(), gatewayEnv(emulator.url, dbEnv(big)))).ms,
    ),
  };
  Object.assign(out, await smallVsBig(emulator, small, big, size));

  log("start-up on the big file");
  const starts = await interleave(size.starts, {
    small: () => timeToFirst200(serveArgs(), gatewayEnv(emulator.url, dbEnv(small))),
    big: () => timeToFirst200(serveArgs(), gatewayEnv(emulator.url, dbEnv(big))),
  });
  const startMs = (name) => Math.round(median(starts[name].map((s) => s.ms)));
  out.startup = {
    small_median_ms: startMs("small"),
    big_median_ms: startMs("big"),
    goal: goal(startMs("big"), COLD_START_GOAL),
  };

  out.cleanup = await cleanupRun(emulator, big, size);
  return out;
}

async function postgresRuns(emulator, size, smallUrl, bigUrl) {
  const out = { fill: {} };
  out.fill.small_ms = await filledStore(smallUrl, size.small, "postgres small");
  out.fill.big_ms = await filledStore(bigUrl, size.users, "postgres big");
  Object.assign(out, await smallVsBig(emulator, smallUrl, bigUrl, size));
  log("start-up on the big database");
  const starts = await interleave(size.starts, {
    big: () =>
      timeToFirst200(serveArgs(), gatewayEnv(emulator.url, { SOUNDGATE_DATABASE_URL: bigUrl })),
  });
  out.startup = { big_median_ms: Math.round(median(starts.big.map((s) => s.ms))) };
  out.cleanup = await cleanupRun(emulator, bigUrl, size);
  out.expired_users = await expiredUsersRun(emulator, bigUrl, size);
  return out;
}

const serveArgs = () => [GATEWAY_CLI, "serve", "--port", "0"];

/** Every start opens the same, already migrated, store: what a restart costs. */
function dbEnv(databaseUrl) {
  return { SOUNDGATE_DATABASE_URL: databaseUrl };
}

/**
 * Migrate with the gateway's own code (SQLite: only as far as fill.js knows), then `users`
 * connections + sessions by SQL; returns ms.
 */
async function filledStore(databaseUrl, users, label, out) {
  let pending = [];
  if (databaseUrl.startsWith("sqlite:")) pending = await migrateToKnown(databaseUrl);
  else await migrate(databaseUrl);
  if (out) out.pending = pending;
  const target = await openTarget(databaseUrl);
  try {
    await checkSchema(target);
    const started = performance.now();
    const every = Math.max(10_000, Math.floor(users / 10));
    await fillUsers(target, users, {
      onProgress: (done) => {
        if (done % every === 0 || done === users)
          log(`${label}: ${done.toLocaleString("en-US")} users`);
      },
    });
    // What autovacuum / a long-running SQLite would have done by now: fresh statistics.
    await target.query("analyze");
    return Math.round(performance.now() - started);
  } finally {
    await target.close();
  }
}

/** Proxy and /authorize on a store with `size.small` users vs one with `size.users`. */
async function smallVsBig(emulator, smallUrl, bigUrl, size) {
  log("proxy and /authorize, small vs big");
  const small = await startGatewayProcess(emulator.url, smallUrl);
  const big = await startGatewayProcess(emulator.url, bigUrl);
  try {
    // Several real sessions per store (their rows land all over the index), used in turn.
    const requests = async (gateway) =>
      (await logins(gateway.url, size.logins)).map((cookie) => ({
        method: "GET",
        path: "/api/soundcloud/me",
        headers: { cookie },
      }));
    const smallRequests = await requests(small);
    const bigRequests = await requests(big);
    const loadBefore = machineLoad();
    const proxy = await alternate(size.rounds, {
      small: () => loadRun(small.url, { requests: smallRequests }, size),
      big: () => loadRun(big.url, { requests: bigRequests }, size),
    });
    const authorize = await alternate(size.rounds, {
      small: () => loadRun(small.url + AUTHORIZE_PATH, {}, size),
      big: () => loadRun(big.url + AUTHORIZE_PATH, {}, size),
    });
    const proxyRatio = pairedRatio(proxy, "big", "small");
    const authorizeRatio = pairedRatio(authorize, "big", "small");
    return {
      proxy: { ...proxy, ratio: proxyRatio, goal: goal(proxyRatio, SCALE_GOALS.throughput) },
      authorize: {
        ...authorize,
        ratio: authorizeRatio,
        goal: goal(authorizeRatio, SCALE_GOALS.throughput),
      },
      load: loadBefore,
    };
  } finally {
    await Promise.all([small.stop(), big.stop()]);
  }
}

function loadRun(url, options, size) {
  return load({ url, duration: size.duration, ...options });
}

async function logins(gatewayUrl, count) {
  const cookies = [];
  for (let i = 0; i < count; i++) cookies.push(await bffLogin(gatewayUrl));
  return cookies;
}

/**
 * `size.expiredFlows` expired flows in the big store, then proxy load on a gateway whose
 * clean-up is triggered at a known moment: p99 of the requests in flight during it vs
 * p99 of the seconds before.
 */
export async function cleanupRun(emulator, databaseUrl, size) {
  log(`${size.expiredFlows.toLocaleString("en-US")} expired flows, then the clean-up under load`);
  const target = await openTarget(databaseUrl);
  try {
    await fillExpiredFlows(target, size.expiredFlows);
    await target.query("analyze");
  } finally {
    await target.close();
  }
  const gateway = await startGatewayProcess(
    emulator.url,
    databaseUrl,
    {},
    {
      script: ["bench/gateway-harness.js"],
    },
  );
  try {
    const cookies = await logins(gateway.url, size.logins);
    const recorder = recordLoad({ url: `${gateway.url}/api/soundcloud/me`, cookies });
    // The baseline window: long enough for a p99 of a few hundred requests even on a busy
    // machine (a full run at load 20 had 4 requests in 3 s, and a p99 of 4 is their max).
    await sleep(size.baseline * 1000);
    const begin = performance.now();
    const reply = gateway.waitForOutput(
      /cleanup: (\d+) rows in (\d+) ms|cleanup failed: .*/,
      600_000,
    );
    gateway.child.kill("SIGUSR2");
    const match = await reply;
    const end = performance.now();
    await sleep(1000);
    const samples = await recorder.stop();
    if (!match[1]) throw new Error(match[0]);
    const before = samples.filter((s) => s.end < begin && s.start > begin - size.baseline * 1000);
    const during = samples.filter((s) => s.end > begin && s.start < end);
    const latency = (list) => list.map((s) => s.end - s.start);
    const p99Before = percentile(latency(before), 99);
    const p99During = percentile(latency(during), 99);
    const value = ratio(p99During, p99Before, 2);
    return {
      deleted_rows: Number(match[1]),
      cleanup_ms: Number(match[2]),
      requests_before: before.length,
      requests_during: during.length,
      failures: samples.filter((s) => !s.ok).length,
      p99_before_ms: Math.round(p99Before),
      p99_during_ms: Math.round(p99During),
      max_during_ms: Math.round(Math.max(...latency(during))),
      ratio: value,
      goal: goal(value, SCALE_GOALS.cleanup_p99),
    };
  } finally {
    await gateway.stop();
  }
}

/**
 * `size.expiredUsers` real grants (from the emulator, for the gateway's client) stored
 * with expired access tokens behind sessions; then one call per user, all at once, spread
 * over `size.instances` gateways on one Postgres database.
 */
export async function expiredUsersRun(emulator, databaseUrl, size, { nodeArgs = [] } = {}) {
  const count = size.expiredUsers;
  log(
    `${count.toLocaleString("en-US")} users with expired tokens across ${size.instances} instances`,
  );
  await registerGatewayClient(emulator.url);
  const grants = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      while (next < count) grants[next++] = await userGrant(emulator.url, GATEWAY_CLIENT);
    }),
  );
  const now = Date.now();
  const cookies = grants.map((_, i) => `bench-expired-${i}-${now}`);
  const connections = grants.map((grant) =>
    connectionRow({
      now,
      accessToken: grant.accessToken,
      refreshToken: grant.refreshToken,
      expiresAt: now - 60_000,
    }),
  );
  const target = await openTarget(databaseUrl);
  try {
    await target.insert("connections", connections);
    await target.insert(
      "sessions",
      connections.map((c, i) => sessionRow({ cookie: cookies[i], connectionId: c.id, now })),
    );
  } finally {
    await target.close();
  }
  await post(`${emulator.url}/_emulator/tokens/expire`, {});

  const gateways = [];
  try {
    for (let i = 0; i < size.instances; i++)
      gateways.push(await startGatewayProcess(emulator.url, databaseUrl, {}, { nodeArgs }));
    const before = await stats(emulator.url);
    const errors = {};
    // CPU time (not wall time) is what the machine's load does not inflate much.
    const gatewayCpu = () => gateways.reduce((sum, g) => sum + cpuMs(g.child.pid), 0);
    const cpuBefore = { gateways: gatewayCpu(), emulator: cpuMs(emulator.child.pid) };
    const started = performance.now();
    const statuses = await Promise.all(
      cookies.map((cookie, i) =>
        fetch(`${gateways[i % gateways.length].url}/api/soundcloud/me`, {
          headers: { Cookie: `soundgate_session=${cookie}` },
          signal: AbortSignal.timeout(120_000),
        }).then(
          async (r) => {
            const body = await r.text();
            if (r.status !== 200) {
              // What went wrong, by status and message: "503 The gateway's database…".
              const key = `${r.status} ${safeJson(body)?.message ?? body.slice(0, 80)}`;
              errors[key] = (errors[key] ?? 0) + 1;
            }
            return r.status;
          },
          (error) => {
            if (error.name === "TimeoutError") return "timeout";
            const key = `network ${error.cause?.code ?? ""} ${error.cause?.message ?? error.message} after ${Math.round((performance.now() - started) / 10_000) * 10} s`;
            errors[key] = (errors[key] ?? 0) + 1;
            return "network";
          },
        ),
      ),
    );
    const ms = Math.round(performance.now() - started);
    const cpu = {
      gateways_ms: Math.round(gatewayCpu() - cpuBefore.gateways),
      emulator_ms: Math.round(cpuMs(emulator.child.pid) - cpuBefore.emulator),
    };
    const after = await stats(emulator.url);
    const byStatus = {};
    for (const s of statuses) byStatus[s] = (byStatus[s] ?? 0) + 1;
    return {
      users: count,
      instances: size.instances,
      upstream_refreshes: after.token_requests.refresh_token - before.token_requests.refresh_token,
      refresh_reuse: after.refresh_reuse - before.refresh_reuse,
      invalid_grant: after.token_errors.invalid_grant - before.token_errors.invalid_grant,
      failures: statuses.filter((s) => s !== 200).length,
      statuses: byStatus,
      errors,
      ms,
      cpu,
      // Instances that did not exit on SIGTERM within 15 s (and were killed).
      killed_on_stop: (await Promise.all(gateways.splice(0).map((g) => g.stop()))).filter(Boolean)
        .length,
    };
  } finally {
    await Promise.all(gateways.map((g) => g.stop()));
  }
}

function safeJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function lines(r) {
  const out = [
    `scale run (${r.quick ? "quick" : "full"}), load ${r.load_at_start.load_1m} at start`,
  ];
  for (const [name, s] of [
    ["SQLite", r.sqlite],
    ["Postgres", r.postgres],
  ]) {
    if (!s) continue;
    if (s.skipped) {
      out.push(`${name}: skipped (${s.skipped})`);
      continue;
    }
    const users = r.size.users.toLocaleString("en-US");
    const few = r.size.small.toLocaleString("en-US");
    out.push(
      `${name}: filled ${users} users in ${Math.round(s.fill.big_ms / 1000)} s`,
      `  proxy /me with ${users} users vs ${few}: ${Math.round(s.proxy.big.rps)} vs ${Math.round(s.proxy.small.rps)} req/s → ${s.proxy.ratio} (goal ${goalText(s.proxy.goal)}; p99 ${s.proxy.big.p99} vs ${s.proxy.small.p99} ms)`,
      `  /authorize with ${users} users vs ${few}: ${Math.round(s.authorize.big.rps)} vs ${Math.round(s.authorize.small.rps)} req/s → ${s.authorize.ratio} (goal ${goalText(s.authorize.goal)})`,
      ...(s.upgrade
        ? [
            `  first start on each file (${s.upgrade.pending_migrations.length ? `runs ${s.upgrade.pending_migrations.join(", ")}` : "no migrations newer than bench/fill.js"}): big ${s.upgrade.big_first_start_ms} ms, small ${s.upgrade.small_first_start_ms} ms`,
          ]
        : []),
      s.startup.small_median_ms === undefined
        ? `  start-up to first 200 on the big database: median ${s.startup.big_median_ms} ms`
        : `  start-up + migrations to first 200 on the big file: median ${s.startup.big_median_ms} ms (small file ${s.startup.small_median_ms} ms; goal ${goalText(s.startup.goal, " ms")})`,
      `  clean-up of ${s.cleanup.deleted_rows.toLocaleString("en-US")} expired rows took ${s.cleanup.cleanup_ms} ms; proxy p99 during it ${s.cleanup.p99_during_ms} ms (max ${s.cleanup.max_during_ms}) vs ${s.cleanup.p99_before_ms} ms before → ${s.cleanup.ratio}× (goal ${goalText(s.cleanup.goal, "×")}; ${s.cleanup.requests_during} requests during, ${s.cleanup.failures} failed)`,
    );
    if (s.expired_users) {
      const e = s.expired_users;
      out.push(
        `  ${e.users.toLocaleString("en-US")} users with expired tokens, one call each at once over ${e.instances} instances: ${e.upstream_refreshes} upstream refreshes, ${e.failures} failures, ${e.refresh_reuse} reuse, ${e.invalid_grant} invalid_grant, ${e.ms} ms; gateways' CPU ${Math.round(e.cpu.gateways_ms / e.users)} ms per call, the emulator's ${Math.round(e.cpu.emulator_ms / e.users)} (statuses ${JSON.stringify(e.statuses)}; ${e.killed_on_stop} of ${e.instances} instances had to be killed, SIGTERM did not stop them)`,
        ...Object.entries(e.errors).map(([what, n]) => `    ${n} × ${what}`),
      );
    }
  }
  return out;
}
