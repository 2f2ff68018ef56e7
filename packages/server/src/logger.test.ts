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
