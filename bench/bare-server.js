// The limit each gateway path is measured against: node:http doing only the essential
// work of that path, and doing it the fast way. It is the floor, not a straw man: the
// gateway can get close to it, not past it.
//
// With BARE_DB (a SQLite file whose tables the gateway's own migrations made, see
// fill.js) and SOUNDGATE_ENCRYPTION_KEYS:
//   GET /auth/soundcloud/authorize?result_challenge=…  a PKCE verifier (32 random bytes)
//     and its S256 challenge, a state (32 random bytes) and its SHA-256 row id, the
//     verifier sealed with AES-256-GCM, one prepared INSERT of the flow (WAL), and the
//     JSON {url, authorization_url, state} the gateway answers with.
//   GET /api/soundcloud/me  the session cookie hashed (SHA-256), one indexed read (the
//     session joined to its connection), one AES-GCM open of the access token, and a
//     keep-alive fetch of BARE_API_URL/me whose status and body are passed on.
// Both answer with the same headers the gateway sets on these paths.
// Without BARE_DB: every path answers a small JSON body (a bare node:http server, for
// start-up time and memory).
//
// BARE_FRAMEWORK=hono serves the same work through Hono and @hono/node-server, the
// gateway's own stack (bench/profile.js layers): the framework's share of the gap;
// BARE_CORS=1 adds hono/cors configured as the gateway configures it.
import { createHash, randomBytes } from "node:crypto";
import { createServer } from "node:http";

const file = process.env.BARE_DB;
const work = file ? await essentialWork(file) : undefined;
const bare = {
  status: 200,
  headers: { "Content-Type": "application/json" },
  body: '{"status":"ok"}',
};
const url = await (process.env.BARE_FRAMEWORK === "hono" ? listenHono() : listenNodeHttp());
process.stdout.write(`listening on ${url}\n`);

/** node:http: the path picks the work, the answer is written in one go. */
function listenNodeHttp() {
  const answer = (res, { status, headers, body }) => {
    res.writeHead(status, { ...headers, "Content-Length": Buffer.byteLength(body) });
    res.end(body);
  };
  const server = createServer((req, res) => {
    const query = req.url.indexOf("?");
    const path = query === -1 ? req.url : req.url.slice(0, query);
    if (work && path === "/auth/soundcloud/authorize") {
      answer(res, work.authorize(new URLSearchParams(req.url.slice(query + 1))));
    } else if (work && path === "/api/soundcloud/me") {
      work.proxyMe(req.headers.cookie).then(
        (result) => answer(res, result),
        () => answer(res, { status: 502, headers: {}, body: '{"error":"upstream_unavailable"}' }),
      );
    } else {
      answer(res, bare);
    }
  });
  server.keepAliveTimeout = 60_000;
  process.on("SIGTERM", () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${server.address().port}`));
  });
}

/** The same work behind Hono's router and @hono/node-server's adapter. */
async function listenHono() {
  const { Hono } = await import("hono");
  const { serve } = await import("@hono/node-server");
  const app = new Hono();
  if (process.env.BARE_CORS) {
    // The gateway's CORS set-up (hono/cors with credentials), to show what it costs.
    const { cors } = await import("hono/cors");
    app.use("*", cors({ origin: () => null, credentials: true, maxAge: 600 }));
  }
  const respond = ({ status, headers, body }) => new Response(body, { status, headers });
  if (work) {
    app.get("/auth/soundcloud/authorize", (c) =>
      respond(work.authorize(new URLSearchParams(new URL(c.req.url).search))),
    );
    app.get("/api/soundcloud/me", async (c) => respond(await work.proxyMe(c.req.header("cookie"))));
  }
  app.all("*", () => respond(bare));
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info) =>
      resolve(`http://127.0.0.1:${info.port}`),
    );
    process.on("SIGTERM", () => {
      server.close(() => process.exit(0));
      server.closeAllConnections();
    });
  });
}

