// A DPoP client for tests (RFC 9449), written from the RFC: a P-256 key and compact ES256
// proofs, with every part overridable so a test can get exactly one thing wrong.
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from "node:crypto";

export interface ProofOptions {
  iat?: number;
  jti?: string;
  typ?: string;
  alg?: string;
  /** Replaces the public key in the header (e.g. someone else's). */
  jwk?: Record<string, unknown>;
  /** Extra or replaced claims. */
  claims?: Record<string, unknown>;
  /** Sign with another key than the header names. */
  signWith?: DpopKey;
}

export class DpopKey {
  readonly #privateKey: KeyObject;
  readonly jwk: { kty: string; crv: string; x: string; y: string };

  /** `clock`: the time proofs are made at (a test gateway's injected clock). */
  constructor(private readonly clock: () => number = Date.now) {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    this.#privateKey = privateKey;
    const { kty, crv, x, y } = publicKey.export({ format: "jwk" }) as Record<string, string>;
    this.jwk = { kty: kty as string, crv: crv as string, x: x as string, y: y as string };
  }

  /** RFC 7638 thumbprint. */
  get thumbprint(): string {
    const { crv, kty, x, y } = this.jwk;
    return createHash("sha256").update(JSON.stringify({ crv, kty, x, y })).digest("base64url");
  }

  /** A proof for `method` on `url` (its query and fragment dropped, as RFC 9449 says). */
  proof(method: string, url: string, options: ProofOptions = {}): string {
    const target = new URL(url);
    const header = {
      typ: options.typ ?? "dpop+jwt",
      alg: options.alg ?? "ES256",
      jwk: options.jwk ?? this.jwk,
    };
    const claims = {
      jti: options.jti ?? randomBytes(16).toString("base64url"),
      htm: method,
      htu: `${target.origin}${target.pathname}`,
      iat: options.iat ?? Math.floor(this.clock() / 1000),
      ...options.claims,
    };
    const input = `${encode(header)}.${encode(claims)}`;
    const signer = options.signWith ?? this;
    const signature = sign("sha256", Buffer.from(input), {
      key: signer.#privateKey,
      dsaEncoding: "ieee-p1363",
    });
    return `${input}.${signature.toString("base64url")}`;
  }
}

function encode(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}
