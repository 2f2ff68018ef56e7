import { createHash } from "node:crypto";
import { buildAuthorizeUrl, exchangeCode } from "soundgate";
import { aad, SealedValueError } from "../crypto/cipher.js";
import { secretHash } from "../crypto/hash.js";
import { randomBytes } from "../crypto/random.js";
import { GatewayError } from "../errors.js";
import type { FlowKind } from "../store/schema.js";
import type { FlowRecord } from "../store/store.js";
import { oauthClient, type ServiceContext } from "./context.js";
import { flowSealMatches, sealFlow } from "./flow-seal.js";
import { fetchUserSummary, type LoginResult } from "./login-result.js";

export const FLOW_TTL_MS = 10 * 60_000;

export interface StartFlow {
  kind: FlowKind;
  returnTo: string;
  resultChallenge?: string | null;
  appUserId?: string | null;
  browserBinding?: string | null;
  /** Default: the configured redirect URI. */
  redirectUri?: string;
}

/**
 * SoundCloud's authorization-code grant with PKCE, as every login uses it (a flow is one
 * `auth_flows` row; its kind says who finishes it: the Starlib hand-off, a BFF session or
 * an app user's connection). A fresh PKCE pair and state per flow, the flow stored by a
 * hash of its state with the verifier sealed, claimed atomically once, and the code
 * exchanged with the verifier of that very flow.
 */
export class AuthCodeFlows {
  constructor(readonly ctx: ServiceContext) {}

  async start(input: StartFlow): Promise<{ url: string; state: string }> {
    const pkce = createPkce();
    const state = randomBytes(32).toString("base64url");
    const id = secretHash(state);
    const now = this.ctx.now();
    const fields = {
      kind: input.kind,
      appUserId: input.appUserId ?? null,
      browserBinding: input.browserBinding ?? null,
      redirectUri: input.redirectUri ?? this.ctx.redirectUri,
      returnTo: input.returnTo,
      resultChallenge: input.resultChallenge ?? null,
      resultKey: null,
      error: null,
      expiresAt: now + FLOW_TTL_MS,
    };
    await this.ctx.store.createFlow({
      id,
      ...fields,
      verifier: this.ctx.cipher.seal(pkce.verifier, aad("auth_flows", "verifier", id)),
      createdAt: now,
      seal: sealFlow(this.ctx.cipher, id, fields),
    });
    const url = buildAuthorizeUrl({
      clientId: this.ctx.soundcloud.clientId,
      redirectUri: fields.redirectUri,
      codeChallenge: pkce.challenge,
      state,
      endpoints: { authorizeUrl: `${this.ctx.soundcloud.authUrl}/authorize` },
    });
    return { url, state };
  }

  /** An unexpired flow by its state, in any status, if its row is what the gateway wrote. */
  async find(state: string): Promise<FlowRecord | undefined> {
    const flow = await this.ctx.store.getFlow(secretHash(state), this.ctx.now());
    return flow && this.trusted(flow) ? flow : undefined;
  }

  /** pending → exchanging, once; a row altered behind the gateway's back is dropped instead. */
  async claim(state: string): Promise<FlowRecord | undefined> {
    const flow = await this.ctx.store.claimFlow(secretHash(state), this.ctx.now());
    if (!flow || this.trusted(flow)) return flow;
    await this.ctx.store.deleteFlow(flow.id);
    return undefined;
  }

  /**
   * Whether a flow's plain columns (return_to, result_challenge, result_key, …) match its
   * seal. A row written without the key (or from before seals) is treated as unknown.
   */
  trusted(flow: FlowRecord): boolean {
    if (flowSealMatches(this.ctx.cipher, flow)) return true;
    this.ctx.logger.warn({ flow_kind: flow.kind }, "a login flow does not match its seal; refused");
    return false;
  }

  /** Exchange the code with this flow's verifier and fetch who logged in. */
  async exchange(flow: FlowRecord, code: string): Promise<LoginResult> {
    let verifier: string;
    try {
      verifier = this.ctx.cipher.open(flow.verifier, aad("auth_flows", "verifier", flow.id));
    } catch (error) {
      if (!(error instanceof SealedValueError)) throw error;
      throw new GatewayError(
        "invalid_state",
        "This login can no longer be completed (the gateway's encryption keys changed); start again",
      );
    }
    const tokens = await exchangeCode(oauthClient(this.ctx), {
      code,
      codeVerifier: verifier,
      redirectUri: flow.redirectUri,
    });
    const user = await fetchUserSummary(tokens.accessToken, {
      apiUrl: this.ctx.soundcloud.apiUrl,
      fetch: this.ctx.fetch,
    });
    return { tokens, user };
  }
}

/**
 * A PKCE pair as the core's createPkce makes it (32 random bytes, S256), but synchronous:
 * the gateway runs on Node, where node:crypto does this without Web Crypto's promise and
 * buffer copies on every /authorize.
 */
function createPkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

/** SoundCloud's error parameter goes back to the app only as a plain OAuth error word. */
export function oauthErrorCode(value: string): string {
  return /^[a-z_]{1,64}$/.test(value) ? value : "server_error";
}

/**
 * A login that ended with the OAuth error word `reason` (SoundCloud's, or the one the
 * flow recorded): a declined consent is `access_denied`, anything else `login_failed`.
 */
export function loginFailed(reason: string, describe: (reason: string) => string): GatewayError {
  return reason === "access_denied"
    ? new GatewayError("access_denied", describe(reason))
    : new GatewayError("login_failed", describe(reason), { reason });
}
