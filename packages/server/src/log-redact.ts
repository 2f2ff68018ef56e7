/** What a secret's value is written as. */
export const REDACTED = "[redacted]";
/** What an object found again inside itself is written as. */
export const CIRCULAR = "[Circular]";
/** What a value is written as when reading it threw (a getter, a `toJSON`, a proxy). */
export const UNREADABLE = "[unreadable]";

/**
 * Keys whose values are secrets wherever they sit in a record: OAuth's tokens, codes,
 * states, verifiers and client secret, and the request headers that carry credentials.
 * Compared without case, so header spellings (`Authorization`, `Set-Cookie`, `DPoP`) match.
 */
const SECRET_KEYS = new Set([
  "access_token",
  "refresh_token",
  "code",
  "state",
  "code_verifier",
  "client_secret",
  "authorization",
  "proxy-authorization",
  "cookie",
  "set-cookie",
  "dpop",
]);

export function isSecretKey(key: string): boolean {
  return SECRET_KEYS.has(key) || SECRET_KEYS.has(key.toLowerCase());
}

/**
 * A copy of `value` that JSON.stringify writes safely: every secret key's value replaced
 * at any depth, Errors as `{type, message, stack, …}`, cycles as "[Circular]", BigInt as
 * its digits, and whatever throws when read as "[unreadable]". The caller's objects are
 * only read, never changed. `ancestors` holds the objects being copied around this one.
 */
export function loggable(value: unknown, ancestors: object[]): unknown {
  switch (typeof value) {
    case "string":
    case "number":
    case "boolean":
      return value;
    case "bigint":
      return value.toString();
    case "undefined":
    case "function":
    case "symbol":
      // JSON.stringify leaves these out of objects (null in arrays), as pino's output did.
      return undefined;
  }
  if (value === null) return null;
  const object = value as object;
  if (ancestors.includes(object)) return CIRCULAR;
  ancestors.push(object);
  try {
    if (isError(object)) return errorRecord(object, ancestors);
    const toJSON = read(object, "toJSON");
    if (toJSON === UNREADABLE) return UNREADABLE;
    if (typeof toJSON === "function") {
      // Dates, URLs, Buffers: their JSON form, itself copied (it may hold secret keys).
      return loggable(toJSON.call(object, ""), ancestors);
    }
    if (Array.isArray(object)) {
      const copy: unknown[] = [];
      for (let index = 0; index < object.length; index++) {
        copy.push(loggable(read(object, index), ancestors));
      }
      return copy;
    }
    return copyFields(object, ancestors, Object.create(null));
  } catch {
    // Object.keys on a proxy whose trap throws, or a stack too deep to copy.
    return UNREADABLE;
  } finally {
    ancestors.pop();
  }
}

/** Own enumerable keys of `object` into `into`, secrets replaced (JSON.stringify's keys). */
function copyFields(
  object: object,
  ancestors: object[],
  into: Record<string, unknown>,
): Record<string, unknown> {
  for (const key of Object.keys(object)) {
    if (key in into) continue;
    // `into` has no prototype, so a "__proto__" key is an ordinary property here.
    into[key] = isSecretKey(key) ? REDACTED : loggable(read(object, key), ancestors);
  }
  return into;
}

/**
 * An Error as pino's standard serializer wrote it: the constructor's name, the message
 * and stack with their causes' appended, then the error's own fields. Its `code` is an
 * error code (ECONNREFUSED, invalid_grant), not an authorization code, so it is kept.
 */
function errorRecord(error: object, ancestors: object[]): Record<string, unknown> {
  const record: Record<string, unknown> = Object.create(null);
  record.type = errorType(error);
  record.message = withCauses(error, "message", ": ");
  record.stack = withCauses(error, "stack", "\ncaused by: ");
  record.code = loggable(read(error, "code"), ancestors);
  // An enumerable `cause` (one assigned, not given to the constructor) is in the message
  // and stack already: held here so that the copy of the error's own fields skips it.
  record.cause = undefined;
  copyFields(error, ancestors, record);
  delete record.cause;
  if (record.code === undefined) delete record.code;
  return record;
}

function errorType(error: object): unknown {
  const made = read(error, "constructor");
  if (typeof made === "function" && made.name) return made.name;
  const name = read(error, "name");
  return typeof name === "string" ? name : "Error";
}

/** An error's message or stack, then each cause's (an object with a message), once each. */
function withCauses(error: object, part: "message" | "stack", joint: string): string {
  const seen = new Set<object>([error]);
  let text = String(read(error, part) ?? "");
  let cause = read(error, "cause");
  while (isErrorLike(cause) && !seen.has(cause)) {
    seen.add(cause);
    text += joint + String(read(cause, part) ?? "");
    cause = read(cause, "cause");
  }
  return text;
}

function isErrorLike(value: unknown): value is object {
  return typeof value === "object" && value !== null && typeof read(value, "message") === "string";
}

function isError(value: object): boolean {
  // The tag also catches Errors from another realm (a vm context, a worker's structured clone).
  return value instanceof Error || Object.prototype.toString.call(value) === "[object Error]";
}

/** `object[key]`, or UNREADABLE when a getter or a proxy throws. */
function read(object: object, key: string | number): unknown {
  try {
    return (object as Record<string | number, unknown>)[key];
  } catch {
    return UNREADABLE;
  }
}
