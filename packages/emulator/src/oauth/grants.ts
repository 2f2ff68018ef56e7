import { createHash } from "node:crypto";
import { randomSecret } from "../random.js";
import { verifierMatches } from "./pkce.js";

/**
 * The authorization server's memory: pending consent transactions, codes,
 * grants and the tokens issued under them. A grant is one authorization (one
 * code exchange, or one client-credentials request); every access and refresh
 * token belongs to exactly one grant, so revoking a grant revokes all of them.
 * Codes, tokens and transaction ids are kept only as SHA-256 digests, so neither
 * memory dumps nor a state file (--state-file) hold a usable credential.
 */

export interface Grant {
  readonly id: number;
  readonly client_id: string;
  /** null for client-credentials grants: their tokens carry no user. */
  readonly user_id: number | null;
  revoked: boolean;
}

/** What /token answers on success (before serialization). */
export interface IssuedTokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

/** A consent screen waiting for a decision; the browser only holds its id. */
export interface PendingAuthorization {
  readonly client_id: string;
  readonly redirect_uri: string;
  readonly code_challenge: string;
  readonly state: string | null;
  readonly expires_at: number;
}

/** The SHA-256 of a secret, the only form the store keeps it in. */
function digest(secret: string): string {
  return createHash("sha256").update(secret).digest("base64url");
}

export interface CodeRecord {
  readonly client_id: string;
  readonly redirect_uri: string;
  readonly code_challenge: string;
  readonly user_id: number;
  readonly expires_at: number;
  /** Set on the first successful exchange; a second exchange revokes it. */
  grant: Grant | null;
}

interface AccessTokenRecord {
  readonly grant: Grant;
  expires_at: number;
}

interface RefreshTokenRecord {
  readonly grant: Grant;
  spent: boolean;
}

export type CodeExchange =
  | { ok: true; tokens: IssuedTokens }
  | {
      ok: false;
      reason: "unknown" | "other_client" | "expired" | "redirect_uri" | "verifier" | "reused";
    };

export type RefreshResult =
  | { ok: true; tokens: IssuedTokens }
  | { ok: false; reason: "unknown" | "other_client" | "revoked" }
  | { ok: false; reason: "reused"; revoked: boolean };

/** Who an access token speaks for, when it is valid. */
export type AccessTokenCheck =
  | { status: "valid"; client_id: string; user_id: number | null }
  | { status: "unknown" | "revoked" | "expired" };

/** The store as saved in a state file: records keyed by digest, grants by id. */
export interface GrantSnapshot {
  next_grant_id: number;
  grants: Grant[];
  pending: [string, PendingAuthorization][];
  codes: [string, Omit<CodeRecord, "grant"> & { grant_id: number | null }][];
  access_tokens: [string, { grant_id: number; expires_at: number }][];
  refresh_tokens: [string, { grant_id: number; spent: boolean }][];
}

/** Consent transactions live longer than codes: a person reads the page first. */
export const PENDING_AUTHORIZATION_TTL_MS = 10 * 60 * 1000;
/** How long a code is remembered after it expires (for replay detection). */
const CODE_MEMORY_MS = 60 * 60 * 1000;
const SWEEP_THRESHOLD = 10_000;

export class GrantStore {
  private readonly pending = new Map<string, PendingAuthorization>();
  private readonly codes = new Map<string, CodeRecord>();
  private readonly accessTokens = new Map<string, AccessTokenRecord>();
  private readonly refreshTokens = new Map<string, RefreshTokenRecord>();
  private nextGrantId = 1;
  private sweepAt = SWEEP_THRESHOLD;

  constructor(private readonly now: () => number) {}

  createPending(request: Omit<PendingAuthorization, "expires_at">): string {
    this.sweepIfLarge();
    const id = randomSecret("txn");
    this.pending.set(digest(id), {
      ...request,
      expires_at: this.now() + PENDING_AUTHORIZATION_TTL_MS,
    });
    return id;
  }

