import { UsageError } from "./command.js";

/** One `-f key=value` (a string) or `-F key=value` (true, false, null and numbers typed). */
export interface Field {
  key: string;
  value: string | number | boolean | null;
}

export function parseField(raw: string, typed: boolean): Field {
  const eq = raw.indexOf("=");
  if (eq <= 0) throw new UsageError(`fields are key=value, not "${raw.slice(0, 40)}"`);
  const key = raw.slice(0, eq);
  const text = raw.slice(eq + 1);
  if (!typed) return { key, value: text };
  if (text === "true") return { key, value: true };
  if (text === "false") return { key, value: false };
  if (text === "null") return { key, value: null };
  if (/^-?\d+(\.\d+)?$/.test(text)) return { key, value: Number(text) };
  return { key, value: text };
}

/** Fields of a GET or DELETE: query parameters, named as given (`bpm[from]=120`). */
export function toQuery(fields: readonly Field[]): Record<string, string> {
  const query: Record<string, string> = {};
  for (const { key, value } of fields) query[key] = value === null ? "" : String(value);
  return query;
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/**
 * Fields of a POST or PUT: a JSON body, with brackets nesting as in SoundCloud's
 * form names: `comment[body]=hi` is `{"comment":{"body":"hi"}}`, `a[]=1` appends to
 * a list, and `playlist[tracks][][urn]=…` adds `{"urn":…}` to a list (starting a new
 * object when the last one already has that key).
 */
export function toJsonBody(fields: readonly Field[]): Record<string, Json> {
  const root: Record<string, Json> = {};
  for (const { key, value } of fields) {
    const path = parseKey(key);
    let node: Json = root;
    path.forEach((segment, i) => {
      const last = i === path.length - 1;
      const next = path[i + 1];
      const fresh = (): Json => (next === "" ? [] : {});
      if (segment === "") {
        if (!Array.isArray(node)) throw conflict(key);
        if (last) {
          node.push(value);
          return;
        }
        const tail: Json | undefined = node[node.length - 1];
        const reusable =
          typeof tail === "object" &&
          tail !== null &&
          !Array.isArray(tail) &&
          next !== undefined &&
          next !== "" &&
          !(next in tail);
        if (!reusable) node.push(fresh());
        node = node[node.length - 1] as Json;
        return;
      }
      if (typeof node !== "object" || node === null || Array.isArray(node)) throw conflict(key);
      if (last) {
        if (segment in node) throw conflict(key);
        node[segment] = value;
        return;
      }
      node[segment] ??= fresh();
      node = node[segment] as Json;
    });
  }
  return root;
}

function parseKey(key: string): string[] {
  const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
  if (!match) throw new UsageError(`"${key.slice(0, 40)}" is not a field name`);
  const segments = [match[1] as string];
  for (const part of (match[2] ?? "").matchAll(/\[([^[\]]*)\]/g)) segments.push(part[1] ?? "");
  return segments;
}

function conflict(key: string): UsageError {
  return new UsageError(`field "${key.slice(0, 40)}" clashes with another field`);
}
