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
// Both answer with the security headers the gateway sets on these paths.
// Without BARE_DB: every path answers a small JSON body (a bare node:http server, for
// start-up time and memory).
import { createHash, randomBytes } from "node:crypto";
import { createServer } from "node:http";

const file = process.env.BARE_DB;
const routes = file ? await essentialRoutes(file) : new Map();
const bare = JSON.stringify({ status: "ok" });

const server = createServer((req, res) => {
  const path = req.url.split("?", 1)[0];
  const route = routes.get(path);
  if (!route) {
    res.writeHead(200, { "Content-Type": "application/json", "Content-Length": bare.length });
    res.end(bare);
    return;
  }
  route(req, res).catch(() => {
    res.writeHead(502, { "Content-Type": "application/json" });
    res.end('{"error":"upstream_unavailable"}');
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address();
  process.stdout.write(`listening on http://127.0.0.1:${port}\n`);
});
process.on("SIGTERM", () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});

async function essentialRoutes(file) {
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
  // The headers every gateway auth and proxy answer carries (no caching, no referrer).
  const security = {
    Pragma: "no-cache",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
  };
  const challengeShape = /^[A-Za-z0-9_-]{43}$/;
  const b64url = (bytes) => bytes.toString("base64url");
  const sha256 = (text) => createHash("sha256").update(text).digest("base64url");

  const authorize = async (req, res) => {
    const query = new URLSearchParams(req.url.slice(req.url.indexOf("?") + 1));
    const challenge = query.get("result_challenge");
    if (!challenge || !challengeShape.test(challenge)) {
      res.writeHead(400, { "Content-Type": "application/json" });
      res.end('{"error":"invalid_request"}');
      return;
    }
    const verifier = b64url(randomBytes(32));
    const codeChallenge = sha256(verifier);
    const state = b64url(randomBytes(32));
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
    const body = JSON.stringify({ url, authorization_url: url, state });
    res.writeHead(200, {
      "Content-Type": "application/json",
      "Content-Length": Buffer.byteLength(body),
      "Cache-Control": "no-store",
      ...security,
    });
    res.end(body);
  };

  const proxyMe = async (req, res) => {
    const cookie = /(?:^|;\s*)soundgate_session=([^;]+)/.exec(req.headers.cookie ?? "")?.[1];
    const row = cookie && readSession.get(sha256(cookie), Date.now());
    if (!row) {
      res.writeHead(401, { "Content-Type": "application/json" });
      res.end('{"error":"not_authenticated"}');
      return;
    }
    const token = openSealed(row.access_token, "connections", "access_token", row.id, key);
    const upstream = await fetch(`${api}/me`, { headers: { Authorization: `OAuth ${token}` } });
    const body = Buffer.from(await upstream.arrayBuffer());
    res.writeHead(upstream.status, {
      "Content-Type": upstream.headers.get("content-type") ?? "application/json",
      "Content-Length": body.length,
      "Cache-Control": "private, no-store",
      ...security,
    });
    res.end(body);
  };

  return new Map([
    ["/auth/soundcloud/authorize", authorize],
    ["/api/soundcloud/me", proxyMe],
  ]);
}