  /** Consumes a pending authorization: each consent page can be answered once. */
  takePending(id: string): PendingAuthorization | null {
    const key = digest(id);
    const pending = this.pending.get(key);
    if (!pending) return null;
    this.pending.delete(key);
    return pending.expires_at > this.now() ? pending : null;
  }

  issueCode(
    request: { client_id: string; redirect_uri: string; code_challenge: string; user_id: number },
    ttlS: number,
  ): string {
    this.sweepIfLarge();
    const code = randomSecret("code");
    this.codes.set(digest(code), {
      ...request,
      expires_at: this.now() + ttlS * 1000,
      grant: null,
    });
    return code;
  }

  /**
   * Exchanges a code (RFC 6749 §4.1.3 + RFC 7636 §4.6). Codes are single-use;
   * presenting a used code again revokes every token issued from it (§4.1.2).
   * A failed check does not burn the code: only its rightful owner (client id,
   * redirect URI and verifier) can use it, and only once.
   */
  exchangeCode(
    request: { code: string; client_id: string; redirect_uri: string; code_verifier: string },
    accessTtlS: number,
  ): CodeExchange {
    const record = this.codes.get(digest(request.code));
    if (!record) return { ok: false, reason: "unknown" };
    if (record.client_id !== request.client_id) return { ok: false, reason: "other_client" };
    if (record.grant) {
      record.grant.revoked = true;
      return { ok: false, reason: "reused" };
    }
    if (record.expires_at <= this.now()) return { ok: false, reason: "expired" };
    if (record.redirect_uri !== request.redirect_uri) return { ok: false, reason: "redirect_uri" };
    if (!verifierMatches(request.code_verifier, record.code_challenge)) {
      return { ok: false, reason: "verifier" };
    }
    const grant = this.newGrant(record.client_id, record.user_id);
    record.grant = grant;
    return { ok: true, tokens: this.issueTokens(grant, accessTtlS) };
  }

  /**
   * Rotates a refresh token: the presented one is spent, a new pair is issued
   * under the same grant. Earlier access tokens stay valid until they expire.
   */
  refresh(
    request: { refresh_token: string; client_id: string },
    accessTtlS: number,
    revokeOnReuse: boolean,
  ): RefreshResult {
    const record = this.refreshTokens.get(digest(request.refresh_token));
    if (!record) return { ok: false, reason: "unknown" };
    // Another client must not learn anything about, or revoke, someone else's grant.
    if (record.grant.client_id !== request.client_id) return { ok: false, reason: "other_client" };
    if (record.spent) {
      if (revokeOnReuse) record.grant.revoked = true;
      return { ok: false, reason: "reused", revoked: revokeOnReuse };
    }
    if (record.grant.revoked) return { ok: false, reason: "revoked" };
    record.spent = true;
    return { ok: true, tokens: this.issueTokens(record.grant, accessTtlS) };
  }

  issueClientCredentials(clientId: string, accessTtlS: number): IssuedTokens {
    return this.issueTokens(this.newGrant(clientId, null), accessTtlS);
  }

  checkAccessToken(token: string): AccessTokenCheck {
    const record = this.accessTokens.get(digest(token));
    if (!record) return { status: "unknown" };
    if (record.grant.revoked) return { status: "revoked" };
    if (record.expires_at <= this.now()) return { status: "expired" };
    return { status: "valid", client_id: record.grant.client_id, user_id: record.grant.user_id };
  }

  /** Revokes the grant behind an access token (expired ones too). False when unknown. */
  revokeByAccessToken(token: string): boolean {
    const record = this.accessTokens.get(digest(token));
    if (!record) return false;
    record.grant.revoked = true;
    return true;
  }

  /** Marks one access token (or all, when none is named) expired now; returns how many. */
  expireAccessTokens(token?: string): number {
    const now = this.now();
    const targets =
      token === undefined
        ? [...this.accessTokens.values()]
        : [this.accessTokens.get(digest(token))].filter((r) => r !== undefined);
    for (const record of targets) record.expires_at = Math.min(record.expires_at, now);
    return targets.length;
  }

