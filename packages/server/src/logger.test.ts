import { Writable } from "node:stream";
import { startTestEmulator, type TestEmulator } from "@soundgate/test-support/emulator";
import {
  approveAtEmulator,
  GATEWAY_CLIENT,
  loginViaRedirect,
  refreshAt,
  startLogin,
  startTestGateway,
} from "@soundgate/test-support/gateway";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LogFormat } from "./config.js";
import { prettyDestination, prettyLine } from "./log-pretty.js";
import { createLogger } from "./logger.js";

/** A logger whose output is kept; `tty` makes the sink look like a terminal. */
function recording(format: LogFormat, options: { tty?: boolean; level?: string } = {}) {
  const chunks: string[] = [];
  const sink = Object.assign(
    new Writable({
      write(chunk, _encoding, done) {
        chunks.push(String(chunk));
        done();
      },
    }),
    { isTTY: options.tty === true },
  );
  const logger = createLogger(options.level ?? "debug", sink, format);
  return {
    logger,
    text: () => chunks.join(""),
    lines: () => chunks.join("").split("\n").filter(Boolean),
  };
}

const SECRETS = {
  access_token: "at-0123456789abcdef",
  refresh_token: "rt-0123456789abcdef",
  code: "code-0123456789abcdef",
  state: "state-0123456789abcdef",
  code_verifier: "verifier-0123456789abcdef",
  client_secret: "client-secret-0123456789",
  authorization: "OAuth header-0123456789abcdef",
  cookie: "soundgate_session=cookie-0123456789abcdef",
  dpop: "eyJhbGciOiJFUzI1NiJ9.proof-0123456789",
};

function logSecrets(logger: ReturnType<typeof createLogger>): void {
  // Every shape a careless call could take: top level, nested, and request headers.
  logger.warn({ ...SECRETS }, "top level");
  logger.warn({ tokens: { ...SECRETS } }, "nested");
  logger.warn(
    { req: { headers: { authorization: SECRETS.authorization, cookie: SECRETS.cookie } } },
    "headers",
  );
}

describe.each(["json", "pretty"] as const)("%s logs", (format) => {
  it("never print a token, code, state, verifier, secret, cookie or proof", () => {
    const log = recording(format);
    logSecrets(log.logger);
    const text = log.text();
    for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
    expect(text.match(/\[redacted\]/g)?.length).toBeGreaterThanOrEqual(
      Object.keys(SECRETS).length * 2 + 2,
    );
    expect(log.lines()).toHaveLength(3);
  });

  it("carry what is not secret", () => {
    const log = recording(format);
    log.logger.warn({ reason: "iat", err_code: "invalid_grant" }, "DPoP proof refused");
    const text = log.text();
    expect(text).toContain("DPoP proof refused");
    expect(text).toContain("iat");
    expect(text).toContain("invalid_grant");
  });
});

describe("JSON lines", () => {
  it("are one object per line with a level word, an ISO time and the message", () => {
    const log = recording("json");
    log.logger.info({ method: "GET", path: "/healthz", status: 200, ms: 1 }, "request");
    log.logger.error("store unavailable");
    const records = log.lines().map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records).toEqual([
      {
        level: "info",
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        method: "GET",
        path: "/healthz",
        status: 200,
        ms: 1,
        msg: "request",
      },
      { level: "error", time: expect.any(String), msg: "store unavailable" },
    ]);
  });
});

