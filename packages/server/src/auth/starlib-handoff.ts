import type { ResultBinding } from "../config.js";
import { aad, SealedValueError } from "../crypto/cipher.js";
import { safeEqual, secretHash } from "../crypto/hash.js";
import { randomBytes } from "../crypto/random.js";
import { GatewayError, upstreamError } from "../errors.js";
import type { FlowRecord } from "../store/store.js";
import { type AuthCodeFlows, loginFailed, oauthErrorCode } from "./auth-code-flows.js";
import type { GatewayContext } from "./context.js";
import { sealFlow } from "./flow-seal.js";
import {
  allowedReturnTo,
  errorCode,
  loginEnded,
  loginStarted,
  usableReturnTo,
} from "./gateway-logins.js";
import { type LoginResult, type LoginResultJson, loginResultJson } from "./login-result.js";
import type { TokenBindings } from "./token-bindings.js";

export const RESULT_TTL_MS = 5 * 60_000;

const RESULT_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

export type ResultOutcome = { status: "pending" } | { status: "complete"; body: LoginResultJson };

/**
 * What a caller presents to take a login result. A bound result needs both halves: the
 * initiator's secret and the key that only the approving browser's redirect carried.
 */
export interface ResultCredentials {
  /** X-Soundgate-Result-Verifier: the secret behind result_challenge. */
  verifier: string | undefined;
  /** X-Soundgate-Result-Key: the one-time key from the redirect to return_to. */
  key: string | undefined;
  /** Thumbprint of the caller's DPoP key: the refresh token is bound to it. */
  jkt: string | undefined;
}

/**
 * The Starlib hand-off: logins whose tokens are handed to the front end (flow kind
 * "result"). Start (authorize), finish on the gateway (redirect) and hand the result over
 * once (result), or finish through the front end (callback).
 */
export class StarlibHandoff {
  constructor(
    private readonly ctx: GatewayContext,
    private readonly authCodeFlows: AuthCodeFlows,
    private readonly bindings: TokenBindings,
  ) {}

  async start(input: { returnTo?: string | undefined; resultChallenge?: string | undefined }) {
    const { config } = this.ctx;
    const returnTo = allowedReturnTo(this.ctx, input.returnTo);
    if (input.resultChallenge !== undefined && !RESULT_CHALLENGE.test(input.resultChallenge)) {
      throw new GatewayError(
        "invalid_request",
        "result_challenge must be base64url SHA-256 (43 characters)",
      );
    }
    if (input.resultChallenge === undefined && config.resultBinding !== "none") {
      throw new GatewayError(
        "result_challenge_required",
        "result_challenge is required (the base64url SHA-256 of a secret the front end keeps)",
      );
    }
    const { url, state } = await this.authCodeFlows.start({
      kind: "result",
      returnTo,
      resultChallenge: input.resultChallenge ?? null,
    });
    loginStarted(this.ctx, "result");
    // Starlib's backend answered these two keys only.
    return config.compat === "starlib"
      ? { authorization_url: url, state }
      : { url, authorization_url: url, state };
  }

  /** A claimed "result" flow came back through /redirect. Returns where to send the browser. */
  async finishRedirect(
    flow: FlowRecord,
    input: { code?: string | undefined; state: string; error?: string | undefined },
  ): Promise<string> {
    const back = new URL(await usableReturnTo(this.ctx, flow));
    back.searchParams.set("state", input.state);
    // The approving browser's half of a bound result: it exists only in this redirect, so
    // whoever started the flow elsewhere (a phisher with their own verifier) never sees it.
    const key = flow.resultChallenge === null ? undefined : randomBytes(32).toString("base64url");
    const resultKey = key === undefined ? null : secretHash(key);
    const expiresAt = this.ctx.now() + RESULT_TTL_MS;
    const outcome = (error: string | null) => ({
      resultKey,
      expiresAt,
      seal: sealFlow(this.ctx.cipher, flow.id, { ...flow, resultKey, error, expiresAt }),
    });
    if (input.error !== undefined || !input.code) {
      const error = input.error === undefined ? "invalid_request" : oauthErrorCode(input.error);
      await this.ctx.store.failFlow(flow.id, { ...outcome(error), error });
      loginEnded(this.ctx, "result", error);
      back.searchParams.set("error", error);
    } else {
      try {
        const result = await this.authCodeFlows.exchange(flow, input.code);
        const sealed = this.ctx.cipher.seal(
          JSON.stringify(result),
          aad("auth_flows", "result", flow.id),
        );
        await this.ctx.store.completeFlow(flow.id, { ...outcome(null), result: sealed });
        loginEnded(this.ctx, "result", null);
      } catch (error) {
        const code = upstreamError(error, "exchange").wireCode;
        this.ctx.logger.warn({ err_code: errorCode(error) }, "code exchange failed");
        loginEnded(this.ctx, "result", code);
        await this.ctx.store.failFlow(flow.id, { ...outcome(code), error: code });
        back.searchParams.set("error", code);
      }
    }
    if (key !== undefined) back.searchParams.set("result_key", key);
    return back.href;
  }

