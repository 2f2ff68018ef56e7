import type { StoreLog } from "./advisory-lock.js";
import type { PostgresStoreOptions } from "./postgres.js";
import type { GatewayStore } from "./store.js";

export interface OpenStoreOptions extends PostgresStoreOptions {
  log?: StoreLog | undefined;
}

/**
 * `sqlite:<file>`, `sqlite::memory:` or `postgres://…` / `postgresql://…`. Only the module
 * for the URL's scheme is loaded, and with it only its driver (better-sqlite3 or pg).
 */
export async function openStore(
  databaseUrl: string,
  options: OpenStoreOptions = {},
): Promise<GatewayStore> {
  if (databaseUrl.startsWith("sqlite:")) {
    const { openSqliteStore } = await import("./sqlite.js");
    return openSqliteStore(databaseUrl);
  }
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) {
    const { openPostgresStore } = await import("./postgres.js");
    return openPostgresStore(databaseUrl, options);
  }
  throw new Error(`SOUNDGATE_DATABASE_URL: unsupported database "${databaseUrl.split(":")[0]}"`);
}