describe("pretty lines", () => {
  it("read as time, level, message and key=value pairs; requests as method path status time", () => {
    const log = recording("pretty");
    log.logger.info(
      { method: "GET", path: "/auth/soundcloud/authorize", status: 200, ms: 3 },
      "request",
    );
    log.logger.warn({ reason: "iat", detail: "two words" }, "DPoP proof refused");
    const [request, warning] = log.lines();
    expect(request).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} INFO {2}GET \/auth\/soundcloud\/authorize 200 3ms$/,
    );
    expect(warning).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} WARN {2}DPoP proof refused reason=iat detail="two words"$/,
    );
  });

  it("are coloured on a terminal only, and never with NO_COLOR", () => {
    const plain = recording("pretty");
    plain.logger.error("boom");
    expect(plain.text()).not.toContain("\u001b[");
    const tty = recording("pretty", { tty: true });
    tty.logger.error("boom");
    expect(tty.text()).toContain("\u001b[31mERROR\u001b[0m");

    const chunks: string[] = [];
    const out = { isTTY: true, write: (chunk: string) => chunks.push(chunk) };
    prettyDestination(out, { NO_COLOR: "1" }).write(
      `${JSON.stringify({ level: "error", msg: "boom" })}\n`,
    );
    expect(chunks.join("")).toBe("ERROR boom\n");
  });

  it("pass a line that is not a record through unchanged, and show an error's stack", () => {
    expect(prettyLine("not json")).toBe("not json");
    expect(prettyLine("[1,2]")).toBe("[1,2]");
    const line = prettyLine(
      JSON.stringify({
        level: "error",
        time: "2025-01-02T03:04:05.678Z",
        msg: "failed",
        err: { type: "Error", message: "x", stack: "Error: x\n    at here" },
      }),
    );
    expect(line).toBe("03:04:05.678 ERROR failed\n    Error: x\n        at here");
  });
});

describe("a gateway's log through a real login and refresh", () => {
  let emulator: TestEmulator;
  beforeAll(async () => {
    emulator = await startTestEmulator();
  });
  afterAll(() => emulator.close());

  it.each(["json", "pretty"] as const)(
    "in %s holds no code, state, verifier, token or secret",
    async (format) => {
      const log = recording(format);
      const gateway = await startTestGateway(emulator, { logger: log.logger });
      try {
        const login = await loginViaRedirect(emulator, gateway);
        const refreshed = (await (
          await refreshAt(gateway, login.refresh_token, login.dpop)
        ).json()) as { access_token: string; refresh_token: string };
        // A spent token presented by a stranger: refused, and logged as such.
        expect((await refreshAt(gateway, login.refresh_token)).status).toBe(401);
        const other = await startLogin(gateway);
        const redirect = await approveAtEmulator(emulator, other.url);
        await fetch(`${gateway.url}${redirect.pathname}${redirect.search}`, { redirect: "manual" });

        const text = log.text();
        expect(text).toContain("/auth/soundcloud/refresh");
        expect(text).toContain("spent refresh token presented again; refused");
        for (const secret of [
          login.access_token,
          login.refresh_token,
          refreshed.access_token,
          refreshed.refresh_token,
          other.state,
          other.verifier,
          redirect.searchParams.get("code") ?? "missing code",
          GATEWAY_CLIENT.client_secret,
        ]) {
          expect(text).not.toContain(secret);
        }
        const first = log.lines()[0] ?? "";
        if (format === "json") expect(() => JSON.parse(first)).not.toThrow();
        else expect(first.startsWith("{")).toBe(false);
      } finally {
        await gateway.close();
      }
    },
  );
});

/** A JSON logger at `level` writing into an array: `records()` parses what it wrote. */
function collected(level = "trace") {
  const chunks: string[] = [];
  const logger = createLogger(level, { write: (chunk: string) => chunks.push(chunk) });
  return {
    logger,
    chunks,
    records: () => chunks.map((chunk) => JSON.parse(chunk) as Record<string, unknown>),
  };
}

