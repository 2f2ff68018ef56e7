import type { IncomingMessage, ServerResponse } from "node:http";
import { installWebGlobals } from "./web/globals.js";
import { WebRequest } from "./web/request.js";
import { WebResponse } from "./web/response.js";

export { RequestError } from "./web/request.js";

/** What the app is given beside the request: Node's own objects (Hono's `c.env`). */
export interface NodeBindings {
  incoming: IncomingMessage;
  outgoing: ServerResponse;
}

type FetchApp = (request: Request, env: NodeBindings) => Response | Promise<Response>;

/** A request body the app left unread is read and dropped for this long, then the connection closes. */
const DRAIN_MS = 500;
const DRAIN_MAX_BYTES = 64 * 1024 * 1024;

/**
 * Node's request handler for a fetch-style app (Hono's `app.fetch`): the request as a
 * WebRequest, the answer written back, a text or byte body in one go and a stream with
 * backpressure. `onError` turns what the app throws, or a request whose URL is invalid
 * (RequestError), into an answer. Installs the gateway's web globals (web/globals.ts).
 */
export function requestListener(
  app: FetchApp,
  onError: (error: unknown) => Response,
): (incoming: IncomingMessage, outgoing: ServerResponse) => Promise<void> {
  installWebGlobals();
  return async (incoming, outgoing) => {
    let request: WebRequest | undefined;
    let response: Response;
    try {
      request = WebRequest.fromIncoming(incoming, outgoing);
      drainUnread(incoming, outgoing);
      const answer = app(request as unknown as Request, { incoming, outgoing });
      response = answer instanceof Promise ? await answer : answer;
    } catch (error) {
      response = onError(error);
    }
    try {
      await write(response, outgoing);
    } catch (error) {
      // Nothing sent yet: the error answer instead. Midway: nothing valid can follow.
      if (!outgoing.headersSent)
        await write(onError(error), outgoing).catch(() => outgoing.destroy());
      else outgoing.destroy(error instanceof Error ? error : new Error(String(error)));
    }
  };
}

/** Once answered, read and drop a request body nobody read (a while, then close). */
function drainUnread(incoming: IncomingMessage, outgoing: ServerResponse): void {
  if (incoming.readableEnded || incoming.method === "GET" || incoming.method === "HEAD") return;
  outgoing.once("finish", () => {
    if (!incoming.readableEnded) drain(incoming);
  });
}

function drain(incoming: IncomingMessage): void {
  if (incoming.destroyed) return;
  let bytes = 0;
  const stop = () => {
    clearTimeout(timer);
    incoming.off("data", count);
  };
  const close = () => {
    stop();
    incoming.socket?.destroySoon();
  };
  const count = (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes > DRAIN_MAX_BYTES) close();
  };
  const timer = setTimeout(close, DRAIN_MS);
  timer.unref();
  incoming.on("data", count);
  incoming.once("end", stop);
  incoming.once("error", stop);
  incoming.resume();
}

async function write(response: Response, outgoing: ServerResponse): Promise<void> {
  if (WebResponse.isOwn(response) && !response.bodyUsed) {
    await writeAnswer(
      outgoing,
      response.status,
      response.headersForWriting(),
      response.bodyForWriting(),
    );
    return;
  }
  // undici's Response (an upstream answer handed on, or a body type WebResponse leaves to
  // undici): its headers one by one, its body as a stream.
  const headers: string[] = [];
  for (const [name, value] of response.headers) headers.push(name, value);
  if (response.body === null) writeWhole(outgoing, response.status, headers, null);
  else await writeStream(outgoing, response.status, headers, response.body);
}

type OutgoingHeaders = Record<string, string> | string[];

/**
 * An answer written to Node's response: a text or byte body in one go, a stream with
 * backpressure (cancelled when the client leaves).
 */
export async function writeAnswer(
  outgoing: ServerResponse,
  status: number,
  headers: OutgoingHeaders,
  body: string | Uint8Array | ReadableStream<Uint8Array> | null,
): Promise<void> {
  if (body === null || typeof body === "string" || body instanceof Uint8Array) {
    writeWhole(outgoing, status, headers, body);
  } else {
    await writeStream(outgoing, status, headers, body);
  }
}

