import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RequestError, requestListener } from "./request-listener.js";
import { realWeb } from "./web/real.js";
import { WebResponse } from "./web/response.js";

// The request listener over real sockets: what a client receives for each kind of
// answer, bodies in both directions, and a client that leaves early.

const cancelled: string[] = [];
let aborted: Promise<string> | undefined;

function testApp(): Hono {
  const app = new Hono();
  app.get("/text", (c) => c.text("héllo"));
  app.get("/json", (c) => c.json({ ok: true }, 201, { "X-Extra": "1" }));
  app.get("/cookies", (c) => {
    c.header("Set-Cookie", "a=1; Path=/", { append: true });
    c.header("Set-Cookie", "b=2; Path=/", { append: true });
    return c.body(null, 204);
  });
  app.get(
    "/plain-record",
    () => new Response("raw", { status: 202, headers: { "X-Record": "yes" } }),
  );
  app.get("/stream/:chunks", (c) => {
    const chunks = Number(c.req.param("chunks"));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent === chunks) return controller.close();
        sent++;
        await new Promise((resolve) => setTimeout(resolve, 1));
        controller.enqueue(new TextEncoder().encode(`${sent};`));
      },
      cancel() {
        cancelled.push(c.req.path);
      },
    });
    return new Response(body, { headers: { "Content-Type": "text/plain" } });
  });
  app.get("/endless", (c) => {
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        controller.enqueue(new Uint8Array(1024));
      },
      cancel() {
        cancelled.push(c.req.path);
      },
    });
    return new Response(body);
  });
  app.get("/breaks", () => {
    let n = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        n++;
        await new Promise((resolve) => setTimeout(resolve, 2));
        if (n > 3) controller.error(new Error("upstream went away"));
        else controller.enqueue(new TextEncoder().encode("part;"));
      },
    });
    return new Response(body);
  });
  app.get(
    "/undici",
    () => new (realWeb().Response)("from undici", { status: 203, headers: { "X-U": "1" } }),
  );
  app.post("/json", async (c) => c.json({ got: await c.req.json() }));
  app.post("/form", async (c) => c.json(await c.req.parseBody()));
  app.post(
    "/echo",
    (c) =>
      new Response(c.req.raw.body, { headers: { "Content-Type": "application/octet-stream" } }),
  );
  app.get("/slow", (c) => {
    aborted = new Promise((resolve) => {
      c.req.raw.signal.addEventListener("abort", () =>
        resolve(String(c.req.raw.signal.reason?.name)),
      );
    });
    return new Promise<Response>((resolve) => setTimeout(() => resolve(c.text("late")), 1_000));
  });
  app.get("/instances", (c) =>
    c.json({
      request: c.req.raw instanceof Request,
      realResponse: new (realWeb().Response)("x") instanceof Response,
      ownResponse: new Response("x") instanceof Response,
      realRequest: new (realWeb().Request)("http://x/") instanceof Request,
      env: typeof (c.env as { incoming?: unknown }).incoming,
    }),
  );
  return app;
}

let server: Server;
let base: string;

beforeAll(async () => {
  const app = testApp();
  server = createServer(
    // Node would refuse a request without Host itself; the listener's own refusal is tested.
    { requireHostHeader: false },
    requestListener(
      (request, env) => app.fetch(request, env),
      (error) =>
        new Response(
          JSON.stringify({
            error: error instanceof RequestError ? "invalid_request" : "internal_error",
          }),
          {
            status: error instanceof RequestError ? 400 : 500,
            headers: { "Content-Type": "application/json" },
          },
        ),
    ),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** One raw HTTP/1.1 exchange: the bytes the server sent back until it closed. */
function raw(text: string): Promise<string> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(text));
    let answer = "";
    socket.setEncoding("latin1");
    socket.on("data", (chunk) => {
      answer += chunk;
    });
    socket.on("close", () => resolve(answer));
    socket.on("error", reject);
  });
}

