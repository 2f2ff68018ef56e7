// The Postgres store under load and faults, with real `soundgate serve` processes: more
// concurrent refreshes than the pool has connections, made-up tokens flooding /refresh,
// and every gateway connection terminated by the server mid-load. Whatever happens,
// every request is answered (never a hang), nothing answers 500 and no process exits.

import { once } from "node:events";
import type { TestEmulator } from "@soundgate/test-support/emulator";
import { test } from "@soundgate/test-support/fixtures";
import { loginViaBff, loginViaRedirect, refreshAt } from "@soundgate/test-support/gateway";
import {
  type GatewayProcess,
  PROCESS_PUBLIC_URL as PUBLIC,
  spawnGatewayFor,
} from "@soundgate/test-support/gateway-process";
import type { TestDatabase } from "@soundgate/test-support/postgres";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";

const CLIENT = { client_id: "pool-client", client_secret: "pool-secret" };
const POOL_SIZE = 4;
/** Longer than any bound the gateway has (connection wait, lock wait: 2 s here). */
const ANSWER_WITHIN_MS = 12_000;

let emulator: TestEmulator;
let database: TestDatabase | undefined;
const running: GatewayProcess[] = [];

test.override(
  "emulatorOptions",
  { scope: "file" },
  {
    rateLimits: { client_credentials_per_ip: 1_000_000 },
  },
);
// The file's emulator and Postgres database (none: the tests skip), for the helpers below.
test.beforeAll(({ emulator: fileEmulator, maybePostgres }) => {
  emulator = fileEmulator;
  database = maybePostgres;
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((g) => g.stop()));
});

async function start(env: Record<string, string> = {}): Promise<GatewayProcess> {
  const gateway = await spawnGatewayFor(emulator, database?.url as string, CLIENT, {
    SOUNDGATE_DB_POOL_SIZE: String(POOL_SIZE),
    SOUNDGATE_DB_CONNECT_TIMEOUT_MS: "2000",
    SOUNDGATE_DB_LOCK_TIMEOUT_MS: "2000",
    ...env,
  });
  running.push(gateway);
  return gateway;
}

/** A statement on the test database, outside the gateways' pools. */
function sql(text: string, values: unknown[] = []) {
  if (!database) throw new Error("no test database");
  return database.query(text, values);
}

/** Every token stored and issued is expired: the next call of every user refreshes. */
async function expireEverything(): Promise<void> {
  await sql("update connections set expires_at = 0");
  await fetch(`${emulator.url}/_emulator/tokens/expire`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: "{}",
  });
}

interface Answer {
  status: number;
  ms: number;
  body: string;
}

/** A request that must be answered within ANSWER_WITHIN_MS; status 0 = no answer. */
async function timed(url: string, init: RequestInit = {}): Promise<Answer> {
  const started = performance.now();
  try {
    const signal = init.signal ?? AbortSignal.timeout(ANSWER_WITHIN_MS);
    const response = await fetch(url, { ...init, signal });
    const body = await response.text();
    return { status: response.status, ms: performance.now() - started, body };
  } catch (error) {
    return { status: 0, ms: performance.now() - started, body: (error as Error).name };
  }
}

function tally(answers: Answer[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const a of answers) counts[a.status] = (counts[a.status] ?? 0) + 1;
  return counts;
}