/** Whether the headers already say how long the body is (Content-Length or Transfer-Encoding). */
function framed(headers: OutgoingHeaders): boolean {
  if (Array.isArray(headers)) {
    for (let i = 0; i < headers.length; i += 2) if (isFraming(headers[i] as string)) return true;
    return false;
  }
  for (const name in headers) if (isFraming(name)) return true;
  return false;
}

function isFraming(name: string): boolean {
  return (
    (name.length === 14 && name.toLowerCase() === "content-length") ||
    (name.length === 17 && name.toLowerCase() === "transfer-encoding")
  );
}

/**
 * Node writes `Content-Length: <_contentLength>` itself when the headers name none
 * (node:_http_outgoing, _storeHeader; @hono/node-server relies on it the same way).
 * Setting it spares a copy of every answer's headers; where the field is not as expected
 * the length goes in a copy of the headers instead.
 */
function withLength(
  outgoing: ServerResponse,
  headers: OutgoingHeaders,
  length: number,
): OutgoingHeaders {
  const node = outgoing as unknown as { _contentLength?: number | null };
  if (node._contentLength === null) {
    node._contentLength = length;
    return headers;
  }
  return Array.isArray(headers)
    ? [...headers, "content-length", String(length)]
    : { ...headers, "content-length": String(length) };
}

function writeWhole(
  outgoing: ServerResponse,
  status: number,
  headers: OutgoingHeaders,
  body: string | Uint8Array | null,
): void {
  if (outgoing.writableEnded) return;
  // A HEAD answer carries the GET answer's headers as they are; 1xx, 204 and 304 have no body.
  const bodiless =
    status === 204 || status === 304 || status < 200 || outgoing.req?.method === "HEAD";
  if (!bodiless && !framed(headers)) {
    const length =
      body === null ? 0 : typeof body === "string" ? Buffer.byteLength(body) : body.byteLength;
    headers = withLength(outgoing, headers, length);
  }
  outgoing.writeHead(status, headers as never);
  if (body === null) outgoing.end();
  else if (typeof body === "string") outgoing.end(body);
  else if (body.byteLength <= ONE_WRITE_BYTES)
    // As a latin1 string (byte for byte) Node sends it in one write with the headers; as
    // bytes it takes a writev of two, which costs the proxy ~60 µs a call here.
    outgoing.end(
      Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("latin1"),
      "latin1",
    );
  else outgoing.end(body);
}

/** Bodies up to this size go out in the same write as the headers. */
const ONE_WRITE_BYTES = 64 * 1024;

/**
 * A streamed body. A short one (done within the first two reads, as most upstream
 * answers are) is written whole with its length; a longer one is written as it comes,
 * waiting for the socket to drain, and the stream is cancelled when the client leaves.
 */
async function writeStream(
  outgoing: ServerResponse,
  status: number,
  headers: OutgoingHeaders,
  body: ReadableStream<Uint8Array>,
): Promise<void> {
  const reader = body.getReader();
  const first: Uint8Array[] = [];
  let done = false;
  for (let i = 0; i < 2 && !done; i++) {
    const chunk = await reader.read();
    if (chunk.done) done = true;
    else first.push(chunk.value);
  }
  if (done) {
    writeWhole(
      outgoing,
      status,
      headers,
      first.length === 1 ? (first[0] as Uint8Array) : Buffer.concat(first),
    );
    return;
  }
  if (outgoing.destroyed) {
    await reader.cancel().catch(() => {});
    return;
  }
  outgoing.writeHead(status, headers as never);
  for (const chunk of first) outgoing.write(chunk);
  const gone = new Promise<void>((resolve) => outgoing.once("close", resolve));
  try {
    for (;;) {
      if (outgoing.destroyed) break;
      const chunk = await Promise.race([reader.read(), gone.then(() => undefined)]);
      if (chunk === undefined) break;
      if (chunk.done) {
        outgoing.end();
        return;
      }
      if (!outgoing.write(chunk.value)) {
        await Promise.race([new Promise((resolve) => outgoing.once("drain", resolve)), gone]);
      }
    }
    await reader.cancel().catch(() => {});
  } catch (error) {
    await reader.cancel(error).catch(() => {});
    throw error;
  }
}
