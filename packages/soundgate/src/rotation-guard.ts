import { base64UrlEncode, randomBytes, sha256 } from "./encoding.js";
import { refreshToken } from "./grants.js";
import { type OAuthClientOptions, resolveOAuthClient } from "./oauth-client.js";
import { SingleFlight } from "./single-flight.js";
import type { TokenSet } from "./token-set.js";

/** How long a spent refresh token still yields the set it was exchanged for. */
export const DEFAULT_REFRESH_GRACE_MS = 30_000;

/**
 * Where a RotationGuard remembers, for a short while, which token set each spent refresh
 * token was exchanged for. Values arrive sealed (AES-GCM under a key only the spent refresh
 * token yields); ids are one-way hashes of it. Shared by every instance to hold across them.
 */
export interface GraceStore {
  /** The sealed value, or undefined when there is none or it expired. */
  get(id: string): Promise<string | undefined>;
  /** Must be durable before it resolves: the old refresh token is already spent. */
  put(id: string, sealed: string, expiresAt: number): Promise<void>;
}

/** Cross-process mutual exclusion for one key (a Postgres advisory lock, say). */
export type LockFn = <T>(key: string, work: () => Promise<T>) => Promise<T>;

export interface RotationGuardOptions {
  client: OAuthClientOptions;
  /** Default 30 s. */
  graceMs?: number | undefined;
  /** Default: process memory (enough for one instance). */
  store?: GraceStore | undefined;
  /** Default: none (single flight holds within this process only). */
  lock?: LockFn | undefined;
}

/**
 * A refresh that is idempotent per refresh token for a grace period. SoundCloud's refresh
 * tokens are single-use, so where several holders of one token can refresh at once (copies
 * of one session cookie in parallel requests, framework code that refreshes on its own)
 * they must all get the one new set rather than spend the token twice and lose the grant:
 * concurrent callers share one upstream refresh; a caller that arrives within the grace
 * (a request that read the cookie just before it changed, a retry after a lost response)
 * gets the same set back; with a lock and a shared store, so does one on another instance.
 */
export class RotationGuard {
  readonly #client: OAuthClientOptions;
  readonly #graceMs: number;
  readonly #store: GraceStore;
  readonly #lock: LockFn | undefined;
  readonly #now: () => number;
  readonly #flights = new SingleFlight<TokenSet>();

  constructor(options: RotationGuardOptions) {
    this.#client = options.client;
    this.#now = resolveOAuthClient(options.client).now;
    this.#graceMs = options.graceMs ?? DEFAULT_REFRESH_GRACE_MS;
    this.#store = options.store ?? new MemoryGraceStore(this.#now);
    this.#lock = options.lock;
  }

  /** The token set `refreshToken` was (or is now) exchanged for. Rejects like `refreshToken()`. */
  async refresh(refreshToken: string): Promise<TokenSet> {
    const secret = await graceSecret(refreshToken);
    return (
      (await this.#fromGrace(secret)) ??
      this.#flights.run(secret.id, () =>
        this.#lock
          ? this.#lock(`soundgate:refresh:${secret.id}`, () =>
              this.#refreshOnce(secret, refreshToken),
            )
          : this.#refreshOnce(secret, refreshToken),
      )
    );
  }

  async #refreshOnce(secret: GraceSecret, token: string): Promise<TokenSet> {
    // Another instance may have finished between our first look and taking the lock.
    const cached = await this.#fromGrace(secret);
    if (cached) return cached;
    const tokens = await refreshToken(this.#client, { refreshToken: token });
    const sealed = await seal(secret, JSON.stringify(tokens));
    await this.#store.put(secret.id, sealed, this.#now() + this.#graceMs);
    return tokens;
  }

  async #fromGrace(secret: GraceSecret): Promise<TokenSet | undefined> {
    const sealed = await this.#store.get(secret.id);
    if (sealed === undefined) return undefined;
    const opened = await open(secret, sealed);
    return opened === undefined ? undefined : (JSON.parse(opened) as TokenSet);
  }
}

/** Process-local grace entries; expired ones are dropped as new ones arrive. */
export class MemoryGraceStore implements GraceStore {
  readonly #entries = new Map<string, { sealed: string; expiresAt: number }>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  async get(id: string): Promise<string | undefined> {
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt > this.#now()) return entry.sealed;
    this.#entries.delete(id);
    return undefined;
  }

  async put(id: string, sealed: string, expiresAt: number): Promise<void> {
    const now = this.#now();
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
    this.#entries.set(id, { sealed, expiresAt });
  }
}

interface GraceSecret {
  id: string;
  key: Uint8Array;
}

// Two independent derivations of the refresh token: the id a store may index and show, and
// the key that opens the entry. A store's contents are useless without the spent token.
async function graceSecret(refreshToken: string): Promise<GraceSecret> {
  const [id, key] = await Promise.all([
    sha256(`soundgate-grace-id\0${refreshToken}`),
    sha256(`soundgate-grace-key\0${refreshToken}`),
  ]);
  return { id: base64UrlEncode(id), key };
}

async function aesKey(secret: GraceSecret): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", secret.key as BufferSource, "AES-GCM", false, [
    "encrypt",
    "decrypt",
  ]);
}

async function seal(secret: GraceSecret, plaintext: string): Promise<string> {
  const iv = randomBytes(12);
  const additionalData = new TextEncoder().encode(secret.id);
  const ciphertext = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv: iv as BufferSource, additionalData },
    await aesKey(secret),
    new TextEncoder().encode(plaintext),
  );
  return `${base64UrlEncode(iv)}.${base64UrlEncode(new Uint8Array(ciphertext))}`;
}

/** undefined when the value does not open (altered, or not ours): as if there were none. */
async function open(secret: GraceSecret, sealed: string): Promise<string | undefined> {
  const [iv, ciphertext] = sealed.split(".");
  if (!iv || !ciphertext) return undefined;
  try {
    const plaintext = await crypto.subtle.decrypt(
      {
        name: "AES-GCM",
        iv: base64UrlDecode(iv) as BufferSource,
        additionalData: new TextEncoder().encode(secret.id),
      },
      await aesKey(secret),
      base64UrlDecode(ciphertext) as BufferSource,
    );
    return new TextDecoder().decode(plaintext);
  } catch {
    return undefined;
  }
}

function base64UrlDecode(text: string): Uint8Array {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}
