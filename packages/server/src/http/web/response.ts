import { BodyReader } from "./body-reader.js";
import { isNamed, WebHeaders } from "./headers.js";
import { realWeb } from "./real.js";

// The Fetch standard's Response for the bodies a server answers with (none, text, bytes,
// a stream, form parameters), without undici (see web/headers.ts for why). Any other
// body (Blob, FormData…) and Response.error() give undici's own Response instead. The
// request listener writes a WebResponse straight to Node: a text or byte body in one
// `end`, its headers as they were given when nothing read or changed them.

const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const REASON_PHRASE = /^[\t\x20-\x7E\x80-\xFF]*$/;
const TEXT_TYPE = "text/plain;charset=UTF-8";
const FORM_TYPE = "application/x-www-form-urlencoded;charset=UTF-8";

/** What the listener writes: a text or byte body, or a stream, or nothing. */
export type WebBody = string | Uint8Array | ReadableStream<Uint8Array> | null;

type Source = string | Uint8Array | null;

const encoder = new TextEncoder();

export class WebResponse extends BodyReader {
  readonly #status: number;
  readonly #statusText: string;
  /** The headers as given (a plain object), until something reads `headers`. */
  #record: Record<string, string> | undefined;
  #headers: WebHeaders | undefined;
  /** The body as given, until something reads `body` (then #stream holds it). */
  #source!: Source;
  #stream: ReadableStream<Uint8Array> | null = null;
  #used = false;

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(WebResponse, value)) return true;
    return isNamed(value, "Response") && value instanceof realWeb().Response;
  }

  constructor(body?: BodyInit | null, init?: ResponseInit) {
    super();
    const status = init?.status ?? 200;
    if (!Number.isInteger(status) || status < 200 || status > 599)
      throw new RangeError(`Response: the status ${status} is outside 200–599`);
    const statusText = init?.statusText === undefined ? "" : String(init.statusText);
    if (!REASON_PHRASE.test(statusText))
      throw new TypeError("Response: statusText is not a valid reason phrase");
    this.#status = status;
    this.#statusText = statusText;

    const headersInit = init?.headers;
    if (isPlainRecord(headersInit)) this.#record = headersInit;
    else this.#headers = new WebHeaders(headersInit);

    let type: string | undefined;
    if (body === undefined || body === null) {
      this.#source = null;
    } else if (typeof body === "string") {
      this.#source = body;
      type = TEXT_TYPE;
    } else if (body instanceof Uint8Array) {
      this.#source = body;
    } else if (body instanceof ArrayBuffer) {
      this.#source = new Uint8Array(body.slice(0));
    } else if (ArrayBuffer.isView(body)) {
      this.#source = new Uint8Array(
        body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength),
      );
    } else if (body instanceof URLSearchParams) {
      this.#source = body.toString();
      type = FORM_TYPE;
    } else if (body instanceof ReadableStream) {
      this.#source = null;
      this.#stream = body;
    } else {
      // A Blob, FormData or anything else: undici's Response knows them all.
      // biome-ignore lint/correctness/noConstructorReturn: the standard's object, for bodies this one does not model
      return new (realWeb().Response)(body, toRealInit(init)) as unknown as WebResponse;
    }
    if (this.#source !== null || this.#stream !== null) {
      if (NULL_BODY_STATUSES.has(status))
        throw new TypeError(`Response: a ${status} response cannot have a body`);
      if (type !== undefined && !this.#hasHeader("content-type"))
        this.headers.set("content-type", type);
    }
  }

  /** Made by this class (not undici's, which `instanceof` also accepts). */
  static isOwn(value: unknown): value is WebResponse {
    return Function.prototype[Symbol.hasInstance].call(WebResponse, value);
  }

  static json(data: unknown, init?: ResponseInit): WebResponse {
    const text = JSON.stringify(data);
    if (text === undefined) throw new TypeError("Response.json: the value is not JSON");
    const response = new WebResponse(text, init);
    if (!response.#hasHeader("content-type") || response.#headerIs("content-type", TEXT_TYPE))
      response.headers.set("content-type", "application/json");
    return response;
  }

  static redirect(url: string | URL, status = 302): WebResponse {
    if (!REDIRECT_STATUSES.has(status))
      throw new RangeError(`Response.redirect: ${status} is not a redirect status`);
    return new WebResponse(null, { status, headers: { location: new URL(url).href } });
  }

  static error(): Response {
    return realWeb().Response.error();
  }

  get status(): number {
    return this.#status;
  }
  get statusText(): string {
    return this.#statusText;
  }
  get ok(): boolean {
    return this.#status >= 200 && this.#status <= 299;
  }
  get headers(): WebHeaders {
    if (!this.#headers) {
      this.#headers = new WebHeaders(this.#record);
      this.#record = undefined;
    }
    return this.#headers;
  }
  get redirected(): boolean {
    return false;
  }
  get type(): ResponseType {
    return "default";
  }
  get url(): string {
    return "";
  }

  get body(): ReadableStream<Uint8Array> | null {
    if (this.#stream === null && this.#source !== null) {
      const bytes = toBytes(this.#source);
      this.#source = null;
      this.#stream = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(bytes);
          controller.close();
        },
      });
    }
    return this.#stream;
  }

  get bodyUsed(): boolean {
    return this.#used || (this.#stream?.locked ?? false);
  }

  /** For the request listener: the headers as given when untouched (a plain object goes to writeHead as it is). */
  headersForWriting(): Record<string, string> | string[] {
    return this.#record ?? (this.#headers as WebHeaders).toRaw();
  }

  /** For the request listener: the body as it is, without copying it. */
  bodyForWriting(): WebBody {
    return this.#stream ?? this.#source;
  }

  override async text(): Promise<string> {
    // A text body read as text: no encoding and decoding back.
    if (!this.bodyUsed && this.#stream === null && typeof this.#source === "string") {
      this.#used = true;
      return this.#source;
    }
    return super.text();
  }
  async blob(): Promise<Blob> {
    const type = this.#hasHeader("content-type") ? (this.headers.get("content-type") ?? "") : "";
    return new Blob([await this.arrayBuffer()], { type });
  }
  async formData(): Promise<FormData> {
    return this.#toReal().formData();
  }

  clone(): WebResponse {
    if (this.bodyUsed) throw new TypeError("Response.clone: the body has already been read");
    const init = {
      status: this.#status,
      statusText: this.#statusText,
      headers: new WebHeaders(this.headers),
    };
    if (this.#stream !== null) {
      const [mine, theirs] = this.#stream.tee();
      this.#stream = mine;
      return new WebResponse(theirs, init);
    }
    return new WebResponse(this.#source as BodyInit | null, init);
  }

  get [Symbol.toStringTag](): string {
    return "Response";
  }

  #hasHeader(name: string): boolean {
    if (this.#headers) return this.#headers.has(name);
    for (const key in this.#record) if (key.toLowerCase() === name) return true;
    return false;
  }

  #headerIs(name: string, value: string): boolean {
    return this.headers.get(name) === value;
  }

  protected async takeBytes(): Promise<Uint8Array> {
    if (this.bodyUsed) throw new TypeError("Body is unusable: the body has already been read");
    this.#used = true;
    if (this.#stream === null) {
      const bytes = this.#source === null ? new Uint8Array(0) : toBytes(this.#source);
      this.#source = null;
      return bytes;
    }
    return readAll(this.#stream);
  }

  /** undici's Response with the same status, headers and (unread) body. */
  #toReal(): Response {
    if (this.bodyUsed) throw new TypeError("Body is unusable: the body has already been read");
    const body = this.body;
    this.#used = true;
    return new (realWeb().Response)(body, {
      status: this.#status,
      statusText: this.#statusText,
      headers: [...this.headers],
    });
  }
}

/** A ResponseInit's headers as undici accepts them (it does not know WebHeaders). */
function toRealInit(init: ResponseInit | undefined): ResponseInit | undefined {
  if (!init?.headers || isPlainRecord(init.headers)) return init;
  return { ...init, headers: [...new WebHeaders(init.headers)] };
}

function isPlainRecord(value: unknown): value is Record<string, string> {
  if (typeof value !== "object" || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function toBytes(source: string | Uint8Array): Uint8Array {
  return typeof source === "string" ? encoder.encode(source) : source;
}

/** Every chunk of a byte stream, in one array. */
export async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    length += value.byteLength;
  }
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const all = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return all;
}
