/**
 * Why the database could not do what was asked, in the few ways that are not a bug:
 * `connection` (the server ended or dropped the connection, or refused a new one),
 * `pool_timeout` (no connection became free within SOUNDGATE_DB_CONNECT_TIMEOUT_MS),
 * `lock_timeout` (another holder kept a lock past SOUNDGATE_DB_LOCK_TIMEOUT_MS).
 */
export type StoreFailure = "connection" | "pool_timeout" | "lock_timeout";

/**
 * The store cannot answer right now; asking again shortly may work. The HTTP layer
 * answers 503 with Retry-After (http/status-of.ts), never 500 and never a hang.
 */
export class StoreUnavailableError extends Error {
  override readonly name = "StoreUnavailableError";
  constructor(
    readonly reason: StoreFailure,
    options?: { cause?: unknown },
  ) {
    super(MESSAGES[reason], options);
  }
}

const MESSAGES: Record<StoreFailure, string> = {
  connection: "The gateway lost its connection to the database; try again shortly",
  pool_timeout: "The gateway's database connections are all busy; try again shortly",
  lock_timeout: "Another request is still refreshing this grant; try again shortly",
};

// SQLSTATE classes and codes of a connection that is gone or cannot be had: 08 connection
// exception, 57P01 admin_shutdown (pg_terminate_backend), 57P02 crash_shutdown, 57P03
// cannot_connect_now (starting up or shutting down), 53300 too_many_connections.
const CONNECTION_CODES = new Set(["57P01", "57P02", "57P03", "53300"]);
const SOCKET_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH"]);
// What node-postgres says, without a code, when a socket closes or a client is unusable.
const CONNECTION_MESSAGES = [
  "Connection terminated",
  "is not queryable",
  "Client has encountered a connection error",
];

/** What kind of store failure `error` is, or undefined for anything else (a bug, bad SQL). */
export function classifyStoreError(error: unknown): StoreFailure | undefined {
  if (error instanceof StoreUnavailableError) return error.reason;
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  if (code === "55P03") return "lock_timeout";
  if (typeof code === "string") {
    if (CONNECTION_CODES.has(code) || code.startsWith("08") || SOCKET_CODES.has(code)) {
      return "connection";
    }
  }
  // pg-pool's wait for a free client (connectionTimeoutMillis) and for a new one to connect.
  if (error.message.includes("timeout exceeded when trying to connect")) return "pool_timeout";
  if (error.message.includes("due to connection timeout")) return "pool_timeout";
  if (CONNECTION_MESSAGES.some((m) => error.message.includes(m))) return "connection";
  return undefined;
}

/** A store failure as the error to throw: StoreUnavailableError, or `error` unchanged. */
export function asStoreError(error: unknown): unknown {
  if (error instanceof StoreUnavailableError) return error;
  const reason = classifyStoreError(error);
  return reason === undefined ? error : new StoreUnavailableError(reason, { cause: error });
}
