// The shapes of the gateway's request inputs: flat objects of string fields with length
// bounds (query parameters, headers, small JSON bodies). Hand-written rather than zod:
// these seven shapes were all the gateway used it for, and loading zod cost ~95 modules
// and several MiB on every start. The messages keep zod's wording, which clients saw.

export interface Field<Optional extends boolean = boolean> {
  readonly min: number;
  readonly max: number;
  readonly optional: Optional;
}

/** A required string of `min` to `max` characters (by default at least one). */
export function text(max: number, min = 1): Field<false> {
  return { min, max, optional: false };
}

/** The same field, which may be absent. */
export function optional(field: Field<false>): Field<true> {
  return { ...field, optional: true };
}

type Fields = Record<string, Field>;
export type Parsed<F extends Fields> = {
  [K in keyof F]: F[K] extends Field<true> ? string | undefined : string;
};

export type ShapeResult<T> =
  | { ok: true; value: T }
  | { ok: false; path: string | undefined; message: string };

export interface Shape<T> {
  check(input: unknown): ShapeResult<T>;
}

/** An object with these fields; other keys are dropped, as they are not ours. */
export function object<F extends Fields>(fields: F): Shape<Parsed<F>> {
  const entries = Object.entries(fields);
  return {
    check(input) {
      if (typeof input !== "object" || input === null || Array.isArray(input)) {
        return {
          ok: false,
          path: undefined,
          message: `Invalid input: expected object, received ${kindOf(input)}`,
        };
      }
      const value: Record<string, string | undefined> = {};
      for (const [name, field] of entries) {
        const raw = (input as Record<string, unknown>)[name];
        if (raw === undefined && field.optional) continue;
        const message = fieldProblem(raw, field);
        if (message) return { ok: false, path: name, message };
        value[name] = raw as string;
      }
      return { ok: true, value: value as Parsed<F> };
    },
  };
}

function fieldProblem(raw: unknown, field: Field): string | undefined {
  if (typeof raw !== "string") return `Invalid input: expected string, received ${kindOf(raw)}`;
  if (raw.length < field.min) {
    return `Too small: expected string to have >=${field.min} characters`;
  }
  if (raw.length > field.max) return `Too big: expected string to have <=${field.max} characters`;
  return undefined;
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}
