// The Postgres store's bounds and its behaviour when the server drops connections, on the
// real server: locks that never wait on the pool, waits that end in StoreUnavailableError,
// a lock whose connection dies, and a terminated pool that heals on the next call.

import { it } from "@soundgate/test-support/fixtures";
import type { TestDatabase } from "@soundgate/test-support/postgres";
import { sql } from "kysely";
import pg from "pg";
import { afterEach, describe, expect } from "vitest";
import { earlyConnectionRead } from "./advisory-lock.js";
import type { KyselyStore } from "./kysely-store.js";
import { openPostgresStore, type PostgresStoreOptions } from "./postgres.js";
import type { ConnectionWrite, GatewayStore } from "./store.js";
import { StoreUnavailableError } from "./store-errors.js";

let database: TestDatabase;
const stores: GatewayStore[] = [];
const warnings: string[] = [];
const errors: string[] = [];
const log = {
  warn: (_: unknown, message: string) => void warnings.push(message),
  error: (_: unknown, message: string) => void errors.push(message),
};

// The file's Postgres database; each test is skipped when there is none.
it.beforeEach(({ postgres }) => {
  database = postgres;
});
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  warnings.length = 0;
  errors.length = 0;
});

async function open(options: PostgresStoreOptions = {}): Promise<KyselyStore> {
  const store = await openPostgresStore(database.url, { log, ...options });
  stores.push(store);
  return store;
}

/** A statement on the test database, outside the gateways' pools. */
function admin(text: string, values: unknown[] = []) {
  return database.query(text, values);
}

