import type { GatewayStore, SealedColumn } from "../store/store.js";
import { aad, type Cipher, SealedValueError } from "./cipher.js";

/** Every column that holds sealed values. Add new ones here. */
export const SEALED_COLUMNS: readonly SealedColumn[] = [
  { table: "connections", column: "access_token" },
  { table: "connections", column: "refresh_token" },
  { table: "auth_flows", column: "verifier" },
  { table: "auth_flows", column: "result" },
  { table: "auth_flows", column: "seal" },
  { table: "refresh_grace", column: "tokens" },
  { table: "sessions", column: "seal" },
  { table: "token_bindings", column: "jkt" },
];

export interface RotationReport {
  /** Values now sealed with the primary key that were not before. */
  reencrypted: number;
  /** Values already on the primary key. */
  current: number;
  /** Values that changed under us (live traffic wrote a fresh one, sealed with the primary key). */
  raced: number;
  /** Values no configured key opens (left as they are). */
  unreadable: number;
}

/**
 * Re-seal every stored secret with the cipher's primary key, page by page. Each write is
 * a compare-and-swap on the old sealed value, so it runs beside live gateways: whatever
 * they write meanwhile is already sealed with the new key (deploy the new key list
 * first, then rotate, then drop the old key).
 */
export async function rotateKeys(
  store: GatewayStore,
  cipher: Cipher,
  options: { pageSize?: number } = {},
): Promise<RotationReport> {
  const report: RotationReport = { reencrypted: 0, current: 0, raced: 0, unreadable: 0 };
  const pageSize = options.pageSize ?? 500;
  for (const where of SEALED_COLUMNS) {
    let after: string | undefined;
    for (;;) {
      const page = await store.listSealed(where, after, pageSize);
      for (const { id, value } of page) {
        if (!cipher.isStale(value)) {
          report.current++;
          continue;
        }
        const associated = aad(where.table, where.column, id);
        let plain: string;
        try {
          plain = cipher.open(value, associated);
        } catch (error) {
          if (!(error instanceof SealedValueError)) throw error;
          report.unreadable++;
          continue;
        }
        const swapped = await store.replaceSealed(where, id, value, cipher.seal(plain, associated));
        if (swapped) report.reencrypted++;
        else report.raced++;
      }
      if (page.length < pageSize) break;
      after = page[page.length - 1]?.id;
    }
  }
  return report;
}