describe("requestListener", () => {
  it("writes text and JSON whole, with their length and headers", async () => {
    const text = await fetch(`${base}/text`);
    expect(text.status).toBe(200);
    expect(text.headers.get("content-length")).toBe(String(Buffer.byteLength("héllo")));
    expect(text.headers.get("content-type")).toBe("text/plain;charset=UTF-8");
    expect(await text.text()).toBe("héllo");

    const json = await fetch(`${base}/json`);
    expect(json.status).toBe(201);
    expect(json.headers.get("x-extra")).toBe("1");
    expect(await json.json()).toEqual({ ok: true });

    const record = await fetch(`${base}/plain-record`);
    expect(record.status).toBe(202);
    expect(record.headers.get("x-record")).toBe("yes");
    expect(record.headers.get("content-type")).toBe("text/plain;charset=UTF-8");
    expect(await record.text()).toBe("raw");
  });

  it("sends every Set-Cookie on a line of its own, and no body or length with 204", async () => {
    const answer = await raw("GET /cookies HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    expect(answer).toMatch(/^HTTP\/1\.1 204 /);
    expect(answer).toContain("\r\nset-cookie: a=1; Path=/\r\n");
    expect(answer).toContain("\r\nset-cookie: b=2; Path=/\r\n");
    expect(answer.toLowerCase()).not.toContain("content-length");
  });

  it("answers HEAD with the GET answer's headers and no body", async () => {
    const answer = await raw("HEAD /json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    expect(answer).toMatch(/^HTTP\/1\.1 201 /);
    expect(answer).toContain("x-extra: 1");
    expect(answer.endsWith("\r\n\r\n")).toBe(true);
  });

  it("writes a short stream whole with its length, and a long one chunked, in order", async () => {
    const short = await raw("GET /stream/1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    expect(short.toLowerCase()).toContain("content-length: 2\r\n");
    expect(short.endsWith("\r\n\r\n1;")).toBe(true);

    const long = await fetch(`${base}/stream/200`);
    expect(long.headers.get("transfer-encoding")).toBe("chunked");
    const expected = Array.from({ length: 200 }, (_, i) => `${i + 1};`).join("");
    expect(await long.text()).toBe(expected);
  });

  it("hands on undici's own Response as it is", async () => {
    const answer = await fetch(`${base}/undici`);
    expect(answer.status).toBe(203);
    expect(answer.headers.get("x-u")).toBe("1");
    expect(await answer.text()).toBe("from undici");
  });

  it("cancels the body stream when the client leaves, and aborts the request's signal", async () => {
    const request = httpRequest(`${base}/endless`);
    request.end();
    await new Promise<void>((resolve) => {
      request.on("response", (response) => {
        response.once("data", () => {
          request.destroy();
          resolve();
        });
      });
    });
    await expect.poll(() => cancelled.includes("/endless"), { timeout: 2_000 }).toBe(true);

    const slow = httpRequest(`${base}/slow`);
    slow.on("error", () => {});
    slow.end();
    await expect.poll(() => aborted !== undefined, { timeout: 2_000 }).toBe(true);
    slow.destroy();
    expect(await aborted).toBe("AbortError");
  });

  it("cuts the connection when a body fails midway, so the client cannot take half for whole", async () => {
    const answer = await raw("GET /breaks HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer.split("part;").length - 1).toBe(3);
    // A complete chunked body ends with the zero-length chunk; this one never does.
    expect(answer).not.toContain("\r\n0\r\n\r\n");
  });

  it("reads JSON, form and streamed request bodies", async () => {
    const json = await fetch(`${base}/json`, {
      method: "POST",
      body: JSON.stringify({ a: [1, "é"] }),
    });
    expect(await json.json()).toEqual({ got: { a: [1, "é"] } });

    const form = await fetch(`${base}/form`, {
      method: "POST",
      body: new URLSearchParams({ name: "x y", other: "é" }),
    });
    expect(await form.json()).toEqual({ name: "x y", other: "é" });

    const big = new Uint8Array(1_000_000).map((_, i) => i % 251);
    const echo = await fetch(`${base}/echo`, { method: "POST", body: big });
    expect(Buffer.from(await echo.arrayBuffer()).equals(Buffer.from(big))).toBe(true);
  });

  it("refuses a request without Host or with a backslash in its path through onError", async () => {
    expect(await raw("GET /text HTTP/1.0\r\n\r\n")).toMatch(
      /^HTTP\/1\.1 400 [\s\S]*invalid_request/,
    );
    expect(await raw("GET /te\\xt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).toMatch(
      /^HTTP\/1\.1 400 [\s\S]*invalid_request/,
    );
  });

  it("keeps instanceof true for undici's objects and its own", async () => {
    expect(await (await fetch(`${base}/instances`)).json()).toEqual({
      request: true,
      realResponse: true,
      ownResponse: true,
      realRequest: true,
      env: "object",
    });
    expect(WebResponse.isOwn(new WebResponse("x"))).toBe(true);
  });
});

describe("the gateway", () => {
  it("starts, answers and idles without loading undici (what it costs: ~6 MiB and ~12 ms)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "soundgate-undici-"));
    try {
      const script = `
        import { request } from "node:http";
        import { loadConfig, startGateway } from ${JSON.stringify(new URL("../../dist/index.js", import.meta.url).href)};
        const gateway = await startGateway({ config: loadConfig(process.env, { port: 0 }) });
        for (const path of ["/healthz", "/auth/session", "/auth/soundcloud/config"]) {
          await new Promise((resolve, reject) =>
            request(gateway.url + path, (res) => { res.resume(); res.on("end", resolve); }).on("error", reject).end());
        }
        const undici = process.moduleLoadList.some((m) => m.includes("undici"));
        await gateway.close();
        console.log(JSON.stringify({ undici }));
        process.exit(0);`;
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ["--input-type=module", "-e", script],
        {
          env: {
            PATH: process.env.PATH,
            SOUNDCLOUD_CLIENT_ID: "client",
            SOUNDCLOUD_CLIENT_SECRET: "secret",
            SOUNDGATE_PUBLIC_URL: "http://localhost:8787",
            SOUNDGATE_LOG_LEVEL: "silent",
            SOUNDGATE_DATABASE_URL: `sqlite:${join(dir, "g.db")}`,
            SOUNDGATE_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString("base64url")}`,
          },
        },
      );
      expect(JSON.parse(stdout.trim().split("\n").at(-1) ?? "")).toEqual({ undici: false });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
