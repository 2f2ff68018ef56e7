// The attacks on /refresh, /result and /callback that DPoP (RFC 9449) stops, made the way
// an attacker would make them: plain HTTP requests (what `curl` sends) against a real
// gateway and emulator. The same in two Chromium contexts: apps/demo/e2e/dpop.test.ts.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { DpopKey } from "@soundgate/test-support/dpop";
import { startTestEmulator, type TestEmulator } from "@soundgate/test-support/emulator";
import {
  APP_CALLBACK,
  approveAtEmulator,
  deliverToGateway,
  dpopHeader,
  getResult,
  loginViaRedirect,
  publicUrlOf,
  refreshAt,
  resultKeyOf,
  resultSecret,
  startLogin,
  startTestGateway,
  type TestGatewayOptions,
} from "@soundgate/test-support/gateway";
import { createTestDatabase, type TestDatabase } from "@soundgate/test-support/postgres";
import { sql } from "kysely";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { secretHash } from "../crypto/hash.js";
import type { RunningGateway } from "../gateway.js";
import { createLogger } from "../logger.js";
import type { KyselyStore } from "../store/kysely-store.js";
import { openStore } from "../store/open.js";
import { REFRESH_GRACE_MS } from "./refresh.js";

let emulator: TestEmulator;
let gateway: RunningGateway;
const started: RunningGateway[] = [];

beforeAll(async () => {
  emulator = await startTestEmulator();
});
afterAll(() => emulator.close());
beforeEach(async () => {
  await emulator.reset();
  gateway = await startGateway();
});
afterEach(async () => {
  await Promise.all(started.splice(0).map((g) => g.close()));
});

async function startGateway(options: TestGatewayOptions = {}): Promise<RunningGateway> {
  const started_ = await startTestGateway(emulator, options);
  started.push(started_);
  return started_;
}

const upstreamRefreshes = async () => (await emulator.stats()).token_requests.refresh_token;

async function expectRefused(response: Response, error = "invalid_dpop_proof") {
  const body = (await response.json()) as { error: string; message: string };
  expect({ status: response.status, error: body.error }).toEqual({ status: 401, error });
  expect(body.message).toEqual(expect.any(String));
  return body;
}

/** A log that keeps every line, to check what was said and that no secret was. */
function recordingLogger() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, logger: createLogger("info", sink) };
}

