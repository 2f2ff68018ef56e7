import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Lookup key for a high-entropy secret (state, refresh token): SHA-256, base64url. The
 * secret itself is never stored, so a database dump cannot be replayed against us.
 */
export function secretHash(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("base64url");
}

/** Constant-time comparison of two strings (e.g. a presented verifier's hash and the stored challenge). */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  return left.length === right.length && timingSafeEqual(left, right);
}
