import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { TestEmulator } from "@soundgate/test-support/emulator";
import { test } from "@soundgate/test-support/fixtures";
import {
  approveAtEmulator,
  deliverToGateway,
  loginViaBff,
  loginViaRedirect,
  refreshAt,
  startLogin,
  startTestGateway,
} from "@soundgate/test-support/gateway";
import type { TestDatabase } from "@soundgate/test-support/postgres";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { ConnectionTokenStore } from "../auth/connection-store.js";
import { createSoundgate, type Soundgate } from "../library.js";
import { createLogger } from "../logger.js";
import type { KyselyStore } from "../store/kysely-store.js";
import { openStore } from "../store/open.js";
import { aad, Cipher, SealedValueError } from "./cipher.js";

const run = promisify(execFile);
const cli = fileURLToPath(new URL("../../../cli/bin/soundgate.js", import.meta.url));
const OLD = `old:${Buffer.alloc(32, 1).toString("base64")}`;
const NEW = `new:${Buffer.alloc(32, 2).toString("base64")}`;
const APP = {
  client_id: "rest-client",
  client_secret: "rest-secret",
  redirect_uris: ["http://app.test/cb"],
};

let emulator: TestEmulator;
let postgres: TestDatabase | undefined;
let dir: string;
// The file's emulator and Postgres database (none: its cases skip), for the helpers below.
test.beforeAll(async ({ emulator: fileEmulator, maybePostgres }) => {
  emulator = fileEmulator;
  await emulator.register(APP);
  postgres = maybePostgres;
  dir = mkdtempSync(join(tmpdir(), "soundgate-rest-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function open(database: string, keys: string): Promise<Soundgate> {
  return createSoundgate({
    clientId: APP.client_id,
    clientSecret: APP.client_secret,
    redirectUri: APP.redirect_uris[0] as string,
    database,
    encryptionKeys: keys,
    authUrl: emulator.url,
    apiUrl: emulator.url,
    logger: createLogger("silent"),
  });
}

async function connect(sg: Soundgate, appUserId: string): Promise<void> {
  const { url } = await sg.startConnection(appUserId);
  await sg.completeConnection(appUserId, await approveAtEmulator(emulator, url));
}

/** Everything in every table, as text: what a leaked backup would show. */
async function logicalDump(database: string): Promise<string> {
  const store = (await openStore(database)) as KyselyStore;
  try {
    let dump = "";
    for (const table of ["connections", "auth_flows", "refresh_grace", "sessions"]) {
      const rows = await sql`select * from ${sql.table(table)}`.execute(store.db);
      dump += JSON.stringify(rows.rows);
    }
    return dump;
  } finally {
    await store.close();
  }
}

const targets: Array<[string, () => string | undefined]> = [
  ["SQLite", () => `sqlite:${join(dir, "rest.db")}`],
  ["Postgres", () => postgres?.url],
];

for (const [name, target] of targets) {
  describe(`secrets at rest on ${name}`, () => {
    it("are sealed, bound to their row, and survive a key rotation", async (context) => {
      const database = target();
      if (!database) return context.skip();
      const sg = await open(database, OLD);
      await connect(sg, "u1");
      await connect(sg, "u2");
      await connect(sg, "u3");
      const plain = await new ConnectionTokenStore(
        // A second view on the same rows, to learn the plaintext the dump must not show.
        await openStore(database),
        Cipher.fromEnv(OLD),
        Date.now,
      ).get("u1");
      await sg.close();

      // 1. A dump holds no token in plain text.
      let dump = await logicalDump(database);
      if (database.startsWith("sqlite:")) {
        const file = database.slice("sqlite:".length);
        dump += readFileSync(file).toString("latin1");
        try {
          dump += readFileSync(`${file}-wal`).toString("latin1");
        } catch {
          // no WAL file right now
        }
      }
      expect(plain?.accessToken).toBeTruthy();
      expect(dump).toContain("nightjar-audio"); // the dump is real: the public profile is there
      expect(dump).not.toContain(plain?.accessToken);
      expect(dump).not.toContain(plain?.refreshToken);

      // 2. Rotation (new key first, old key still listed) re-seals everything, by the CLI.
      const { stdout } = await run(process.execPath, [cli, "keys", "rotate"], {
        env: {
          PATH: process.env.PATH ?? "",
          SOUNDGATE_DATABASE_URL: database,
          SOUNDGATE_ENCRYPTION_KEYS: `${NEW},${OLD}`,
          SOUNDGATE_LOG_LEVEL: "silent",
        },
      });
      expect(stdout).toMatch(/re-encrypted [1-9]\d* values with key "new"/);
      expect(await logicalDump(database)).not.toContain('"v1.old.');

      // 3. With only the new key, every connection still works.
      const rotated = await open(database, NEW);
      for (const user of ["u1", "u2", "u3"]) {
        expect((await rotated.forUser(user).me()).username).toBe("nightjar-audio");
      }

      // 4. A sealed value copied into another row does not open there.
      const store = (await openStore(database)) as KyselyStore;
      const u1 = await store.getConnection("u1");
      await store.db
        .updateTable("connections")
        .set({ accessToken: u1?.accessToken as string })
        .where("id", "=", "u3")
        .execute();
      // It does not open as u3's (nor hand out u1's token): u3 must connect again.
      const moved = await new ConnectionTokenStore(store, Cipher.fromEnv(NEW), Date.now).get("u3");
      expect(moved).toMatchObject({ accessToken: "", reauthRequired: true });
      expect(() =>
        Cipher.fromEnv(NEW).open(
          u1?.accessToken as string,
          aad("connections", "access_token", "u3"),
        ),
      ).toThrow(SealedValueError);
      await expect(rotated.forUser("u3").me()).rejects.toMatchObject({ code: "reauth_required" });
      expect((await rotated.forUser("u1").me()).username).toBe("nightjar-audio");
      await store.close();
      await rotated.close();
    });
  });
}

describe("a gateway restarted with other keys", () => {
  it("asks for a new login instead of failing: never a 5xx", async () => {
    const database = `sqlite:${join(dir, "rekeyed.db")}`;
    const before = await startTestGateway(emulator, { env: { SOUNDGATE_DATABASE_URL: database } });
    const { jar } = await loginViaBff(emulator, before);
    const pending = await startLogin(before);
    const starlib = await loginViaRedirect(emulator, before);
    await before.close();

    const after = await startTestGateway(emulator, {
      env: { SOUNDGATE_DATABASE_URL: database, SOUNDGATE_ENCRYPTION_KEYS: NEW },
    });
    try {
      const proxied = await fetch(`${after.url}/api/soundcloud/me`, {
        headers: { Cookie: jar.header() },
      });
      expect(proxied.status).toBe(401);
      expect(await proxied.json()).toMatchObject({ error: "reauth_required" });
      // The pending flow's seal does not open: its return_to cannot be trusted, so no redirect.
      const back = await deliverToGateway(after, await approveAtEmulator(emulator, pending.url));
      expect(back.status).toBe(400);
      expect(await back.json()).toMatchObject({ error: "invalid_state" });
      // The token's binding to its DPoP key does not open either: connect again.
      const refreshed = await refreshAt(after, starlib.refresh_token, starlib.dpop);
      expect(refreshed.status).toBe(401);
      expect(await refreshed.json()).toMatchObject({ error: "reauth_required" });
    } finally {
      await after.close();
    }
  });
});