describe("a stolen refresh token", () => {
  it("refreshes nothing without the key it is bound to: no proof, another key's proof", async () => {
    const login = await loginViaRedirect(emulator, gateway);
    const thief = new DpopKey();

    await expectRefused(await refreshAt(gateway, login.refresh_token));
    await expectRefused(await refreshAt(gateway, login.refresh_token, thief));
    // The thief's proof with the victim's public key in the header: the signature fails.
    await expectRefused(
      await refreshAt(gateway, login.refresh_token, undefined, {
        DPoP: thief.proof("POST", publicUrlOf(gateway, "/auth/soundcloud/refresh"), {
          jwk: login.dpop.jwk,
        }),
      }),
    );
    expect(await upstreamRefreshes()).toBe(0); // the client secret was never spent for them

    // The browser that holds the key refreshes as before, and keeps doing so.
    const first = await refreshAt(gateway, login.refresh_token, login.dpop);
    expect(first.status).toBe(200);
    const rotated = (await first.json()) as { refresh_token: string };
    await expectRefused(await refreshAt(gateway, rotated.refresh_token, thief));
    expect((await refreshAt(gateway, rotated.refresh_token, login.dpop)).status).toBe(200);
    expect(await upstreamRefreshes()).toBe(2);
    expect(gateway.context.counters.value("soundgate_dpop_proofs_refused_total")).toBe(4);
  });

  it("with a proof the thief saw: a replayed jti, or one made for another URL, method or time", async () => {
    const login = await loginViaRedirect(emulator, gateway);
    const url = publicUrlOf(gateway, "/auth/soundcloud/refresh");
    const seen = login.dpop.proof("POST", url);
    expect((await refreshAt(gateway, login.refresh_token, undefined, { DPoP: seen })).status).toBe(
      200,
    );
    const before = await upstreamRefreshes();
    const { refresh_token: current } = await loginViaRedirect(emulator, gateway, {}, login.dpop);
    const now = Math.floor(Date.now() / 1000);
    const attempts = {
      replayed: seen,
      // The address the gateway listens on is not the one the browser uses behind a proxy.
      internalUrl: login.dpop.proof("POST", `${gateway.url}/auth/soundcloud/refresh`),
      otherEndpoint: login.dpop.proof("POST", publicUrlOf(gateway, "/auth/soundcloud/callback")),
      otherMethod: login.dpop.proof("GET", url),
      old: login.dpop.proof("POST", url, { iat: now - 120 }),
      future: login.dpop.proof("POST", url, { iat: now + 120 }),
    };
    for (const [name, proof] of Object.entries(attempts)) {
      const response = await refreshAt(gateway, current, undefined, { DPoP: proof });
      expect([name, response.status]).toEqual([name, 401]);
      await expectRefused(response);
    }
    expect(await upstreamRefreshes()).toBe(before);
  });

  it("a replayed proof is refused by every instance on one Postgres database", async (context) => {
    const database: TestDatabase | undefined = await createTestDatabase();
    if (!database) return context.skip();
    try {
      const env = { SOUNDGATE_DATABASE_URL: database.url };
      const [one, two] = [await startGateway({ env }), await startGateway({ env })] as const;
      const login = await loginViaRedirect(emulator, one);
      const proof = dpopHeader(one, login.dpop, "POST", "/auth/soundcloud/refresh");
      const first = await refreshAt(one, login.refresh_token, undefined, proof);
      expect(first.status).toBe(200);
      const { refresh_token: next } = (await first.json()) as { refresh_token: string };
      // The same proof, at the other instance, for the new token.
      await expectRefused(await refreshAt(two, next, undefined, proof));
      expect((await refreshAt(two, next, login.dpop)).status).toBe(200);
      expect(await upstreamRefreshes()).toBe(2);
    } finally {
      await database.drop();
    }
  });

  it("bound to the thief's key by writing the database (no encryption key) refreshes nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "soundgate-binding-"));
    try {
      const database = `sqlite:${join(dir, "gateway.db")}`;
      const onFile = await startGateway({ env: { SOUNDGATE_DATABASE_URL: database } });
      const victim = await loginViaRedirect(emulator, onFile);
      const thief = await loginViaRedirect(emulator, onFile);
      // The thief copies the binding of their own login (sealed, for their key) onto the
      // victim's token, through their own connection to the file.
      const store = (await openStore(database)) as KyselyStore;
      try {
        const edited = await sql`update token_bindings set jkt =
            (select jkt from token_bindings where id = ${secretHash(thief.refresh_token)})
            where id = ${secretHash(victim.refresh_token)}`.execute(store.db);
        expect(Number(edited.numAffectedRows)).toBe(1);
      } finally {
        await store.close();
      }
      await expectRefused(
        await refreshAt(onFile, victim.refresh_token, thief.dpop),
        "reauth_required",
      );
      expect(await upstreamRefreshes()).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("that was never bound (issued before DPoP, or unknown) refreshes nothing: reauth_required", async () => {
    const key = new DpopKey();
    await expectRefused(await refreshAt(gateway, "rt_from_somewhere", key), "reauth_required");
    expect(await upstreamRefreshes()).toBe(0);
  });
});

describe("login results need a proof, and bind the tokens to its key", () => {
  it("/result without a proof is refused and consumes nothing", async () => {
    const login = await startLogin(gateway);
    const back = await deliverToGateway(gateway, await approveAtEmulator(emulator, login.url));
    const key = resultKeyOf(back);
    await expectRefused(await getResult(gateway, login.state, login.verifier, key, null));
    const dpop = new DpopKey();
    const taken = await getResult(gateway, login.state, login.verifier, key, dpop);
    expect(taken.status).toBe(200);
    const { refresh_token } = (await taken.json()) as { refresh_token: string };
    expect((await refreshAt(gateway, refresh_token, dpop)).status).toBe(200);
  });

  it("/callback (direct flow) without a proof is refused and does not burn the flow", async () => {
    const direct = await startGateway({ env: { SOUNDCLOUD_REDIRECT_URI: APP_CALLBACK } });
    const login = await startLogin(direct);
    const back = await approveAtEmulator(emulator, login.url);
    const post = (headers: Record<string, string>) =>
      fetch(`${direct.url}/auth/soundcloud/callback`, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "X-Soundgate-Result-Verifier": login.verifier,
          ...headers,
        },
        body: JSON.stringify({
          code: back.searchParams.get("code"),
          state: back.searchParams.get("state"),
        }),
      });
    await expectRefused(await post({}));
    const dpop = new DpopKey();
    const done = await post(dpopHeader(direct, dpop, "POST", "/auth/soundcloud/callback"));
    expect(done.status).toBe(200);
    const { refresh_token } = (await done.json()) as { refresh_token: string };
    await expectRefused(await refreshAt(direct, refresh_token, new DpopKey()));
    expect((await refreshAt(direct, refresh_token, dpop)).status).toBe(200);
  });

  // A proof the attacker saw or made wrong is refused at /result and /callback exactly as
  // at /refresh, before the flow is touched: the login is still there for its browser.
  function badProofs(gateway_: RunningGateway, method: string, path: string) {
    const key = new DpopKey();
    const url = publicUrlOf(gateway_, path);
    const now = Math.floor(Date.now() / 1000);
    return {
      key,
      url,
      attempts: {
        otherEndpoint: key.proof(method, publicUrlOf(gateway_, "/auth/soundcloud/refresh")),
        otherMethod: key.proof(method === "GET" ? "POST" : "GET", url),
        internalUrl: key.proof(method, `${gateway_.url}${path}`),
        old: key.proof(method, url, { iat: now - 120 }),
        future: key.proof(method, url, { iat: now + 120 }),
        badSignature: key.proof(method, url, { jwk: new DpopKey().jwk }),
        notAJwt: "not-a-proof",
      } as Record<string, string>,
    };
  }

  it("/result refuses a replayed, off-target, stale or wrongly signed proof, and consumes nothing", async () => {
    const login = await startLogin(gateway);
    const key = resultKeyOf(
      await deliverToGateway(gateway, await approveAtEmulator(emulator, login.url)),
    );
    const path = "/auth/soundcloud/result";
    const { key: dpop, url, attempts } = badProofs(gateway, "GET", path);
    const take = (proof: string, verifier = login.verifier) =>
      fetch(`${gateway.url}${path}?state=${encodeURIComponent(login.state)}`, {
        headers: {
          "X-Soundgate-Result-Verifier": verifier,
          "X-Soundgate-Result-Key": key ?? "",
          DPoP: proof,
        },
      });
    // A proof seen once (here on a request that found nothing) is spent.
    const seen = dpop.proof("GET", url);
    expect((await take(seen, resultSecret().verifier)).status).toBe(404);
    for (const [name, proof] of Object.entries({ replayed: seen, ...attempts })) {
      const response = await take(proof);
      expect([name, response.status]).toEqual([name, 401]);
      await expectRefused(response);
    }
    const taken = await take(dpop.proof("GET", url));
    expect(taken.status).toBe(200);
  });

  it("/callback refuses a replayed, off-target, stale or wrongly signed proof, and does not burn the flow", async () => {
    const direct = await startGateway({ env: { SOUNDCLOUD_REDIRECT_URI: APP_CALLBACK } });
    const login = await startLogin(direct);
    const back = await approveAtEmulator(emulator, login.url);
    const path = "/auth/soundcloud/callback";
    const { key: dpop, url, attempts } = badProofs(direct, "POST", path);
    const post = (proof: string, verifier = login.verifier) =>
      fetch(`${direct.url}${path}`, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "X-Soundgate-Result-Verifier": verifier,
          DPoP: proof,
        },
        body: JSON.stringify({
          code: back.searchParams.get("code"),
          state: back.searchParams.get("state"),
        }),
      });
    const seen = dpop.proof("POST", url);
    // (A wrong verifier is answered like an unknown state; the proof was accepted.)
    const wrong = await post(seen, resultSecret().verifier);
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { error: string }).error).not.toBe("invalid_dpop_proof");
    for (const [name, proof] of Object.entries({ replayed: seen, ...attempts })) {
      const response = await post(proof);
      expect([name, response.status]).toEqual([name, 401]);
      await expectRefused(response);
    }
    expect((await emulator.stats()).token_requests.authorization_code).toBe(0);
    const done = await post(dpop.proof("POST", url));
    expect(done.status).toBe(200);
  });
});

