import { openPostgresStore } from "./postgres.js";
import { openSqliteStore } from "./sqlite.js";
import type { GatewayStore } from "./store.js";

/** `sqlite:<file>`, `sqlite::memory:` or `postgres://…` / `postgresql://…`. */
export async function openStore(databaseUrl: string): Promise<GatewayStore> {
  if (databaseUrl.startsWith("sqlite:")) return openSqliteStore(databaseUrl);
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return openPostgresStore(databaseUrl);
  throw new Error(`SOUNDGATE_DATABASE_URL: unsupported database "${databaseUrl.split(":")[0]}"`);
}
