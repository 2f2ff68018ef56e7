import {
  buildAuthorizeUrl,
  createPkce,
  createState,
  exchangeCode,
  isSoundgateError,
} from "soundgate";
import { normalizeReturnTo } from "../config.js";
import { aad } from "../crypto/cipher.js";
import { safeEqual, secretHash } from "../crypto/hash.js";
import { HttpError, upstreamHttpError } from "../http/errors.js";
import type { FlowRecord } from "../store/store.js";
import { type GatewayContext, oauthClient } from "./context.js";
import {
  fetchUserSummary,
  type LoginResult,
  type LoginResultJson,
  loginResultJson,
} from "./login-result.js";

export const FLOW_TTL_MS = 10 * 60_000;
export const RESULT_TTL_MS = 5 * 60_000;

const RESULT_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

export type ResultOutcome = { status: "pending" } | { status: "complete"; body: LoginResultJson };

/**
 * The login flows: start (authorize), finish on the gateway (redirect), hand the result
 * to the front end once (result), or finish through the front end (callback).
 */
export class Flows {
  constructor(private readonly ctx: GatewayContext) {}

  async start(input: { returnTo?: string | undefined; resultChallenge?: string | undefined }) {
    const { config, store, cipher } = this.ctx;
    const returnTo = normalizeReturnTo(
      input.returnTo ?? `${config.publicUrl}/auth/soundcloud/done`,
    );
    if (!returnTo || !config.allowedReturnTo.has(returnTo)) {
      throw new HttpError(
        400,
        "return_to_not_allowed",
        "return_to is not one of the gateway's allowed URLs",
      );
    }
    if (input.resultChallenge !== undefined && !RESULT_CHALLENGE.test(input.resultChallenge)) {
      throw new HttpError(
        400,
        "invalid_request",
        "result_challenge must be base64url SHA-256 (43 characters)",
      );
    }
    if (input.resultChallenge === undefined && !config.allowUnboundResult) {
      throw new HttpError(
        400,
        "result_challenge_required",
        "result_challenge is required (the base64url SHA-256 of a secret the front end keeps)",
      );
    }
    const pkce = await createPkce();
    const state = createState();
    const id = secretHash(state);
    const now = this.ctx.now();
    await store.createFlow({
      id,
      verifier: cipher.seal(pkce.verifier, aad("auth_flows", "verifier", id)),
      redirectUri: config.redirectUri,
      returnTo,
      resultChallenge: input.resultChallenge ?? null,
      createdAt: now,
      expiresAt: now + FLOW_TTL_MS,
    });
    const url = buildAuthorizeUrl({
      clientId: this.ctx.soundcloud.clientId,
      redirectUri: config.redirectUri,
      codeChallenge: pkce.challenge,
      state,
      endpoints: { authorizeUrl: `${this.ctx.soundcloud.authUrl}/authorize` },
    });
    return { url, authorization_url: url, state };
  }

  /** SoundCloud sent the browser back to the gateway. Returns where to send it next. */
  async finishRedirect(input: {
    code?: string | undefined;
    state: string;
    error?: string | undefined;
  }): Promise<string> {
    const id = secretHash(input.state);
    const flow = await this.ctx.store.claimFlow(id, this.ctx.now());
    if (!flow) {
      throw new HttpError(
        400,
        "invalid_state",
        "This login link is unknown, expired or already used; start again",
      );
    }
    const back = new URL(flow.returnTo);
    back.searchParams.set("state", input.state);
    if (input.error !== undefined || !input.code) {
      const error = input.error === undefined ? "invalid_request" : oauthErrorCode(input.error);
      await this.ctx.store.failFlow(id, error, this.ctx.now() + RESULT_TTL_MS);
      back.searchParams.set("error", error);
      return back.href;
    }
    try {
      const result = await this.#exchange(flow, input.code);
      const sealed = this.ctx.cipher.seal(JSON.stringify(result), aad("auth_flows", "result", id));
      await this.ctx.store.completeFlow(id, sealed, this.ctx.now() + RESULT_TTL_MS);
    } catch (error) {
      const code = upstreamHttpError(error, "exchange").error;
      this.ctx.logger.warn({ err_code: errorCode(error) }, "code exchange failed");
      await this.ctx.store.failFlow(id, code, this.ctx.now() + RESULT_TTL_MS);
      back.searchParams.set("error", code);
    }
    return back.href;
  }

