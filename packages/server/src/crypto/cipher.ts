import { createCipheriv, createDecipheriv } from "node:crypto";
import { randomBytes } from "./random.js";

/**
 * AES-256-GCM for every secret at rest. A sealed value is `v1.<keyId>.<iv>.<ciphertext+tag>`
 * (base64url parts). The associated data names the value's row and column, so a value
 * copied into another row or column fails to open instead of being silently accepted.
 */
export class Cipher {
  readonly #keys: Map<string, Buffer>;
  readonly #primary: string;
  readonly ephemeral: boolean;

  constructor(
    keys: ReadonlyArray<{ id: string; key: Buffer }>,
    options: { ephemeral?: boolean } = {},
  ) {
    const first = keys[0];
    if (!first) throw new KeyConfigError("at least one key is required");
    this.#keys = new Map();
    for (const { id, key } of keys) {
      if (!/^[A-Za-z0-9_-]{1,32}$/.test(id))
        throw new KeyConfigError(`key id "${id}" must be 1-32 of [A-Za-z0-9_-]`);
      if (key.length !== 32)
        throw new KeyConfigError(`key "${id}" must be 32 bytes (base64 of 32 random bytes)`);
      if (this.#keys.has(id)) throw new KeyConfigError(`key id "${id}" appears twice`);
      this.#keys.set(id, key);
    }
    this.#primary = first.id;
    this.ephemeral = options.ephemeral ?? false;
  }

  /** `SOUNDGATE_ENCRYPTION_KEYS`: `id:base64key,...`; the first encrypts, all decrypt. */
  static fromEnv(value: string): Cipher {
    const keys = value
      .split(",")
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => {
        const colon = part.indexOf(":");
        if (colon <= 0) throw new KeyConfigError("each key must look like id:base64key");
        return { id: part.slice(0, colon), key: Buffer.from(part.slice(colon + 1), "base64") };
      });
    return new Cipher(keys);
  }

  /** A throwaway key: values sealed with it are unreadable after a restart. */
  static ephemeral(): Cipher {
    return new Cipher([{ id: "ephemeral", key: randomBytes(32) }], { ephemeral: true });
  }

  get primaryKeyId(): string {
    return this.#primary;
  }

  seal(plaintext: string, associatedData: string): string {
    const key = this.#keys.get(this.#primary) as Buffer;
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", key, iv);
    cipher.setAAD(Buffer.from(associatedData, "utf8"));
    const body = Buffer.concat([
      cipher.update(plaintext, "utf8"),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    return `v1.${this.#primary}.${iv.toString("base64url")}.${body.toString("base64url")}`;
  }

  /** Throws SealedValueError for anything tampered with, moved, or sealed with an unknown key. */
  open(sealed: string, associatedData: string): string {
    const parts = sealed.split(".");
    if (parts.length !== 4 || parts[0] !== "v1") throw new SealedValueError("not a sealed value");
    const [, keyId, ivText, bodyText] = parts as [string, string, string, string];
    const key = this.#keys.get(keyId);
    if (!key) throw new SealedValueError(`sealed with unknown key "${keyId}"`);
    const iv = Buffer.from(ivText, "base64url");
    const body = Buffer.from(bodyText, "base64url");
    if (iv.length !== 12 || body.length < 16) throw new SealedValueError("malformed sealed value");
    try {
      const decipher = createDecipheriv("aes-256-gcm", key, iv);
      decipher.setAAD(Buffer.from(associatedData, "utf8"));
      decipher.setAuthTag(body.subarray(body.length - 16));
      return Buffer.concat([
        decipher.update(body.subarray(0, body.length - 16)),
        decipher.final(),
      ]).toString("utf8");
    } catch {
      throw new SealedValueError(
        "authentication failed (wrong key, or the value was moved or altered)",
      );
    }
  }

  /** Whether a sealed value uses a key other than the primary one (needs re-encryption). */
  isStale(sealed: string): boolean {
    return sealed.split(".")[1] !== this.#primary;
  }
}

export class KeyConfigError extends Error {
  override readonly name = "KeyConfigError";
}

export class SealedValueError extends Error {
  override readonly name = "SealedValueError";
}

/** Associated data for a value: binds it to its table, column and row. */
export function aad(table: string, column: string, rowId: string): string {
  return `${table}\u0000${column}\u0000${rowId}`;
}
