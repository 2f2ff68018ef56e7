import { randomFillSync } from "node:crypto";

// Random bytes for states, verifiers, result keys, session ids and AES-GCM IVs, drawn from
// a 4 KiB pool filled by one call to Node's CSPRNG instead of one call per value: each call
// into OpenSSL costs several µs, and /authorize alone needs four values (~25 µs a request
// here). The bytes are the generator's own; each is handed out once, as a copy, and wiped
// from the pool as it goes, and a refill allocates a new pool rather than reusing the old.

const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let offset = 0;

export function randomBytes(length: number): Buffer {
  if (length > POOL_BYTES / 16) return randomFillSync(Buffer.allocUnsafe(length));
  if (offset + length > pool.length) {
    pool = randomFillSync(Buffer.allocUnsafeSlow(POOL_BYTES));
    offset = 0;
  }
  const bytes = Buffer.from(pool.subarray(offset, offset + length));
  pool.fill(0, offset, offset + length);
  offset += length;
  return bytes;
}
