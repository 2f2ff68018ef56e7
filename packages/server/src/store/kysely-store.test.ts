import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
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
    verifier: "sealed-verifier",
    redirectUri: "http://gw/redirect",
    returnTo: "http://app/cb",
    resultChallenge: null,
    createdAt: now,
    expiresAt: now + 1_000,
  };
}

describe("SQLite store", () => {
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
    await store.completeFlow("f1", "sealed-result", 5_000);
    const [a, b] = await Promise.all([
      store.takeFlowOutcome("f1", 2),
      store.takeFlowOutcome("f1", 2),
    ]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
    expect((a ?? b)?.result).toBe("sealed-result");
    expect((a ?? b)?.verifier).toBe("");
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
