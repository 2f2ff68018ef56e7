import { startTestEmulator, type TestEmulator } from "@soundgate/test-support/emulator";
import {
  APP_CALLBACK,
  CookieJar,
  loginViaBff,
  startTestGateway,
} from "@soundgate/test-support/gateway";
import { sql } from "kysely";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { secretHash } from "../crypto/hash.js";
import type { RunningGateway } from "../gateway.js";
import type { KyselyStore } from "../store/kysely-store.js";

let emulator: TestEmulator;
let gateway: RunningGateway;
beforeAll(async () => {
  emulator = await startTestEmulator();
});
afterAll(() => emulator.close());
beforeEach(async () => {
  await emulator.reset();
  gateway = await startTestGateway(emulator);
});
afterEach(() => gateway.close());

/** The gateway's database, as someone with write access to it (but not the key) sees it. */
function database() {
  return (gateway.context.store as KyselyStore).db;
}

/** A BFF login in `jar`'s browser as the emulator user `username`. */
async function signIn(jar: CookieJar, username: string): Promise<void> {
  const start = await fetch(
    `${gateway.url}/auth/soundcloud/login?return_to=${encodeURIComponent(APP_CALLBACK)}`,
    { redirect: "manual", headers: { Cookie: jar.header() } },
  );
  expect(start.status).toBe(302);
  jar.take(start);
  await emulator.configure({ auto_approve: username });
  const consent = await fetch(start.headers.get("location") ?? "", { redirect: "manual" });
  const back = new URL(consent.headers.get("location") ?? "");
  const done = await fetch(`${gateway.url}${back.pathname}${back.search}`, {
    redirect: "manual",
    headers: { Cookie: jar.header() },
  });
  expect(done.status).toBe(303);
  expect(new URL(done.headers.get("location") ?? "").searchParams.get("error")).toBeNull();
  jar.take(done);
}

function session(cookie: string) {
  return fetch(`${gateway.url}/auth/session`, { headers: { Cookie: cookie } });
}

/** The signed-in username, or what /auth/session says instead ("signed out", "reauth_required: …"). */
async function whoIs(cookie: string): Promise<string> {
  const response = await session(cookie);
  expect(response.status).toBe(200);
  const body = (await response.json()) as {
    signed_in: boolean;
    user?: { username: string };
    reauth_required?: boolean;
    reason?: string;
  };
  if (body.signed_in) return body.user?.username ?? "(no user)";
  return body.reauth_required ? `reauth_required: ${body.reason}` : "signed out";
}

const cookieOf = (jar: CookieJar) => `soundgate_session=${jar.cookies.get("soundgate_session")}`;

describe("signing in again in the same browser", () => {
  it("ends the previous session and its grant", async () => {
    const jar = new CookieJar();
    await signIn(jar, "nightjar-audio");
    const first = cookieOf(jar);
    const [before] = await database().selectFrom("sessions").select("connectionId").execute();

    await signIn(jar, "copperline");
    const second = cookieOf(jar);
    expect(second).not.toBe(first);
    expect(await whoIs(second)).toBe("copperline");
    // The old cookie (kept by, say, another copy of it) no longer works...
    expect(await whoIs(first)).toBe("signed out");
    // ...and the old grant is gone: from the database and at SoundCloud.
    const sessions = await database().selectFrom("sessions").selectAll().execute();
    expect(sessions).toHaveLength(1);
    const connections = await database().selectFrom("connections").select("id").execute();
    expect(connections.map((c) => c.id)).not.toContain(before?.connectionId);
    expect((await emulator.stats()).sign_outs).toBe(1);
  });
});

describe("/auth/session", () => {
  it("says reauth_required for a session row the gateway cannot vouch for (from before seals)", async () => {
    const { jar } = await loginViaBff(emulator, gateway);
    await database().updateTable("sessions").set({ seal: null }).execute();
    expect(await whoIs(jar.header())).toBe("reauth_required: unreadable");
  });

  it("says reauth_required when the stored tokens can no longer be opened", async () => {
    const { jar } = await loginViaBff(emulator, gateway);
    expect(await whoIs(jar.header())).toBe("nightjar-audio");
    // Altered (or sealed under a key this gateway no longer has): unusable.
    await database()
      .updateTable("connections")
      .set({ accessToken: sql`access_token || 'x'` })
      .execute();
    const response = await session(jar.header());
    expect(await response.json()).toEqual({
      signed_in: false,
      reauth_required: true,
      reason: "unreadable",
      message: expect.stringContaining("can no longer read this session"),
    });
  });
});

describe("whoever can write the database without the key", () => {
  it("cannot point a session at someone else's connection", async () => {
    const victim = new CookieJar();
    await signIn(victim, "nightjar-audio");
    const attacker = new CookieJar();
    await signIn(attacker, "copperline");
    const rows = await database().selectFrom("sessions").selectAll().execute();
    const victimRow = rows.find(
      (r) => r.id === secretHash(victim.cookies.get("soundgate_session") ?? ""),
    );
    const attackerId = secretHash(attacker.cookies.get("soundgate_session") ?? "");
    const attackerRow = rows.find((r) => r.id === attackerId);
    if (!victimRow || !attackerRow) throw new Error("no sessions");
    // Both sessions in use first: the gateway remembers seals it has opened, and a
    // remembered seal must not vouch for a row changed afterwards.
    expect(await whoIs(cookieOf(victim))).toBe("nightjar-audio");
    expect(await whoIs(cookieOf(attacker))).toBe("copperline");

    // 1. Re-point the attacker's own session row at the victim's connection.
    await database()
      .updateTable("sessions")
      .set({ connectionId: victimRow.connectionId })
      .where("id", "=", attackerId)
      .execute();
    expect(await whoIs(cookieOf(attacker))).toBe("reauth_required: unreadable");
    const proxied = await fetch(`${gateway.url}/api/soundcloud/me`, {
      headers: { Cookie: cookieOf(attacker) },
    });
    expect(proxied.status).toBe(401);

    // 2. Insert a session for a cookie of the attacker's choosing, copying the victim's row.
    const chosen = "attacker-chosen-cookie-value";
    await database()
      .insertInto("sessions")
      .values({ ...victimRow, id: secretHash(chosen) })
      .execute();
    expect(await whoIs(`soundgate_session=${chosen}`)).toBe("reauth_required: unreadable");
    // Nor sign the victim out with it.
    const logout = await fetch(`${gateway.url}/auth/logout`, {
      method: "POST",
      headers: {
        Cookie: `soundgate_session=${chosen}`,
        Origin: "http://gateway.test",
        "X-Soundgate-CSRF": "1",
      },
    });
    expect(logout.status).toBe(204);
    expect((await emulator.stats()).sign_outs).toBe(0);

    // Put the row back as it was: the attacker's session works again...
    await database()
      .updateTable("sessions")
      .set({ connectionId: attackerRow.connectionId })
      .where("id", "=", attackerId)
      .execute();
    expect(await whoIs(cookieOf(attacker))).toBe("copperline");
    // 3. ...but not when stretched past its end.
    await database()
      .updateTable("sessions")
      .set({ expiresAt: Number(attackerRow.expiresAt) + 10 * 365 * 86_400_000 })
      .where("id", "=", attackerId)
      .execute();
    expect(await whoIs(cookieOf(attacker))).toBe("reauth_required: unreadable");

    // The victim is untouched.
    expect(await whoIs(cookieOf(victim))).toBe("nightjar-audio");
  });
});
