import { refreshToken, SingleFlight, type TokenSet, toTokenResponseJson } from "soundgate";
import { aad, SealedValueError } from "../crypto/cipher.js";
import { secretHash } from "../crypto/hash.js";
import { GatewayError, upstreamError } from "../errors.js";
import type { GatewayStore } from "../store/store.js";
import { type GatewayContext, oauthClient } from "./context.js";
import { dpopRefused } from "./dpop.js";
import { type BindingLookup, TokenBindings } from "./token-bindings.js";

/**
 * How long a spent refresh token still yields the set it was exchanged for, to the same
 * client only. Long enough for the cases it exists for (a second tab that raced the
 * first, a retry after an answer lost on the way), which arrive within a second or two
 * of the refresh; short enough that a spent token is soon just spent (decision 006).
 */
export const REFRESH_GRACE_MS = 10_000;

export interface RefreshJson {
  access_token: string;
  refresh_token: string | undefined;
  expires_in: number;
}

/** Who is refreshing, as far as the gateway can tell. */
export interface RefreshClient {
  /** Thumbprint of the key behind this request's valid DPoP proof, if it sent one. */
  jkt: string | undefined;
  /** The Origin header and the client's address: the Starlib profile's weaker identity. */
  origin: string | undefined;
  address: string;
}

/** What a grace entry holds, sealed: the new set, and who may have it again. */
interface GraceEntry {
  client: string;
  tokens: TokenSet;
}

/**
 * Starlib's `/refresh`, made safe for SoundCloud's single-use refresh tokens and for
 * tokens in a browser. A token bound to a DPoP key (decision 006) is refreshed only for
 * a proof of that key. Concurrent calls with one token by one client share one upstream
 * refresh, and a repeat by that client within the grace window gets the same new set
 * instead of presenting the spent token and getting the grant revoked. Anyone else with
 * the spent token gets nothing; every grace hit and refused replay is logged and counted.
 */
export class Refresher {
  readonly #flights = new SingleFlight<TokenSet>();
  readonly #bindings: TokenBindings;

  constructor(private readonly ctx: GatewayContext) {
    this.#bindings = new TokenBindings(ctx);
  }

