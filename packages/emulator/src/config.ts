import { type Fault, parseFailNext } from "./faults.js";
import {
  DEFAULT_ACCESS_TOKEN_TTL_S,
  DEFAULT_CODE_TTL_S,
  DEFAULT_RATE_LIMITS,
  type EmulatorOptions,
  type RateLimits,
} from "./options.js";
import { isIntInRange, isPlainObject, unknownKey } from "./validate.js";

/** The JSON of `GET /_emulator/config` (and the answer of `POST /_emulator/config`). */
export interface EmulatorConfig {
  access_token_ttl_s: number;
  code_ttl_s: number;
  latency_ms: number;
  /** false, true (the first seeded user) or a seeded username. */
  auto_approve: boolean | string;
  /** Revoke the whole grant when a spent refresh token is presented again. */
  revoke_on_refresh_reuse: boolean;
  rate_limits: RateLimits;
  /** Pending faults, oldest first; `count` is what is left. */
  fail_next: Fault[];
}

/** The settings part of the config (fail_next lives in the fault queue). */
export type Settings = Omit<EmulatorConfig, "fail_next">;

const CONFIG_KEYS = [
  "access_token_ttl_s",
  "code_ttl_s",
  "latency_ms",
  "auto_approve",
  "revoke_on_refresh_reuse",
  "rate_limits",
  "fail_next",
] as const;
const RATE_LIMIT_KEYS = Object.keys(DEFAULT_RATE_LIMITS) as (keyof RateLimits)[];
const MAX_TTL_S = 10 * 365 * 24 * 60 * 60;
const MAX_LATENCY_MS = 60_000;

export function initialSettings(options: EmulatorOptions): Settings {
  return {
    access_token_ttl_s: options.accessTokenTtlS ?? DEFAULT_ACCESS_TOKEN_TTL_S,
    code_ttl_s: options.codeTtlS ?? DEFAULT_CODE_TTL_S,
    latency_ms: options.latencyMs ?? 0,
    auto_approve: options.autoApprove ?? false,
    revoke_on_refresh_reuse: true,
    rate_limits: { ...DEFAULT_RATE_LIMITS, ...options.rateLimits },
  };
}

export type ConfigPatch = { settings: Settings; faults: Fault[] | null };
export type PatchResult = { ok: true; patch: ConfigPatch } | { ok: false; message: string };

/**
 * Validates a whole config patch against the current settings and returns the
 * settings it would produce; nothing is applied unless every key is valid.
 */
export function validateConfigPatch(
  current: Settings,
  value: unknown,
  isUsername: (name: string) => boolean,
): PatchResult {
  if (!isPlainObject(value)) return fail("the config must be a JSON object");
  const extra = unknownKey(value, CONFIG_KEYS);
  if (extra !== undefined) return fail(`unknown config key: ${extra}`);
  const next: Settings = { ...current, rate_limits: { ...current.rate_limits } };
  let faults: Fault[] | null = null;

  if ("access_token_ttl_s" in value) {
    if (!isIntInRange(value.access_token_ttl_s, 1, MAX_TTL_S)) {
      return fail("access_token_ttl_s must be a positive integer number of seconds");
    }
    next.access_token_ttl_s = value.access_token_ttl_s;
  }
  if ("code_ttl_s" in value) {
    if (!isIntInRange(value.code_ttl_s, 1, MAX_TTL_S)) {
      return fail("code_ttl_s must be a positive integer number of seconds");
    }
    next.code_ttl_s = value.code_ttl_s;
  }
  if ("latency_ms" in value) {
    if (!isIntInRange(value.latency_ms, 0, MAX_LATENCY_MS)) {
      return fail(`latency_ms must be an integer from 0 to ${MAX_LATENCY_MS}`);
    }
    next.latency_ms = value.latency_ms;
  }
  if ("auto_approve" in value) {
    const problem = autoApproveProblem(value.auto_approve, isUsername);
    if (problem) return fail(problem);
    next.auto_approve = value.auto_approve as boolean | string;
  }
  if ("revoke_on_refresh_reuse" in value) {
    if (typeof value.revoke_on_refresh_reuse !== "boolean") {
      return fail("revoke_on_refresh_reuse must be a boolean");
    }
    next.revoke_on_refresh_reuse = value.revoke_on_refresh_reuse;
  }
  if ("rate_limits" in value) {
    const problem = rateLimitsProblem(value.rate_limits);
    if (problem) return fail(problem);
    Object.assign(next.rate_limits, value.rate_limits);
  }
  if ("fail_next" in value) {
    const parsed = parseFailNext(value.fail_next);
    if (!parsed.ok) return fail(parsed.message);
    faults = parsed.faults;
  }
  return { ok: true, patch: { settings: next, faults } };
}

export function autoApproveProblem(
  value: unknown,
  isUsername: (name: string) => boolean,
): string | null {
  if (typeof value === "boolean") return null;
  if (typeof value !== "string") return "auto_approve must be false, true or a seeded username";
  if (!isUsername(value)) return `auto_approve: no seeded user is called "${value.slice(0, 64)}"`;
  return null;
}

export function rateLimitsProblem(value: unknown): string | null {
  if (!isPlainObject(value)) return "rate_limits must be an object";
  const extra = unknownKey(value, RATE_LIMIT_KEYS);
  if (extra !== undefined) return `unknown rate_limits key: ${extra}`;
  for (const [key, limit] of Object.entries(value)) {
    if (key === "plays_per_client" && limit === null) continue; // the quota is off
    // A limit of 0 blocks every request; a window must be at least a second.
    const min = key.endsWith("_window_s") ? 1 : 0;
    if (!isIntInRange(limit, min, MAX_TTL_S)) {
      return `rate_limits.${key} must be an integer >= ${min}`;
    }
  }
  return null;
}

function fail(message: string): PatchResult {
  return { ok: false, message };
}
