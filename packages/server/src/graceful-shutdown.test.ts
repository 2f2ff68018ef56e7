// SIGTERM to `soundgate serve` (a real process): it stops accepting, lets the request in
// flight finish (a refresh waiting on SoundCloud commits its rotated token), closes the
// database and exits 0.
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestEmulator, type TestEmulator } from "@soundgate/test-support/emulator";
import { loginViaBff } from "@soundgate/test-support/gateway";
import {
  PROCESS_PUBLIC_URL as PUBLIC,
  spawnGatewayFor,
} from "@soundgate/test-support/gateway-process";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KyselyStore } from "./store/kysely-store.js";
import { openStore } from "./store/open.js";

const CLIENT = { client_id: "shutdown-client", client_secret: "shutdown-secret" };

let emulator: TestEmulator;
let dir: string;

beforeAll(async () => {
  emulator = await startTestEmulator();
  dir = mkdtempSync(join(tmpdir(), "soundgate-shutdown-"));
});
afterAll(async () => {
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

type Gateway = Awaited<ReturnType<typeof spawnGatewayFor>>;

/**
 * A gateway named `instanceId` on its own SQLite file, one BFF user whose access token has
 * expired, and SoundCloud answering after `latencyMs`: `run` gets them, then all is undone.
 */
async function withExpiredUser(
  instanceId: string,
  latencyMs: number,
  run: (at: { gateway: Gateway; cookie: string; store: KyselyStore }) => Promise<void>,
): Promise<void> {
  const database = `sqlite:${join(dir, `${instanceId}.db`)}`;
  const gateway = await spawnGatewayFor(emulator, database, CLIENT, {
    SOUNDGATE_INSTANCE_ID: instanceId,
    SOUNDGATE_SHUTDOWN_TIMEOUT_MS: "10000",
  });
  const cookie = (await loginViaBff(emulator, gateway, { returnTo: `${PUBLIC}/` })).jar.header();
  const store = (await openStore(database)) as KyselyStore;
  try {
    await sql`update connections set expires_at = 0`.execute(store.db);
    await emulator.configure({ latency_ms: latencyMs });
    await run({ gateway, cookie, store });
  } finally {
    await emulator.configure({ latency_ms: 0 });
    await store.close();
    await gateway.kill9();
  }
}

/** The one grant, as `instanceId` stored it after its refresh: active, not yet expired. */
async function expectRefreshedBy(store: KyselyStore, instanceId: string): Promise<void> {
  const rows = await store.listConnections({ limit: 10 });
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ refreshedBy: instanceId, status: "active" });
  expect(rows[0]?.expiresAt).toBeGreaterThan(Date.now());
}

describe("soundgate serve on SIGTERM", () => {
  it("finishes the refresh in flight, commits it, refuses new connections and exits 0", async () => {
    await withExpiredUser("draining-instance", 1_000, async ({ gateway, cookie, store }) => {
      const inFlight = fetch(`${gateway.url}/api/soundcloud/me`, { headers: { Cookie: cookie } });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const exited = once(gateway.child, "exit");
      gateway.child.kill("SIGTERM");
      await new Promise((resolve) => setTimeout(resolve, 200));
      // No longer accepting: a new connection is refused while the old request runs.
      await expect(fetch(`${gateway.url}/healthz`)).rejects.toThrow();
      const response = await inFlight;
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ username: expect.any(String) });
      const [code, signal] = await exited;
      expect({ code, signal }).toEqual({ code: 0, signal: null });
      // The rotated token was committed before the process went.
      await expectRefreshedBy(store, "draining-instance");
    });
  }, 60_000);

  it("commits a refresh whose client gave up before SIGTERM, then closes the database", async () => {
    await withExpiredUser("abandoned-sqlite", 1_500, async ({ gateway, cookie, store }) => {
      // The client leaves while SoundCloud answers the refresh: no request is in flight
      // when SIGTERM comes, but the refresh (shared, never cancelled) is.
      const gaveUp = await fetch(`${gateway.url}/api/soundcloud/me`, {
        headers: { Cookie: cookie },
        signal: AbortSignal.timeout(300),
      }).catch((error: Error) => error.name);
      expect(gaveUp).toBe("TimeoutError");
      const exited = once(gateway.child, "exit");
      gateway.child.kill("SIGTERM");
      const [code, signal] = await exited;
      expect({ code, signal }).toEqual({ code: 0, signal: null });
      await expectRefreshedBy(store, "abandoned-sqlite");
    });
  }, 60_000);
});
