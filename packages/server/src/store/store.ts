import type { FlowStatus } from "./schema.js";

export interface FlowRecord {
  id: string;
  status: FlowStatus;
  verifier: string;
  redirectUri: string;
  returnTo: string;
  resultChallenge: string | null;
  result: string | null;
  error: string | null;
  createdAt: number;
  expiresAt: number;
}

export interface NewFlow {
  id: string;
  verifier: string;
  redirectUri: string;
  returnTo: string;
  resultChallenge: string | null;
  createdAt: number;
  expiresAt: number;
}

/**
 * The gateway's persistence, kept narrow so SQLite and Postgres can both stand behind it.
 * Every state change of a flow is one conditional statement, so two requests can never
 * both consume the same flow, whatever the number of processes.
 */
export interface GatewayStore {
  readonly dialect: "sqlite" | "postgres";
  createFlow(flow: NewFlow): Promise<void>;
  /** An unexpired flow in any status. */
  getFlow(id: string, now: number): Promise<FlowRecord | undefined>;
  /** pending → exchanging, once; undefined if it was not pending and unexpired. */
  claimFlow(id: string, now: number): Promise<FlowRecord | undefined>;
  /** exchanging → complete, with the sealed result and a new expiry. */
  completeFlow(id: string, result: string, expiresAt: number): Promise<void>;
  /** exchanging → failed, with a machine error code and a new expiry. */
  failFlow(id: string, error: string, expiresAt: number): Promise<void>;
  /** Delete a complete or failed flow and return it, once. */
  takeFlowOutcome(id: string, now: number): Promise<FlowRecord | undefined>;
  deleteFlow(id: string): Promise<void>;

  getRefreshGrace(id: string, now: number): Promise<string | undefined>;
  putRefreshGrace(id: string, tokens: string, expiresAt: number): Promise<void>;

  /** Remove expired rows; returns how many. */
  deleteExpired(now: number): Promise<number>;
  /** Throws if the database cannot answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
