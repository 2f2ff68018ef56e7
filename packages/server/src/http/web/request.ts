import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { BodyReader } from "./body-reader.js";
import { isNamed, WebHeaders } from "./headers.js";
import { realWeb } from "./real.js";
import { readAll } from "./response.js";

// The Fetch standard's Request as the request listener gives it to the app: method, URL,
// headers and body read from Node's IncomingMessage when asked, without undici (see
// web/headers.ts for why). `new Request(…)` anywhere else (tests, Hono's app.request,
// a body limit wrapping the body) gives undici's own Request: only the listener makes
// these, through the INCOMING key.

/** The URL or the request line does not make a valid URL; answered with 400. */
export class RequestError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "RequestError";
  }
}

/** Passed as the constructor's third argument by fromIncoming, and by nothing else. */
const INCOMING = Symbol("incoming");

export class WebRequest extends BodyReader {
  readonly #message!: IncomingMessage;
  readonly #outgoing!: ServerResponse;
  readonly #url!: string;
  #headers: WebHeaders | undefined;
  #body: ReadableStream<Uint8Array> | null | undefined;
  #used = false;
  #abort: AbortController | undefined;

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(WebRequest, value)) return true;
    return isNamed(value, "Request") && value instanceof realWeb().Request;
  }

  constructor(input: RequestInfo | URL, init?: RequestInit, from?: typeof INCOMING) {
    super();
    if (from !== INCOMING) {
      // biome-ignore lint/correctness/noConstructorReturn: the standard's object for every request the listener did not make
      return new (realWeb().Request)(toRealInput(input), toRealInit(input, init)) as never;
    }
    const [message, outgoing] = init as unknown as [IncomingMessage, ServerResponse];
    this.#message = message;
    this.#outgoing = outgoing;
    this.#url = input as string;
  }

  /** The request Node received, as the app sees it. Throws RequestError for a bad URL. */
  static fromIncoming(message: IncomingMessage, outgoing: ServerResponse): WebRequest {
    return new WebRequest(requestUrl(message), [message, outgoing] as never, INCOMING);
  }

  get method(): string {
    return this.#message.method ?? "GET";
  }
  get url(): string {
    return this.#url;
  }
  get headers(): WebHeaders {
    this.#headers ??= WebHeaders.fromRaw(this.#message.rawHeaders);
    return this.#headers;
  }
  get body(): ReadableStream<Uint8Array> | null {
    if (this.#body === undefined) {
      const method = this.method;
      this.#body =
        method === "GET" || method === "HEAD"
          ? null
          : (Readable.toWeb(this.#message) as unknown as ReadableStream<Uint8Array>);
    }
    return this.#body;
  }
  get bodyUsed(): boolean {
    return this.#used || (this.#body?.locked ?? false);
  }
  /** Aborted when the client goes away before its answer is complete. */
  get signal(): AbortSignal {
    if (!this.#abort) {
      // Watched only once asked for: most requests never look.
      const abort = new AbortController();
      const outgoing = this.#outgoing;
      if (outgoing.destroyed && !outgoing.writableFinished) abort.abort(gone());
      else
        outgoing.once("close", () => {
          if (!outgoing.writableFinished) abort.abort(gone());
        });
      this.#abort = abort;
    }
    return this.#abort.signal;
  }
  get cache(): RequestCache {
    return "default";
  }
  get credentials(): RequestCredentials {
    return "same-origin";
  }
  get destination(): RequestDestination {
    return "";
  }
  get integrity(): string {
    return "";
  }
  get keepalive(): boolean {
    return false;
  }
  get mode(): RequestMode {
    return "cors";
  }
  get redirect(): RequestRedirect {
    return "follow";
  }
  get referrer(): string {
    return "about:client";
  }
  get referrerPolicy(): ReferrerPolicy {
    return "";
  }
  get duplex(): "half" {
    return "half";
  }

  async blob(): Promise<Blob> {
    return new Blob([await this.arrayBuffer()], { type: this.headers.get("content-type") ?? "" });
  }
  async formData(): Promise<FormData> {
    const bytes = await this.takeBytes();
    return new (realWeb().Request)(this.#url, {
      method: this.method,
      headers: [...this.headers],
      body: bytes as Uint8Array<ArrayBuffer>,
    }).formData();
  }
  clone(): Request {
    if (this.bodyUsed) throw new TypeError("Request.clone: the body has already been read");
    const body = this.body;
    let copy: ReadableStream<Uint8Array> | null = null;
    if (body !== null) {
      const [mine, theirs] = body.tee();
      this.#body = mine;
      copy = theirs;
    }
    return new (realWeb().Request)(this.#url, {
      method: this.method,
      headers: [...this.headers],
      body: copy,
      duplex: "half",
    } as RequestInit);
  }

  get [Symbol.toStringTag](): string {
    return "Request";
  }

  protected async takeBytes(): Promise<Uint8Array> {
    if (this.bodyUsed) throw new TypeError("Body is unusable: the body has already been read");
    const body = this.body;
    this.#used = true;
    return body === null ? new Uint8Array(0) : readAll(body);
  }
}

