// Several Auth.js instances on one PostgreSQL database: JWT sessions coordinated through
// postgresCoordination's lock and grace table, and database sessions with the real
// @auth/pg-adapter, refreshed through the accounts table.
import { Auth, type AuthConfig } from "@auth/core";
import PostgresAdapter from "@auth/pg-adapter";
import { consentAtEmulator } from "@soundgate/test-support/consent";
import type { TestEmulator } from "@soundgate/test-support/emulator";
import { test } from "@soundgate/test-support/fixtures";
import { CookieJar } from "@soundgate/test-support/gateway";
import type { TestDatabase } from "@soundgate/test-support/postgres";
import { type ServedApp, serveFetch } from "@soundgate/test-support/serve-fetch";
import pg from "pg";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { postgresCoordination } from "./postgres.js";
import SoundCloud from "./provider.js";
import { type SoundCloudRefresh, soundcloudRefresh } from "./refresh.js";

const APP = { client_id: "authjs-pg-app", client_secret: "authjs-pg-app-secret" };
const SECRET = "another-test-secret-of-at-least-thirty-two-chars";
/** An emulator token where a value starts (not letters inside base64url ciphertext). */
const TOKEN_START = /(^|[^\w-])(at|rt)_/;

// The schema @auth/pg-adapter documents.
const AUTHJS_SCHEMA = `
create table verification_token (identifier text not null, expires timestamptz not null, token text not null, primary key (identifier, token));
create table accounts (id serial, "userId" integer not null, type varchar(255) not null, provider varchar(255) not null,
  "providerAccountId" varchar(255) not null, refresh_token text, access_token text, expires_at bigint, id_token text,
  scope text, session_state text, token_type text, primary key (id));
create table sessions (id serial, "userId" integer not null, expires timestamptz not null, "sessionToken" varchar(255) not null, primary key (id));
create table users (id serial, name varchar(255), email varchar(255), "emailVerified" timestamptz, image text, primary key (id));`;

let emulator: TestEmulator;
let database: TestDatabase | undefined;
const pools: pg.Pool[] = [];
const servers: ServedApp[] = [];
const redirectUris: string[] = [];
let clock = Date.now();

interface Instance {
  url: string;
  refresh: SoundCloudRefresh;
  pool: pg.Pool;
}

/** One "instance": its own pool, its own Auth.js config and refresh helper, its own HTTP server. */
async function instance(strategy: "jwt" | "database", poolSize = 10): Promise<Instance> {
  const pool = new pg.Pool({ connectionString: database?.url, max: poolSize });
  pools.push(pool);
  const coordination = postgresCoordination(pool);
  const refresh = soundcloudRefresh({
    clientId: APP.client_id,
    clientSecret: APP.client_secret,
    endpoints: emulator.endpoints,
    now: () => clock,
    lock: coordination.lock,
    graceStore: coordination.graceStore,
    accounts: coordination.accounts,
  });
  const config: AuthConfig = {
    basePath: "/auth",
    secret: SECRET,
    trustHost: true,
    session: { strategy },
    ...(strategy === "database" ? { adapter: PostgresAdapter(pool) } : {}),
    providers: [
      SoundCloud({
        clientId: APP.client_id,
        clientSecret: APP.client_secret,
        endpoints: emulator.endpoints,
      }),
    ],
    callbacks: { jwt: refresh.jwt, session: refresh.session },
    logger: { error: () => {}, warn: () => {}, debug: () => {} },
  };
  const served = await serveFetch((request) => Auth(request, config));
  servers.push(served);
  redirectUris.push(`${served.url}/auth/callback/soundcloud`);
  await emulator.register({ ...APP, redirect_uris: redirectUris });
  return { url: served.url, refresh, pool };
}

