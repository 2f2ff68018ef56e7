// Encoding and randomness on Web Crypto only, so the core runs unchanged in Node,
// browsers, Deno, Bun and workers.

export function base64UrlEncode(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function randomBytes(length: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(length));
}

// On Node (20.16+), hash synchronously with node:crypto, reached through
// process.getBuiltinModule so nothing is imported and other runtimes are unaffected.
// crypto.subtle.digest there is a thread-pool round trip per call, which on a busy
// gateway costs more than the hash itself.
interface NodeHash {
  update(data: string, encoding: "utf8"): NodeHash;
  digest(): Uint8Array;
}
const nodeCrypto = (
  globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }
).process?.getBuiltinModule?.("node:crypto") as
  | { createHash(algorithm: string): NodeHash }
  | undefined;

export async function sha256(input: string): Promise<Uint8Array> {
  if (nodeCrypto)
    return new Uint8Array(nodeCrypto.createHash("sha256").update(input, "utf8").digest());
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(input));
  return new Uint8Array(digest);
}

/** Standard base64 of a UTF-8 string (for HTTP Basic credentials). */
export function base64Utf8(input: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(input)) binary += String.fromCharCode(byte);
  return btoa(binary);
}
