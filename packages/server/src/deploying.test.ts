// The production checklist of docs/deploying.md, item by item where it can run on one
// machine: a real TLS proxy in front, real SQLite files, the real CLI, the emulator.
import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startTestEmulator, type TestEmulator } from "@soundgate/test-support/emulator";
import {
  approveAtEmulator,
  CookieJar,
  deliverToGateway,
  GATEWAY_CLIENT,
  loginViaBff,
  loginViaRedirect,
  refreshAt,
  resultKeyOf,
  startLogin,
  startTestGateway,
  TEST_ENCRYPTION_KEYS,
} from "@soundgate/test-support/gateway";
import { parseMetrics, sampleValue } from "@soundgate/test-support/metrics";
import { startTlsProxy, type TlsProxy } from "@soundgate/test-support/tls-proxy";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ConnectionTokenStore } from "./auth/connection-store.js";
import { ConfigError, loadConfig } from "./config.js";
import { aad, Cipher } from "./crypto/cipher.js";
import { secretHash } from "./crypto/hash.js";
import { createGateway, type RunningGateway } from "./gateway.js";
import { openStore } from "./store/open.js";
import type { GatewayStore } from "./store/store.js";

const run = promisify(execFile);
const repo = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));
/** The `soundgate` command as npm installs it (whichever package provides it). */
const SOUNDGATE = repo("node_modules/.bin/soundgate");
const METRICS_TOKEN = "deploy-metrics-token-0123456789abcdef";

let emulator: TestEmulator;
let dir: string;
const started: RunningGateway[] = [];
const proxies: TlsProxy[] = [];
const stores: GatewayStore[] = [];

beforeAll(async () => {
  emulator = await startTestEmulator();
  dir = mkdtempSync(join(tmpdir(), "soundgate-deploy-"));
});
afterAll(async () => {
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
  await Promise.all(started.splice(0).map((g) => g.close()));
  await Promise.all(stores.splice(0).map((s) => s.close()));
  await emulator.reset();
});

async function gateway(env: Record<string, string>): Promise<RunningGateway> {
  const running = await startTestGateway(emulator, { env });
  started.push(running);
  return running;
}

async function stop(running: RunningGateway): Promise<void> {
  started.splice(started.indexOf(running), 1);
  await running.close();
}

/** The cookie a Set-Cookie line sets, by name. */
function cookieLine(lines: readonly string[], name: string): string {
  const line = lines.find((l) => l.startsWith(`${name}=`));
  if (!line) throw new Error(`no ${name} cookie in ${JSON.stringify(lines)}`);
  return line;
}

describe("production mode", () => {
  it("refuses to start without SoundCloud credentials or encryption keys", async () => {
    const production = { NODE_ENV: "production", SOUNDGATE_LOG_LEVEL: "silent" };
    expect(() => loadConfig(production)).toThrow(
      expect.objectContaining({ variable: "SOUNDCLOUD_CLIENT_ID" }),
    );
    const config = loadConfig({
      ...production,
      SOUNDCLOUD_CLIENT_ID: GATEWAY_CLIENT.client_id,
      SOUNDCLOUD_CLIENT_SECRET: GATEWAY_CLIENT.client_secret,
      SOUNDGATE_DATABASE_URL: "sqlite::memory:",
    });
    const refused = await createGateway({ config }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConfigError);
    expect(refused).toMatchObject({ variable: "SOUNDGATE_ENCRYPTION_KEYS" });
    expect(config.logFormat).toBe("json");
  });
});