describe("the Postgres store under load", () => {
  it(`answers more concurrent refreshes of distinct grants than the pool has connections (${POOL_SIZE})`, async (context) => {
    if (!database) return context.skip();
    const gateway = await start();
    const users = 6 * POOL_SIZE;
    const cookies: string[] = [];
    for (let i = 0; i < users; i++) {
      cookies.push((await loginViaBff(emulator, gateway, { returnTo: `${PUBLIC}/` })).jar.header());
    }
    await expireEverything();
    const before = await emulator.stats();
    const [answers, health] = await Promise.all([
      Promise.all(
        cookies.map((cookie) =>
          timed(`${gateway.url}/api/soundcloud/me`, { headers: { Cookie: cookie } }),
        ),
      ),
      // The health check shares the pool: it must not wait behind the refreshes forever.
      new Promise((resolve) => setTimeout(resolve, 20)).then(() => timed(`${gateway.url}/healthz`)),
    ]);
    console.log(
      `${users} concurrent refreshes on a pool of ${POOL_SIZE}: ${JSON.stringify(tally(answers))}, slowest ${Math.round(Math.max(...answers.map((a) => a.ms)))} ms; healthz ${health.status} in ${Math.round(health.ms)} ms`,
    );
    expect(answers.filter((a) => a.status === 0)).toEqual([]);
    expect(health.status).not.toBe(0);
    // Each grant refreshed once, every user served, none spent twice.
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const stats = await emulator.stats();
    expect(stats.token_requests.refresh_token - before.token_requests.refresh_token).toBe(users);
    expect(stats.refresh_reuse).toBe(before.refresh_reuse);
    const rows = await sql("select status from connections");
    expect(rows.every((r) => r.status === "active")).toBe(true);
  }, 120_000);

  it("refreshes on the smallest pool (SOUNDGATE_DB_POOL_SIZE=1), browser-held (DPoP) and BFF grants alike", async (context) => {
    if (!database) return context.skip();
    // One place for lock holders, one for the rest: any wait past the connect timeout
    // would answer 503.
    const gateway = await start({
      SOUNDGATE_DB_POOL_SIZE: "1",
      SOUNDGATE_DB_CONNECT_TIMEOUT_MS: "1000",
    });
    const before = await emulator.stats();
    const browser = await loginViaRedirect(emulator, gateway, { return_to: `${PUBLIC}/` });
    let token = browser.refresh_token;
    for (let round = 0; round < 2; round++) {
      const response = await refreshAt(gateway, token, browser.dpop);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { refresh_token: string };
      expect(body.refresh_token).not.toBe(token);
      token = body.refresh_token;
    }
    const cookie = (await loginViaBff(emulator, gateway, { returnTo: `${PUBLIC}/` })).jar.header();
    await sql("update connections set expires_at = 0");
    const call = await timed(`${gateway.url}/api/soundcloud/me`, { headers: { Cookie: cookie } });
    expect(call.status).toBe(200);
    const stats = await emulator.stats();
    expect(stats.token_requests.refresh_token - before.token_requests.refresh_token).toBe(3);
    expect(stats.refresh_reuse).toBe(before.refresh_reuse);
  }, 60_000);

  it("keeps a browser refresh's reads and writes on its lock's connection: a stuck query connection does not hold it up", async (context) => {
    if (!database) return context.skip();
    // A pool of two: one connection for lock holders, one for every other query. The
    // refresh's writes under its lock (grace entry, binding) must not need the second.
    const gateway = await start({
      SOUNDGATE_DB_POOL_SIZE: "2",
      SOUNDGATE_DB_CONNECT_TIMEOUT_MS: "300",
    });
    const browser = await loginViaRedirect(emulator, gateway, { return_to: `${PUBLIC}/` });
    const cookie = (await loginViaBff(emulator, gateway, { returnTo: `${PUBLIC}/` })).jar.header();
    const blocker = new pg.Client({ connectionString: database.url });
    blocker.on("error", () => {});
    await blocker.connect();
    const until = async (what: string, condition: string) => {
      for (let waited = 0; ; waited += 20) {
        const rows = await sql(
          `select 1 from pg_stat_activity where datname = current_database()
           and pid <> pg_backend_pid() and ${condition}`,
        );
        if (rows.length > 0) return;
        if (waited > 5_000) throw new Error(`never saw ${what}`);
        await sleep(20);
      }
    };
    await emulator.configure({ latency_ms: 1_000 });
    try {
      const refreshing = refreshAt(gateway, browser.refresh_token, browser.dpop);
      // The refresh holds its lock (a transaction waiting on SoundCloud)...
      await until("the lock's transaction", "state = 'idle in transaction'");
      // ...when the query connection gets stuck on a table another session holds.
      await blocker.query("begin; lock table sessions in access exclusive mode");
      const stuck = timed(`${gateway.url}/auth/session`, { headers: { Cookie: cookie } });
      await until("the stuck query", "wait_event_type = 'Lock'");
      const response = await refreshing;
      expect(response.status).toBe(200);
      await blocker.query("commit");
      expect((await stuck).status).toBe(200);
    } finally {
      await emulator.configure({ latency_ms: 0 });
      await blocker.end();
    }
  }, 60_000);

  it("answers 20 concurrent /refresh calls with made-up tokens (Starlib profile), none hangs", async (context) => {
    if (!database) return context.skip();
    const gateway = await start({ SOUNDGATE_COMPAT: "starlib" });
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        timed(`${gateway.url}/auth/soundcloud/refresh`, {
          method: "POST",
          headers: { "Content-Type": "application/json", Origin: PUBLIC },
          body: JSON.stringify({ refresh_token: `made-up-${i}-${Math.random()}` }),
        }),
      ),
    );
    console.log(
      `20 made-up refresh tokens: ${JSON.stringify(tally(answers))}, slowest ${Math.round(Math.max(...answers.map((a) => a.ms)))} ms`,
    );
    expect(answers.filter((a) => a.status === 0)).toEqual([]);
    // SoundCloud refuses each (invalid_grant): 401 reauth_required, or 503 when a bound was reached.
    for (const answer of answers) {
      expect([401, 503]).toContain(answer.status);
      expect(JSON.parse(answer.body)).toHaveProperty("error");
    }
    expect((await timed(`${gateway.url}/healthz`)).status).toBe(200);
  }, 60_000);

  it("keeps every instance up through pg_terminate_backend of all its connections mid-load: no exit, no 500, then all succeed", async (context) => {
    if (!database) return context.skip();
    // Short tokens and a slow SoundCloud: refreshes (and their locks) are in flight when
    // the connections go.
    await emulator.configure({ access_token_ttl_s: 4, latency_ms: 40 });
    try {
      const gateways = [await start(), await start()];
      const users = 12;
      const cookies: string[] = [];
      for (let i = 0; i < users; i++) {
        const at = gateways[i % 2] as GatewayProcess;
        cookies.push((await loginViaBff(emulator, at, { returnTo: `${PUBLIC}/` })).jar.header());
      }
      const before = await emulator.stats();
      const answers: Answer[] = [];
      let running = true;
      const load = cookies.map(async (cookie, i) => {
        let n = i;
        while (running) {
          const at = gateways[n++ % 2] as GatewayProcess;
          answers.push(await timed(`${at.url}/api/soundcloud/me`, { headers: { Cookie: cookie } }));
        }
      });
      let terminated = 0;
      for (let round = 0; round < 3; round++) {
        await sleep(1_500);
        terminated += await terminateAll();
      }
      await sleep(1_500);
      running = false;
      await Promise.all(load);
      console.log(
        `terminated ${terminated} connections in 3 rounds during ${answers.length} calls: ${JSON.stringify(tally(answers))}`,
      );
      expect(terminated).toBeGreaterThan(0);
      for (const gateway of gateways) expect(gateway.child.exitCode).toBeNull();
      expect(
        answers.filter((a) => a.status === 0 || (a.status >= 500 && a.status !== 503)),
      ).toEqual([]);
      for (const a of answers.filter((x) => x.status === 503)) {
        expect(JSON.parse(a.body)).toMatchObject({ error: "store_unavailable" });
      }
      // The next requests all succeed, on both instances, and no refresh token was spent twice.
      const after = await Promise.all(
        cookies.flatMap((cookie) =>
          gateways.map((g) => timed(`${g.url}/api/soundcloud/me`, { headers: { Cookie: cookie } })),
        ),
      );
      expect(tally(after)).toEqual({ 200: 2 * users });
      expect((await emulator.stats()).refresh_reuse).toBe(before.refresh_reuse);
      for (const g of gateways) expect(g.output()).not.toMatch(/Unhandled|uncaught/i);
    } finally {
      await emulator.configure({ access_token_ttl_s: 3599, latency_ms: 0 });
    }
  }, 120_000);

  it("answers 503 store_unavailable with Retry-After, not 500, when no connection comes free within its bound", async (context) => {
    if (!database) return context.skip();
    // A pool of two: one connection for lock holders, one for every other query.
    const gateway = await start({
      SOUNDGATE_DB_POOL_SIZE: "2",
      SOUNDGATE_DB_CONNECT_TIMEOUT_MS: "300",
    });
    const cookie = (await loginViaBff(emulator, gateway, { returnTo: `${PUBLIC}/` })).jar.header();
    // A stuck database, as the gateway sees it: its query connection waits on a table
    // another session holds, and nothing comes free.
    const blocker = new pg.Client({ connectionString: database.url });
    blocker.on("error", () => {});
    await blocker.connect();
    try {
      await blocker.query("begin; lock table sessions in access exclusive mode");
      const stuck = timed(`${gateway.url}/auth/session`, { headers: { Cookie: cookie } });
      for (let waited = 0; ; waited += 20) {
        const rows = await sql(
          `select 1 from pg_stat_activity where datname = current_database()
           and wait_event_type = 'Lock' and pid <> pg_backend_pid()`,
        );
        if (rows.length > 0) break;
        if (waited > 5_000) throw new Error("the first request never waited on the table");
        await sleep(20);
      }
      const started = performance.now();
      const response = await fetch(`${gateway.url}/auth/session`, { headers: { Cookie: cookie } });
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toBe("2");
      expect(await response.json()).toMatchObject({ error: "store_unavailable" });
      expect(performance.now() - started).toBeLessThan(3_000);
      await blocker.query("commit");
      expect((await stuck).status).toBe(200);
    } finally {
      await blocker.end();
    }
  }, 60_000);

  it("answers 503 with Retry-After when a refresh waits for a lock holder's place past SOUNDGATE_DB_QUEUE_TIMEOUT_MS", async (context) => {
    if (!database) return context.skip();
    // A pool of two: one place for a refresh holding its lock's connection.
    const gateway = await start({
      SOUNDGATE_DB_POOL_SIZE: "2",
      SOUNDGATE_DB_QUEUE_TIMEOUT_MS: "300",
    });
    const first = (await loginViaBff(emulator, gateway, { returnTo: `${PUBLIC}/` })).jar.header();
    const second = (await loginViaBff(emulator, gateway, { returnTo: `${PUBLIC}/` })).jar.header();
    await sql("update connections set expires_at = 0");
    await emulator.configure({ latency_ms: 2_000 });
    try {
      const slow = timed(`${gateway.url}/api/soundcloud/me`, { headers: { Cookie: first } });
      await sleep(400);
      const started = performance.now();
      const response = await fetch(`${gateway.url}/api/soundcloud/me`, {
        headers: { Cookie: second },
      });
      const waited = performance.now() - started;
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toBe("2");
      expect(await response.json()).toMatchObject({ error: "store_unavailable" });
      // The queue's bound, not the default minute (nor SoundCloud's answer to the first).
      expect(waited).toBeLessThan(1_500);
      expect((await slow).status).toBe(200);
    } finally {
      await emulator.configure({ latency_ms: 0 });
    }
  }, 60_000);
});