  async refresh(token: string, client: RefreshClient): Promise<RefreshJson> {
    const id = secretHash(token);
    const binding = await this.#bindings.lookup(token);
    if (client.jkt === undefined && this.ctx.config.compat !== "starlib") {
      // Looked up all the same, so a spent token is counted as the replay it is.
      if (binding.status === "spent") this.#replayRefused("other_client");
      throw dpopRefused(this.ctx, "missing", MISSING_PROOF);
    }
    const identity = this.#identity(binding, client);
    let tokens = await this.#fromGrace(id, identity);
    if (!tokens) {
      if (binding.status === "spent") throw this.#replayRefused("after_grace");
      // In-process single flight per token and client, then a lock shared by every
      // instance on the same database, so two gateways never present the same token.
      // Everything under the lock uses the lock's store (its own connection on Postgres).
      let led = false;
      tokens = await this.#flights.run(`${id}\u0000${identity}`, () => {
        led = true;
        return this.ctx.store.withLock(`refresh:${id}`, (store) =>
          this.#refreshOnce(store, id, token, identity, binding, client.jkt),
        );
      });
      // A follower got the new set from the request it joined, without a call of its own.
      if (!led) this.#refreshed("shared");
    }
    const wire = toTokenResponseJson(tokens, this.ctx.now());
    return {
      access_token: wire.access_token,
      refresh_token: wire.refresh_token,
      expires_in: wire.expires_in,
    };
  }

  /**
   * The client a grace entry is kept for: the bound key, or (Starlib profile, unbound
   * tokens only) the Origin and address. Throws for a caller who may not refresh at all.
   */
  #identity(binding: BindingLookup, client: RefreshClient): string {
    switch (binding.status) {
      case "unreadable":
        this.ctx.logger.warn("a refresh token's binding cannot be opened; it needs a new login");
        throw reauthRequired("This refresh token's binding cannot be verified; connect again");
      case "current":
      case "spent":
        if (client.jkt !== binding.jkt) {
          if (binding.status === "spent") this.#replayRefused("other_client");
          throw client.jkt === undefined
            ? dpopRefused(this.ctx, "missing", MISSING_PROOF)
            : dpopRefused(this.ctx, "wrong_key", "This refresh token is bound to another DPoP key");
        }
        return `jkt:${binding.jkt}`;
      case "unbound":
        if (this.ctx.config.compat !== "starlib") {
          this.ctx.counters.increment("soundgate_dpop_proofs_refused_total", { reason: "unbound" });
          this.ctx.logger.warn("a refresh token not bound to a DPoP key was refused");
          throw reauthRequired(
            "This refresh token is not bound to a DPoP key here (issued before, or unused too long); connect again",
          );
        }
        return `web:${client.origin ?? ""} ${client.address}`;
    }
  }

  async #refreshOnce(
    store: GatewayStore,
    id: string,
    token: string,
    identity: string,
    binding: BindingLookup,
    jkt: string | undefined,
  ): Promise<TokenSet> {
    // Another request may have finished between our grace check and taking the lock.
    const cached = await this.#fromGrace(id, identity, store);
    if (cached) return cached;
    if (binding.status === "current") {
      // ...or rotated it and its grace ran out while we waited: never present a spent token.
      const now = await this.#bindings.lookup(token, store);
      if (now.status !== "current") throw this.#replayRefused("after_grace");
    }
    let tokens: TokenSet;
    try {
      tokens = await refreshToken(oauthClient(this.ctx), { refreshToken: token });
    } catch (error) {
      throw upstreamError(error, "refresh");
    }
    this.#refreshed("upstream"); // a counter: synchronous, no await before the commit
    // SoundCloud has spent the old token: from here to the lock's commit nothing else
    // happens, so the new set is stored (or the failure said) as soon as it can be. The
    // grace entry and the binding's move commit together, in the lock's transaction;
    // the grace entry is written first all the same (on SQLite there is no transaction),
    // so whoever finds the binding moved on finds the entry too.
    const entry: GraceEntry = { client: identity, tokens };
    const sealed = this.ctx.cipher.seal(JSON.stringify(entry), aad("refresh_grace", "tokens", id));
    await store.putRefreshGrace(id, sealed, this.ctx.now() + REFRESH_GRACE_MS);
    const next = tokens.refreshToken;
    if (next !== undefined && next !== token) {
      if (binding.status === "current")
        await this.#bindings.rotate(token, next, binding.jkt, store);
      // Starlib profile: an unbound token refreshed by a browser with a key becomes bound.
      else if (jkt !== undefined) await this.#bindings.bind(next, jkt, store);
    }
    return tokens;
  }

  /** The set a spent token was exchanged for, if this client may have it again. */
  async #fromGrace(
    id: string,
    identity: string,
    store: GatewayStore = this.ctx.store,
  ): Promise<TokenSet | undefined> {
    const sealed = await store.getRefreshGrace(id, this.ctx.now());
    if (!sealed) return undefined;
    let entry: Partial<GraceEntry>;
    try {
      entry = JSON.parse(this.ctx.cipher.open(sealed, aad("refresh_grace", "tokens", id)));
    } catch (error) {
      // Sealed under a key we no longer have: as if there were no grace entry.
      if (error instanceof SealedValueError) return undefined;
      throw error;
    }
    if (entry.client !== identity || !entry.tokens) throw this.#replayRefused("other_client");
    this.ctx.counters.increment("soundgate_refresh_grace_hits_total");
    this.#refreshed("grace");
    this.ctx.logger.info("refresh grace hit: the same client repeated a refresh");
    return entry.tokens;
  }

  #refreshed(outcome: "upstream" | "shared" | "grace"): void {
    this.ctx.counters.increment("soundgate_refreshes_total", { held_by: "browser", outcome });
  }

  /** A spent refresh token presented again and refused: logged, counted, never sent upstream. */
  #replayRefused(reason: "other_client" | "after_grace"): GatewayError {
    this.ctx.counters.increment("soundgate_refresh_replays_refused_total", { reason });
    this.ctx.logger.warn({ reason }, "spent refresh token presented again; refused");
    return reauthRequired(
      reason === "other_client"
        ? "This refresh token was already used by another client; connect again"
        : "This refresh token was already used; connect again",
    );
  }
}

const MISSING_PROOF =
  "Send a DPoP proof (RFC 9449) of the key this refresh token is bound to in the DPoP header: @soundgate/browser does";

function reauthRequired(message: string): GatewayError {
  return new GatewayError("reauth_required", message);
}
