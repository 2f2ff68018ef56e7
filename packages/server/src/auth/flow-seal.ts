import { aad, type Cipher, SealedValueError } from "../crypto/cipher.js";
import type { FlowRecord } from "../store/store.js";

/**
 * The plain columns of a flow that decide where a login goes and who may finish it. They
 * stay readable (lookups and operators need them), and a seal of all of them, made with
 * the encryption key and bound to the row's id, says they are what the gateway wrote.
 * The verifier alone could not carry this: it is emptied once the code is exchanged,
 * while result_key only exists from then on.
 */
export type FlowFields = Pick<
  FlowRecord,
  | "kind"
  | "appUserId"
  | "browserBinding"
  | "redirectUri"
  | "returnTo"
  | "resultChallenge"
  | "resultKey"
  | "error"
  | "expiresAt"
>;

export function sealFlow(cipher: Cipher, id: string, fields: FlowFields): string {
  return cipher.seal(canonical(fields), aad("auth_flows", "seal", id));
}

/** Whether the row's plain columns are exactly what its seal says (false for rows without one). */
export function flowSealMatches(cipher: Cipher, flow: FlowRecord): boolean {
  if (!flow.seal) return false;
  try {
    return cipher.open(flow.seal, aad("auth_flows", "seal", flow.id)) === canonical(flow);
  } catch (error) {
    if (error instanceof SealedValueError) return false;
    throw error;
  }
}

/** One spelling per set of values: a fixed order, JSON for exact types and escaping. */
function canonical(fields: FlowFields): string {
  return JSON.stringify([
    fields.kind,
    fields.appUserId,
    fields.browserBinding,
    fields.redirectUri,
    fields.returnTo,
    fields.resultChallenge,
    fields.resultKey,
    fields.error,
    fields.expiresAt,
  ]);
}
