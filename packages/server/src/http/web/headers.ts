import { realWeb } from "./real.js";

// The Fetch standard's Headers, without undici. Touching any of Node's own Headers,
// Request, Response or FormData loads undici (~6 MiB resident and ~12 ms at start), and
// Hono builds a Headers and a Response for every answer, so the gateway's HTTP edge
// uses these instead (web/globals.ts) and leaves undici to the first upstream fetch.
// Semantics follow the standard: names are tokens, compared case-insensitively;
// values are ByteStrings with leading and trailing HTTP whitespace removed and no NUL,
// CR or LF; iteration is sorted by lower-case name, values of one name joined by ", ",
// except Set-Cookie, whose values stay separate. web/headers.test.ts compares it with
// undici's Headers operation by operation.

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FORBIDDEN_IN_VALUE = /[\0\r\n]/;
const NOT_BYTE = /[^\0-\xFF]/;

function isHttpWhitespace(code: number): boolean {
  return code === 0x09 || code === 0x0a || code === 0x0d || code === 0x20;
}

function byteString(value: unknown, what: string): string {
  const text = String(value);
  const bad = NOT_BYTE.exec(text);
  if (bad)
    throw new TypeError(
      `Headers: ${what} contains the character at index ${bad.index}, which is not a byte (greater than 255)`,
    );
  return text;
}

function checkName(name: unknown): string {
  const text = byteString(name, "a header name");
  if (!TOKEN.test(text)) throw new TypeError(`Headers: "${text}" is an invalid header name`);
  return text.toLowerCase();
}

function normalizeValue(value: unknown): string {
  let text = byteString(value, "a header value");
  if (
    text.length > 0 &&
    (isHttpWhitespace(text.charCodeAt(0)) || isHttpWhitespace(text.charCodeAt(text.length - 1)))
  ) {
    let start = 0;
    let end = text.length;
    while (start < end && isHttpWhitespace(text.charCodeAt(start))) start++;
    while (end > start && isHttpWhitespace(text.charCodeAt(end - 1))) end--;
    text = text.slice(start, end);
  }
  if (FORBIDDEN_IN_VALUE.test(text))
    throw new TypeError("Headers: a header value may not contain NUL, CR or LF");
  return text;
}

export class WebHeaders implements Headers {
  /** Lower-case name → its values joined by ", " (every name but set-cookie). */
  #values = new Map<string, string>();
  #cookies: string[] = [];

  static [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(WebHeaders, value)) return true;
    // A real Headers exists only once undici has loaded, so asking is then free.
    return isNamed(value, "Headers") && value instanceof realWeb().Headers;
  }

  constructor(init?: HeadersInit | null) {
    if (init === undefined || init === null) return;
    if (Function.prototype[Symbol.hasInstance].call(WebHeaders, init)) {
      const from = init as WebHeaders;
      this.#values = new Map(from.#values);
      this.#cookies = from.#cookies.slice();
      return;
    }
    if (typeof init !== "object" && typeof init !== "function")
      throw new TypeError("Headers: init must be an object, an array of pairs or a Headers");
    const iterator = (init as Iterable<unknown>)[Symbol.iterator];
    if (typeof iterator === "function") {
      for (const pair of init as Iterable<unknown>) {
        if (typeof pair !== "object" || pair === null || typeof pair === "string")
          throw new TypeError("Headers: each header in a sequence must be a [name, value] pair");
        const entry = [...(pair as Iterable<unknown>)];
        if (entry.length !== 2)
          throw new TypeError("Headers: each header in a sequence must be a [name, value] pair");
        this.append(entry[0] as string, entry[1] as string);
      }
      return;
    }
    const record = init as Record<string, unknown>;
    for (const name of Object.keys(record)) this.append(name, record[name] as string);
  }

  /** From Node's rawHeaders ([name, value, name, value…]): already parsed and checked by Node. */
  static fromRaw(raw: readonly string[]): WebHeaders {
    const headers = new WebHeaders();
    for (let i = 0; i < raw.length; i += 2) {
      headers.#add((raw[i] as string).toLowerCase(), raw[i + 1] as string);
    }
    return headers;
  }

  #add(name: string, value: string): void {
    if (name === "set-cookie") {
      this.#cookies.push(value);
      return;
    }
    const existing = this.#values.get(name);
    this.#values.set(name, existing === undefined ? value : `${existing}, ${value}`);
  }

  append(name: string, value: string): void {
    this.#add(checkName(name), normalizeValue(value));
  }

  set(name: string, value: string): void {
    const key = checkName(name);
    const normalized = normalizeValue(value);
    if (key === "set-cookie") this.#cookies = [normalized];
    else this.#values.set(key, normalized);
  }

  get(name: string): string | null {
    const key = checkName(name);
    if (key === "set-cookie") return this.#cookies.length > 0 ? this.#cookies.join(", ") : null;
    return this.#values.get(key) ?? null;
  }

  has(name: string): boolean {
    const key = checkName(name);
    return key === "set-cookie" ? this.#cookies.length > 0 : this.#values.has(key);
  }

  delete(name: string): void {
    const key = checkName(name);
    if (key === "set-cookie") this.#cookies = [];
    else this.#values.delete(key);
  }

  getSetCookie(): string[] {
    return this.#cookies.slice();
  }

  /** The header list as the standard sorts and combines it. */
  #sorted(): [string, string][] {
    const names = [...this.#values.keys()];
    if (this.#cookies.length > 0) names.push("set-cookie");
    names.sort();
    const pairs: [string, string][] = [];
    for (const name of names) {
      if (name === "set-cookie") for (const cookie of this.#cookies) pairs.push([name, cookie]);
      else pairs.push([name, this.#values.get(name) as string]);
    }
    return pairs;
  }

  /**
   * The headers for `ServerResponse.writeHead` as one flat [name, value, …] list (each
   * Set-Cookie its own line), without sorting: the order on the wire means nothing.
   */
  toRaw(): string[] {
    const raw: string[] = [];
    for (const [name, value] of this.#values) raw.push(name, value);
    for (const cookie of this.#cookies) raw.push("set-cookie", cookie);
    return raw;
  }

  forEach(
    callback: (value: string, key: string, parent: Headers) => void,
    thisArg?: unknown,
  ): void {
    if (typeof callback !== "function")
      throw new TypeError("Headers.forEach: the callback is not a function");
    for (const [name, value] of this.#sorted()) callback.call(thisArg, value, name, this);
  }

  entries(): HeadersIterator<[string, string]> {
    return this.#sorted()[Symbol.iterator]() as HeadersIterator<[string, string]>;
  }

  keys(): HeadersIterator<string> {
    return this.#sorted()
      .map(([name]) => name)
      [Symbol.iterator]() as HeadersIterator<string>;
  }

  values(): HeadersIterator<string> {
    return this.#sorted()
      .map(([, value]) => value)
      [Symbol.iterator]() as HeadersIterator<string>;
  }

  [Symbol.iterator](): HeadersIterator<[string, string]> {
    return this.entries();
  }

  get [Symbol.toStringTag](): string {
    return "Headers";
  }
}

/** Whether `value` is an object whose class is called `name` (a cheap first check). */
export function isNamed(value: unknown, name: string): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { constructor?: { name?: unknown } }).constructor?.name === name
  );
}