/** Ends every connection to the test database but the one asking (pg_terminate_backend). */
async function terminateAll(): Promise<number> {
  const rows = await admin(
    `select pg_terminate_backend(pid) as ok from pg_stat_activity
     where datname = current_database() and pid <> pg_backend_pid()`,
  );
  return rows.length;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Run `call` while another session holds `table` locked, terminate the call's connection
 * while it waits for the table, then let the table go: the call's connection dies
 * mid-statement, with the statement not run.
 */
async function dieMidStatement<T>(table: string, call: () => Promise<T>): Promise<T> {
  const blocker = new pg.Client({ connectionString: database.url });
  blocker.on("error", () => {});
  await blocker.connect();
  try {
    await blocker.query(`begin; lock table ${table} in access exclusive mode`);
    const pending = call();
    pending.catch(() => {}); // awaited below
    let pid: unknown;
    for (let waited = 0; pid === undefined; waited += 20) {
      if (waited > 5_000) throw new Error(`no call waited for ${table}`);
      await sleep(20);
      [{ pid } = { pid: undefined }] = await admin(
        `select pid from pg_stat_activity where datname = current_database()
         and wait_event_type = 'Lock' and pid <> pg_backend_pid()`,
      );
    }
    await admin("select pg_terminate_backend($1)", [pid]);
    await blocker.query("commit");
    return await pending;
  } finally {
    await blocker.end();
  }
}

function connection(id: string): ConnectionWrite {
  return {
    id,
    soundcloudUserId: 1,
    soundcloudUrn: "soundcloud:users:1",
    userJson: "{}",
    accessToken: "sealed-a",
    refreshToken: "sealed-r",
    scope: "",
    expiresAt: 10,
    issuedAt: 1,
  };
}

const tokens = {
  accessToken: "sealed-a2",
  refreshToken: "sealed-r2",
  scope: "",
  expiresAt: 20,
  issuedAt: 2,
};

describe("Postgres store faults", () => {
  it("runs the work under a lock on the lock's own connection: a pool of one does not deadlock", async () => {
    const store = await open({ poolSize: 1, connectTimeoutMs: 1_000 });
    await store.putConnection(connection("c1"), 1);
    const seen = await store.withLock("connection:c1", async (locked) => {
      const row = await locked.getConnection("c1");
      expect(await locked.updateConnectionTokens("c1", tokens, 1, 2, "test-instance")).toBe(true);
      return row?.version;
    });
    expect(seen).toBe(1);
    expect(await store.getConnection("c1")).toMatchObject({
      version: 2,
      refreshedAt: 2,
      refreshedBy: "test-instance",
      issuedAt: 2,
    });
  });

  it("reads the connection in the lock's round trip as it is once the lock is held: what the last holder committed", async () => {
    const store = await open();
    const other = await open();
    await store.putConnection(connection("early"), 1);
    let release!: () => void;
    const first = store.withLock("connection:early", async (locked) => {
      await new Promise<void>((resolve) => (release = resolve));
      expect(await locked.updateConnectionTokens("early", tokens, 1, 2, "first")).toBe(true);
    });
    await sleep(100);
    // Waits for the first holder; its read must see the first holder's commit.
    const second = other.withLock(
      "connection:early",
      async (locked) => ({
        early: await locked.getConnection("early"),
        again: await locked.getConnection("early"),
        missing: await locked.getConnection("no-such"),
      }),
      { readConnection: "early" },
    );
    await sleep(100);
    release();
    await first;
    const seen = await second;
    // The very row a separate read gives now, version 2 by the first holder.
    expect(seen.early).toMatchObject({ version: 2, refreshedBy: "first" });
    expect(seen.early).toEqual(await store.getConnection("early"));
    expect(seen.again).toEqual(seen.early);
    expect(seen.missing).toBeUndefined();
    // A row that is not there reads as none, as a separate read would.
    expect(
      await store.withLock("connection:gone", (locked) => locked.getConnection("gone"), {
        readConnection: "gone",
      }),
    ).toBeUndefined();
  });

  it("reads the connection early by its primary key, whatever characters its id has", async () => {
    const store = await open();
    const ids = ["plain-id", 'it\'s \\ "odd" ü 🎵', "x'; select 1; --", "back\\'slash"];
    for (const id of ids) await store.putConnection(connection(id), 1);
    for (const id of ids) {
      const row = await store.withLock(`connection:${id}`, (locked) => locked.getConnection(id), {
        readConnection: id,
      });
      expect(row).toEqual(await store.getConnection(id));
      expect(row?.id).toBe(id);
    }
    // By the index: a scan of every row under each lock stalled a burst on a million rows.
    const plan = await store.db.connection().execute(async (db) => {
      await sql`set enable_seqscan = off`.execute(db);
      try {
        const result = await sql.raw(`explain ${earlyConnectionRead(ids[1] ?? "")}`).execute(db);
        return JSON.stringify(result.rows);
      } finally {
        await sql`reset enable_seqscan`.execute(db);
      }
    });
    expect(plan).toContain("Index Scan");
  });

  it("keeps the first unfinished refresh attempt on record, for the post-mortem of a lost grant", async () => {
    const store = await open();
    await store.putConnection(connection("c6"), 1);
    await store.noteRefreshStarted("c6", 5, "instance-a");
    // A later attempt while A's never stored anything: A's stays.
    await store.noteRefreshStarted("c6", 6, "instance-b");
    expect(await store.getConnection("c6")).toMatchObject({
      refreshStartedAt: 5,
      refreshStartedBy: "instance-a",
      refreshedAt: null,
    });
    expect(await store.updateConnectionTokens("c6", tokens, 1, 7, "instance-b")).toBe(true);
    await store.noteRefreshStarted("c6", 8, "instance-c");
    expect(await store.getConnection("c6")).toMatchObject({
      refreshStartedAt: 8,
      refreshStartedBy: "instance-c",
      refreshedAt: 7,
      refreshedBy: "instance-b",
    });
  });

  it("commits what the work wrote even when it throws (a grant marked dead stays marked)", async () => {
    const store = await open();
    await store.putConnection(connection("c2"), 1);
    await expect(
      store.withLock("connection:c2", async (locked) => {
        await locked.markConnectionReauth("c2", 1, 2);
        throw new Error("reauth_required");
      }),
    ).rejects.toThrow("reauth_required");
    expect((await store.getConnection("c2"))?.status).toBe("reauth_required");
  });

  it("takes in one round trip the same lock the parameterised form takes, whatever the key's characters", async () => {
    const store = await open();
    for (const key of [
      "connection:plain",
      'connection:it\'s \\ "odd" ü 🎵',
      "refresh:a'; select 1; --",
    ]) {
      const heldElsewhere = await store.withLock(key, async () => {
        // From a connection of its own: the lock is taken if this one cannot have it.
        const [row] = await admin(
          "select pg_try_advisory_xact_lock(hashtextextended($1, 0)) as free",
          [key],
        );
        return row?.free === false;
      });
      expect(heldElsewhere).toBe(true);
    }
  });

  it("gives up waiting for another holder's lock after the lock timeout: StoreUnavailableError", async () => {
    const holder = await open();
    const waiter = await open({ lockTimeoutMs: 200 });
    let release!: () => void;
    const held = holder.withLock("k", () => new Promise<void>((resolve) => (release = resolve)));
    await sleep(100);
    const started = Date.now();
    const error = await waiter.withLock("k", async () => "never").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as StoreUnavailableError).reason).toBe("lock_timeout");
    expect(Date.now() - started).toBeLessThan(2_000);
    release();
    await held;
    // The waiter's connection is fine afterwards, and so is the lock.
    expect(await waiter.withLock("k", async () => "mine")).toBe("mine");
  });

  it("gives up waiting for a pooled connection when none comes free within the connect timeout: StoreUnavailableError", async () => {
    // A pool of 2: one place for lock holders, one for everything else, held here by a
    // query that outlasts the timeout (a stuck database, as the waiter sees it).
    const store = await open({ poolSize: 2, connectTimeoutMs: 200 });
    const stuck = sql`select pg_sleep(1.5)`.execute(store.db);
    await sleep(100);
    const started = Date.now();
    const error = await store.getConnection("x").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as StoreUnavailableError).reason).toBe("pool_timeout");
    expect(Date.now() - started).toBeLessThan(1_000);
    await stuck;
    expect(await store.getConnection("x")).toBeUndefined();
  });

  it("gives up waiting for a place among the lock holders after the queue timeout, holding no connection meanwhile", async () => {
    // A pool of two: one place for a lock holder, one connection for everything else.
    const store = await open({ poolSize: 2, connectTimeoutMs: 5_000, queueTimeoutMs: 300 });
    let release!: () => void;
    const held = store.withLock("a", () => new Promise<void>((resolve) => (release = resolve)));
    await sleep(100);
    const started = Date.now();
    const queued = store.withLock("b", async () => "never").catch((e: unknown) => e);
    // While it queues, the other connection is free for the rest of the traffic.
    expect(await store.getConnection("x")).toBeUndefined();
    const error = await queued;
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as StoreUnavailableError).reason).toBe("pool_timeout");
    expect(Date.now() - started).toBeLessThan(3_000);
    release();
    await held;
    expect(await store.withLock("b", async () => "mine")).toBe("mine");
  });

  it("waits its turn in a queue that moves, past the connect timeout: a burst is served, not refused", async () => {
    // One place for short queries, 30 callers each holding it 40 ms: the last waits
    // ~1.2 s, six times the connect timeout, and still gets its connection.
    const store = await open({ poolSize: 2, connectTimeoutMs: 200 });
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 30 }, () =>
        sql<{ ok: number }>`select 1 as ok from pg_sleep(0.04)`.execute(store.db),
      ),
    );
    expect(results.every((r) => r.rows[0]?.ok === 1)).toBe(true);
    expect(Date.now() - started).toBeGreaterThan(1_000);
  });

  it("gives up a wait in a queue that moves after the queue timeout: StoreUnavailableError", async () => {
    // The same burst with a queue timeout of 300 ms: the first callers are served, the
    // last, still queued at 300 ms while the queue moves, are refused.
    const store = await open({ poolSize: 2, connectTimeoutMs: 200, queueTimeoutMs: 300 });
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, () => sql`select pg_sleep(0.04)`.execute(store.db)),
    );
    const refused = results.filter((r) => r.status === "rejected");
    expect(refused.length).toBeGreaterThan(0);
    expect(results.filter((r) => r.status === "fulfilled").length).toBeGreaterThan(0);
    for (const r of refused) {
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(StoreUnavailableError);
      expect((r as PromiseRejectedResult).reason.reason).toBe("pool_timeout");
    }
  });

  it("gives lock holders connections of their own: a refresh never queues behind short queries", async () => {
    const store = await open({ poolSize: 2, connectTimeoutMs: 200 });
    await store.putConnection(connection("own"), 1);
    // Short queries ask for more connections than the pool has, each for longer than the
    // connect timeout (one shared pool would give them both)...
    const busy = Promise.allSettled([1, 2].map(() => sql`select pg_sleep(1)`.execute(store.db)));
    await sleep(100);
    // ...and the lock holder still gets its connection at once, reads and writes on it.
    const started = Date.now();
    const version = await store.withLock("connection:own", async (locked) => {
      const row = await locked.getConnection("own");
      expect(await locked.updateConnectionTokens("own", tokens, 1, 2, "i1")).toBe(true);
      return row?.version;
    });
    expect(version).toBe(1);
    expect(Date.now() - started).toBeLessThan(800);
    await busy;
  });

  it("queues more lock holders than the pool has connections without a connection each: all finish, other calls still get one", async () => {
    // A refresh storm: every holder keeps its connection while SoundCloud answers. Without
    // the bound on holders the pool's four connections all go to locks, and every other
    // call, and every holder past the fourth, gives up after the connect timeout.
    const connectTimeoutMs = 2_000;
    const store = await open({ poolSize: 4, connectTimeoutMs });
    const holders = 16;
    for (let i = 0; i < holders; i++) await store.putConnection(connection(`storm-${i}`), 1);
    let answer!: () => void;
    const soundcloud = new Promise<void>((resolve) => (answer = resolve));
    let inside = 0;
    let most = 0;
    const storm = Promise.all(
      Array.from({ length: holders }, (_, i) =>
        store.withLock(`connection:storm-${i}`, async (locked) => {
          most = Math.max(most, ++inside);
          await soundcloud;
          const row = await locked.getConnection(`storm-${i}`);
          inside--;
          return row?.id;
        }),
      ),
    );
    // Should an assertion below fail, the store closes with holders still queued: their
    // rejection is this test's failure, not an unhandled one.
    storm.catch(() => {});
    while (inside < 2) await sleep(20);
    // The rest of the traffic is served from the connections left free...
    expect(await store.getConnection("storm-0")).toMatchObject({ id: "storm-0" });
    // ...and the holders past the first two wait, longer than any pool wait, holding nothing.
    await sleep(connectTimeoutMs + 500);
    expect(inside).toBe(2);
    answer();
    expect(await storm).toEqual(Array.from({ length: holders }, (_, i) => `storm-${i}`));
    expect(most).toBe(2);
  });

  it("survives its lock's connection being terminated: the lock is freed, a write made after it still lands, reads refuse", async () => {
    const store = await open();
    const other = await open({ lockTimeoutMs: 2_000 });
    await store.putConnection(connection("c3"), 1);
    const outcome = store.withLock("connection:c3", async (locked) => {
      const pid = (
        await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(
          (locked as KyselyStore).db,
        )
      ).rows[0]?.pid;
      await admin("select pg_terminate_backend($1)", [pid]);
      await sleep(100); // the 'error' event on an idle checked-out client: must not crash
      // SoundCloud has answered by now: the rotated tokens must be stored all the same.
      const written = await locked.updateConnectionTokens("c3", tokens, 1, 2, "i1");
      const read = await locked.getConnection("c3").catch((e: unknown) => e);
      return { written, read };
    });
    const { written, read } = await outcome;
    expect(written).toBe(true);
    expect(read).toBeInstanceOf(StoreUnavailableError);
    expect(await store.getConnection("c3")).toMatchObject({ version: 2, refreshedBy: "i1" });
    expect(await other.withLock("connection:c3", async () => "free")).toBe("free");
    expect(warnings).toContain("a lock's database connection was lost while held");
    expect(errors).toEqual([]);
  });

  it("stores again what a lock wrote when its connection dies before the commit", async () => {
    const store = await open();
    await store.putConnection(connection("c4"), 1);
    await store.withLock("connection:c4", async (locked) => {
      expect(await locked.updateConnectionTokens("c4", tokens, 1, 2, "i2")).toBe(true);
      await locked.putRefreshGrace("g4", "sealed-grace", Date.now() + 10_000);
      const pid = (
        await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(
          (locked as KyselyStore).db,
        )
      ).rows[0]?.pid;
      await admin("select pg_terminate_backend($1)", [pid]);
      await sleep(50);
    });
    expect(await store.getConnection("c4")).toMatchObject({ version: 2, refreshedBy: "i2" });
    expect(await store.getRefreshGrace("g4", Date.now())).toBe("sealed-grace");
    expect(warnings).toContain(
      "a lock's connection was lost before its commit; its writes were stored again on another connection",
    );
  });

  it("retries a call that is safe to repeat once on another connection when its own dies mid-statement", async () => {
    const store = await open({ poolSize: 2 });
    await store.putConnection(connection("c7"), 1);
    const row = await dieMidStatement("connections", () => store.getConnection("c7"));
    expect(row).toMatchObject({ id: "c7", version: 1 });
    expect(warnings).toContain("a database call lost its connection; retrying once on another");
  });

  it("does not repeat a call that is not safe twice (a replay check): 503, and it never ran", async () => {
    const store = await open({ poolSize: 2 });
    const expiresAt = Date.now() + 60_000;
    const error = await dieMidStatement("dpop_proofs", () =>
      store.rememberDpopProof("proof-1", expiresAt, Date.now()),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as StoreUnavailableError).reason).toBe("connection");
    expect(warnings).not.toContain("a database call lost its connection; retrying once on another");
    // The pool may still hold the dead connection for a moment: a safe call (retried once
    // on another connection) clears it, so the check below is not refused for it.
    await store.ping();
    // Not recorded by a hidden retry: the proof is still new.
    expect(await store.rememberDpopProof("proof-1", expiresAt, Date.now())).toBe(true);
  });

  it("answers the next calls after every connection of the pool is terminated", async () => {
    const store = await open({ poolSize: 4 });
    await store.putConnection(connection("c5"), 1);
    // Fill the pool with idle connections, then have the server end them all.
    await Promise.all(Array.from({ length: 8 }, () => store.getConnection("c5")));
    expect(await terminateAll()).toBeGreaterThan(0);
    const rows = await Promise.all(Array.from({ length: 8 }, () => store.getConnection("c5")));
    expect(rows.every((r) => r?.id === "c5")).toBe(true);
    await store.ping();
  });
});
