// The checks loadConfig runs on environment variables: each takes the raw string and
// returns the typed value, or throws Invalid with the message the ConfigError carries.
// Hand-written rather than zod: the configuration is read once per start, and loading
// zod for it cost ~95 modules and a tenth of a second on every `soundgate serve`.

/** A value a check refused; loadConfig turns it into a ConfigError naming the variable. */
export class Invalid extends Error {}

export type Check<T> = (value: string) => T;

/** Any string, as it is. */
export const anyString: Check<string> = (value) => value;

/** Trimmed, and not empty once trimmed. */
export const nonEmpty: Check<string> = (value) => {
  const trimmed = value.trim();
  if (!trimmed) throw new Invalid("Too small: expected string to have >=1 characters");
  return trimmed;
};

/** One of `values`, exactly (not trimmed). */
export function oneOf<const V extends string>(values: readonly V[], message?: string): Check<V> {
  const allowed = new Set<string>(values);
  const text =
    message ?? `Invalid option: expected one of ${values.map((v) => `"${v}"`).join("|")}`;
  return (value) => {
    if (!allowed.has(value)) throw new Invalid(text);
    return value as V;
  };
}

/** The whole value (trimmed first when `trim`) matches `pattern`. */
export function matching(pattern: RegExp, message: string, { trim = false } = {}): Check<string> {
  return (value) => {
    const candidate = trim ? value.trim() : value;
    if (!pattern.test(candidate)) throw new Invalid(message);
    return candidate;
  };
}

/** Digits only, as a number; within [min, max] when given. */
export function digits(
  pattern: RegExp,
  message: string,
  { trim = false, min = 0, max = Number.POSITIVE_INFINITY, rangeMessage = message } = {},
): Check<number> {
  const text = matching(pattern, message, { trim });
  return (value) => {
    const n = Number(text(value));
    if (n < min || n > max) throw new Invalid(rangeMessage);
    return n;
  };
}

/** A whole number within [min, max], with the variable's range in the message. */
export const wholeNumber = (min: number, max: number): Check<number> =>
  digits(/^\d+$/, `must be a whole number from ${min} to ${max}`, { trim: true, min, max });

export const port: Check<number> = digits(/^\d{1,5}$/, "must be a port number (0-65535)", {
  max: 65_535,
});

/** An http(s) URL, trimmed. */
export const httpUrl: Check<string> = (value) => {
  const trimmed = value.trim();
  if (!URL.canParse(trimmed) || !/^https?:$/.test(new URL(trimmed).protocol)) {
    throw new Invalid("must be an http(s) URL");
  }
  return trimmed;
};

const TRUE_WORDS = new Set(["true", "1", "yes"]);
// The order zod listed them in, so the message reads as it always has.
const booleanWord = oneOf(["0", "1", "true", "false", "yes", "no", ""]);
export const boolean: Check<boolean> = (value) => TRUE_WORDS.has(booleanWord(value));

/** false/0: no proxy; true: one (the usual reverse proxy); N: that many in a chain. */
export const proxyHops: Check<number> = (value) => {
  const v = matching(
    /^(true|false|yes|no|\d{1,2})$/,
    "must be false, true (one proxy) or the number of proxies in front",
  )(value.trim().toLowerCase());
  return v === "true" || v === "yes" ? 1 : v === "false" || v === "no" ? 0 : Number(v);
};
