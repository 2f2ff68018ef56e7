import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { it } from "@soundgate/test-support/fixtures";
import { afterEach, describe, expect } from "vitest";
import { DELETE_BATCH } from "./kysely-store.js";
import { openPostgresStore } from "./postgres.js";
import { openSqliteStore } from "./sqlite.js";
import type { GatewayStore, NewFlow } from "./store.js";

const dirs: string[] = [];
const stores: GatewayStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function fileStore(): Promise<{ store: GatewayStore; url: string }> {
  const dir = mkdtempSync(join(tmpdir(), "soundgate-store-"));
  dirs.push(dir);
  const url = `sqlite:${join(dir, "nested", "gateway.db")}`;
  const store = await openSqliteStore(url);
  stores.push(store);
  return { store, url };
}

function flow(id: string, now: number): NewFlow {
  return {
    id,
    kind: "result",
    appUserId: null,
    browserBinding: null,
    verifier: "sealed-verifier",
    redirectUri: "http://gw/redirect",
    returnTo: "http://app/cb",
    resultChallenge: null,
    createdAt: now,
    expiresAt: now + 1_000,
    seal: "sealed-seal",
  };
}

/** A session joined to its grant: the row as stored, a gone grant, an expired session. */
async function checkSessionWithGrant(store: GatewayStore): Promise<void> {
  await store.putConnection(
    {
      id: "conn",
      soundcloudUserId: 7,
      soundcloudUrn: "soundcloud:users:7",
      userJson: "{}",
      accessToken: "sealed-access",
      refreshToken: "sealed-refresh",
      scope: "non-expiring",
      expiresAt: 9_000,
      issuedAt: 5_000,
    },
    5_000,
  );
  const session = { connectionId: "conn", createdAt: 5_000, expiresAt: 8_000, seal: "s" };
  await store.createSession({ id: "s1", ...session });
  await store.createSession({ id: "s2", ...session, connectionId: "gone" });
  expect(await store.getSessionWithGrant("s1", 6_000)).toEqual({
    session: { id: "s1", ...session },
    grant: {
      id: "conn",
      accessToken: "sealed-access",
      refreshToken: "sealed-refresh",
      scope: "non-expiring",
      expiresAt: 9_000,
      issuedAt: 5_000,
      status: "active",
      version: 1,
    },
  });
  expect(await store.getSessionWithGrant("s2", 6_000)).toEqual({
    session: { id: "s2", ...session, connectionId: "gone" },
    grant: undefined,
  });
  expect(await store.getSessionWithGrant("s1", 8_000)).toBeUndefined();
  expect(await store.getSessionWithGrant("nope", 6_000)).toBeUndefined();
}

describe("SQLite store", () => {
  it("reads a session with its connection's grant in one statement", async () => {
    const { store } = await fileStore();
    await checkSessionWithGrant(store);
  });

  it("lets exactly one of many concurrent claims win, across two connections to one file", async () => {
    const { store, url } = await fileStore();
    const second = await openSqliteStore(url);
    stores.push(second);
    await store.createFlow(flow("f1", 0));
    const claims = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? second : store).claimFlow("f1", 10)),
    );
    expect(claims.filter(Boolean)).toHaveLength(1);
  });

  it("hands a finished flow's outcome out once", async () => {
    const { store } = await fileStore();
    await store.createFlow(flow("f1", 0));
    await store.claimFlow("f1", 1);
    await store.completeFlow("f1", {
      result: "sealed-result",
      resultKey: "key-hash",
      expiresAt: 5_000,
      seal: "sealed-seal-2",
    });
    const [a, b] = await Promise.all([
      store.takeFlowOutcome("f1", 2),
      store.takeFlowOutcome("f1", 2),
    ]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
    expect((a ?? b)?.result).toBe("sealed-result");
    expect((a ?? b)?.verifier).toBe("");
    expect((a ?? b)?.resultKey).toBe("key-hash");
    expect(await store.getFlow("f1", 2)).toBeUndefined();
  });

  it("does not claim or return expired rows, and cleans them up", async () => {
    const { store } = await fileStore();
    await store.createFlow(flow("old", 0));
    await store.createFlow(flow("new", 10_000));
    await store.putRefreshGrace("g-old", "x", 500);
    await store.putRefreshGrace("g-new", "y", 50_000);
    expect(await store.claimFlow("old", 1_000)).toBeUndefined();
    expect(await store.getFlow("old", 1_000)).toBeUndefined();
    expect(await store.getRefreshGrace("g-old", 1_000)).toBeUndefined();
    expect(await store.getRefreshGrace("g-new", 1_000)).toBe("y");
    expect(await store.deleteExpired(2_000)).toBe(2);
    expect(await store.getFlow("new", 2_000)).toMatchObject({ id: "new", status: "pending" });
  });

  it("deletes expired rows in batches, letting other work run between them", async () => {
    const { store } = await fileStore();
    const rows = DELETE_BATCH * 4 + 7;
    for (let i = 0; i < rows; i++) await store.createFlow(flow(`expired-${i}`, 0));
    await store.createFlow(flow("live", 5_000));
    let turns = 0;
    let running = true;
    const tick = () => {
      if (!running) return;
      turns++;
      setImmediate(tick);
    };
    setImmediate(tick);
    const deleted = await store.deleteExpired(2_000);
    running = false;
    expect(deleted).toBe(rows);
    // A turn of the event loop after each full batch; one big DELETE allowed none.
    expect(turns).toBeGreaterThanOrEqual(4);
    expect(await store.getFlow("live", 2_000)).toMatchObject({ id: "live" });
  });

  it("runs one clean-up at a time: a call while one runs joins it", async () => {
    const { store } = await fileStore();
    const rows = DELETE_BATCH * 2 + 3;
    for (let i = 0; i < rows; i++) await store.createFlow(flow(`expired-${i}`, 0));
    const [first, second] = await Promise.all([
      store.deleteExpired(2_000),
      store.deleteExpired(2_000),
    ]);
    expect([first, second]).toEqual([rows, rows]);
    // Once it has finished, the next call is a clean-up of its own.
    expect(await store.deleteExpired(2_000)).toBe(0);
  });

  it("keeps data across reopening the file (migrations run once)", async () => {
    const { store, url } = await fileStore();
    await store.createFlow(flow("kept", 0));
    await store.close();
    stores.splice(stores.indexOf(store), 1);
    const reopened = await openSqliteStore(url);
    stores.push(reopened);
    expect(await reopened.getFlow("kept", 1)).toMatchObject({ returnTo: "http://app/cb" });
  });
});

