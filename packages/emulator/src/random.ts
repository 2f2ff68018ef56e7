import { randomBytes } from "node:crypto";

/**
 * Prefixes make the kind of an opaque string visible in test output (and in a
 * mistaken log line) without revealing anything: an access token can never be
 * confused with a refresh token or a code.
 */
export type SecretKind = "at" | "rt" | "code" | "txn";

/** 32 random bytes, base64url, behind a kind prefix: `at_…`, `rt_…`, `code_…`, `txn_…`. */
export function randomSecret(kind: SecretKind): string {
  return `${kind}_${randomBytes(32).toString("base64url")}`;
}

/** A small, fast, seedable PRNG (mulberry32) so seeded data is identical on every start. */
export interface Prng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max] (inclusive). */
  int(min: number, max: number): number;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** true with probability p. */
  chance(p: number): boolean;
  /** `count` distinct elements, in a random order. */
  sample<T>(items: readonly T[], count: number): T[];
  /** Lowercase hex of `length` characters (for fake CDN paths). */
  hex(length: number): string;
}

export function createPrng(seed: number): Prng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new RangeError("pick() from an empty array");
      return items[int(0, items.length - 1)] as T;
    },
    chance: (p) => next() < p,
    sample<T>(items: readonly T[], count: number): T[] {
      const pool = [...items];
      // Partial Fisher-Yates: only the first `count` slots need shuffling.
      const n = Math.min(count, pool.length);
      for (let i = 0; i < n; i++) {
        const j = int(i, pool.length - 1);
        const tmp = pool[i] as T;
        pool[i] = pool[j] as T;
        pool[j] = tmp;
      }
      return pool.slice(0, n);
    },
    hex(length: number): string {
      let out = "";
      while (out.length < length) out += Math.floor(next() * 16).toString(16);
      return out;
    },
  };
}
