import { isSoundgateError } from "soundgate";
import { normalizeReturnTo } from "../config.js";
import { aad, SealedValueError } from "../crypto/cipher.js";
import { safeEqual, secretHash } from "../crypto/hash.js";
import { HttpError, upstreamHttpError } from "../http/errors.js";
import type { FlowRecord } from "../store/store.js";
import type { GatewayContext } from "./context.js";
import { type FlowEngine, oauthErrorCode } from "./flow-engine.js";
import { type LoginResult, type LoginResultJson, loginResultJson } from "./login-result.js";

export { FLOW_TTL_MS } from "./flow-engine.js";
export const RESULT_TTL_MS = 5 * 60_000;

const RESULT_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

export type ResultOutcome = { status: "pending" } | { status: "complete"; body: LoginResultJson };

/**
 * The Starlib flows, where the front end receives the tokens: start (authorize), finish
 * on the gateway (redirect) and hand the result over once (result), or finish through
 * the front end (callback).
 */
export class Flows {
  constructor(
    private readonly ctx: GatewayContext,
    private readonly engine: FlowEngine,
  ) {}

  async start(input: { returnTo?: string | undefined; resultChallenge?: string | undefined }) {
    const { config } = this.ctx;
    const returnTo = allowedReturnTo(this.ctx, input.returnTo);
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
    const { url, state } = await this.engine.start({
      kind: "result",
      returnTo,
      resultChallenge: input.resultChallenge ?? null,
    });
    return { url, authorization_url: url, state };
  }

  /** A claimed "result" flow came back through /redirect. Returns where to send the browser. */
  async finishRedirect(
    flow: FlowRecord,
    input: { code?: string | undefined; state: string; error?: string | undefined },
  ): Promise<string> {
    const back = new URL(flow.returnTo);
    back.searchParams.set("state", input.state);
    if (input.error !== undefined || !input.code) {
      const error = input.error === undefined ? "invalid_request" : oauthErrorCode(input.error);
      await this.ctx.store.failFlow(flow.id, error, this.ctx.now() + RESULT_TTL_MS);
      back.searchParams.set("error", error);
      return back.href;
    }
    try {
      const result = await this.engine.exchange(flow, input.code);
      const sealed = this.ctx.cipher.seal(
        JSON.stringify(result),
        aad("auth_flows", "result", flow.id),
      );
      await this.ctx.store.completeFlow(flow.id, sealed, this.ctx.now() + RESULT_TTL_MS);
    } catch (error) {
      const code = upstreamHttpError(error, "exchange").error;
      this.ctx.logger.warn({ err_code: errorCode(error) }, "code exchange failed");
      await this.ctx.store.failFlow(flow.id, code, this.ctx.now() + RESULT_TTL_MS);
      back.searchParams.set("error", code);
    }
    return back.href;
  }

  /** The front end asks for the result, once, proving it started the flow. */
  async takeResult(input: { state: string; verifier: string | undefined }): Promise<ResultOutcome> {
    const flow = await this.engine.find(input.state);
    if (flow?.kind !== "result") throw resultNotFound();
    checkVerifier(flow, input.verifier);
    if (flow.status === "pending" || flow.status === "exchanging") return { status: "pending" };
    const taken = await this.ctx.store.takeFlowOutcome(flow.id, this.ctx.now());
    if (!taken) throw resultNotFound();
    if (taken.status === "failed" || !taken.result) {
      const error = taken.error ?? "login_failed";
      throw new HttpError(error === "access_denied" ? 403 : 400, error, describeFlowError(error));
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
    return { status: "complete", body: loginResultJson(result, this.ctx.now()) };
  }

  /** The direct flow: SoundCloud sent the code to the front end, which posts it here. */
  async finishCallback(input: {
    code: string;
    state: string;
    verifier: string | undefined;
  }): Promise<LoginResultJson> {
    const flow = await this.engine.find(input.state);
    if (flow?.status !== "pending" || flow.kind !== "result") {
      throw new HttpError(
        400,
        "invalid_state",
        "This login is unknown, expired or already used; start again",
      );
    }
    // Checked before claiming, so a wrong verifier does not burn the user's flow.
    checkVerifier(flow, input.verifier);
    const claimed = await this.engine.claim(input.state);
    if (!claimed)
      throw new HttpError(400, "invalid_state", "This login is already being completed");
    try {
      const result = await this.engine.exchange(claimed, input.code);
      return loginResultJson(result, this.ctx.now());
    } catch (error) {
      throw upstreamHttpError(error, "exchange");
    } finally {
      await this.ctx.store.deleteFlow(claimed.id);
    }
  }
}

/** return_to must be one of the configured URLs exactly (default: the gateway's done page). */
export function allowedReturnTo(ctx: GatewayContext, value: string | undefined): string {
  const returnTo = normalizeReturnTo(value ?? `${ctx.config.publicUrl}/auth/soundcloud/done`);
  if (!returnTo || !ctx.config.allowedReturnTo.has(returnTo)) {
    throw new HttpError(
      400,
      "return_to_not_allowed",
      "return_to is not one of the gateway's allowed URLs",
    );
  }
  return returnTo;
}

function checkVerifier(flow: FlowRecord, verifier: string | undefined): void {
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

function resultNotFound(): HttpError {
  return new HttpError(
    404,
    "result_not_found",
    "No login result for this state: unknown, already read or expired",
  );
}

export function errorCode(error: unknown): string {
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