  /**
   * The front end asks for the result, once. A missing half is named (that depends on
   * nothing stored); a wrong one gets the same answer as an unknown state, and nothing
   * is consumed until both halves match.
   */
  async takeResult(state: string, presented: ResultCredentials): Promise<ResultOutcome> {
    const { resultBinding, compat } = this.ctx.config;
    if (resultBinding !== "none" && !presented.verifier) throw verifierRequired();
    if (resultBinding === "both" && !presented.key) {
      throw new GatewayError(
        "result_key_required",
        "Send the result_key from the redirect to return_to in the X-Soundgate-Result-Key header (desktop apps: a loopback or app-scheme return_to, or the URL the login webview ended on)",
      );
    }
    const flow = await this.authCodeFlows.find(state);
    if (flow?.kind !== "result" || !proves(flow, presented, resultBinding)) {
      throw resultNotFound();
    }
    if (flow.status === "pending" || flow.status === "exchanging") {
      // Starlib's poller retries on 404 only.
      if (compat === "starlib") {
        throw new GatewayError("result_pending", "The login is not finished yet");
      }
      return { status: "pending" };
    }
    const taken = await this.ctx.store.takeFlowOutcome(flow.id, this.ctx.now());
    // Read again as it was taken: it must still be the row the gateway wrote.
    if (!taken || !this.authCodeFlows.trusted(taken)) throw resultNotFound();
    if (taken.status === "failed" || !taken.result) {
      throw loginFailed(taken.error ?? "login_failed", describeFlowError);
    }
    let result: LoginResult;
    try {
      result = JSON.parse(
        this.ctx.cipher.open(taken.result, aad("auth_flows", "result", flow.id)),
      ) as LoginResult;
    } catch (error) {
      if (!(error instanceof SealedValueError)) throw error;
      throw resultNotFound(); // sealed under a key this gateway no longer has
    }
    await this.#bind(result, presented.jkt);
    return { status: "complete", body: loginResultJson(result, this.ctx.now()) };
  }

  /** From now on, the refresh token is refreshed only for proofs of the caller's key. */
  async #bind(result: LoginResult, jkt: string | undefined): Promise<void> {
    const token = result.tokens.refreshToken;
    if (jkt !== undefined && token !== undefined) await this.bindings.bind(token, jkt);
  }

  /**
   * The direct flow: SoundCloud sent the code to the front end, which posts it here.
   * The code plays the result key's part: only the approving browser received it.
   */
  async finishCallback(input: {
    code: string;
    state: string;
    verifier: string | undefined;
    jkt: string | undefined;
  }): Promise<LoginResultJson> {
    if (this.ctx.config.resultBinding !== "none" && !input.verifier) throw verifierRequired();
    const flow = await this.authCodeFlows.find(input.state);
    // A wrong verifier is answered like an unknown state, and (checked before claiming)
    // does not burn the user's flow.
    if (
      flow?.status !== "pending" ||
      flow.kind !== "result" ||
      !proves(flow, { verifier: input.verifier, key: undefined, jkt: undefined }, "initiator")
    ) {
      throw new GatewayError(
        "invalid_state",
        "This login is unknown, expired or already used; start again",
      );
    }
    const claimed = await this.authCodeFlows.claim(input.state);
    if (!claimed) throw new GatewayError("invalid_state", "This login is already being completed");
    try {
      let result: LoginResult;
      try {
        result = await this.authCodeFlows.exchange(claimed, input.code);
      } catch (error) {
        const failure = upstreamError(error, "exchange");
        loginEnded(this.ctx, "result", failure.wireCode);
        throw failure;
      }
      await this.#bind(result, input.jkt);
      loginEnded(this.ctx, "result", null);
      return loginResultJson(result, this.ctx.now());
    } finally {
      await this.ctx.store.deleteFlow(claimed.id);
    }
  }
}

/**
 * Whether the presented secrets open this flow's result: the verifier when the flow has
 * a challenge; the result key when the binding requires it or the caller sent one.
 * Under `none` (the Starlib profile) only flows started without a challenge are
 * unbound: a flow with one is a bound front end's (@soundgate/browser), and its
 * verifier alone is what a phisher who started it holds, so it needs both halves.
 */
function proves(flow: FlowRecord, presented: ResultCredentials, binding: ResultBinding): boolean {
  if (flow.resultChallenge !== null) {
    const { verifier } = presented;
    if (!verifier || !safeEqual(secretHash(verifier), flow.resultChallenge)) return false;
  }
  const keyNeeded = binding === "both" || (binding === "none" && flow.resultChallenge !== null);
  if (keyNeeded || presented.key !== undefined) {
    const { key } = presented;
    if (!key || flow.resultKey === null || !safeEqual(secretHash(key), flow.resultKey)) {
      return false;
    }
  }
  return true;
}

function verifierRequired(): GatewayError {
  return new GatewayError(
    "result_verifier_required",
    "Send the secret behind result_challenge in the X-Soundgate-Result-Verifier header",
  );
}

function resultNotFound(): GatewayError {
  return new GatewayError(
    "result_not_found",
    "No login result for this state and these secrets: unknown, already read, expired, or not this caller's",
  );
}

function describeFlowError(code: string): string {
  switch (code) {
    case "access_denied":
      return "The user declined to connect their SoundCloud account";
    case "invalid_grant":
      return "SoundCloud rejected the authorization code; start the login again";
    case "upstream_unavailable":
      return "SoundCloud was unavailable while completing the login; try again";
    default:
      return "The login did not complete; start again";
  }
}