  /** The front end asks for the result, once, proving it started the flow. */
  async takeResult(input: { state: string; verifier: string | undefined }): Promise<ResultOutcome> {
    const id = secretHash(input.state);
    const flow = await this.ctx.store.getFlow(id, this.ctx.now());
    if (!flow) throw resultNotFound();
    this.#checkVerifier(flow, input.verifier);
    if (flow.status === "pending" || flow.status === "exchanging") return { status: "pending" };
    const taken = await this.ctx.store.takeFlowOutcome(id, this.ctx.now());
    if (!taken) throw resultNotFound();
    if (taken.status === "failed" || !taken.result) {
      const error = taken.error ?? "login_failed";
      throw new HttpError(error === "access_denied" ? 403 : 400, error, describeFlowError(error));
    }
    const result = JSON.parse(
      this.ctx.cipher.open(taken.result, aad("auth_flows", "result", id)),
    ) as LoginResult;
    return { status: "complete", body: loginResultJson(result, this.ctx.now()) };
  }

  /** The direct flow: SoundCloud sent the code to the front end, which posts it here. */
  async finishCallback(input: {
    code: string;
    state: string;
    verifier: string | undefined;
  }): Promise<LoginResultJson> {
    const id = secretHash(input.state);
    const flow = await this.ctx.store.getFlow(id, this.ctx.now());
    if (flow?.status !== "pending") {
      throw new HttpError(
        400,
        "invalid_state",
        "This login is unknown, expired or already used; start again",
      );
    }
    // Checked before claiming, so a wrong verifier does not burn the user's flow.
    this.#checkVerifier(flow, input.verifier);
    const claimed = await this.ctx.store.claimFlow(id, this.ctx.now());
    if (!claimed)
      throw new HttpError(400, "invalid_state", "This login is already being completed");
    try {
      const result = await this.#exchange(claimed, input.code);
      return loginResultJson(result, this.ctx.now());
    } catch (error) {
      throw upstreamHttpError(error, "exchange");
    } finally {
      await this.ctx.store.deleteFlow(id);
    }
  }

  async #exchange(flow: FlowRecord, code: string): Promise<LoginResult> {
    const verifier = this.ctx.cipher.open(flow.verifier, aad("auth_flows", "verifier", flow.id));
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

  #checkVerifier(flow: FlowRecord, verifier: string | undefined): void {
    if (flow.resultChallenge === null) return; // unbound flows exist only when configured
    if (!verifier) {
      throw new HttpError(
        401,
        "result_verifier_required",
        "Send the secret behind result_challenge in the X-Soundgate-Result-Verifier header",
      );
    }
    if (verifier.length > 256 || !safeEqual(secretHash(verifier), flow.resultChallenge)) {
      throw new HttpError(
        403,
        "invalid_result_verifier",
        "X-Soundgate-Result-Verifier does not match result_challenge",
      );
    }
  }
}

function resultNotFound(): HttpError {
  return new HttpError(
    404,
    "result_not_found",
    "No login result for this state: unknown, already read or expired",
  );
}

/** SoundCloud's error parameter goes back to the app only as a plain OAuth error word. */
function oauthErrorCode(value: string): string {
  return /^[a-z_]{1,64}$/.test(value) ? value : "server_error";
}

function errorCode(error: unknown): string {
  return isSoundgateError(error) ? error.code : "unexpected";
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