describe("behind a TLS-terminating proxy", () => {
  it("signs in over https with __Host- Secure cookies and HSTS, and counts clients by the address the proxy saw", async () => {
    let target = "";
    const proxy = await startTlsProxy(dir, () => target);
    proxies.push(proxy);
    const app = `${proxy.url}/app`;
    const behind = await gateway({
      SOUNDGATE_PUBLIC_URL: proxy.url,
      SOUNDGATE_TRUST_PROXY: "1",
      SOUNDGATE_ALLOWED_RETURN_TO: app,
      SOUNDGATE_RATE_LIMIT_PER_MINUTE: "20",
      SOUNDGATE_METRICS_TOKEN: METRICS_TOKEN,
    });
    target = behind.url;
    const hsts = "max-age=31536000; includeSubDomains";

    // A BFF login, every browser hop through the proxy.
    const start = await proxy.fetch(`/auth/soundcloud/login?return_to=${encodeURIComponent(app)}`);
    expect(start.status).toBe(302);
    expect(start.headers["strict-transport-security"]).toBe(hsts);
    const authorize = new URL(start.headers.location ?? "");
    expect(authorize.searchParams.get("redirect_uri")).toBe(
      `${proxy.url}/auth/soundcloud/redirect`,
    );
    const login = cookieLine(start.setCookies, "__Host-soundgate_login");
    expect(login).toMatch(/; Secure/);
    expect(login).toMatch(/; HttpOnly/);
    expect(login).toMatch(/; Path=\//);
    expect(login).not.toMatch(/Domain=/i);

    const jar = new CookieJar();
    jar.cookies.set("__Host-soundgate_login", login.split(";")[0]?.split("=")[1] ?? "");
    const redirect = await approveAtEmulator(emulator, authorize.href);
    expect(redirect.origin).toBe(proxy.url);
    const back = await proxy.fetch(`${redirect.pathname}${redirect.search}`, {
      headers: { Cookie: jar.header() },
    });
    expect(back.status).toBe(303);
    expect(back.headers.location).toBe(app);
    expect(back.headers["strict-transport-security"]).toBe(hsts);
    const session = cookieLine(back.setCookies, "__Host-soundgate_session");
    expect(session).toMatch(/; Secure/);
    expect(session).toMatch(/; HttpOnly/);
    expect(session).toMatch(/; SameSite=Lax/);
    expect(session).not.toMatch(/Domain=/i);
    const cookie = session.split(";")[0] ?? "";

    const me = await proxy.fetch("/auth/session", { headers: { Cookie: cookie } });
    expect(me.status).toBe(200);
    expect(JSON.parse(me.body)).toMatchObject({
      signed_in: true,
      user: { username: "nightjar-audio" },
    });
    const api = await proxy.fetch("/api/soundcloud/me", { headers: { Cookie: cookie } });
    expect(api.status).toBe(200);
    // The cookie without its prefix is not the session: nothing is read from a look-alike.
    const plain = await proxy.fetch("/auth/session", {
      headers: { Cookie: cookie.replace("__Host-", "") },
    });
    expect(JSON.parse(plain.body)).toEqual({ signed_in: false });

    // Health and metrics answer through the proxy too.
    const health = await proxy.fetch("/healthz");
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ status: "ok", store: "ok" });
    expect(health.headers["strict-transport-security"]).toBe(hsts);
    const scrape = async () => {
      const answer = await proxy.fetch("/metrics", {
        headers: { Authorization: `Bearer ${METRICS_TOKEN}` },
      });
      expect(answer.status).toBe(200);
      return parseMetrics(answer.body);
    };
    expect(
      sampleValue(await scrape(), "soundgate_logins_completed_total", { flow: "session" }),
    ).toBe(1);
    expect((await proxy.fetch("/metrics")).status).toBe(401);

    // Two clients behind the proxy (two loopback addresses). One forges a fresh
    // X-Forwarded-For each time; the gateway takes the entry the proxy wrote (one hop from
    // the right), so the forger is limited as itself, and the other client is not.
    const config = (client: string, forged?: string) =>
      proxy.fetch("/auth/soundcloud/config", {
        localAddress: client,
        headers: forged ? { "X-Forwarded-For": forged } : {},
      });
    let limitedAfter = 0;
    for (let i = 1; i <= 25 && limitedAfter === 0; i++) {
      const answer = await config("127.0.0.2", `198.51.100.${i}`);
      if (answer.status === 429) limitedAfter = i;
      else expect(answer.status).toBe(200);
    }
    expect(limitedAfter).toBeGreaterThan(0);
    expect((await config("127.0.0.3")).status).toBe(200);
    expect(sampleValue(await scrape(), "soundgate_rate_limited_total", { limit: "auth" })).toBe(1);
  });
});

