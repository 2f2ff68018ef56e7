import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sendBuffered } from "./http.js";
import { resetDeadlineMode } from "./http-deadline.js";

// A server that answers /ok at once, never answers /hang, and stops /slow-body midway.
let server: Server;
let url: string;
const open = new Set<Socket>();

beforeEach(async () => {
  resetDeadlineMode();
  server = createServer((request, response) => {
    if (request.url === "/hang") return; // headers never come
    if (request.url === "/slow-body") {
      response.writeHead(200, { "Content-Type": "application/json" });
      response.write("{");
      return; // the rest never comes
    }
    response.writeHead(200, { "Content-Type": "application/json" });
    response.end('{"ok":true}');
  });
  server.on("connection", (socket: Socket) => {
    open.add(socket);
    socket.on("close", () => open.delete(socket));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  for (const socket of open) socket.destroy();
  server.close();
  await once(server, "close");
});

/** A fetch that records whether each call could be aborted (was given a signal). */
function recordingFetch() {
  const signals: boolean[] = [];
  const doFetch = (input: string | URL | Request, init?: RequestInit) => {
    signals.push(init?.signal !== undefined);
    return fetch(input, init);
  };
  return { fetch: doFetch, signals };
}

describe("sendBuffered's deadline", () => {
  it("answers within the deadline without making the call abortable", async () => {
    const recorder = recordingFetch();
    const answer = await sendBuffered(`${url}/ok`, {}, { fetch: recorder.fetch, timeoutMs: 1_000 });
    expect(answer.status).toBe(200);
    expect(answer.text).toBe('{"ok":true}');
    expect(recorder.signals).toEqual([false]);
  });

  it("times out a call that gets no headers, and gives the calls after it signals", async () => {
    const recorder = recordingFetch();
    const send = (path: string) =>
      sendBuffered(`${url}${path}`, {}, { fetch: recorder.fetch, timeoutMs: 200 });
    const started = Date.now();
    await expect(send("/hang")).rejects.toMatchObject({ code: "timeout" });
    expect(Date.now() - started).toBeLessThan(1_000);
    await expect(send("/hang")).rejects.toMatchObject({ code: "timeout" });
    expect((await send("/ok")).status).toBe(200);
    expect(recorder.signals).toEqual([false, true, true]);
  });

  it("times out a body that stops midway", async () => {
    await expect(sendBuffered(`${url}/slow-body`, {}, { timeoutMs: 200 })).rejects.toMatchObject({
      code: "timeout",
    });
  });

  it("follows the caller's signal at once, whatever the mode", async () => {
    const recorder = recordingFetch();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await expect(
      sendBuffered(`${url}/hang`, {}, { fetch: recorder.fetch, signal: controller.signal }),
    ).rejects.toMatchObject({ code: "aborted" });
    expect(recorder.signals).toEqual([true]);
  });

  it("says a refused connection is unreachable, not a timeout", async () => {
    const port = (server.address() as AddressInfo).port;
    server.close();
    await expect(
      sendBuffered(`http://127.0.0.1:${port}/ok`, {}, { timeoutMs: 1_000 }),
    ).rejects.toMatchObject({ code: "upstream_unavailable" });
    server = createServer().listen(0, "127.0.0.1");
    await once(server, "listening");
  });
});
