// Table shapes, shared by every dialect. Times are milliseconds since the epoch.
// Columns holding secrets (verifier, result, tokens) contain Cipher-sealed text only.

export type FlowStatus = "pending" | "exchanging" | "complete" | "failed";

export interface AuthFlowTable {
  /** SHA-256 of the OAuth state: the state itself is never stored. */
  id: string;
  status: FlowStatus;
  /** Sealed PKCE verifier; emptied once the code is exchanged. */
  verifier: string;
  redirect_uri: string;
  return_to: string;
  /** base64url SHA-256 of the front end's result secret, or null for an unbound flow. */
  result_challenge: string | null;
  /** Sealed JSON of the login result, once complete. */
  result: string | null;
  /** Machine error code, once failed. */
  error: string | null;
  created_at: number;
  expires_at: number;
}

export interface RefreshGraceTable {
  /** SHA-256 of the refresh token that was spent. */
  id: string;
  /** Sealed JSON of the token set it was exchanged for. */
  tokens: string;
  expires_at: number;
}

export interface Database {
  auth_flows: AuthFlowTable;
  refresh_grace: RefreshGraceTable;
}
