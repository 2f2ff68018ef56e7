import { refreshToken, SingleFlight, type TokenSet, toTokenResponseJson } from "soundgate";
import { aad, SealedValueError } from "../crypto/cipher.js";
import { secretHash } from "../crypto/hash.js";
import { upstreamHttpError } from "../http/errors.js";
import { oauthClient, type ServiceContext } from "./context.js";

/** How long a spent refresh token still yields the set it was exchanged for. */
export const REFRESH_GRACE_MS = 30_000;

export interface RefreshJson {
  access_token: string;
  refresh_token: string | undefined;
  expires_in: number;
}

/**
 * Starlib's `/refresh`, made safe for SoundCloud's single-use refresh tokens: concurrent
 * calls with one token share one upstream refresh, and a repeat within 30 s (a second
 * tab, a retry after a lost response) gets the same new set instead of presenting the
 * spent token and getting the grant revoked. The grace entry is keyed by a hash of the
 * old token and its value is sealed.
 */
export class Refresher {
  readonly #flights = new SingleFlight<TokenSet>();

  constructor(private readonly ctx: ServiceContext) {}

  async refresh(token: string): Promise<RefreshJson> {
    const id = secretHash(token);
    // In-process single flight, then a lock shared by every instance on the same database,
    // so two gateways never present the same refresh token.
    const tokens =
      (await this.#fromGrace(id)) ??
      (await this.#flights.run(id, () =>
        this.ctx.store.withLock(`refresh:${id}`, () => this.#refreshOnce(id, token)),
      ));
    const wire = toTokenResponseJson(tokens, this.ctx.now());
    return {
      access_token: wire.access_token,
      refresh_token: wire.refresh_token,
      expires_in: wire.expires_in,
    };
  }

  async #refreshOnce(id: string, token: string): Promise<TokenSet> {
    // Another request may have finished between our grace check and joining the flight.
    const cached = await this.#fromGrace(id);
    if (cached) return cached;
    let tokens: TokenSet;
    try {
      tokens = await refreshToken(oauthClient(this.ctx), { refreshToken: token });
    } catch (error) {
      throw upstreamHttpError(error, "refresh");
    }
    const sealed = this.ctx.cipher.seal(JSON.stringify(tokens), aad("refresh_grace", "tokens", id));
    await this.ctx.store.putRefreshGrace(id, sealed, this.ctx.now() + REFRESH_GRACE_MS);
    return tokens;
  }

  async #fromGrace(id: string): Promise<TokenSet | undefined> {
    const sealed = await this.ctx.store.getRefreshGrace(id, this.ctx.now());
    if (!sealed) return undefined;
    try {
      return JSON.parse(
        this.ctx.cipher.open(sealed, aad("refresh_grace", "tokens", id)),
      ) as TokenSet;
    } catch (error) {
      // Sealed under a key we no longer have: as if there were no grace entry.
      if (error instanceof SealedValueError) return undefined;
      throw error;
    }
  }
}
