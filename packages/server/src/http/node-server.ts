import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Hono } from "hono";
import { PROXY_PREFIX } from "../routes/api-proxy.js";
import { rateLimitKey } from "./client-address.js";
import type { DirectPath } from "./proxy-direct.js";
import { jsonErrorHeaders, type RawErrorStyle, rawErrorBody, rawJsonError } from "./raw-error.js";
import { RequestError, requestListener } from "./request-listener.js";

/** How long a client may take, and how much of the server one address may hold. */
export interface ServerLimits {
  /** From a request's first byte to the end of its headers. */
  headersTimeoutMs: number;
  /**
   * From the end of the headers to the end of the body, for everything but the API
   * proxy: the gateway's own bodies are JSON of at most 16 KB.
   */
  bodyTimeoutMs: number;
  /**
   * A connection on which no byte moves either way for this long is closed. It is what
   * bounds uploads through the API proxy, which may take as long as they keep moving.
   */
  idleTimeoutMs: number;
  /** Open connections per client address (IPv6: per /64); 0 for no cap. */
  maxConnectionsPerClient: number;
}

export const DEFAULT_LIMITS: Omit<ServerLimits, "maxConnectionsPerClient"> = {
  headersTimeoutMs: 10_000,
  bodyTimeoutMs: 10_000,
  idleTimeoutMs: 60_000,
};

/** A Node HTTP server for the app, hardened against slow and malformed clients. */
export function createNodeServer(
  app: Hono,
  options: {
    limits: ServerLimits;
    https: boolean;
    /** Starlib profile: `detail` beside error and message, as the app's errors have. */
    detail?: boolean;
    onConnectionRefused?: () => void;
    /** Requests answered before the app (proxy-direct.ts); the rest go to the app. */
    direct?: DirectPath | undefined;
  },
): Server {
  const { direct } = options;
  const { limits } = options;
  const style: RawErrorStyle = { https: options.https, detail: options.detail ?? false };
  const errorHeaders = jsonErrorHeaders(options.https);
  // What the listener refuses before the app sees it (a backslash in the path, no or a
  // bad Host), and what the app throws past its own error handler: the same JSON as
  // everything else.
  const listener = requestListener(
    (request, env) => app.fetch(request, env),
    (error) =>
      error instanceof RequestError
        ? new Response(rawErrorBody("invalid_request", `${error.message}`, style), {
            status: 400,
            headers: errorHeaders,
          })
        : new Response(
            rawErrorBody("internal_error", "Something went wrong on the gateway", style),
            { status: 500, headers: errorHeaders },
          ),
  );
  const overCap = new WeakSet<Socket>();

  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      // Bodies are timed per route below: a whole-request deadline would cut uploads.
      requestTimeout: 0,
      // Node checks for late headers on this beat (30 s by default).
      connectionsCheckingInterval: Math.max(250, Math.min(1_000, limits.headersTimeoutMs)),
      // Node would answer a missing Host with an empty 400; the request listener refuses
      // it as JSON instead (errorHandler above).
      requireHostHeader: false,
    },
    (req, res) => {
      if (overCap.has(req.socket)) {
        req.socket.destroy();
        return;
      }
      if (direct?.(req, res)) return;
      if (hasBody(req) && !req.url?.startsWith(`${PROXY_PREFIX}/`)) {
        watchBody(req, res, limits.bodyTimeoutMs, style);
      }
      void listener(req, res);
    },
  );
  server.timeout = limits.idleTimeoutMs;

  // Node's own refusals (malformed requests, headers too large or too slow) become the
  // gateway's JSON. Nothing has been answered on the socket yet when these fire.
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    const answer = describeClientError(error);
    if (!answer || !socket.writable) {
      socket.destroy();
      return;
    }
    endWith(
      socket,
      rawJsonError(answer.status, answer.error, answer.message, style, answer.headers),
    );
  });

  // Two requests Node answers without the request handler: CONNECT (with no listener it
  // drops the socket without a word) and an Expect other than 100-continue (an empty 417).
  server.on("connect", (_req: IncomingMessage, socket: Socket) => {
    if (!socket.writable) return socket.destroy();
    endWith(
      socket,
      rawJsonError(405, "method_not_allowed", "CONNECT is not served here", style, {
        Allow: ALLOWED_METHODS,
      }),
    );
  });
  server.on("checkExpectation", (_req: IncomingMessage, res: ServerResponse) => {
    const body = rawErrorBody(
      "expectation_failed",
      "Only Expect: 100-continue is understood",
      style,
    );
    res.shouldKeepAlive = false;
    res.writeHead(417, { ...errorHeaders, "Content-Length": String(Buffer.byteLength(body)) });
    res.end(body);
  });

  if (limits.maxConnectionsPerClient > 0) {
    capConnections(server, limits.maxConnectionsPerClient, overCap, style, options);
  }
  return server;
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers["content-length"];
  return req.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}

