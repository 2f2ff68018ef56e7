import { secretHash } from "../crypto/hash.js";
import { GatewayError } from "../errors.js";
import type { GatewayContext } from "./context.js";
import { DPOP_IAT_WINDOW_MS, DpopError, type DpopRefusal, verifyDpopProof } from "./dpop-proof.js";

/**
 * The gateway's side of DPoP: a proof must be valid for this request as the browser
 * addressed it (SOUNDGATE_PUBLIC_URL + path, so it holds behind a TLS proxy) and must not
 * have been seen before. Seen proofs are kept in the store, so a proof used at one
 * instance is refused at every other instance on the same Postgres database.
 */
export class DpopVerifier {
  constructor(private readonly ctx: GatewayContext) {}

  /**
   * The key thumbprint of the request's proof, or undefined when it sent none and none is
   * `required`. Anything else is a 401 `invalid_dpop_proof`.
   */
  async check(
    header: string | undefined,
    request: { method: string; path: string; required: boolean },
  ): Promise<string | undefined> {
    if (header === undefined || header === "") {
      if (!request.required) return undefined;
      throw dpopRefused(
        this.ctx,
        "missing",
        "Send a DPoP proof (RFC 9449) in the DPoP header: @soundgate/browser does",
      );
    }
    const now = this.ctx.now();
    let proof: ReturnType<typeof verifyDpopProof>;
    try {
      proof = verifyDpopProof(header, {
        method: request.method,
        url: `${this.ctx.config.publicUrl}${request.path}`,
        now,
      });
    } catch (error) {
      if (error instanceof DpopError) throw dpopRefused(this.ctx, error.reason, error.message);
      throw error;
    }
    // Kept until its iat has left the window: after that the iat check refuses it anyway.
    const fresh = await this.ctx.store.rememberDpopProof(
      secretHash(`${proof.jkt}.${proof.jti}`),
      proof.iat * 1000 + DPOP_IAT_WINDOW_MS + 1000,
      now,
    );
    if (!fresh) throw dpopRefused(this.ctx, "replayed", "This DPoP proof was already used");
    return proof.jkt;
  }
}

/** `invalid_dpop_proof` (a 401 with WWW-Authenticate), logged (the reason only) and counted. */
export function dpopRefused(
  ctx: GatewayContext,
  reason: DpopRefusal,
  message: string,
): GatewayError {
  ctx.counters.increment("soundgate_dpop_proofs_refused_total", { reason });
  ctx.logger.warn({ reason }, "DPoP proof refused");
  return new GatewayError("invalid_dpop_proof", message);
}
