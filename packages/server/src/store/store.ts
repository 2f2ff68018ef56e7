import type { Dialect } from "./migrations.js";
import type { AuthFlowTable, ConnectionTable, SessionTable, TokenBindingTable } from "./schema.js";

export interface LockOptions {
  /** A connection's id whose row the work reads first under the lock. */
  readConnection?: string | undefined;
}

/** A login in progress or its outcome; see AuthFlowTable. */
export type FlowRecord = AuthFlowTable;

export type NewFlow = Omit<FlowRecord, "status" | "resultKey" | "result" | "error" | "seal"> & {
  seal: string;
};

/** How a claimed flow ended, kept until the front end takes it (or it expires). */
export interface FlowOutcome {
  /** SHA-256 of the result_key, or null for an unbound flow. */
  resultKey: string | null;
  expiresAt: number;
  /** The flow's seal, made again over what the outcome changes (result_key, error, expiry). */
  seal: string;
}

/** A stored grant. Token columns hold sealed text; the service layer opens them. */
export type ConnectionRecord = ConnectionTable;

/** What a token exchange or refresh stores. */
export type ConnectionTokens = Pick<
  ConnectionRecord,
  "accessToken" | "refreshToken" | "scope" | "expiresAt" | "issuedAt"
>;

export type ConnectionWrite = ConnectionTokens &
  Pick<ConnectionRecord, "id" | "soundcloudUserId" | "soundcloudUrn" | "userJson">;

export type SessionRecord = SessionTable;

/** What calling the API needs of a session's connection row (no profile, no history). */
export type ConnectionGrant = Pick<
  ConnectionRecord,
  "id" | "accessToken" | "refreshToken" | "scope" | "expiresAt" | "issuedAt" | "status" | "version"
>;

/** An unexpired session and the grant of its connection (undefined if that is gone). */
export interface SessionWithGrant {
  session: SessionRecord;
  grant: ConnectionGrant | undefined;
}

/** A refresh token (by its hash) bound to a DPoP key; see TokenBindingTable. */
export type TokenBinding = TokenBindingTable;

/**
 * Where sealed values live, for key rotation: the database's own names, which are also
 * part of each value's associated data (crypto/cipher.ts aad), so they never change.
 */
export type SealedColumn =
  | { table: "connections"; column: "access_token" | "refresh_token" }
  | { table: "auth_flows"; column: "verifier" | "result" | "seal" }
  | { table: "refresh_grace"; column: "tokens" }
  | { table: "sessions"; column: "seal" }
  | { table: "token_bindings"; column: "jkt" };

/**
 * The gateway's persistence, kept narrow so SQLite and Postgres can both stand behind it.
 * Every state change of a flow is one conditional statement, so two requests can never
 * both consume the same flow, whatever the number of processes.
 */
export interface GatewayStore {
  readonly dialect: Dialect;
  createFlow(flow: NewFlow): Promise<void>;
  /** An unexpired flow in any status. */
  getFlow(id: string, now: number): Promise<FlowRecord | undefined>;
  /** pending → exchanging, once; undefined if it was not pending and unexpired. */
  claimFlow(id: string, now: number): Promise<FlowRecord | undefined>;
  /** exchanging → complete, with the sealed result, the result_key's hash and a new expiry. */
  completeFlow(id: string, outcome: FlowOutcome & { result: string }): Promise<void>;
  /** exchanging → failed, with a machine error code, the result_key's hash and a new expiry. */
  failFlow(id: string, outcome: FlowOutcome & { error: string }): Promise<void>;
  /** Delete a complete or failed flow and return it, once. */
  takeFlowOutcome(id: string, now: number): Promise<FlowRecord | undefined>;
  deleteFlow(id: string): Promise<void>;

  getRefreshGrace(id: string, now: number): Promise<string | undefined>;
  putRefreshGrace(id: string, tokens: string, expiresAt: number): Promise<void>;