/**
 * The body must be complete `timeoutMs` after the headers. If the app has not answered
 * by then (it is still reading), the client gets 408 JSON; either way the connection
 * closes, so a trickled body cannot hold it.
 */
function watchBody(
  req: IncomingMessage,
  res: ServerResponse,
  timeoutMs: number,
  style: RawErrorStyle,
): void {
  const timer = setTimeout(() => {
    if (req.complete) return;
    const socket = req.socket;
    if (res.headersSent || !socket.writable) {
      socket.destroy();
      return;
    }
    endWith(
      socket,
      rawJsonError(408, "request_timeout", "The request body did not arrive in time", style),
    );
  }, timeoutMs);
  timer.unref();
  // Whoever reads the body (the app, or the drain after an answer) ends it: stop watching
  // then, so a busy server does not keep every request alive for the whole timeout.
  const stop = () => clearTimeout(timer);
  req.once("end", stop);
  req.once("close", stop);
}

/**
 * Send a last answer and close. The close is a shutdown first, so the answer is not lost
 * to a reset while the client is still sending; it is forced a moment later.
 */
function endWith(socket: Socket, answer: Buffer): void {
  socket.end(answer);
  setTimeout(() => socket.destroy(), 2_000).unref();
}

function capConnections(
  server: Server,
  cap: number,
  overCap: WeakSet<Socket>,
  style: RawErrorStyle,
  { onConnectionRefused }: { onConnectionRefused?: () => void },
): void {
  const open = new Map<string, number>();
  // Before Node's own listener: a refused socket must never reach the app.
  server.prependListener("connection", (socket: Socket) => {
    const key = rateLimitKey(socket.remoteAddress ?? "unknown");
    const count = (open.get(key) ?? 0) + 1;
    open.set(key, count);
    socket.once("close", () => {
      const left = (open.get(key) ?? 1) - 1;
      if (left > 0) open.set(key, left);
      else open.delete(key);
    });
    if (count > cap) {
      overCap.add(socket);
      onConnectionRefused?.();
      endWith(
        socket,
        rawJsonError(
          429,
          "too_many_connections",
          "Too many open connections from this address; close some and retry",
          style,
          { "Retry-After": "1" },
        ),
      );
    }
  });
}

/** Every method some route serves: for a 405 Node or the socket layer answers. */
const ALLOWED_METHODS = "GET, HEAD, POST, PUT, DELETE, OPTIONS";

interface ClientErrorAnswer {
  status: number;
  error: string;
  message: string;
  headers?: Record<string, string>;
}

/** llhttp's and Node's codes → our answer; undefined when the peer is already gone. */
function describeClientError(error: NodeJS.ErrnoException): ClientErrorAnswer | undefined {
  switch (error.code) {
    case "ECONNRESET":
    case "EPIPE":
      return undefined;
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return {
        status: 408,
        error: "request_timeout",
        message: "The request headers did not arrive in time",
      };
    case "HPE_HEADER_OVERFLOW":
      return {
        status: 431,
        error: "request_too_large",
        message: "The request line and headers are limited to 16 KB",
      };
    case "HPE_CHUNK_EXTENSIONS_OVERFLOW":
      return { status: 413, error: "payload_too_large", message: "Chunk extensions are too large" };
    case "HPE_INVALID_METHOD":
      return {
        status: 405,
        error: "method_not_allowed",
        message: "Unknown HTTP method",
        headers: { Allow: ALLOWED_METHODS },
      };
    default:
      return {
        status: 400,
        error: "invalid_request",
        message: "The request is not valid HTTP/1.1",
      };
  }
}