describe("a copy of the SQLite database", () => {
  it("holds no token or cookie in its bytes, only their hashes and the public profile", async () => {
    const file = join(dir, "copied.db");
    const live = await gateway({ SOUNDGATE_DATABASE_URL: `sqlite:${file}` });
    // Tokens handed to a front end, then refreshed.
    const login = await loginViaRedirect(emulator, live);
    const refreshed = (await (await refreshAt(live, login.refresh_token, login.dpop)).json()) as {
      access_token: string;
      refresh_token: string;
    };
    // A login whose result is left unread: its tokens wait in the database, sealed.
    const pending = await startLogin(live);
    const redirect = await approveAtEmulator(emulator, pending.url);
    const resultKey = resultKeyOf(await deliverToGateway(live, redirect)) ?? "";
    expect(resultKey).not.toBe("");
    // A BFF session, used once.
    const { jar } = await loginViaBff(emulator, live);
    const sessionCookie = jar.cookies.get("soundgate_session") ?? "";
    expect(
      (await fetch(`${live.url}/api/soundcloud/me`, { headers: { Cookie: jar.header() } })).status,
    ).toBe(200);

    // What copying the files of a running gateway gives (the WAL holds the newest pages).
    const copy = join(dir, "copy.db");
    copyFileSync(file, copy);
    if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${copy}-wal`);
    const bytes = () =>
      readFileSync(copy).toString("latin1") +
      (existsSync(`${copy}-wal`) ? readFileSync(`${copy}-wal`).toString("latin1") : "");
    const raw = bytes();

    // Opened with the key, the copy does hold the tokens: the search below is for real ones.
    const store = await openStore(`sqlite:${copy}`);
    stores.push(store);
    const cipher = Cipher.fromEnv(TEST_ENCRYPTION_KEYS);
    const [connection] = await store.listConnections({ limit: 10 });
    expect(connection?.id).toMatch(/^session:/);
    const id = connection?.id ?? "";
    const bff = await new ConnectionTokenStore(store, cipher, Date.now).get(id);
    expect(bff?.accessToken).toMatch(/\S{16,}/);
    const flowId = secretHash(pending.state);
    const flow = await store.getFlow(flowId, Date.now());
    const waiting = JSON.parse(
      cipher.open(flow?.result ?? "", aad("auth_flows", "result", flowId)),
    ) as { tokens: { accessToken: string; refreshToken: string } };
    expect(waiting.tokens.accessToken).toMatch(/\S{16,}/);

    const secrets = {
      "access token": login.access_token,
      "refresh token": login.refresh_token,
      "refreshed access token": refreshed.access_token,
      "refreshed refresh token": refreshed.refresh_token,
      "unread result's access token": waiting.tokens.accessToken,
      "unread result's refresh token": waiting.tokens.refreshToken,
      "BFF access token": bff?.accessToken ?? "",
      "BFF refresh token": bff?.refreshToken ?? "",
      "session cookie": sessionCookie,
      "OAuth state": pending.state,
      "result key": resultKey,
      "DPoP key thumbprint": login.dpop.thumbprint,
      "client secret": GATEWAY_CLIENT.client_secret,
    };
    for (const [what, secret] of Object.entries(secrets)) {
      expect(secret.length, what).toBeGreaterThan(15);
      expect(raw.includes(secret), `${what} in the copy`).toBe(false);
    }
    // What it does show: hashes of what browsers hold, and who is connected.
    expect(raw).toContain(secretHash(sessionCookie));
    expect(raw).toContain(secretHash(pending.state));
    expect(raw).toContain("nightjar-audio");

    // Opened with another key (the copy without ours), no token comes out.
    const other = Cipher.fromEnv(`other:${Buffer.alloc(32, 42).toString("base64")}`);
    const stolen = await new ConnectionTokenStore(store, other, Date.now).get(id);
    expect(stolen).toMatchObject({
      accessToken: "",
      refreshToken: undefined,
      reauthRequired: true,
    });
  });
});

describe("keys rotation", () => {
  it("keeps BFF sessions and browser-held refresh tokens working after the old key is dropped", async () => {
    const OLD = TEST_ENCRYPTION_KEYS;
    const NEW = `k2:${Buffer.alloc(32, 9).toString("base64")}`;
    const file = join(dir, "rotated.db");
    const database = { SOUNDGATE_DATABASE_URL: `sqlite:${file}` };
    const session = (g: RunningGateway, cookie: string) =>
      fetch(`${g.url}/auth/session`, { headers: { Cookie: cookie } });
    const signedIn = async (g: RunningGateway) =>
      ((await (await session(g, cookie)).json()) as { signed_in: boolean }).signed_in;

    const first = await gateway({ ...database, SOUNDGATE_ENCRYPTION_KEYS: OLD });
    const { jar } = await loginViaBff(emulator, first);
    const cookie = jar.header();
    const login = await loginViaRedirect(emulator, first);
    await stop(first);
    const untouched = join(dir, "before-rotation.db");
    copyFileSync(file, untouched);

    // 1. Every instance gets the new key first, the old one still listed.
    const during = await gateway({ ...database, SOUNDGATE_ENCRYPTION_KEYS: `${NEW},${OLD}` });
    expect(await signedIn(during)).toBe(true);
    // 2. `soundgate keys rotate`, while that instance serves.
    const { stdout } = await run(process.execPath, [SOUNDGATE, "keys", "rotate"], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? "",
        ...database,
        SOUNDGATE_ENCRYPTION_KEYS: `${NEW},${OLD}`,
        SOUNDGATE_LOG_LEVEL: "silent",
      },
    });
    expect(stdout).toMatch(/re-encrypted [1-9]\d* values with key "k2"/);
    expect(stdout).toMatch(/ 0 unreadable/);
    expect(await signedIn(during)).toBe(true);
    await stop(during);

    // 3. The old key dropped: still signed in, the proxy works, the bound token refreshes.
    const after = await gateway({ ...database, SOUNDGATE_ENCRYPTION_KEYS: NEW });
    const still = await session(after, cookie);
    expect(still.status).toBe(200);
    expect(await still.json()).toMatchObject({
      signed_in: true,
      user: { username: "nightjar-audio" },
    });
    expect(
      (await fetch(`${after.url}/api/soundcloud/me`, { headers: { Cookie: cookie } })).status,
    ).toBe(200);
    expect((await refreshAt(after, login.refresh_token, login.dpop)).status).toBe(200);

    // Without step 2, dropping the old key signs everyone out (a new login, never a 5xx).
    const skipped = await gateway({
      SOUNDGATE_DATABASE_URL: `sqlite:${untouched}`,
      SOUNDGATE_ENCRYPTION_KEYS: NEW,
    });
    const out = await session(skipped, cookie);
    expect(out.status).toBe(200);
    expect(await out.json()).toMatchObject({
      signed_in: false,
      reauth_required: true,
      reason: "unreadable",
    });
    const refused = await refreshAt(skipped, login.refresh_token, login.dpop);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: "reauth_required" });
  });
});

describe("docs/deploying.md", () => {
  const doc = readFileSync(repo("docs/deploying.md"), "utf8");

  it("names only settings the gateway's configuration reads", () => {
    const read = new Set<string>();
    const env = new Proxy({} as Record<string, string | undefined>, {
      get(_target, key) {
        if (typeof key === "string") read.add(key);
        return undefined;
      },
    });
    loadConfig(env, { stdoutIsTty: false });
    const named = new Set(doc.match(/\b(SOUNDGATE|SOUNDCLOUD)_[A-Z0-9_]+\b/g) ?? []);
    expect(named.size).toBeGreaterThan(10);
    for (const name of named) {
      expect(read.has(name), `${name} is in docs/deploying.md but not in config.ts`).toBe(true);
    }
  });

  it("names tests that exist", () => {
    const references = [
      ...doc.replace(/\s*\n\s*/g, " ").matchAll(/`([\w./-]+\.test\.ts)((?: › [^`›]+)*)`/g),
    ];
    expect(references.length).toBeGreaterThan(8);
    for (const [, path = "", titles = ""] of references) {
      const file = path.startsWith("packages/") ? repo(path) : repo(`packages/server/src/${path}`);
      expect(existsSync(file), path).toBe(true);
      const source = readFileSync(file, "utf8");
      for (const title of titles.split(" › ").slice(1)) {
        expect(source.includes(`"${title.trim()}"`), `${path} › ${title}`).toBe(true);
      }
    }
  });
});
