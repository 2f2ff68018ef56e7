import { connect, type Socket } from "node:net";
import { test } from "@soundgate/test-support/fixtures";
import { loginViaBff } from "@soundgate/test-support/gateway";
import { recordingLogger } from "@soundgate/test-support/recording-logger";
import { afterEach, describe, expect, vi } from "vitest";
import type { RunningGateway } from "../gateway.js";
import type { ServerLimits } from "./node-server.js";

const sockets: Socket[] = [];
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.destroy();
});

/** `gatewayWith(limits, env)`: a gateway on the file's emulator, closed after the test. */
const it = test.extend(
  "gatewayWith",
  ({ startGateway }) =>
    (limits: Partial<ServerLimits> = {}, env: Record<string, string> = {}) =>
      startGateway({ env, limits }),
);

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * A client that speaks HTTP/1.1 by hand: writes `head` at once, then `drip` one byte at
 * a time every `everyMs`. Resolves with the server's answer once it is complete (by its
 * Content-Length), or with `untilClose` only once the server has closed the connection.
 */
function raw(
  gateway: RunningGateway,
  head: string,
  options: { drip?: string; everyMs?: number; untilClose?: boolean } = {},
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(gateway.port, "127.0.0.1");
    sockets.push(socket);
    let received = "";
    let timer: NodeJS.Timeout | undefined;
    const done = () => {
      clearInterval(timer);
      try {
        resolve(parse(received));
      } catch (error) {
        reject(error);
      }
      socket.destroy();
    };
    socket.on("data", (chunk) => {
      received += chunk.toString("latin1");
      if (!options.untilClose && complete(received)) done();
    });
    socket.on("error", () => {}); // a reset after the answer is fine; the answer is checked
    socket.on("close", done);
    socket.write(head, "latin1");
    let left = options.drip ?? "";
    if (left) {
      timer = setInterval(() => {
        if (socket.destroyed || !socket.writable) return clearInterval(timer);
        socket.write(left.slice(0, 1));
        left = left.slice(1);
        if (!left) clearInterval(timer);
      }, options.everyMs ?? 200);
    }
  });
}

function complete(text: string): boolean {
  const end = text.indexOf("\r\n\r\n");
  if (end < 0) return false;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(text.slice(0, end))?.[1];
  return length !== undefined && text.length - end - 4 >= Number(length);
}

function parse(text: string): RawAnswer {
  const end = text.indexOf("\r\n\r\n");
  if (end < 0)
    throw new Error(`no HTTP answer before the connection closed: ${JSON.stringify(text)}`);
  const [statusLine = "", ...lines] = text.slice(0, end).split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(" ")[1]), headers, body: text.slice(end + 4) };
}

