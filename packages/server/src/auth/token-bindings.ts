import { aad, SealedValueError } from "../crypto/cipher.js";
import { secretHash } from "../crypto/hash.js";
import type { GatewayStore, TokenBinding } from "../store/store.js";
import type { ServiceContext } from "./context.js";

/**
 * How long a binding lives without a refresh. Every rotation moves it on, so only a
 * browser away this long has to sign in again (decision 006).
 */
export const TOKEN_BINDING_IDLE_MS = 90 * 24 * 3_600_000;

export type BindingLookup =
  /** No binding: never bound (Starlib profile, before DPoP), unknown, or idle too long. */
  | { status: "unbound" }
  /** A row exists but its key seal does not open (altered, or sealed under a dropped key). */
  | { status: "unreadable" }
  /** Bound to `jkt`; `spent`: the token was already exchanged for the next one. */
  | { status: "current" | "spent"; jkt: string };

/**
 * Refresh tokens handed to browsers, bound to the DPoP key that took them. The gateway
 * never sees a refresh token again except when it is presented, so the binding is a row
 * keyed by a hash of the token the browser holds now, moved on to the new token's hash at
 * each rotation (and keeping the spent one's, to recognize it presented again).
 */
export class TokenBindings {
  constructor(private readonly ctx: ServiceContext) {}

  // `store`: the refresh lock's store when called under it (auth/refresh.ts).
  async bind(refreshToken: string, jkt: string, store = this.ctx.store): Promise<void> {
    const id = secretHash(refreshToken);
    await store.putTokenBinding(this.#row(id, null, jkt));
  }

  async lookup(refreshToken: string, store: GatewayStore = this.ctx.store): Promise<BindingLookup> {
    const hash = secretHash(refreshToken);
    const row = await store.findTokenBinding(hash, this.ctx.now());
    if (!row) return { status: "unbound" };
    let jkt: string;
    try {
      jkt = this.ctx.cipher.open(row.jkt, aad("token_bindings", "jkt", row.id));
    } catch (error) {
      if (error instanceof SealedValueError) return { status: "unreadable" };
      throw error;
    }
    return { status: row.id === hash ? "current" : "spent", jkt };
  }

  /** The binding follows the token: `spent` was exchanged for `next`. */
  async rotate(
    spent: string,
    next: string,
    jkt: string,
    store: GatewayStore = this.ctx.store,
  ): Promise<void> {
    const from = secretHash(spent);
    const row = this.#row(secretHash(next), from, jkt);
    // Only a binding still on `spent` moves; if it was not (a concurrent rotation cannot
    // happen under the refresh lock), the new token is bound all the same.
    if (!(await store.rotateTokenBinding(from, row))) {
      await store.putTokenBinding(row);
    }
  }

  #row(id: string, previous: string | null, jkt: string): TokenBinding {
    return {
      id,
      previous,
      jkt: this.ctx.cipher.seal(jkt, aad("token_bindings", "jkt", id)),
      expiresAt: this.ctx.now() + TOKEN_BINDING_IDLE_MS,
    };
  }
}