describe("the Postgres store on SIGTERM", () => {
  /** The only user, whose stored access token has expired, on a gateway of its own. */
  async function expiredUser(instanceId: string) {
    const gateway = await start({
      SOUNDGATE_INSTANCE_ID: instanceId,
      SOUNDGATE_SHUTDOWN_TIMEOUT_MS: "10000",
    });
    // This user's row alone (the tables exist once a gateway has started).
    await sql("delete from sessions");
    await sql("delete from connections");
    const cookie = (await loginViaBff(emulator, gateway, { returnTo: `${PUBLIC}/` })).jar.header();
    await sql("update connections set expires_at = 0");
    return { gateway, cookie };
  }

  /** The connection row, once the gateway process has exited 0. */
  async function afterExit(gateway: GatewayProcess) {
    const [code, signal] = await once(gateway.child, "exit");
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    const rows = await sql("select status, refreshed_by, expires_at from connections");
    expect(rows).toHaveLength(1);
    return rows[0] as { status: string; refreshed_by: string; expires_at: number };
  }

  it("finishes the refresh in flight, commits it, then closes the pool and exits 0", async (context) => {
    if (!database) return context.skip();
    const { gateway, cookie } = await expiredUser("draining-pg");
    await emulator.configure({ latency_ms: 1_000 });
    try {
      const inFlight = timed(`${gateway.url}/api/soundcloud/me`, { headers: { Cookie: cookie } });
      await sleep(300);
      const exited = afterExit(gateway);
      gateway.child.kill("SIGTERM");
      expect((await inFlight).status).toBe(200);
      const row = await exited;
      expect(row).toMatchObject({ status: "active", refreshed_by: "draining-pg" });
      expect(Number(row.expires_at)).toBeGreaterThan(Date.now());
    } finally {
      await emulator.configure({ latency_ms: 0 });
    }
  }, 60_000);

  it("commits a refresh whose client gave up before the pool closes: the user is not lost", async (context) => {
    if (!database) return context.skip();
    const { gateway, cookie } = await expiredUser("abandoned-pg");
    const before = await emulator.stats();
    await emulator.configure({ latency_ms: 1_500 });
    try {
      // The client leaves while SoundCloud is answering the refresh: no request is in
      // flight any more when SIGTERM comes, but the refresh (shared, never cancelled) is.
      const gaveUp = await timed(`${gateway.url}/api/soundcloud/me`, {
        headers: { Cookie: cookie },
        signal: AbortSignal.timeout(300),
      });
      expect(gaveUp.status).toBe(0);
      const exited = afterExit(gateway);
      gateway.child.kill("SIGTERM");
      const row = await exited;
      expect(row).toMatchObject({ status: "active", refreshed_by: "abandoned-pg" });
      expect(Number(row.expires_at)).toBeGreaterThan(Date.now());
    } finally {
      await emulator.configure({ latency_ms: 0 });
    }
    // Another instance serves the user with the stored tokens; nothing was spent twice.
    const next = await start();
    const again = await timed(`${next.url}/api/soundcloud/me`, { headers: { Cookie: cookie } });
    expect(again.status).toBe(200);
    expect((await emulator.stats()).refresh_reuse).toBe(before.refresh_reuse);
  }, 60_000);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Ends every connection to the test database but the one asking. */
async function terminateAll(): Promise<number> {
  const rows = await sql(
    `select pg_terminate_backend(pid) from pg_stat_activity
     where datname = current_database() and pid <> pg_backend_pid()`,
  );
  return rows.length;
}