describe("JSON records", () => {
  it("write level, time, the fields in their own order, then msg, as one line each", () => {
    const log = collected();
    // JavaScript lists an integer-like key ("404") first in its object; before level and
    // time, had the line been one JSON.stringify of a new object.
    log.logger.info({ b: 1, "404": "first field", a: [true, null], nested: { y: 1, x: 2 } }, "m");
    log.logger.warn("bare");
    const [first, second] = log.chunks;
    expect(first).toMatch(
      /^\{"level":"info","time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z","404":"first field","b":1,"a":\[true,null\],"nested":\{"y":1,"x":2\},"msg":"m"\}\n$/,
    );
    expect(second).toMatch(/^\{"level":"warn","time":"[^"]+","msg":"bare"\}\n$/);
    expect(log.chunks).toHaveLength(2);
  });

  it("keep their own level, time and msg when a field has the same name", () => {
    const log = collected();
    log.logger.error({ level: "info", time: "never", msg: "field", other: 1 }, "message");
    expect(log.chunks[0]).toMatch(/^\{"level":"error","time":"[^"]+Z","other":1,"msg":"message"\}/);
    // From JavaScript, pino's habit of a message given only as a field.
    (log.logger.info as (fields: object) => void)({ msg: "as a field", other: 2 });
    expect(log.chunks[1]).toMatch(
      /^\{"level":"info","time":"[^"]+Z","other":2,"msg":"as a field"\}/,
    );
  });

  it("redact secret keys at any depth, in arrays, and in header spellings, without touching the caller's object", () => {
    const log = collected();
    const fields = {
      response: {
        body: { grants: [{ access_token: "deep-at-1" }, { refresh_token: "deep-rt-2" }] },
      },
      a: { b: { c: { d: { client_secret: "deep-secret-4" } } } },
      headers: { Authorization: "OAuth hdr-5", Cookie: "sid=hdr-6", "Set-Cookie": ["sid=hdr-7"] },
      proof: { DPoP: "hdr-8" },
      codes: [{ code: "deep-code-9", state: "deep-state-10", code_verifier: "deep-v-11" }],
      kept: { reason: "iat" },
    };
    const before = structuredClone(fields);
    log.logger.warn(fields, "deep");
    const line = log.chunks[0] ?? "";
    for (const secret of ["deep-", "hdr-"]) expect(line).not.toContain(secret);
    expect(line.match(/"\[redacted\]"/g)).toHaveLength(10);
    const [record] = log.records();
    expect(record?.response).toEqual({
      body: { grants: [{ access_token: "[redacted]" }, { refresh_token: "[redacted]" }] },
    });
    expect(record?.a).toEqual({ b: { c: { d: { client_secret: "[redacted]" } } } });
    expect(record?.kept).toEqual({ reason: "iat" });
    expect(fields).toEqual(before);
  });

  it("write a cycle as [Circular] but a reference seen twice in full", () => {
    const log = collected();
    const loop: Record<string, unknown> = { name: "loop" };
    loop.self = loop;
    const list: unknown[] = [1];
    list.push(list);
    const shared = { n: 1 };
    log.logger.info({ loop, list, twice: [shared, shared] }, "cycles");
    expect(log.records()[0]).toMatchObject({
      loop: { name: "loop", self: "[Circular]" },
      list: [1, "[Circular]"],
      twice: [{ n: 1 }, { n: 1 }],
    });
  });

  it("write BigInt as its digits, Dates and URLs as their JSON, and leave out functions", () => {
    const log = collected();
    log.logger.info(
      {
        big: 12345678901234567890n,
        inner: { big: -1n },
        when: new Date(0),
        url: new URL("https://example.test/a?b=1"),
        fn: () => 1,
      },
      "values",
    );
    const [record] = log.records();
    expect(record).toMatchObject({
      big: "12345678901234567890",
      inner: { big: "-1" },
      when: "1970-01-01T00:00:00.000Z",
      url: "https://example.test/a?b=1",
    });
    expect(record).not.toHaveProperty("fn");
  });

  it("never throw: a throwing getter or toJSON is [unreadable], a throwing proxy or sink loses only its line", () => {
    const log = collected();
    const getter = {
      ok: 1,
      get broken(): never {
        throw new Error("getter");
      },
    };
    const badJson = { toJSON: () => JSON.parse("{") as unknown };
    expect(() => log.logger.warn({ nested: getter, badJson }, "readable")).not.toThrow();
    expect(() => log.logger.warn(getter, "top level")).not.toThrow();
    const [nested, top] = log.records();
    expect(nested).toMatchObject({
      nested: { ok: 1, broken: "[unreadable]" },
      badJson: "[unreadable]",
      msg: "readable",
    });
    expect(top).toMatchObject({ ok: 1, broken: "[unreadable]", msg: "top level" });

    const hostile = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error("keys");
        },
      },
    );
    expect(() => log.logger.error(hostile as Record<string, unknown>, "proxy")).not.toThrow();
    expect(log.records()[2]).toEqual({
      level: "error",
      time: expect.any(String),
      msg: "proxy",
      log_error: "the record's fields could not be serialised",
    });

    const broken = createLogger("info", {
      write() {
        throw new Error("closed");
      },
    });
    expect(() => broken.info("nowhere to go")).not.toThrow();
  });

  it("write Errors as type, message and stack with their causes, and code, at any depth", () => {
    const log = collected();
    const cause = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    const failed = new TypeError("fetch failed", { cause });
    log.logger.error({ err: failed }, "upstream");
    log.logger.error({ attempts: [{ error: cause }] }, "deep");
    log.logger.error(failed);
    const [top, deep, bare] = log.records();
    expect(top?.err).toEqual({
      type: "TypeError",
      message: "fetch failed: connect ECONNREFUSED",
      stack: expect.stringMatching(/^TypeError: fetch failed\n[\s\S]*\ncaused by: Error: connect/),
    });
    expect(deep?.attempts).toEqual([
      {
        error: {
          type: "Error",
          message: "connect ECONNREFUSED",
          stack: expect.stringContaining("logger.test.ts"),
          code: "ECONNREFUSED",
        },
      },
    ]);
    expect(bare).toMatchObject({ err: { type: "TypeError" }, msg: "fetch failed" });
    // The pretty rendering shows the stack, causes included.
    expect(prettyLine(log.chunks[0] ?? "")).toContain("caused by: Error: connect ECONNREFUSED");
  });

  it("redact an Error's own secret-named fields but keep its error code", () => {
    const log = collected();
    const error = Object.assign(new Error("grant refused"), {
      code: "invalid_grant",
      refresh_token: "rt-in-error",
      status: 400,
    });
    log.logger.warn({ err: error }, "refused");
    expect(log.records()[0]?.err).toMatchObject({
      code: "invalid_grant",
      refresh_token: "[redacted]",
      status: 400,
    });
  });
});

describe("levels", () => {
  it("hide what is below the logger's level", () => {
    const log = collected("info");
    log.logger.trace("t");
    log.logger.debug("d");
    log.logger.info("i");
    log.logger.warn("w");
    log.logger.error("e");
    log.logger.fatal("f");
    expect(log.records().map((record) => [record.level, record.msg])).toEqual([
      ["info", "i"],
      ["warn", "w"],
      ["error", "e"],
      ["fatal", "f"],
    ]);
    expect(log.logger.level).toBe("info");
  });

  it("write nothing at silent and never read the fields they were given", () => {
    const log = collected("silent");
    let reads = 0;
    const fields = {
      get counted() {
        reads += 1;
        return 1;
      },
    };
    for (const level of ["trace", "debug", "info", "warn", "error", "fatal"] as const) {
      log.logger[level](fields, "hidden");
      log.logger[level]("hidden");
    }
    expect(log.chunks).toEqual([]);
    expect(reads).toBe(0);
    const all = collected("trace");
    all.logger.trace(fields, "shown");
    expect(reads).toBe(1);
  });

  it("refuse a level that does not exist", () => {
    expect(() => createLogger("verbose")).toThrow(/unknown log level "verbose"/);
  });
});
