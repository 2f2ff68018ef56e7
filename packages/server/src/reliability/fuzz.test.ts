// Property-based fuzzing of every gateway endpoint and of the emulator's token endpoint:
// random methods, paths, headers, query strings and bodies (wrong types, huge, invalid
// UTF-8) must always get a JSON (or, for pages, HTML) 2xx-4xx answer: never a 5xx,
// never a crash, and nothing already stored may change.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DpopKey } from "@soundgate/test-support/dpop";
import { startTestEmulator, type TestEmulator } from "@soundgate/test-support/emulator";
import {
  loginViaBff,
  loginViaRedirect,
  publicUrlOf,
  refreshAt,
  startTestGateway,
} from "@soundgate/test-support/gateway";
import fc from "fast-check";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningGateway } from "../gateway.js";
import type { KyselyStore } from "../store/kysely-store.js";

const RUNS = Number(process.env.SOUNDGATE_FUZZ_RUNS ?? 300);

let emulator: TestEmulator;
let gateway: RunningGateway;
let dir: string;
let sessionCookie: string;
let refreshToken: string;
let dpop: DpopKey;

beforeAll(async () => {
  emulator = await startTestEmulator();
  dir = mkdtempSync(join(tmpdir(), "soundgate-fuzz-"));
  gateway = await startTestGateway(emulator, {
    env: { SOUNDGATE_DATABASE_URL: `sqlite:${join(dir, "fuzz.db")}` },
  });
  sessionCookie = (await loginViaBff(emulator, gateway)).jar.header();
  ({ refresh_token: refreshToken, dpop } = await loginViaRedirect(emulator, gateway));
});
afterAll(async () => {
  await gateway.close();
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Everything stored that a request must not alter: grants, sessions, refresh tokens' keys. */
async function storedState(): Promise<string> {
  const db = (gateway.context.store as KyselyStore).db;
  const connections = await sql`select * from connections order by id`.execute(db);
  const sessions = await sql`select * from sessions order by id`.execute(db);
  const bindings = await sql`select * from token_bindings order by id`.execute(db);
  return JSON.stringify([connections.rows, sessions.rows, bindings.rows]);
}

const PATHS = [
  "/",
  "/healthz",
  "/auth/soundcloud/authorize",
  "/auth/soundcloud/redirect",
  "/auth/soundcloud/result",
  "/auth/soundcloud/callback",
  "/auth/soundcloud/refresh",
  "/auth/soundcloud/done",
  "/auth/soundcloud/login",
  "/auth/soundcloud/sign-out",
  "/auth/soundcloud/config",
  "/auth/session",
  "/auth/logout",
  "/api/soundcloud/me",
  "/api/soundcloud/me/likes/tracks",
  "/api/soundcloud/tracks/soundcloud:tracks:2000001",
  "/api/soundcloud/resolve",
  "/api/soundcloud/oauth/token",
];

const weird = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.constantFrom(
    "%",
    "%E0%A4%A",
    "%00",
    "..",
    "../..",
    "%2e%2e%2f",
    "\u0000",
    "'; drop table sessions; --",
    "x".repeat(5000),
  ),
);

const pathArb = fc.oneof(
  fc.constantFrom(...PATHS),
  fc.tuple(fc.constantFrom(...PATHS), weird).map(([p, s]) => `${p}/${encodeURIComponent(s)}`),
  fc
    .tuple(
      fc.constantFrom(...PATHS),
      fc.constantFrom("/..", "/%2e%2e", "//", "/%2F", "/;x", "/%ZZ"),
    )
    .map(([p, s]) => p + s),
  fc.webPath(),
);

const queryArb = fc.dictionary(
  fc.oneof(
    fc.constantFrom(
      "state",
      "code",
      "error",
      "return_to",
      "result_challenge",
      "url",
      "limit",
      "oauth_token",
    ),
    fc.string({ maxLength: 10 }),
  ),
  weird,
  { maxKeys: 4 },
);

const bodyArb = fc.oneof(
  fc.constant(undefined),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc
    .record({
      refresh_token: fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.array(fc.string())),
    })
    .map((v) => JSON.stringify(v)),
  fc.record({ code: fc.anything(), state: fc.anything() }).map((v) => {
    try {
      return JSON.stringify(v);
    } catch {
      return "{}";
    }
  }),
  fc.uint8Array({ maxLength: 300 }),
  fc.constant("x".repeat(70_000)),
  fc.constant(`{"refresh_token":"${"a".repeat(20_000)}"}`),
  fc.string({ maxLength: 200 }),
);

