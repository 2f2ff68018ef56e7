import type { Context } from "hono";
import { mediaType, parseJson, readBodyBytes, soundcloudError } from "../http.js";
import { isPlainObject } from "../validate.js";
import { parseIdParam, type UrnKind } from "./urn.js";

/**
 * Write requests name one resource's fields two ways: JSON `{"track": {"title": …}}`
 * or form fields `track[title]=…` (urlencoded or multipart, the only way to send a
 * file). Both land in one map of inner names, so a route validates them once.
 */
export type Fields = Map<string, unknown>;

export type FieldsResult = { ok: true; fields: Fields } | { ok: false; response: Response };

export async function readResourceFields(c: Context, resource: string): Promise<FieldsResult> {
  const type = mediaType(c.req.header("content-type"));
  const read = await readBodyBytes(c);
  if (!read.ok) return bad(400, read.message);
  if (type === "application/json") {
    const parsed = parseJson(new TextDecoder().decode(read.bytes));
    if (!parsed.ok) return bad(400, parsed.message);
    const inner = isPlainObject(parsed.value) ? parsed.value[resource] : undefined;
    if (!isPlainObject(inner)) return bad(400, `send {"${resource}": {…}} as the JSON body`);
    return { ok: true, fields: new Map(Object.entries(inner)) };
  }
  let entries: [string, string | File][];
  if (type === "multipart/form-data") {
    try {
      const form = await new Response(read.bytes as Uint8Array<ArrayBuffer>, {
        headers: { "content-type": c.req.header("content-type") ?? "" },
      }).formData();
      entries = [...form.entries()] as [string, string | File][];
    } catch {
      return bad(400, "the multipart body is malformed");
    }
  } else if (type === "application/x-www-form-urlencoded") {
    entries = [...new URLSearchParams(new TextDecoder().decode(read.bytes)).entries()];
  } else {
    return bad(400, "send JSON, application/x-www-form-urlencoded or multipart/form-data");
  }
  return formFields(resource, entries);
}

function formFields(resource: string, entries: [string, string | File][]): FieldsResult {
  const fields: Fields = new Map();
  const name = new RegExp(`^${resource}\\[([a-z_]+)\\](\\[\\]\\[urn\\])?$`);
  for (const [key, value] of entries) {
    const match = name.exec(key);
    if (!match) return bad(422, `unknown field ${key.slice(0, 64)}`);
    const field = match[1] as string;
    if (match[2] !== undefined) {
      // `playlist[tracks][][urn]`: repeated, or one comma-separated value (as the spec shows).
      const list = (fields.get(field) as { urn: string }[] | undefined) ?? [];
      if (typeof value !== "string") return bad(422, `${key} must be text`);
      for (const urn of value.split(",")) if (urn.trim()) list.push({ urn: urn.trim() });
      fields.set(field, list);
      continue;
    }
    if (fields.has(field)) return bad(422, `${key} is repeated`);
    fields.set(field, value);
  }
  return { ok: true, fields };
}

function bad(status: number, message: string): { ok: false; response: Response } {
  return { ok: false, response: soundcloudError(status, message) };
}

/**
 * Typed reads of one resource's fields. The first problem is kept and reported as a
 * 422 naming the field; values arrive as JSON types or as form strings, and both
 * spellings of a boolean (`true`, `"true"`) are accepted.
 */
export class FieldReader {
  problem: string | null = null;
  private readonly seen = new Set<string>();

  constructor(
    private readonly fields: Fields,
    private readonly resource: string,
  ) {}

  has(name: string): boolean {
    return this.fields.has(name);
  }

  /** A string field; undefined when absent, null when sent empty or null and nullable. */
  text(name: string, options: { max?: number; required?: boolean } = {}): string | undefined {
    const value = this.take(name);
    if (value === undefined || value === null || value === "") {
      if (options.required) this.fail(`${this.label(name)} is required`);
      return undefined;
    }
    if (typeof value !== "string" && typeof value !== "number") {
      this.fail(`${this.label(name)} must be a string`);
      return undefined;
    }
    const text = String(value);
    if (options.max !== undefined && text.length > options.max) {
      this.fail(`${this.label(name)} must be at most ${options.max} characters`);
      return undefined;
    }
    return text;
  }

  /** A string that may be cleared: null when sent as null or empty. */
  nullableText(name: string, max = 10_000): string | null | undefined {
    if (!this.fields.has(name)) return undefined;
    const value = this.fields.get(name);
    if (value === null || value === "") {
      this.take(name);
      return null;
    }
    return this.text(name, { max });
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const value = this.text(name);
    if (value === undefined) return undefined;
    if (!allowed.includes(value as T)) {
      this.fail(`${this.label(name)} must be one of ${allowed.join(", ")}`);
      return undefined;
    }
    return value as T;
  }

  boolean(name: string): boolean | undefined {
    const value = this.take(name);
    if (value === undefined || value === null || value === "") return undefined;
    if (value === true || value === "true" || value === "1") return true;
    if (value === false || value === "false" || value === "0") return false;
    this.fail(`${this.label(name)} must be true or false`);
    return undefined;
  }

  /** A `yyyy-mm-dd` date (release_date); ISO timestamps are cut to their date. */
  date(name: string): { year: number; month: number; day: number } | null | undefined {
    const value = this.nullableText(name, 40);
    if (value === undefined || value === null) return value;
    const match = /^(\d{4})-(\d{2})-(\d{2})(?:T[\d:.]+Z?)?$/.exec(value);
    const [year, month, day] = (match ?? []).slice(1, 4).map(Number) as [number, number, number];
    const date = new Date(Date.UTC(year, month - 1, day));
    if (!match || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
      this.fail(`${this.label(name)} must be a date like 2024-05-31`);
      return undefined;
    }
    return { year, month, day };
  }

  file(name: string, options: { required?: boolean } = {}): File | undefined {
    const value = this.take(name);
    if (value === undefined || value === null || value === "") {
      if (options.required) this.fail(`${this.label(name)} is required (send it as a file)`);
      return undefined;
    }
    if (!(value instanceof File)) {
      this.fail(`${this.label(name)} must be a file in a multipart/form-data body`);
      return undefined;
    }
    return value;
  }

  /** `[{urn}, …]` (JSON) or the gathered `[tracks][][urn]` form values → ids of `kind`. */
  urnList(name: string, kind: UrnKind): number[] | undefined {
    const value = this.take(name);
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) {
      this.fail(`${this.label(name)} must be a list of {"urn": …}`);
      return undefined;
    }
    const ids: number[] = [];
    for (const item of value) {
      const raw = isPlainObject(item) ? item.urn : undefined;
      const id = typeof raw === "string" ? parseIdParam(kind, raw) : null;
      if (id === null) {
        this.fail(`${this.label(name)} must hold URNs like soundcloud:${kind}:123`);
        return undefined;
      }
      ids.push(id);
    }
    return ids;
  }

  /** Fails on any field no reader asked for, so a typo is an error instead of ignored. */
  rejectUnknown(): void {
    for (const name of this.fields.keys()) {
      if (!this.seen.has(name)) this.fail(`unknown field ${this.label(name).slice(0, 64)}`);
    }
  }

  /** The first problem as SoundCloud's 422, or null when every field was fine. */
  response(): Response | null {
    return this.problem === null ? null : soundcloudError(422, this.problem);
  }

  private take(name: string): unknown {
    this.seen.add(name);
    return this.fields.get(name);
  }

  private fail(message: string): void {
    this.problem ??= message;
  }

  private label(name: string): string {
    return `${this.resource}[${name}]`;
  }
}