function expectJsonError(answer: RawAnswer, status: number, error?: string) {
  expect(answer.status, JSON.stringify(answer)).toBe(status);
  expect(answer.headers["content-type"], JSON.stringify(answer)).toBeDefined();
  expect(answer.headers["content-type"]).toMatch(/^application\/json/);
  expect(answer.headers["x-content-type-options"]).toBe("nosniff");
  expect(answer.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
  const body = JSON.parse(answer.body) as { error: string; message: string };
  expect(body.message).toEqual(expect.any(String));
  if (error) expect(body.error).toBe(error);
  return body;
}

describe("requests Node itself refuses", () => {
  it("get a 4xx {error, message}, never an empty answer or a reset", async ({ gatewayWith }) => {
    const gateway = await gatewayWith();
    const cases: Array<[string, number, string]> = [
      ["GET /auth\\soundcloud/config HTTP/1.1\r\nHost: x\r\n\r\n", 400, "invalid_request"],
      ["GET /\\\\evil.example/ HTTP/1.1\r\nHost: x\r\n\r\n", 400, "invalid_request"],
      [`GET /${"a".repeat(17_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 431, "request_too_large"],
      [
        `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"b".repeat(17_000)}\r\n\r\n`,
        431,
        "request_too_large",
      ],
      ["FOO / HTTP/1.1\r\nHost: x\r\n\r\n", 405, "method_not_allowed"],
      ["GET / HTTP/1.1\r\n\r\n", 400, "invalid_request"],
      ["GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400, "invalid_request"],
      [
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
        400,
        "invalid_request",
      ],
      ["garbage\r\n\r\n", 405, "method_not_allowed"],
      ["GET / HTTP/7.3\r\nHost: x\r\n\r\n", 400, "invalid_request"],
      ["GET /\x01 HTTP/1.1\r\nHost: x\r\n\r\n", 400, "invalid_request"],
    ];
    for (const [request, status, error] of cases) {
      expectJsonError(await raw(gateway, request), status, error);
    }
    // Methods Node parses but nothing here serves are the app's 404/405, as JSON too.
    expectJsonError(
      await raw(
        gateway,
        "PROPFIND /auth/soundcloud/refresh HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
      ),
      405,
    );
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
  });
});

describe("requests Node answers outside the request handler", () => {
  // CONNECT goes to the server's 'connect' event (no answer at all without a listener)
  // and an Expect other than 100-continue to 'checkExpectation' (an empty 417).
  it("CONNECT and an unknown Expect get a 4xx {error, message} too", async ({ gatewayWith }) => {
    const gateway = await gatewayWith();
    expectJsonError(
      await raw(gateway, "CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n"),
      405,
      "method_not_allowed",
    );
    expectJsonError(
      await raw(
        gateway,
        "POST /auth/soundcloud/refresh HTTP/1.1\r\nHost: x\r\nExpect: something-else\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
      ),
      417,
      "expectation_failed",
    );
    // 100-continue is what clients send before a big upload: it still goes through.
    const upload = await raw(
      gateway,
      "POST /auth/soundcloud/refresh HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
      { untilClose: true },
    );
    expect(upload.status).toBe(100);
    expect(upload.body).toMatch(/^HTTP\/1\.1 400 [^\r]*\r\n[\s\S]*"error":"invalid_request"/);
  });
});

describe("under SOUNDGATE_COMPAT=starlib", () => {
  // Starlib's front end shows `detail` and nothing else: Node's own refusals carry it too.
  it("Node's own refusals carry FastAPI's `detail` beside error and message", async ({
    gatewayWith,
  }) => {
    const starlib = { SOUNDGATE_COMPAT: "starlib" };
    const gateway = await gatewayWith({ bodyTimeoutMs: 300 }, starlib);
    const capped = await gatewayWith({}, { ...starlib, SOUNDGATE_MAX_CONNECTIONS_PER_IP: "1" });
    const answers = [
      await raw(gateway, "GET /auth\\soundcloud/config HTTP/1.1\r\nHost: x\r\n\r\n"),
      await raw(gateway, `GET /${"a".repeat(17_000)} HTTP/1.1\r\nHost: x\r\n\r\n`),
      await raw(gateway, "GET / HTTP/7.3\r\nHost: x\r\n\r\n"),
      await raw(
        gateway,
        "POST /auth/soundcloud/refresh HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{",
      ),
    ];
    const held = connect(capped.port, "127.0.0.1");
    sockets.push(held);
    await new Promise((resolve) => held.once("connect", resolve));
    answers.push(await raw(capped, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    expect(answers.map((a) => a.status)).toEqual([400, 431, 400, 408, 429]);
    for (const answer of answers) {
      const body = expectJsonError(answer, answer.status) as Record<string, string>;
      expect(Object.keys(body).sort()).toEqual(["detail", "error", "message"]);
      expect(body.detail).toBe(body.message);
    }
  });
});

describe("request bodies over the limit", () => {
  const refresh =
    "POST /auth/soundcloud/refresh HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n";

  it("are refused with 413 JSON by their Content-Length, before a byte of them is read", async ({
    gatewayWith,
  }) => {
    const gateway = await gatewayWith();
    const answer = await raw(gateway, `${refresh}Content-Length: 20000\r\n\r\n{`);
    expectJsonError(answer, 413, "payload_too_large");
  });

  it("are refused with 413 JSON when sent chunked, counted as they arrive", async ({
    gatewayWith,
  }) => {
    const gateway = await gatewayWith();
    const chunk = "x".repeat(17 * 1024);
    const answer = await raw(
      gateway,
      `${refresh}Transfer-Encoding: chunked\r\n\r\n${chunk.length.toString(16)}\r\n${chunk}\r\n0\r\n\r\n`,
    );
    expectJsonError(answer, 413, "payload_too_large");
  });

  it("a chunked body under the limit still reaches the endpoint", async ({ gatewayWith }) => {
    const gateway = await gatewayWith();
    const body = JSON.stringify({ refresh_token: 42 });
    const answer = await raw(
      gateway,
      `${refresh}Transfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`,
    );
    expectJsonError(answer, 400, "invalid_request");
    expect(answer.body).toContain("refresh_token");
  });
});

describe("slow clients", () => {
  it("headers that trickle in are cut off with 408 JSON", async ({ gatewayWith }) => {
    const gateway = await gatewayWith({ headersTimeoutMs: 1_000 });
    const answer = await raw(gateway, "GET /healthz HTTP/1.1\r\nHost: x\r\n", {
      drip: `X-Slow: ${"z".repeat(200)}\r\n\r\n`,
      everyMs: 100,
    });
    expectJsonError(answer, 408, "request_timeout");
  });

  it("a body that trickles into an auth endpoint is cut off with 408 JSON", async ({
    gatewayWith,
  }) => {
    const gateway = await gatewayWith({ bodyTimeoutMs: 1_000 });
    const body = JSON.stringify({ refresh_token: "r".repeat(200) });
    const answer = await raw(
      gateway,
      `POST /auth/soundcloud/refresh HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n{`,
      { drip: body.slice(1), everyMs: 100 },
    );
    expectJsonError(answer, 408, "request_timeout");
  });

  it("a chunked body that trickles in is cut off too, and logged as the client's fault, not the gateway's", async ({
    startGateway,
  }) => {
    const log = recordingLogger();
    const gateway = await startGateway({
      limits: { bodyTimeoutMs: 1_000 },
      logger: log.logger,
    });
    const answer = await raw(
      gateway,
      "POST /auth/soundcloud/refresh HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n100\r\n{",
      { drip: "r".repeat(40), everyMs: 100 },
    );
    expectJsonError(answer, 408, "request_timeout");
    // The app's read of the cut-off body fails after that: a 400 in the log, not a 500.
    await vi.waitFor(() =>
      expect(log.text()).toMatch(/"path":"\/auth\/soundcloud\/refresh","status":400/),
    );
    expect(log.text()).not.toContain("unhandled error");
  });

  it("a body nobody reads does not hold the connection either", async ({ gatewayWith }) => {
    const gateway = await gatewayWith({ bodyTimeoutMs: 1_000 });
    // A GET with a body: answered at once, then the rest of the body trickles.
    const answer = await raw(
      gateway,
      "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n",
      { drip: "x".repeat(5000), everyMs: 100, untilClose: true },
    );
    expect(answer.status).toBe(200);
  });

  it("an upload through the API proxy may take longer than that while bytes keep coming", async ({
    emulator,
    gatewayWith,
  }) => {
    const gateway = await gatewayWith({ bodyTimeoutMs: 1_000, idleTimeoutMs: 5_000 });
    const { jar } = await loginViaBff(emulator, gateway);
    const boundary = "----soundgate-test";
    const audio = new Uint8Array(64 * 1024).fill(7);
    const head = new TextEncoder().encode(
      `--${boundary}\r\nContent-Disposition: form-data; name="track[title]"\r\n\r\nSlow upload\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="track[asset_data]"; filename="slow.wav"\r\nContent-Type: audio/wav\r\n\r\n`,
    );
    const tail = new TextEncoder().encode(`\r\n--${boundary}--\r\n`);
    const parts = [
      head,
      ...Array.from({ length: 8 }, (_, i) => audio.slice(i * 8192, (i + 1) * 8192)),
      tail,
    ];
    const size = parts.reduce((sum, part) => sum + part.byteLength, 0);
    // 10 pieces, 300 ms apart: 3 s in all, three times the body timeout.
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = parts.shift();
        if (!next) return controller.close();
        await new Promise((resolve) => setTimeout(resolve, 300));
        controller.enqueue(next);
      },
    });
    const response = await fetch(`${gateway.url}/api/soundcloud/tracks`, {
      method: "POST",
      headers: {
        Cookie: jar.header(),
        Origin: "http://gateway.test",
        "X-Soundgate-CSRF": "1",
        "Content-Type": `multipart/form-data; boundary=${boundary}`,
        "Content-Length": String(size),
      },
      body,
      duplex: "half",
    } as RequestInit);
    expect(response.status, await response.clone().text()).toBe(201);
    expect(await response.json()).toMatchObject({ title: "Slow upload" });
  });

  it("an upload that stops moving is cut off after the idle timeout", async ({
    emulator,
    gatewayWith,
  }) => {
    const gateway = await gatewayWith({ idleTimeoutMs: 1_000 });
    const { jar } = await loginViaBff(emulator, gateway);
    const closed = new Promise<string>((resolve) => {
      const socket = connect(gateway.port, "127.0.0.1");
      sockets.push(socket);
      let received = "";
      socket.on("data", (chunk) => {
        received += chunk;
      });
      socket.on("error", () => {});
      socket.on("close", () => resolve(received));
      socket.write(
        `POST /api/soundcloud/tracks HTTP/1.1\r\nHost: x\r\nCookie: ${jar.header()}\r\nOrigin: http://gateway.test\r\nX-Soundgate-CSRF: 1\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 1000000\r\n\r\n--b\r\n`,
      );
    });
    // It closes: nothing more to check than that the promise settles.
    expect(typeof (await closed)).toBe("string");
  });
});

describe("connections per client address", () => {
  it("are capped; the one over the cap gets 429 JSON, and a freed slot is usable again", async ({
    gatewayWith,
  }) => {
    const gateway = await gatewayWith({}, { SOUNDGATE_MAX_CONNECTIONS_PER_IP: "3" });
    const open = () =>
      new Promise<Socket>((resolve, reject) => {
        const socket = connect(gateway.port, "127.0.0.1", () => resolve(socket));
        socket.on("error", reject);
        sockets.push(socket);
      });
    const held = [await open(), await open(), await open()];
    const over = await raw(gateway, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    expectJsonError(over, 429, "too_many_connections");
    held[0]?.destroy();
    await new Promise((resolve) => held[0]?.once("close", resolve));
    // The server notices the close a moment later; retry briefly.
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = (await raw(gateway, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
        .status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(status).toBe(200);
  });
});
