import type { StoreLog } from "./advisory-lock.js";
import { openPostgresStore, type PostgresStoreOptions } from "./postgres.js";
import { openSqliteStore } from "./sqlite.js";
import type { GatewayStore } from "./store.js";

export interface OpenStoreOptions extends PostgresStoreOptions {
  log?: StoreLog | undefined;
}

/** `sqlite:<file>`, `sqlite::memory:` or `postgres://…` / `postgresql://…`. */
export async function openStore(
  databaseUrl: string,
  options: OpenStoreOptions = {},
): Promise<GatewayStore> {
  if (databaseUrl.startsWith("sqlite:")) return openSqliteStore(databaseUrl);
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return openPostgresStore(databaseUrl, options);
  throw new Error(`SOUNDGATE_DATABASE_URL: unsupported database "${databaseUrl.split(":")[0]}"`);
}
