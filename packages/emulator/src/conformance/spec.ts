import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { parse } from "yaml";
import { SPEC_DIFFERENCES, type SpecDifference } from "./differences.js";

/**
 * SoundCloud's published OpenAPI 3.0 spec, read at test time from `shared/` beside
 * the repository (never copied into it), and its response schemas compiled into
 * JSON-Schema validators (ajv) after mapping what OpenAPI 3.0 does differently.
 */

/** Where the spec lives: `<repository>/../shared/soundcloud-openapi.yaml`. */
export const SPEC_PATH = fileURLToPath(
  new URL("../../../../../shared/soundcloud-openapi.yaml", import.meta.url),
);

export const HTTP_METHODS = ["get", "put", "post", "delete", "patch", "head"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

type Json = Record<string, unknown>;

export interface Operation {
  /** `GET /tracks/{track_urn}`: method in capitals and the spec's path. */
  key: string;
  method: HttpMethod;
  path: string;
  deprecated: boolean;
  /** Query parameter names the spec lists. */
  queryParameters: string[];
  /** Documented statuses and, per status, the response (refs resolved one level). */
  responses: Map<number, SpecResponse>;
}

export interface SpecResponse {
  /** A JSON schema (OpenAPI dialect) for the body, when the spec gives one. */
  schema: Json | null;
  /** The spec's example value, when it gives one but no schema. */
  example: unknown;
}

export interface LoadedSpec {
  operations: Operation[];
  /** Validates a body against a response's schema; the differences given are allowed. */
  validator(schema: Json, allowed?: readonly SpecDifference[]): ValidateFunction;
}

/** Whether the spec file is there (tests skip locally without it, and fail under CI). */
export function specAvailable(): boolean {
  return existsSync(SPEC_PATH);
}

export function loadSpec(path = SPEC_PATH): LoadedSpec {
  const document = parse(readFileSync(path, "utf8")) as Json;
  const components = (document.components ?? {}) as Json;
  const resolve = (node: unknown): Json => {
    let current = node as Json;
    while (typeof current?.$ref === "string") current = lookup(document, current.$ref);
    return current;
  };

  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(document.paths as Json)) {
    for (const method of HTTP_METHODS) {
      const op = (item as Json)[method] as Json | undefined;
      if (!op) continue;
      const queryParameters = ((op.parameters ?? []) as unknown[])
        .map(resolve)
        .filter((p) => p.in === "query")
        .map((p) => String(p.name));
      const responses = new Map<number, SpecResponse>();
      for (const [status, raw] of Object.entries((op.responses ?? {}) as Json)) {
        if (!/^\d{3}$/.test(status)) continue;
        const response = resolve(raw);
        const content = (response.content ?? {}) as Json;
        // Every media type the spec uses for responses is JSON; take the first.
        const media = Object.values(content)[0] as Json | undefined;
        const exampleRef = Object.values((media?.examples ?? {}) as Json)[0];
        responses.set(Number(status), {
          schema: (media?.schema as Json | undefined) ?? null,
          example: exampleRef === undefined ? undefined : resolve(exampleRef).value,
        });
      }
      operations.push({
        key: `${method.toUpperCase()} ${path}`,
        method,
        path,
        deprecated: op.deprecated === true,
        queryParameters,
        responses,
      });
    }
  }

  const compilers = new Map<string, (schema: Json) => ValidateFunction>();
  const validator = (schema: Json, allowed: readonly SpecDifference[] = SPEC_DIFFERENCES) => {
    const id = allowed.map((d) => d.name).join(",");
    let compile = compilers.get(id);
    if (!compile) {
      compile = makeCompiler(components.schemas as Json, allowed);
      compilers.set(id, compile);
    }
    return compile(schema);
  };
  return { operations, validator };
}

/**
 * One ajv instance per set of allowed differences: the spec's schemas converted to
 * JSON Schema, each difference applied on top, registered under `spec#/definitions/*`.
 */
function makeCompiler(
  schemas: Json,
  allowed: readonly SpecDifference[],
): (schema: Json) => ValidateFunction {
  const definitions: Json = {};
  for (const [name, schema] of Object.entries(schemas)) {
    definitions[name] = toJsonSchema(schema);
  }
  for (const difference of allowed) difference.apply(definitions);
  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
  addOpenApiFormats(ajv);
  ajv.addSchema({ $id: "spec", definitions });
  const cache = new Map<string, ValidateFunction>();
  return (schema) => {
    const converted = toJsonSchema(schema) as Json;
    const text = JSON.stringify(converted);
    let validate = cache.get(text);
    if (!validate) {
      validate = ajv.compile(converted);
      cache.set(text, validate);
    }
    return validate;
  };
}