describe("Postgres store", () => {
  it("lets exactly one of many concurrent claims win, across two pools", async ({ postgres }) => {
    const one = await openPostgresStore(postgres.url);
    const two = await openPostgresStore(postgres.url);
    stores.push(one, two);
    await one.createFlow(flow("pg1", 0));
    const claims = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? two : one).claimFlow("pg1", 10)),
    );
    expect(claims.filter(Boolean)).toHaveLength(1);
    await one.completeFlow("pg1", {
      result: "sealed",
      resultKey: "key-hash",
      expiresAt: 5_000,
      seal: "sealed-seal-2",
    });
    expect(await two.getFlow("pg1", 20)).toMatchObject({
      status: "complete",
      resultKey: "key-hash",
    });
    const takes = await Promise.all([
      one.takeFlowOutcome("pg1", 20),
      two.takeFlowOutcome("pg1", 20),
    ]);
    expect(takes.filter(Boolean)).toHaveLength(1);
  });

  it("serializes work under one lock key across pools, and not across keys", async ({
    postgres,
  }) => {
    const one = await openPostgresStore(postgres.url);
    const two = await openPostgresStore(postgres.url);
    stores.push(one, two);
    let inside = 0;
    let maxInside = 0;
    const work = async () => {
      inside++;
      maxInside = Math.max(maxInside, inside);
      await new Promise((resolve) => setTimeout(resolve, 20));
      inside--;
    };
    await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? two : one).withLock("k", work)));
    expect(maxInside).toBe(1);
    maxInside = 0;
    await Promise.all([one.withLock("x", work), two.withLock("y", work)]);
    expect(maxInside).toBe(2);
  });

  it("reads a session with its connection's grant in one statement", async ({ postgres }) => {
    const store = await openPostgresStore(postgres.url);
    stores.push(store);
    await checkSessionWithGrant(store);
  });

  it("compares and swaps connection versions", async ({ postgres }) => {
    const store = await openPostgresStore(postgres.url);
    stores.push(store);
    const write = {
      id: "c1",
      soundcloudUserId: 1000001,
      soundcloudUrn: "soundcloud:users:1000001",
      userJson: "{}",
      accessToken: "a",
      refreshToken: "r",
      scope: "",
      expiresAt: 10,
      issuedAt: 1,
    };
    await store.putConnection(write, 1);
    expect((await store.getConnection("c1"))?.version).toBe(1);
    const tokens = { accessToken: "a2", refreshToken: "r2", scope: "", expiresAt: 20, issuedAt: 2 };
    const results = await Promise.all([
      store.updateConnectionTokens("c1", tokens, 1, 2, "instance-a"),
      store.updateConnectionTokens("c1", tokens, 1, 2, "instance-b"),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await store.getConnection("c1")).toMatchObject({
      version: 2,
      expiresAt: 20,
      soundcloudUserId: 1000001,
    });
    await store.putConnection(write, 3);
    expect((await store.getConnection("c1"))?.version).toBe(3);
  });
});