/** Each path's essential work as input → {status, headers, body}. */
async function essentialWork(file) {
  const BetterSqlite3 = (await import("better-sqlite3")).default;
  const { openSealed, primaryKey, seal } = await import("./fill.js");
  const db = new BetterSqlite3(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  const keys = process.env.SOUNDGATE_ENCRYPTION_KEYS;
  const { key } = primaryKey(keys);
  const api = process.env.BARE_API_URL ?? "";
  const authorizeUrl = `${process.env.BARE_AUTH_URL ?? api}/authorize`;
  const redirectUri = "http://gateway.bench/auth/soundcloud/redirect";
  const returnTo = "http://gateway.bench/";

  const insertFlow = db.prepare(`insert into auth_flows
    (id, kind, status, app_user_id, browser_binding, verifier, redirect_uri, return_to,
     result_challenge, result, error, created_at, expires_at)
    values (?, 'result', 'pending', null, null, ?, ?, ?, ?, null, null, ?, ?)`);
  const readSession = db.prepare(`select c.id, c.access_token from sessions s
    join connections c on c.id = s.connection_id
    where s.id = ? and s.expires_at > ?`);
  // The headers every gateway auth and proxy answer carries, the same bytes on the wire
  // (packages/server/src/http/security-headers.ts): no caching, no referrer, no framing,
  // no sniffing, a CSP (the proxy's sandboxes), cross-origin isolation, Vary: Origin.
  const security = {
    Pragma: "no-cache",
    Vary: "Origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Origin-Agent-Cluster": "?1",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-DNS-Prefetch-Control": "off",
    "X-Download-Options": "noopen",
    "X-Frame-Options": "DENY",
    "X-Permitted-Cross-Domain-Policies": "none",
    "X-XSS-Protection": "0",
  };
  const nothingCsp =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
  const sandboxCsp = "sandbox; default-src 'none'; frame-ancestors 'none'";
  const json = { "Content-Type": "application/json" };
  const challengeShape = /^[A-Za-z0-9_-]{43}$/;
  const sha256 = (text) => createHash("sha256").update(text).digest("base64url");

  return {
    authorize(query) {
      const challenge = query.get("result_challenge");
      if (!challenge || !challengeShape.test(challenge)) {
        return { status: 400, headers: json, body: '{"error":"invalid_request"}' };
      }
      const verifier = randomBytes(32).toString("base64url");
      const codeChallenge = sha256(verifier);
      const state = randomBytes(32).toString("base64url");
      const id = sha256(state);
      const now = Date.now();
      insertFlow.run(
        id,
        seal(verifier, "auth_flows", "verifier", id, keys),
        redirectUri,
        returnTo,
        challenge,
        now,
        now + 600_000,
      );
      const params = new URLSearchParams({
        client_id: "bench-gateway",
        redirect_uri: redirectUri,
        response_type: "code",
        code_challenge: codeChallenge,
        code_challenge_method: "S256",
        state,
      });
      const url = `${authorizeUrl}?${params}`;
      return {
        status: 200,
        headers: {
          ...json,
          "Cache-Control": "no-store",
          "Content-Security-Policy": nothingCsp,
          ...security,
        },
        body: JSON.stringify({ url, authorization_url: url, state }),
      };
    },

    async proxyMe(cookies) {
      const cookie = /(?:^|;\s*)soundgate_session=([^;]+)/.exec(cookies ?? "")?.[1];
      const row = cookie && readSession.get(sha256(cookie), Date.now());
      if (!row) return { status: 401, headers: json, body: '{"error":"not_authenticated"}' };
      const token = openSealed(row.access_token, "connections", "access_token", row.id, key);
      const upstream = await fetch(`${api}/me`, { headers: { Authorization: `OAuth ${token}` } });
      return {
        status: upstream.status,
        headers: {
          "Content-Type": upstream.headers.get("content-type") ?? "application/json",
          "Cache-Control": "private, no-store",
          "Content-Security-Policy": sandboxCsp,
          ...security,
        },
        body: Buffer.from(await upstream.arrayBuffer()),
      };
    },
  };
}