/** OpenAPI 3.0's formats that JSON Schema validators do not know, and `date-time`. */
function addOpenApiFormats(ajv: Ajv): void {
  ajv.addFormat("int64", { type: "number", validate: (n: number) => Number.isInteger(n) });
  ajv.addFormat("double", { type: "number", validate: (n: number) => Number.isFinite(n) });
  ajv.addFormat("binary", { type: "string", validate: () => true });
  // RFC 3339, as OpenAPI's date-time means.
  ajv.addFormat("date-time", {
    type: "string",
    validate: (s: string) =>
      /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/.test(s) &&
      !Number.isNaN(Date.parse(s)),
  });
  // SoundCloud's own timestamps (used by the date-format difference).
  ajv.addFormat("soundcloud-date", /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} \+0000$/);
}

/** Keywords of OpenAPI's schema dialect that are only annotations, or unknown to JSON Schema. */
const OPENAPI_ONLY = new Set([
  "nullable",
  "example",
  "deprecated",
  "discriminator",
  "xml",
  "externalDocs",
  "readOnly",
  "writeOnly",
]);
const SCHEMA_LISTS = new Set(["allOf", "anyOf", "oneOf"]);

/**
 * The spec marks no property required, so an answer missing a documented field would
 * still validate. This test holds the emulator to sending every documented field:
 * each property becomes required, except these, which SoundCloud leaves out by design:
 * `next_href` on a list's last page, a playlist's `tracks` with `show_tracks=false`,
 * and the full-stream URLs of a track that is only previewable.
 */
export const MAY_BE_ABSENT: ReadonlySet<string> = new Set([
  "next_href",
  "tracks",
  "hls_aac_160_url",
  "hls_mp3_128_url",
  "http_mp3_128_url",
]);
const SCHEMA_VALUES = new Set(["items", "not", "additionalProperties"]);

/**
 * Maps an OpenAPI 3.0 schema to JSON Schema: `nullable: true` becomes a `null` type
 * (and a `null` enum value), component refs point into `spec#/definitions`, and
 * annotation-only keywords go. Documented properties become required (see MAY_BE_ABSENT).
 */
export function toJsonSchema(node: unknown): unknown {
  if (typeof node !== "object" || node === null || Array.isArray(node)) return node;
  const source = node as Json;
  const out: Json = {};
  for (const [key, value] of Object.entries(source)) {
    if (OPENAPI_ONLY.has(key)) continue;
    if (key === "$ref" && typeof value === "string") {
      out.$ref = value.replace(/^#\/components\/schemas\//, "spec#/definitions/");
    } else if (key === "properties") {
      out.properties = Object.fromEntries(
        Object.entries(value as Json).map(([name, schema]) => [name, toJsonSchema(schema)]),
      );
      if (source.required === undefined) {
        out.required = Object.keys(value as Json).filter((name) => !MAY_BE_ABSENT.has(name));
      }
    } else if (SCHEMA_LISTS.has(key)) {
      out[key] = (value as unknown[]).map(toJsonSchema);
    } else if (SCHEMA_VALUES.has(key) && typeof value === "object") {
      out[key] = toJsonSchema(value);
    } else {
      out[key] = value;
    }
  }
  if (source.nullable === true) makeNullable(out);
  return out;
}

/** Lets `null` through a converted schema. */
export function makeNullable(schema: Json): void {
  if (typeof schema.type === "string") schema.type = [schema.type, "null"];
  else if (Array.isArray(schema.type) && !schema.type.includes("null")) schema.type.push("null");
  if (Array.isArray(schema.enum) && !schema.enum.includes(null)) schema.enum.push(null);
}

function lookup(document: Json, ref: string): Json {
  if (!ref.startsWith("#/")) throw new Error(`external refs are not supported: ${ref}`);
  let node: unknown = document;
  for (const part of ref.slice(2).split("/")) {
    node = (node as Json)[part.replace(/~1/g, "/").replace(/~0/g, "~")];
    if (node === undefined) throw new Error(`unresolved ref ${ref}`);
  }
  return node as Json;
}

/** ajv's errors as short lines: `/collection/0/bpm must be number`. */
export function describeErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .slice(0, 8)
    .map((e) => `${e.instancePath || "/"} ${e.message ?? e.keyword}`)
    .join("; ");
}