const headersArb = fc.record(
  {
    contentType: fc.constantFrom(
      "application/json",
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/json; charset=latin1",
      "",
    ),
    withSession: fc.boolean(),
    origin: fc.constantFrom("http://gateway.test", "http://evil.test", "null", ""),
    verifier: fc.option(weird),
    resultKey: fc.option(weird),
    // A valid proof of the bound key or of a stranger's for this request, or junk.
    dpop: fc.option(fc.oneof(weird, fc.constantFrom("@bound", "@stranger"))),
  },
  { requiredKeys: ["contentType", "withSession", "origin"] },
);

describe("gateway under random input", () => {
  it(`answers ${RUNS} random requests with a 2xx-4xx, never a 5xx, and changes nothing stored`, async () => {
    const before = await storedState();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"),
        pathArb,
        queryArb,
        bodyArb,
        headersArb,
        async (method, path, query, body, headers) => {
          const url = new URL(`${gateway.url}${path.startsWith("/") ? path : `/${path}`}`);
          for (const [key, value] of Object.entries(query)) url.searchParams.append(key, value);
          const init: RequestInit = { method, redirect: "manual", headers: {} };
          const h = init.headers as Record<string, string>;
          if (headers.contentType) h["Content-Type"] = headers.contentType;
          if (headers.origin) h.Origin = headers.origin;
          // The real session, but never together with the CSRF header: stored data must not change.
          if (headers.withSession) h.Cookie = sessionCookie;
          if (headers.verifier)
            h["X-Soundgate-Result-Verifier"] = encodeURIComponent(headers.verifier);
          if (headers.resultKey)
            h["X-Soundgate-Result-Key"] = encodeURIComponent(headers.resultKey);
          if (headers.dpop) {
            const key = headers.dpop === "@bound" ? dpop : new DpopKey();
            h.DPoP = headers.dpop.startsWith("@")
              ? key.proof(method, publicUrlOf(gateway, url.pathname))
              : encodeURIComponent(headers.dpop);
          }
          if (body !== undefined && method !== "GET" && method !== "HEAD")
            init.body = body as BodyInit;
          const response = await fetch(url, init);
          const text = await response.text();
          if (response.status >= 500)
            throw new Error(
              `${method} ${url.pathname}${url.search} → ${response.status} ${text.slice(0, 200)}`,
            );
          const type = response.headers.get("content-type") ?? "";
          if (response.status >= 400 && method !== "HEAD") {
            expect(type).toMatch(/^application\/json/);
            const parsed = JSON.parse(text) as Record<string, unknown>;
            expect(typeof parsed.error === "string" || typeof parsed.code === "number").toBe(true);
          }
        },
      ),
      { numRuns: RUNS },
    );
    expect(await storedState()).toBe(before);
    // And everything still works: the session, and a refresh of the Starlib grant.
    expect(
      (await fetch(`${gateway.url}/api/soundcloud/me`, { headers: { Cookie: sessionCookie } }))
        .status,
    ).toBe(200);
    expect((await refreshAt(gateway, refreshToken, dpop)).status).toBe(200);
  });
});

describe("emulator token endpoint under random input", () => {
  it(`answers ${RUNS} random token requests with JSON, never a 5xx`, async () => {
    const formValue = fc.oneof(
      weird,
      fc.constantFrom(
        "authorization_code",
        "refresh_token",
        "client_credentials",
        "test-client",
        "test-client-secret",
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          fc.constantFrom(
            "grant_type",
            "client_id",
            "client_secret",
            "code",
            "code_verifier",
            "redirect_uri",
            "refresh_token",
            "x",
          ),
          formValue,
          { maxKeys: 6 },
        ),
        fc.constantFrom("application/x-www-form-urlencoded", "application/json", "text/plain", ""),
        fc.option(
          fc.oneof(
            weird,
            fc.constant("Basic dGVzdC1jbGllbnQ6dGVzdC1jbGllbnQtc2VjcmV0"),
            fc.constant("Basic !!!"),
          ),
        ),
        fc.option(fc.uint8Array({ maxLength: 200 })),
        async (form, contentType, authorization, rawBody) => {
          const headers: Record<string, string> = {};
          if (contentType) headers["Content-Type"] = contentType;
          // fetch only sends Latin-1 header values; anything else is what a client could send anyway.
          if (authorization)
            headers.Authorization = /^[\x20-\xff]*$/.test(authorization)
              ? authorization
              : encodeURIComponent(authorization);
          const response = await fetch(`${emulator.url}/oauth/token`, {
            method: "POST",
            headers,
            body: rawBody ?? new URLSearchParams(form).toString(),
          });
          const text = await response.text();
          if (response.status >= 500)
            throw new Error(`token → ${response.status} ${text.slice(0, 200)}`);
          expect(response.headers.get("content-type")).toMatch(/^application\/json/);
          JSON.parse(text);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