function gone(): DOMException {
  return new DOMException("The client closed the connection", "AbortError");
}

/** undici cannot read a WebRequest: give it the parts. */
function toRealInput(input: RequestInfo | URL): RequestInfo | URL {
  return Function.prototype[Symbol.hasInstance].call(WebRequest, input)
    ? (input as unknown as WebRequest).url
    : input;
}

function toRealInit(
  input: RequestInfo | URL,
  init: RequestInit | undefined,
): RequestInit | undefined {
  const headers = init?.headers;
  const realHeaders =
    headers !== undefined && Function.prototype[Symbol.hasInstance].call(WebHeaders, headers)
      ? [...(headers as WebHeaders)]
      : headers;
  if (!Function.prototype[Symbol.hasInstance].call(WebRequest, input)) {
    return init && realHeaders !== headers ? { ...init, headers: realHeaders } : init;
  }
  const from = input as unknown as WebRequest;
  const body = init && "body" in init ? init.body : from.body;
  return {
    method: from.method,
    signal: from.signal,
    ...init,
    headers: realHeaders ?? [...from.headers],
    body,
    ...(body ? { duplex: "half" } : {}),
  } as RequestInit;
}

// --- The URL of a request Node received ---

const PLAIN_TARGET = /^\/[!#$&-;=?-[\]_a-z~]*$/;
const DOT_SEGMENT = /\/\.\.?(?:[/?#]|$)/;
const PLAIN_HOST = /^[a-z0-9._-]+(?::(?:[1-5]\d{3,4}|[6-9]\d{3}))?$/;

/**
 * The absolute URL of a request: scheme from the socket, authority from Host. A
 * backslash before the query is refused (WHATWG URL parsing would read it as a slash,
 * and a path that means something else to the app than to the proxies in front is how
 * route checks get bypassed); so are a missing Host and one the URL parser rewrites.
 */
export function requestUrl(message: IncomingMessage): string {
  const target = message.url ?? "";
  if (target.startsWith("http://") || target.startsWith("https://")) {
    refuseBackslash(target);
    try {
      return new URL(target).href;
    } catch (error) {
      throw new RequestError("Invalid absolute URL", { cause: error });
    }
  }
  const plain = plainRequestUrl(message);
  if (plain !== undefined) return plain;
  const host = message.headers.host;
  if (!host) throw new RequestError("Missing host header");
  const scheme = (message.socket as { encrypted?: boolean }).encrypted ? "https" : "http";
  const url = `${scheme}://${host}${target}`;
  if (PLAIN_HOST.test(host)) {
    if (target.length === 0) return `${url}/`;
    if (target.charCodeAt(0) !== 0x2f) throw new RequestError("Invalid URL");
  }
  refuseBackslash(target);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new RequestError("Invalid URL", { cause: error });
  }
  const bareHost = (host.includes(":") ? host.replace(/:\d+$/, "") : host).toLowerCase();
  if (
    !PLAIN_HOST.test(host) &&
    parsed.hostname.length !== host.length &&
    parsed.hostname !== bareHost
  )
    throw new RequestError("Invalid host header");
  return parsed.href;
}

/**
 * The absolute URL of a request whose URL the parser would leave exactly as it is (the
 * common case: a plain Host and an origin-form path of plain characters without dot
 * segments), else undefined: requestUrl then does the full work.
 */
export function plainRequestUrl(message: IncomingMessage): string | undefined {
  const target = message.url ?? "";
  const host = message.headers.host;
  if (
    host === undefined ||
    target.charCodeAt(0) !== 0x2f ||
    !PLAIN_HOST.test(host) ||
    !PLAIN_TARGET.test(target) ||
    DOT_SEGMENT.test(target)
  )
    return undefined;
  const scheme = (message.socket as { encrypted?: boolean }).encrypted ? "https" : "http";
  return `${scheme}://${host}${target}`;
}

function refuseBackslash(target: string): void {
  const backslash = target.indexOf("\\");
  if (backslash === -1) return;
  const query = target.indexOf("?");
  if (query === -1 || backslash < query) throw new RequestError("Backslash in request path");
}
