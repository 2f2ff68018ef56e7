// The proxy's and /authorize's work, step by step, in one process: CPU microseconds per
// operation of each piece the gateway runs, beside the cheapest way to do the same thing.
// For bench/PROFILE.md (`node bench/profile.js steps`); the ranking of the steps is what
// counts, absolute numbers move with the machine's load.
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { object, optional, text } from "../packages/server/dist/http/shapes.js";
import { buildAuthorizeUrl, createPkce, createState } from "../packages/soundgate/dist/index.js";
import { AUTHORIZE_PATH } from "./authorize.js";
import { aad, openSealed, primaryKey, seal, secretHash } from "./fill.js";
import { BENCH_KEYS, bffLogin, gatewayEnv, median, registerGatewayClient } from "./lib.js";

/** CPU µs per call of `fn` (sync or async, one at a time), median of 5 batches. */
async function cpuPerCall(fn, iterations) {
  for (let i = 0; i < Math.min(200, iterations); i++) await fn(); // warm up
  const batches = [];
  for (let b = 0; b < 5; b++) {
    const before = process.cpuUsage();
    for (let i = 0; i < iterations; i++) await fn();
    const used = process.cpuUsage(before);
    batches.push((used.user + used.system) / iterations);
  }
  return median(batches);
}

export async function steps(emulatorUrl) {
  const dir = mkdtempSync(join(tmpdir(), "soundgate-steps-"));
  const rows = [];
  const step = async (group, name, fn, iterations = 2000) => {
    const us = await cpuPerCall(fn, iterations);
    rows.push({ group, name, us });
    process.stderr.write(`  ${group}: ${name}: ${us.toFixed(1)} µs\n`);
  };
  try {
    Object.assign(process.env, gatewayEnv(emulatorUrl), {
      SOUNDGATE_DATABASE_URL: `sqlite:${join(dir, "steps.db")}`,
    });
    await registerGatewayClient(emulatorUrl);
    const { loadConfig, startGateway } = await import("../packages/server/dist/index.js");
    const gateway = await startGateway({ config: loadConfig(process.env, { port: 0 }) });
    const { store, cipher } = gateway.context;
    const cookieHeader = await bffLogin(gateway.url);
    const cookie = cookieHeader.split("=")[1];
    const sessionId = secretHash(cookie);
    const session = await store.getSession(sessionId, Date.now());
    const connection = await store.getConnection(session.connectionId);
    const BetterSqlite3 = (await import("better-sqlite3")).default;
    const raw = new BetterSqlite3(join(dir, "steps.db"));
    const rawSession = raw.prepare("select * from sessions where id = ? and expires_at > ?");
    const rawJoin = raw.prepare(`select c.id, c.access_token from sessions s
      join connections c on c.id = s.connection_id where s.id = ? and s.expires_at > ?`);
    const { key } = primaryKey(BENCH_KEYS);
    const tokenAad = aad("connections", "access_token", connection.id).toString("utf8");
    const refreshAad = aad("connections", "refresh_token", connection.id).toString("utf8");

    // --- the proxy, GET /api/soundcloud/me ---
    await step(
      "proxy",
      "whole request, in process: app.fetch(Request) + body",
      async () => {
        const response = await gateway.app.fetch(
          new Request(`http://gateway.bench/api/soundcloud/me`, {
            headers: { cookie: cookieHeader },
          }),
        );
        await response.text();
      },
      300,
    );
    await step(
      "proxy",
      "upstream: fetch(emulator /me) + text()",
      async () => {
        const response = await fetch(`${emulatorUrl}/me`, {
          headers: { Authorization: "OAuth x" },
        });
        await response.text();
      },
      300,
    );
    const agent = new http.Agent({ keepAlive: true });
    await step(
      "proxy",
      "upstream, the cheap way: http.request (keep-alive agent) + body",
      () =>
        new Promise((resolve, reject) => {
          http
            .get(`${emulatorUrl}/me`, { agent, headers: { Authorization: "OAuth x" } }, (res) => {
              res.resume();
              res.on("end", resolve);
            })
            .on("error", reject);
        }),
      300,
    );
    await step("proxy", "store.getSession (Kysely, cached statement)", () =>
      store.getSession(sessionId, Date.now()),
    );
    await step("proxy", "store.getConnection (Kysely, cached statement)", () =>
      store.getConnection(session.connectionId),
    );
    await step("proxy", "Kysely: build + compile the getSession query only", () =>
      store.db
        .selectFrom("sessions")
        .selectAll()
        .where("id", "=", sessionId)
        .where("expiresAt", ">", Date.now())
        .compile(),
    );
    await step("proxy", "raw: prepared select of the session", () =>
      rawSession.get(sessionId, Date.now()),
    );
    await step("proxy", "raw: one prepared join, session + connection", () =>
      rawJoin.get(sessionId, Date.now()),
    );
    await step("proxy", "Cipher.open (access token)", () =>
      cipher.open(connection.accessToken, tokenAad),
    );
    await step("proxy", "Cipher.open (refresh token, not needed to proxy)", () =>
      cipher.open(connection.refreshToken, refreshAad),
    );
    await step("proxy", "raw AES-GCM open (node:crypto)", () =>
      openSealed(connection.accessToken, "connections", "access_token", connection.id, key),
    );
    await step("proxy", "secretHash(cookie) (SHA-256)", () => secretHash(cookie));
    const body = JSON.stringify({ id: 1, username: "x".repeat(600) });
    await step("proxy", "relay: new Response(text, headers) + Headers copy", () => {
      const headers = new Headers({ "Cache-Control": "private, no-store" });
      headers.set("content-type", "application/json; charset=utf-8");
      return new Response(body, { status: 200, headers }).text();
    });
    const { createLogger } = await import("../packages/server/dist/index.js");
    const { createWriteStream } = await import("node:fs");
    const logger = createLogger("info", createWriteStream("/dev/null"));
    await step("proxy", "request log line at the default level (info), to /dev/null", () =>
      logger.info({ method: "GET", path: "/api/soundcloud/me", status: 200, ms: 3 }, "request"),
    );

    // --- /authorize ---
    await step(
      "authorize",
      "whole request, in process: app.fetch(Request) + body",
      async () => {
        const response = await gateway.app.fetch(
          new Request(`http://gateway.bench${AUTHORIZE_PATH}`),
        );
        await response.text();
      },
      500,
    );
    await step("authorize", "createPkce() (core, Web Crypto, async)", () => createPkce());
    await step("authorize", "PKCE the cheap way: randomBytes + createHash (sync)", () => {
      const verifier = randomBytes(32).toString("base64url");
      return createHash("sha256").update(verifier).digest("base64url");
    });
    await step("authorize", "createState() + secretHash(state)", () => secretHash(createState()));
    await step("authorize", "Cipher.seal (verifier)", () =>
      cipher.seal("v".repeat(43), "a\u0000b\u0000c"),
    );
    await step("authorize", "raw AES-GCM seal (node:crypto)", () =>
      seal("v".repeat(43), "auth_flows", "verifier", "c"),
    );
    const now = Date.now();
    await step("authorize", "store.createFlow (Kysely insert, WAL commit)", () =>
      store.createFlow({
        id: randomBytes(32).toString("base64url"),
        kind: "result",
        appUserId: null,
        browserBinding: null,
        verifier: "sealed",
        redirectUri: "http://gateway.bench/auth/soundcloud/redirect",
        returnTo: "http://gateway.bench/",
        resultChallenge: null,
        createdAt: now,
        expiresAt: now + 600_000,
      }),
    );
    const rawInsert = raw.prepare(`insert into auth_flows (id, kind, status, verifier,
      redirect_uri, return_to, created_at, expires_at) values (?, 'result', 'pending', 'sealed',
      'http://gateway.bench/auth/soundcloud/redirect', 'http://gateway.bench/', ?, ?)`);
    await step("authorize", "raw: prepared insert (WAL commit)", () =>
      rawInsert.run(randomBytes(32).toString("base64url"), now, now + 600_000),
    );
    await step("authorize", "buildAuthorizeUrl (URL + searchParams)", () =>
      buildAuthorizeUrl({
        clientId: "bench-gateway",
        redirectUri: "http://gateway.bench/auth/soundcloud/redirect",
        codeChallenge: "c".repeat(43),
        state: "s".repeat(43),
        endpoints: { authorizeUrl: `${emulatorUrl}/authorize` },
      }),
    );
    const query = object({
      return_to: optional(text(2048)),
      result_challenge: optional(text(128)),
    });
    await step("authorize", "check the query's shape", () =>
      query.check({ result_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM" }),
    );

    raw.close();
    await gateway.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
