// The store's side of DPoP on SQLite and Postgres alike: a proof is remembered once, even
// when many requests (on several connections) present it at the same moment; a refresh
// token's binding moves on with the token and still knows the spent one.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "@soundgate/test-support/fixtures";
import type { TestDatabase } from "@soundgate/test-support/postgres";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { openStore } from "./open.js";
import type { GatewayStore } from "./store.js";

let postgres: TestDatabase | undefined;
let dir: string;
let files = 0;
const stores: GatewayStore[] = [];

// The file's Postgres database (dropped after the file), or none: its cases skip.
test.beforeAll(({ maybePostgres }) => {
  postgres = maybePostgres;
  dir = mkdtempSync(join(tmpdir(), "soundgate-dpop-store-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

const targets: Array<[string, () => string | undefined]> = [
  ["SQLite", () => `sqlite:${join(dir, `store-${++files}.db`)}`],
  ["Postgres", () => postgres?.url],
];

async function two(url: string): Promise<[GatewayStore, GatewayStore]> {
  const pair: [GatewayStore, GatewayStore] = [await openStore(url), await openStore(url)];
  stores.push(...pair);
  return pair;
}

for (const [name, target] of targets) {
  describe(`DPoP rows on ${name}`, () => {
    it("remember a proof once, across connections and under concurrency, until it expires", async (context) => {
      const url = target();
      if (!url) return context.skip();
      const [a, b] = await two(url);
      const id = `proof-${files}-${name}`;
      const takes = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? b : a).rememberDpopProof(id, 1_000, 10)),
      );
      expect(takes.filter(Boolean)).toHaveLength(1);
      expect(await a.rememberDpopProof(id, 1_000, 999)).toBe(false);
      // Expired (the proof's iat is out of the window anyway): the id may be used again.
      expect(await b.rememberDpopProof(id, 3_000, 1_000)).toBe(true);
      expect(await a.rememberDpopProof(id, 3_000, 1_001)).toBe(false);
      expect(await a.deleteExpired(3_000)).toBeGreaterThanOrEqual(1);
    });

    it("move a token's binding on to the next token, keeping the spent one's hash", async (context) => {
      const url = target();
      if (!url) return context.skip();
      const [a, b] = await two(url);
      const first = `rt1-${files}-${name}`;
      await a.putTokenBinding({ id: first, previous: null, jkt: "sealed-jkt", expiresAt: 100 });
      expect(await b.findTokenBinding(first, 10)).toEqual({
        id: first,
        previous: null,
        jkt: "sealed-jkt",
        expiresAt: 100,
      });
      const next = {
        id: `rt2-${files}-${name}`,
        previous: first,
        jkt: "sealed-jkt-2",
        expiresAt: 200,
      };
      // One of two concurrent rotations of the same token moves the row.
      const moved = await Promise.all([
        a.rotateTokenBinding(first, next),
        b.rotateTokenBinding(first, next),
      ]);
      expect(moved.filter(Boolean)).toHaveLength(1);
      expect(await a.findTokenBinding(next.id, 150)).toEqual(next);
      // The spent token's hash finds the same row (as `previous`).
      expect(await b.findTokenBinding(first, 150)).toEqual(next);
      expect(await a.findTokenBinding("unknown", 150)).toBeUndefined();
      // Idle past its expiry: gone for lookups, and for cleanup.
      expect(await a.findTokenBinding(next.id, 200)).toBeUndefined();
      expect(await b.deleteExpired(200)).toBeGreaterThanOrEqual(1);
    });
  });
}