describe("the grace window", () => {
  it("gives a repeat the same new pair only for the same key; others are refused, logged and counted", async () => {
    const { lines, logger } = recordingLogger();
    const logged = await startGateway({ logger });
    const login = await loginViaRedirect(emulator, logged);
    const first = (await (await refreshAt(logged, login.refresh_token, login.dpop)).json()) as {
      access_token: string;
      refresh_token: string;
    };
    // Another tab of the same browser (same key), or a retry after a lost answer.
    const repeat = await refreshAt(logged, login.refresh_token, login.dpop);
    expect(repeat.status).toBe(200);
    const again = (await repeat.json()) as typeof first;
    expect([again.access_token, again.refresh_token]).toEqual([
      first.access_token,
      first.refresh_token,
    ]);
    // Someone else with the spent token gets nothing, not even within the window.
    await expectRefused(await refreshAt(logged, login.refresh_token, new DpopKey()));
    await expectRefused(await refreshAt(logged, login.refresh_token));
    expect(await upstreamRefreshes()).toBe(1);

    const { counters } = logged.context;
    expect(counters.value("soundgate_refresh_grace_hits_total")).toBe(1);
    expect(counters.value("soundgate_refresh_replays_refused_total")).toBe(2);
    const log = lines.join("");
    expect(log).toContain("refresh grace hit");
    expect(log).toContain("spent refresh token presented again");
    for (const secret of [login.refresh_token, first.refresh_token, first.access_token]) {
      expect(log).not.toContain(secret);
    }
  });

  it(`ends after ${REFRESH_GRACE_MS / 1000} s: the spent token is refused without asking SoundCloud`, async () => {
    let now = Date.now();
    const clocked = await startGateway({ now: () => now });
    const login = await loginViaRedirect(emulator, clocked);
    expect((await refreshAt(clocked, login.refresh_token, login.dpop)).status).toBe(200);
    now += REFRESH_GRACE_MS + 1;
    const late = await refreshAt(clocked, login.refresh_token, login.dpop, {
      DPoP: login.dpop.proof("POST", publicUrlOf(clocked, "/auth/soundcloud/refresh"), {
        iat: Math.floor(now / 1000),
      }),
    });
    await expectRefused(late, "reauth_required");
    expect(await upstreamRefreshes()).toBe(1);
    // The gateway never presented the spent token, so SoundCloud saw no reuse.
    expect((await emulator.stats()).refresh_reuse).toBe(0);
    expect(clocked.context.counters.value("soundgate_refresh_replays_refused_total")).toBe(1);
  });
});

