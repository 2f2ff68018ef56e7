import { base64UrlEncode, randomBytes, sha256 } from "./encoding.js";

/** A PKCE pair. Make a fresh one for every authorization; never share a verifier. */
export interface Pkce {
  /** 43 characters of base64url from 32 random bytes; keep it secret until the token exchange. */
  verifier: string;
  /** BASE64URL(SHA-256(verifier)): goes in the authorize URL. */
  challenge: string;
  method: "S256";
}

// RFC 7636 §4.1: 43–128 characters from the unreserved set.
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

export function isValidCodeVerifier(value: string): boolean {
  return VERIFIER.test(value);
}

export async function createCodeChallenge(verifier: string): Promise<string> {
  if (!isValidCodeVerifier(verifier)) {
    throw new TypeError("A PKCE code verifier must be 43-128 characters of [A-Za-z0-9-._~]");
  }
  return base64UrlEncode(await sha256(verifier));
}

export async function createPkce(): Promise<Pkce> {
  const verifier = base64UrlEncode(randomBytes(32));
  return { verifier, challenge: await createCodeChallenge(verifier), method: "S256" };
}

/** An unguessable OAuth `state` (256 bits, base64url). */
export function createState(): string {
  return base64UrlEncode(randomBytes(32));
}
