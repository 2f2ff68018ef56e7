import { createHash, createPublicKey, type KeyObject, verify } from "node:crypto";

// DPoP proofs (RFC 9449 §4): a JWS the browser signs with a key it cannot export, sent in
// the `DPoP` header. Only ES256 on P-256 is accepted: it is what Web Crypto makes
// non-extractable in every browser, and one algorithm leaves nothing to negotiate.
// node:crypto imports the JWK and checks the signature; the rest are DPoP's own checks.

/** How far a proof's `iat` may be from the gateway's clock, either way. */
export const DPOP_IAT_WINDOW_MS = 60_000;
/** Longer proofs are not ours (a P-256 proof with a 256-character jti is ~700). */
export const DPOP_MAX_LENGTH = 2048;

/** Why a proof was refused: a log field and a counter label, never the proof itself. */
export type DpopRefusal =
  | "missing"
  | "malformed"
  | "header"
  | "signature"
  | "htm"
  | "htu"
  | "iat"
  | "replayed"
  | "wrong_key"
  | "unbound";

export class DpopError extends Error {
  override readonly name = "DpopError";
  constructor(
    readonly reason: DpopRefusal,
    message: string,
  ) {
    super(message);
  }
}

/** What a valid proof tells the gateway. */
export interface DpopProof {
  /** RFC 7638 SHA-256 thumbprint of the proof's public key, base64url. */
  jkt: string;
  jti: string;
  /** Seconds since the epoch, as the client claimed. */
  iat: number;
}

export interface DpopExpectation {
  method: string;
  /** The endpoint as the browser addresses it: SOUNDGATE_PUBLIC_URL + path, no query. */
  url: string;
  now: number;
}

const B64URL = /^[A-Za-z0-9_-]+$/;
const P256_COORDINATE = /^[A-Za-z0-9_-]{43}$/;

/**
 * Check a proof's form, signature and claims against the request (RFC 9449 §4.3, steps
 * 2-9 and 11; jti uniqueness is the caller's, since it needs shared storage).
 */
export function verifyDpopProof(proof: string, expected: DpopExpectation): DpopProof {
  const parts = proof.split(".");
  if (proof.length > DPOP_MAX_LENGTH || parts.length !== 3 || !parts.every((p) => B64URL.test(p))) {
    throw new DpopError("malformed", "The DPoP header is not a compact JWS");
  }
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = decodeJson(headerPart);
  const claims = decodeJson(payloadPart);
  if (header.typ !== "dpop+jwt" || header.alg !== "ES256") {
    throw new DpopError("header", 'A DPoP proof needs typ "dpop+jwt" and alg "ES256"');
  }
  const { jwk, key } = publicP256Key(header.jwk);
  const signature = Buffer.from(signaturePart, "base64url");
  const signed = verify(
    "sha256",
    Buffer.from(`${headerPart}.${payloadPart}`, "ascii"),
    { key, dsaEncoding: "ieee-p1363" },
    signature,
  );
  if (signature.length !== 64 || !signed) {
    throw new DpopError("signature", "The DPoP proof's signature does not verify with its key");
  }
  const { htm, htu, iat, jti } = claims;
  if (typeof jti !== "string" || jti.length < 1 || jti.length > 256) {
    throw new DpopError("malformed", "The DPoP proof needs a jti of 1-256 characters");
  }
  if (typeof iat !== "number" || !Number.isFinite(iat)) {
    throw new DpopError("malformed", "The DPoP proof needs a numeric iat");
  }
  if (htm !== expected.method) {
    throw new DpopError("htm", `The DPoP proof is not for ${expected.method} (htm)`);
  }
  if (typeof htu !== "string" || !sameTarget(htu, expected.url)) {
    throw new DpopError("htu", `The DPoP proof is not for ${expected.url} (htu)`);
  }
  if (Math.abs(iat * 1000 - expected.now) > DPOP_IAT_WINDOW_MS) {
    throw new DpopError(
      "iat",
      "The DPoP proof's iat is more than a minute away from the gateway's clock",
    );
  }
  return { jkt: jwkThumbprint(jwk), jti, iat };
}

/** RFC 7638: SHA-256 over the required members in lexicographic order, no whitespace. */
export function jwkThumbprint(jwk: { crv: string; kty: string; x: string; y: string }): string {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash("sha256").update(canonical).digest("base64url");
}

type P256Jwk = { kty: "EC"; crv: "P-256"; x: string; y: string };

/** The header's key: a public P-256 key and nothing else (no `d`: never a private key). */
function publicP256Key(value: unknown): { jwk: P256Jwk; key: KeyObject } {
  const jwk = value as Record<string, unknown> | null;
  if (
    typeof jwk !== "object" ||
    jwk === null ||
    jwk.kty !== "EC" ||
    jwk.crv !== "P-256" ||
    typeof jwk.x !== "string" ||
    typeof jwk.y !== "string" ||
    !P256_COORDINATE.test(jwk.x) ||
    !P256_COORDINATE.test(jwk.y) ||
    "d" in jwk
  ) {
    throw new DpopError("header", "The DPoP proof's jwk must be a public P-256 key");
  }
  const publicJwk: P256Jwk = { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y };
  try {
    // A point that is not on the curve throws here.
    return { jwk: publicJwk, key: createPublicKey({ key: publicJwk, format: "jwk" }) };
  } catch {
    throw new DpopError("header", "The DPoP proof's jwk is not a valid P-256 public key");
  }
}

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON, each member checked where used
function decodeJson(part: string): Record<string, any> {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
  } catch {
    // fall through
  }
  throw new DpopError("malformed", "The DPoP proof's header or claims are not a JSON object");
}

/**
 * RFC 9449 §4.3: htu matches the request's URI without query and fragment, after the
 * usual normalization (scheme and host case, default port, dot segments).
 */
function sameTarget(htu: string, expected: string): boolean {
  if (!URL.canParse(htu)) return false;
  const a = new URL(htu);
  const b = new URL(expected);
  return (
    a.protocol === b.protocol &&
    a.host === b.host &&
    a.pathname === b.pathname &&
    !a.username &&
    !a.password
  );
}
