import { openSqliteStore } from "./sqlite.js";
import type { GatewayStore } from "./store.js";

export async function openStore(databaseUrl: string): Promise<GatewayStore> {
  if (databaseUrl.startsWith("sqlite:")) return openSqliteStore(databaseUrl);
  throw new Error(`SOUNDGATE_DATABASE_URL: unsupported database "${databaseUrl.split(":")[0]}"`);
}