describe("SOUNDGATE_COMPAT=starlib", () => {
  const starlib = { SOUNDGATE_COMPAT: "starlib" };

  it("refreshes unbound tokens without a proof (Starlib's front end), and bound ones only with theirs", async () => {
    const compat = await startGateway({ env: starlib });
    const login = await startLogin(compat, { result_challenge: null });
    await deliverToGateway(compat, await approveAtEmulator(emulator, login.url));
    const unbound = await getResult(compat, login.state, undefined, undefined, null);
    const { refresh_token } = (await unbound.json()) as { refresh_token: string };
    expect((await refreshAt(compat, refresh_token)).status).toBe(200);

    const bound = await loginViaRedirect(emulator, compat);
    await expectRefused(await refreshAt(compat, bound.refresh_token));
    await expectRefused(await refreshAt(compat, bound.refresh_token, new DpopKey()));
    expect((await refreshAt(compat, bound.refresh_token, bound.dpop)).status).toBe(200);
  });

  it("binds an unbound token at its first refresh with a proof: from then on only that key refreshes it", async () => {
    // Moving from Starlib's front end to @soundgate/browser: a person logged in before
    // keeps their tokens, and the SDK's first refresh binds them to its key.
    const compat = await startGateway({ env: starlib });
    const login = await startLogin(compat, { result_challenge: null });
    await deliverToGateway(compat, await approveAtEmulator(emulator, login.url));
    const result = await getResult(compat, login.state, undefined, undefined, null);
    const { refresh_token } = (await result.json()) as { refresh_token: string };
    const sdk = new DpopKey();
    const first = await refreshAt(compat, refresh_token, sdk);
    expect(first.status).toBe(200);
    const { refresh_token: bound } = (await first.json()) as { refresh_token: string };
    // Starlib's front end (no proof) or a thief (another key) can no longer refresh it.
    await expectRefused(await refreshAt(compat, bound));
    await expectRefused(await refreshAt(compat, bound, new DpopKey()));
    expect(await upstreamRefreshes()).toBe(1);
    expect((await refreshAt(compat, bound, sdk)).status).toBe(200);
  });

  it("keeps the grace for an unbound token only for the same Origin and address", async () => {
    const compat = await startGateway({
      env: { ...starlib, SOUNDGATE_TRUST_PROXY: "true" },
    });
    const login = await startLogin(compat, { result_challenge: null });
    await deliverToGateway(compat, await approveAtEmulator(emulator, login.url));
    const result = await getResult(compat, login.state, undefined, undefined, null);
    const { refresh_token } = (await result.json()) as { refresh_token: string };
    const from = (origin: string, address: string) => ({
      Origin: origin,
      "X-Forwarded-For": address,
    });
    const tab = from("http://app.test", "198.51.100.7");
    const first = await refreshAt(compat, refresh_token, undefined, tab);
    expect(first.status).toBe(200);
    const pair = (await first.json()) as { access_token: string; refresh_token: string };
    const again = (await (await refreshAt(compat, refresh_token, undefined, tab)).json()) as {
      access_token: string;
      refresh_token: string;
    };
    expect([again.access_token, again.refresh_token]).toEqual([
      pair.access_token,
      pair.refresh_token,
    ]);
    for (const other of [
      from("http://app.test", "203.0.113.9"),
      from("https://evil.example", "198.51.100.7"),
    ]) {
      await expectRefused(
        await refreshAt(compat, refresh_token, undefined, other),
        "reauth_required",
      );
    }
    expect(await upstreamRefreshes()).toBe(1);
  });
});
