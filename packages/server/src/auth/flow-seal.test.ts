// Someone who can write the database but has no encryption key edits a pending or finished
// flow's plain columns, through a second connection to the real SQLite file or Postgres
// database, and then lets the flow complete. Every edit must be refused.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DpopKey } from "@soundgate/test-support/dpop";
import type { TestEmulator } from "@soundgate/test-support/emulator";
import { test } from "@soundgate/test-support/fixtures";
import {
  APP_CALLBACK,
  approveAtEmulator,
  CookieJar,
  deliverToGateway,
  getResult,
  resultKeyOf,
  resultSecret,
  startLogin,
  startTestGateway,
} from "@soundgate/test-support/gateway";
import type { TestDatabase } from "@soundgate/test-support/postgres";
import { sql } from "kysely";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { secretHash } from "../crypto/hash.js";
import type { RunningGateway } from "../gateway.js";
import { createSoundgate } from "../library.js";
import { createLogger } from "../logger.js";
import type { KyselyStore } from "../store/kysely-store.js";
import { openStore } from "../store/open.js";

let emulator: TestEmulator;
let postgres: TestDatabase | undefined;
let dir: string;
const started: RunningGateway[] = [];
let databases = 0;

// The file's emulator and Postgres database (none: its cases skip), for the helpers below.
test.beforeAll(({ emulator: fileEmulator, maybePostgres }) => {
  emulator = fileEmulator;
  postgres = maybePostgres;
  dir = mkdtempSync(join(tmpdir(), "soundgate-flow-seal-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await Promise.all(started.splice(0).map((g) => g.close()));
});

/** The attacker's own connection to the database: plain SQL, no key. */
async function tamper(database: string, statement: ReturnType<typeof sql>): Promise<number> {
  const store = (await openStore(database)) as KyselyStore;
  try {
    const result = await statement.execute(store.db);
    return Number(result.numAffectedRows ?? 0);
  } finally {
    await store.close();
  }
}

const targets: Array<[string, () => string | undefined]> = [
  ["a SQLite file", () => `sqlite:${join(dir, `gateway-${++databases}.db`)}`],
  ["Postgres", () => postgres?.url],
];

for (const [name, target] of targets) {
  describe(`a flow edited in ${name} without the key`, () => {
    async function gatewayOn(database: string, env: Record<string, string> = {}) {
      const gateway = await startTestGateway(emulator, {
        env: { SOUNDGATE_DATABASE_URL: database, ...env },
      });
      started.push(gateway);
      return gateway;
    }

    it("cannot send the browser to a return_to of the attacker's choosing", async (context) => {
      const database = target();
      if (!database) return context.skip();
      const gateway = await gatewayOn(database);
      const login = await startLogin(gateway);
      const edited = await tamper(
        database,
        sql`update auth_flows set return_to = ${"https://evil.example/steal"} where id = ${secretHash(login.state)}`,
      );
      expect(edited).toBe(1);
      const back = await deliverToGateway(gateway, await approveAtEmulator(emulator, login.url));
      expect(back.status).toBe(400);
      expect(back.headers.get("location")).toBeNull();
      expect(await back.json()).toMatchObject({ error: "invalid_state" });
    });

    it("cannot swap in its own result_challenge and result_key to take a finished login", async (context) => {
      const database = target();
      if (!database) return context.skip();
      const gateway = await gatewayOn(database);
      const login = await startLogin(gateway);
      const back = await deliverToGateway(gateway, await approveAtEmulator(emulator, login.url));
      expect(back.status).toBe(303);
      // The victim's login is finished and waiting; the attacker makes it theirs.
      const mine = resultSecret();
      const myKey = "k".repeat(43);
      await tamper(
        database,
        sql`update auth_flows set result_challenge = ${mine.challenge}, result_key = ${secretHash(myKey)}
            where id = ${secretHash(login.state)}`,
      );
      const stolen = await getResult(gateway, login.state, mine.verifier, myKey, new DpopKey());
      expect(stolen.status).toBe(404);
      expect(await stolen.json()).toMatchObject({ error: "result_not_found" });
      // Only the challenge, before SoundCloud sends the browser back, is no better.
      const second = await startLogin(gateway);
      await tamper(
        database,
        sql`update auth_flows set result_challenge = ${mine.challenge} where id = ${secretHash(second.state)}`,
      );
      const after = await deliverToGateway(gateway, await approveAtEmulator(emulator, second.url));
      expect(after.status).toBe(400);
      expect(
        (await getResult(gateway, second.state, mine.verifier, resultKeyOf(after))).status,
      ).toBe(401);
    });

    it("cannot move a BFF login to the attacker's browser (browser binding, kind)", async (context) => {
      const database = target();
      if (!database) return context.skip();
      const gateway = await gatewayOn(database);
      const victim = await fetch(
        `${gateway.url}/auth/soundcloud/login?return_to=${encodeURIComponent(APP_CALLBACK)}`,
        { redirect: "manual" },
      );
      const attacker = new CookieJar();
      const theirs = await fetch(
        `${gateway.url}/auth/soundcloud/login?return_to=${encodeURIComponent(APP_CALLBACK)}`,
        { redirect: "manual" },
      );
      attacker.take(theirs);
      const victimUrl = new URL(victim.headers.get("location") ?? "");
      const victimState = victimUrl.searchParams.get("state") ?? "";
      const binding = await (async () => {
        const store = (await openStore(database)) as KyselyStore;
        try {
          const row = await store.db
            .selectFrom("auth_flows")
            .select("browserBinding")
            .where(
              "id",
              "=",
              secretHash(
                new URL(theirs.headers.get("location") ?? "").searchParams.get("state") ?? "",
              ),
            )
            .executeTakeFirstOrThrow();
          return row.browserBinding;
        } finally {
          await store.close();
        }
      })();
      // The victim's flow now names the attacker's login cookie.
      await tamper(
        database,
        sql`update auth_flows set browser_binding = ${binding} where id = ${secretHash(victimState)}`,
      );
      const redirect = await approveAtEmulator(emulator, victimUrl.href);
      const landing = await fetch(`${gateway.url}${redirect.pathname}${redirect.search}`, {
        redirect: "manual",
        headers: { Cookie: attacker.header() },
      });
      expect(landing.status).toBe(400);
      expect(landing.headers.getSetCookie().join()).not.toMatch(/session/);

      // A result flow turned into a session flow is refused the same way.
      const login = await startLogin(gateway);
      await tamper(
        database,
        sql`update auth_flows set kind = ${"session"} where id = ${secretHash(login.state)}`,
      );
      const turned = await deliverToGateway(gateway, await approveAtEmulator(emulator, login.url));
      expect(turned.status).toBe(400);
    });

    it("cannot link a SoundCloud account to another app user (app_user_id)", async (context) => {
      const database = target();
      if (!database) return context.skip();
      const app = {
        client_id: `seal-app-${databases}`,
        client_secret: "seal-secret",
        redirect_uris: ["http://app.test/cb"],
      };
      await emulator.register(app);
      const sg = await createSoundgate({
        clientId: app.client_id,
        clientSecret: app.client_secret,
        redirectUri: "http://app.test/cb",
        database,
        encryptionKeys: `k:${Buffer.alloc(32, 9).toString("base64")}`,
        authUrl: emulator.url,
        apiUrl: emulator.url,
        logger: createLogger("silent"),
      });
      try {
        const { url, state } = await sg.startConnection("alice");
        await tamper(
          database,
          sql`update auth_flows set app_user_id = ${"mallory"} where id = ${secretHash(state)}`,
        );
        const callback = await approveAtEmulator(emulator, url);
        await expect(sg.completeConnection("mallory", callback)).rejects.toMatchObject({
          code: "invalid_state",
        });
        expect(await sg.listConnections()).toEqual([]);
      } finally {
        await sg.close();
      }
    });

    it("checks a stored return_to against the allowlist again when the flow completes", async (context) => {
      const database = target();
      if (!database) return context.skip();
      const extra = "http://app.test/other";
      const before = await gatewayOn(database, {
        SOUNDGATE_ALLOWED_RETURN_TO: `${APP_CALLBACK},${extra}`,
      });
      const login = await startLogin(before, { return_to: extra });
      started.splice(started.indexOf(before), 1);
      await before.close();
      // Restarted without that entry: the flow (sealed, untouched) may not go there now.
      const after = await gatewayOn(database);
      const back = await deliverToGateway(after, await approveAtEmulator(emulator, login.url));
      expect(back.status).toBe(400);
      expect(back.headers.get("location")).toBeNull();
      expect(await back.json()).toMatchObject({ error: "return_to_not_allowed" });
    });
  });
}