async function signIn(at: Instance, user = "nightjar-audio"): Promise<CookieJar> {
  const jar = new CookieJar();
  const csrf = await fetch(`${at.url}/auth/csrf`);
  jar.take(csrf);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const start = await fetch(`${at.url}/auth/signin/soundcloud`, {
    method: "POST",
    headers: { Cookie: jar.header(), "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ csrfToken, callbackUrl: `${at.url}/` }),
    redirect: "manual",
  });
  jar.take(start);
  const callback = await consentAtEmulator(start.headers.get("location") ?? "", { user });
  const back = await fetch(callback, { headers: { Cookie: jar.header() }, redirect: "manual" });
  jar.take(back);
  expect(back.headers.get("location")).toBe(`${at.url}/`);
  return jar;
}

async function readSession(at: Instance, cookie: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${at.url}/auth/session`, { headers: { Cookie: cookie } });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

// The file's emulator and Postgres database (none: the tests skip), for the helpers below.
test.beforeAll(async ({ emulator: fileEmulator, maybePostgres }) => {
  emulator = fileEmulator;
  database = maybePostgres;
  if (!database) return;
  const admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
  await admin.query(AUTHJS_SCHEMA);
  await admin.end();
});
afterAll(async () => {
  for (const server of servers) await server.close();
  for (const pool of pools) await pool.end();
});
beforeEach(async () => {
  await emulator.reset();
  clock = Date.now();
  if (database) {
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    await admin.query("truncate accounts, sessions, users");
    await admin.end();
  }
});

describe("Auth.js on PostgreSQL", () => {
  it("JWT sessions on two instances: 50 concurrent reads after expiry → 1 refresh", async (context) => {
    if (!database) return context.skip();
    const [a, b] = [await instance("jwt"), await instance("jwt")] as [Instance, Instance];
    const jar = await signIn(a);
    clock += 2 * 3_600_000;
    const cookie = jar.header();
    const bodies = await Promise.all(
      Array.from({ length: 50 }, (_, i) => readSession(i % 2 ? b : a, cookie)),
    );
    for (const body of bodies) {
      expect(body).toMatchObject({ user: { name: "Mara Lindqvist" } });
      expect(body).not.toHaveProperty("error");
    }
    const stats = await emulator.stats();
    expect(stats.token_requests.refresh_token).toBe(1);
    expect(stats.token_errors.invalid_grant).toBe(0);
    // The grace entry is a hash and a sealed value: no token in the table. A token starts
    // a value (`at_…`, `rt_…`); inside base64url ciphertext those letters occur by chance.
    const { rows } = await a.pool.query("select id, sealed from soundgate_refresh_grace");
    expect(rows.length).toBeGreaterThan(0);
    expect(JSON.stringify(rows)).not.toMatch(TOKEN_START);
  });

  it("database sessions (@auth/pg-adapter) on two instances: 1 refresh, the rotated token stored", async (context) => {
    if (!database) return context.skip();
    const [a, b] = [await instance("database"), await instance("database")] as [Instance, Instance];
    const jar = await signIn(a, "copperline");
    const cookie = jar.header();
    expect(await readSession(b, cookie)).toMatchObject({ user: { name: "Theo Okafor" } });
    const before = await a.pool.query(
      `select "userId", "providerAccountId", refresh_token from accounts where provider = 'soundcloud'`,
    );
    expect(before.rows).toHaveLength(1);
    const { userId, providerAccountId, refresh_token: oldRefresh } = before.rows[0];
    expect(providerAccountId).toBe("soundcloud:users:1000002");

    await a.pool.query(`update accounts set expires_at = $1 where "userId" = $2`, [
      Math.floor(Date.now() / 1000) - 10,
      userId,
    ]);
    const bodies = await Promise.all(
      Array.from({ length: 50 }, (_, i) => readSession(i % 2 ? b : a, cookie)),
    );
    for (const body of bodies) expect(body).not.toHaveProperty("error");
    const stats = await emulator.stats();
    expect(stats.token_requests.refresh_token).toBe(1);
    expect(stats.token_errors.invalid_grant).toBe(0);

    const after = await a.pool.query(
      `select access_token, refresh_token, expires_at from accounts where "userId" = $1`,
      [userId],
    );
    expect(after.rows[0].refresh_token).not.toBe(oldRefresh);
    expect(Number(after.rows[0].expires_at) * 1000).toBeGreaterThan(Date.now());
    // getAccessToken hands out the stored, working token without another refresh.
    const token = await b.refresh.getAccessToken(String(userId));
    expect(token).toBe(after.rows[0].access_token);
    const me = await fetch(`${emulator.url}/me`, { headers: { Authorization: `OAuth ${token}` } });
    expect(me.status).toBe(200);
    expect((await emulator.stats()).token_requests.refresh_token).toBe(1);
  });

  it("database sessions: a refused refresh token → session.error RefreshTokenError, and it is forgotten", async (context) => {
    if (!database) return context.skip();
    const a = await instance("database");
    const jar = await signIn(a, "saltmarsh");
    const { rows } = await a.pool.query(
      `select "userId" from accounts where "providerAccountId" = 'soundcloud:users:1000003'`,
    );
    const userId = rows[0]?.userId;
    await a.pool.query(`update accounts set expires_at = 1 where "userId" = $1`, [userId]);
    await emulator.configure({
      fail_next: { target: "token", status: 400, error: "invalid_grant" },
    });
    expect(await readSession(a, jar.header())).toMatchObject({ error: "RefreshTokenError" });
    expect(await readSession(a, jar.header())).toMatchObject({ error: "RefreshTokenError" });
    const stored = await a.pool.query(`select refresh_token from accounts where "userId" = $1`, [
      userId,
    ]);
    expect(stored.rows[0].refresh_token).toBeNull();
    expect((await emulator.stats()).token_requests.refresh_token).toBe(1);
  });

  it("a pool of 2 connections with 6 users refreshing at once on two instances does not deadlock", async (context) => {
    if (!database) return context.skip();
    const [a, b] = [await instance("database", 2), await instance("database", 2)] as [
      Instance,
      Instance,
    ];
    const users = [
      "nightjar-audio",
      "copperline",
      "saltmarsh",
      "velvet-transit",
      "hollow-oak",
      "blue-hour-fm",
    ];
    const jars = [];
    for (const user of users) jars.push(await signIn(a, user));
    await a.pool.query("update accounts set expires_at = 1");
    const before = (await emulator.stats()).token_requests.refresh_token;
    const bodies = await Promise.all(
      jars.flatMap((jar) =>
        Array.from({ length: 6 }, (_, i) => readSession(i % 2 ? b : a, jar.header())),
      ),
    );
    for (const body of bodies) expect(body).not.toHaveProperty("error");
    const stats = await emulator.stats();
    expect(stats.token_requests.refresh_token - before).toBe(users.length);
    expect(stats.token_errors.invalid_grant).toBe(0);
  });

  it("keeps the app up when the server ends the lock's connection mid-work; the key is free again", async (context) => {
    const db = database;
    if (!db) return context.skip();
    const pool = new pg.Pool({ connectionString: db.url, max: 2 });
    pools.push(pool);
    const { lock } = postgresCoordination(pool);
    const outcome = lock("account:terminated", async () => {
      const [holder] = await db.query(
        `select pid from pg_stat_activity
         where datname = current_database() and query like '%pg_advisory_xact_lock%'
           and pid <> pg_backend_pid()`,
      );
      await db.query("select pg_terminate_backend($1)", [holder?.pid]);
      // Long enough for the dead socket's 'error' event to fire while the client is out.
      await new Promise((resolve) => setTimeout(resolve, 200));
      return "written on the lock's connection";
    });
    // What the work wrote went with that connection's transaction: the caller must not be
    // told it was stored.
    await expect(outcome).rejects.toThrow();
    expect(await lock("account:terminated", async () => "free")).toBe("free");
  });
});