  /** Everything the store remembers, as plain JSON (digests only, never a secret). */
  snapshot(): GrantSnapshot {
    const grants = new Map<number, Grant>();
    const ref = (grant: Grant) => {
      grants.set(grant.id, grant);
      return grant.id;
    };
    const codes = [...this.codes].map(
      ([key, { grant, ...code }]): GrantSnapshot["codes"][number] => [
        key,
        { ...code, grant_id: grant === null ? null : ref(grant) },
      ],
    );
    const accessTokens = [...this.accessTokens].map(
      ([key, record]): GrantSnapshot["access_tokens"][number] => [
        key,
        { grant_id: ref(record.grant), expires_at: record.expires_at },
      ],
    );
    const refreshTokens = [...this.refreshTokens].map(
      ([key, record]): GrantSnapshot["refresh_tokens"][number] => [
        key,
        { grant_id: ref(record.grant), spent: record.spent },
      ],
    );
    return {
      next_grant_id: this.nextGrantId,
      grants: [...grants.values()].map((g) => ({ ...g })),
      pending: [...this.pending].map(([key, record]) => [key, { ...record }]),
      codes,
      access_tokens: accessTokens,
      refresh_tokens: refreshTokens,
    };
  }

  /** A store holding what `snapshot()` saved; throws on a snapshot that does not hang together. */
  static restore(snapshot: GrantSnapshot, now: () => number): GrantStore {
    const store = new GrantStore(now);
    const grants = new Map<number, Grant>();
    for (const grant of snapshot.grants) grants.set(grant.id, { ...grant });
    const grantOf = (id: number): Grant => {
      const grant = grants.get(id);
      if (!grant) throw new Error(`a token refers to grant ${id}, which is not saved`);
      return grant;
    };
    for (const [key, record] of snapshot.pending) store.pending.set(key, { ...record });
    for (const [key, { grant_id, ...code }] of snapshot.codes) {
      store.codes.set(key, { ...code, grant: grant_id === null ? null : grantOf(grant_id) });
    }
    for (const [key, record] of snapshot.access_tokens) {
      store.accessTokens.set(key, {
        grant: grantOf(record.grant_id),
        expires_at: record.expires_at,
      });
    }
    for (const [key, record] of snapshot.refresh_tokens) {
      store.refreshTokens.set(key, { grant: grantOf(record.grant_id), spent: record.spent });
    }
    const highest = Math.max(0, ...grants.keys());
    store.nextGrantId = Math.max(snapshot.next_grant_id, highest + 1);
    return store;
  }

  /**
   * Abandoned consent pages and old codes would pile up under load (a benchmark
   * hammering /authorize); sweep them, amortized, once the maps grow. Used codes
   * are kept for a while after expiry so a late replay still revokes its grant.
   */
  private sweepIfLarge(): void {
    const size = this.pending.size + this.codes.size;
    if (size < this.sweepAt) return;
    const now = this.now();
    for (const [id, pending] of this.pending) {
      if (pending.expires_at <= now) this.pending.delete(id);
    }
    for (const [code, record] of this.codes) {
      if (record.expires_at + CODE_MEMORY_MS <= now) this.codes.delete(code);
    }
    this.sweepAt = Math.max(SWEEP_THRESHOLD, 2 * (this.pending.size + this.codes.size));
  }

  private newGrant(clientId: string, userId: number | null): Grant {
    return { id: this.nextGrantId++, client_id: clientId, user_id: userId, revoked: false };
  }

  private issueTokens(grant: Grant, accessTtlS: number): IssuedTokens {
    const access_token = randomSecret("at");
    const refresh_token = randomSecret("rt");
    this.accessTokens.set(digest(access_token), {
      grant,
      expires_at: this.now() + accessTtlS * 1000,
    });
    this.refreshTokens.set(digest(refresh_token), { grant, spent: false });
    return { access_token, refresh_token, expires_in: accessTtlS };
  }
}