  /** Bind a refresh token (by hash) to a DPoP key; replaces a binding of the same hash. */
  putTokenBinding(binding: TokenBinding): Promise<void>;
  /** The unexpired binding whose current (`id`) or spent (`previous`) token has this hash. */
  findTokenBinding(hash: string, now: number): Promise<TokenBinding | undefined>;
  /** Move a binding on to the rotated token, only if it is still on `fromId`; false otherwise. */
  rotateTokenBinding(fromId: string, next: TokenBinding): Promise<boolean>;
  /**
   * Remember a DPoP proof (by id) until `expiresAt`; false when it is already remembered
   * (a replay). One atomic statement, so it holds across instances on Postgres.
   */
  rememberDpopProof(id: string, expiresAt: number, now: number): Promise<boolean>;

  /** A new login for this id: insert, or replace the tokens of an existing row (status active). */
  putConnection(write: ConnectionWrite, now: number): Promise<void>;
  /**
   * Write rotated tokens only if the row is still at `expectedVersion`; false otherwise.
   * The same statement records `now` and `instanceId` as who refreshed it.
   */
  updateConnectionTokens(
    id: string,
    tokens: ConnectionTokens,
    expectedVersion: number,
    now: number,
    instanceId: string,
  ): Promise<boolean>;
  /**
   * Record that `instanceId` is about to refresh this grant (committed at once, before the
   * lock), unless an earlier attempt since the last stored rotation is still on record.
   */
  noteRefreshStarted(id: string, now: number, instanceId: string): Promise<void>;
  /** Mark the grant dead, only if the row is still at `expectedVersion`. */
  markConnectionReauth(id: string, expectedVersion: number, now: number): Promise<boolean>;
  getConnection(id: string): Promise<ConnectionRecord | undefined>;
  /** Deletes the connection and its sessions; false if there was none. */
  deleteConnection(id: string): Promise<boolean>;
  /** Ordered by id; pass the last id seen as `after` for the next page. */
  listConnections(options: {
    after?: string | undefined;
    limit: number;
  }): Promise<ConnectionRecord[]>;

  createSession(session: SessionRecord): Promise<void>;
  getSession(id: string, now: number): Promise<SessionRecord | undefined>;
  /** The session joined to its connection's grant: one read per proxied call. */
  getSessionWithGrant(id: string, now: number): Promise<SessionWithGrant | undefined>;
  deleteSession(id: string): Promise<void>;

  /**
   * Run `work` while holding an exclusive lock on `key`: across processes on Postgres,
   * within this process on SQLite (one gateway per file). `work` must use the store it is
   * given: on Postgres that is a transaction on the lock's own connection (the lock is
   * `pg_advisory_xact_lock`), so nothing under the lock waits on the pool, and what it
   * writes commits together when it returns (or throws). Waiting for the connection and
   * for the lock are bounded; past either bound this rejects with StoreUnavailableError.
   * Keys are logged when a commit is lost: never put a secret in one.
   * `options.readConnection`: the work's first read of that connection is made in the
   * same round trip as the lock (Postgres), one fewer wait while the lock is held.
   */
  withLock<T>(
    key: string,
    work: (store: GatewayStore) => Promise<T>,
    options?: LockOptions,
  ): Promise<T>;

  /** A page of sealed values, for re-encryption. */
  listSealed(
    where: SealedColumn,
    after: string | undefined,
    limit: number,
  ): Promise<Array<{ id: string; value: string }>>;
  /** Replace a sealed value only if it is still `expected` (safe beside live traffic). */
  replaceSealed(where: SealedColumn, id: string, expected: string, next: string): Promise<boolean>;

  /**
   * Count one request against a GCRA token bucket (http/rate-limit.ts): 0 when it may
   * pass (and is counted), else the ms until it would. One atomic statement, so every
   * instance on the database shares the bucket.
   */
  takeRateLimit(key: string, now: number, intervalMs: number, burst: number): Promise<number>;

  /** Remove expired rows; returns how many. */
  deleteExpired(now: number): Promise<number>;
  /** Throws if the database cannot answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
