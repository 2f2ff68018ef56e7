import type { ApiClient, FetchLike } from "soundgate";
import { AppUserConnections, type ConnectionInfo } from "./auth/app-user-connections.js";
import { AuthCodeFlows } from "./auth/auth-code-flows.js";
import type { ServiceContext } from "./auth/context.js";
import { ConfigError } from "./config-error.js";
import { Cipher, type KeyConfigError } from "./crypto/cipher.js";
import { GatewayError } from "./errors.js";
import { createLogger, type Logger } from "./logger.js";
import { openStore } from "./store/open.js";
import type { GatewayStore } from "./store/store.js";

export interface SoundgateOptions {
  clientId: string;
  clientSecret: string;
  /** Your app's callback URL, registered with SoundCloud. */
  redirectUri: string;
  /** `sqlite:./data/soundgate.db` (default), `sqlite::memory:`, `postgres://…`, or an open store. */
  database?: string | GatewayStore;
  /** `id:base64key,…` (first encrypts, all decrypt). Required in production. */
  encryptionKeys?: string;
  /** Default: NODE_ENV === "production". Without keys, production refuses to start. */
  production?: boolean;
  /** Default https://secure.soundcloud.com (the emulator's URL in tests). */
  authUrl?: string;
  /** Default https://api.soundcloud.com. */
  apiUrl?: string;
  fetch?: FetchLike;
  now?: () => number;
  logger?: Logger;
}

export { NotConnectedError } from "./auth/not-connected.js";
export type { ConnectionInfo };

/**
 * Soundgate inside your own server (Express, Hono, Next.js, …): link SoundCloud to your
 * app's users, keep their tokens server-side (sealed at rest), and call the API for
 * them later without asking them to connect again.
 *
 *   const sg = await createSoundgate({ clientId, clientSecret, redirectUri });
 *   const { url } = await sg.startConnection(user.id);      // redirect the browser there
 *   await sg.completeConnection(user.id, callbackUrl);        // in your callback route
 *   const me = await sg.forUser(user.id).me();                // any time later
 */
export class Soundgate {
  readonly #connections: AppUserConnections;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly ownsStore: boolean,
  ) {
    this.#connections = new AppUserConnections(ctx, new AuthCodeFlows(ctx));
  }

  /** Begin linking `appUserId`; send their browser to `url`. The flow is bound to this user. */
  startConnection(appUserId: string, options: { redirectUri?: string } = {}) {
    return this.#connections.start(appUserId, options);
  }

  /**
   * Finish linking `appUserId` from the callback SoundCloud redirected to: pass the full
   * callback URL, its URLSearchParams, or `{code, state, error}`. Call it only for the
   * user who is signed in to your app; a flow started for someone else is refused.
   */
  async completeConnection(
    appUserId: string,
    callback:
      | string
      | URL
      | URLSearchParams
      | { code?: string | null; state?: string | null; error?: string | null },
  ): Promise<ConnectionInfo> {
    const params =
      typeof callback === "string" || callback instanceof URL
        ? callbackUrl(callback).searchParams
        : callback instanceof URLSearchParams
          ? callback
          : undefined;
    const input = params
      ? { code: params.get("code"), state: params.get("state"), error: params.get("error") }
      : (callback as { code?: string | null; state?: string | null; error?: string | null });
    return this.#connections.complete(appUserId, input);
  }

  /**
   * An API client acting as `appUserId`; it refreshes and stores rotated tokens itself.
   * Its calls reject with `not_connected` (NotConnectedError, a GatewayError) for a user with no
   * connection, and `reauth_required` once SoundCloud no longer accepts theirs.
   */
  forUser(appUserId: string): ApiClient {
    return this.#connections.forUser(appUserId);
  }

  /** A valid access token for `appUserId` (refreshed when due), for calls you make yourself. */
  accessToken(appUserId: string): Promise<string> {
    return this.#connections.provider(appUserId).getAccessToken();
  }

  getConnection(appUserId: string): Promise<ConnectionInfo | undefined> {
    return this.#connections.get(appUserId);
  }

  listConnections(options: { after?: string; limit?: number } = {}): Promise<ConnectionInfo[]> {
    return this.#connections.list(options);
  }

  /** Sign out at SoundCloud (best effort) and delete the stored grant. */
  disconnect(appUserId: string): Promise<boolean> {
    return this.#connections.disconnect(appUserId);
  }

  async close(): Promise<void> {
    if (this.ownsStore) await this.ctx.store.close();
  }
}

export async function createSoundgate(options: SoundgateOptions): Promise<Soundgate> {
  for (const key of ["clientId", "clientSecret", "redirectUri"] as const) {
    if (!options[key]) throw new ConfigError(key, "is required");
  }
  if (!URL.canParse(options.redirectUri))
    throw new ConfigError("redirectUri", "must be an absolute URL");
  const production = options.production ?? process.env.NODE_ENV === "production";
  // The gateway's rule: pretty only for a person at a terminal in development.
  const format = process.env.SOUNDGATE_LOG_FORMAT?.trim();
  const pretty = format === "pretty" || (!format && process.stdout.isTTY === true && !production);
  const logger =
    options.logger ??
    createLogger(process.env.SOUNDGATE_LOG_LEVEL ?? "info", undefined, pretty ? "pretty" : "json");
  let cipher: Cipher;
  if (options.encryptionKeys) {
    try {
      cipher = Cipher.fromEnv(options.encryptionKeys);
    } catch (error) {
      throw new ConfigError("encryptionKeys", (error as KeyConfigError).message);
    }
  } else if (production) {
    throw new ConfigError("encryptionKeys", "is required in production");
  } else {
    logger.warn(
      "Soundgate: no encryptionKeys given; using an ephemeral key (stored tokens are lost on restart)",
    );
    cipher = Cipher.ephemeral();
  }
  const database = options.database ?? "sqlite:./data/soundgate.db";
  const store =
    typeof database === "string" ? await openStore(database, { log: logger }) : database;
  const ctx: ServiceContext = {
    soundcloud: {
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      authUrl: (options.authUrl ?? "https://secure.soundcloud.com").replace(/\/+$/, ""),
      apiUrl: (options.apiUrl ?? "https://api.soundcloud.com").replace(/\/+$/, ""),
    },
    redirectUri: options.redirectUri,
    store,
    cipher,
    logger,
    now: options.now ?? Date.now,
    fetch: options.fetch,
  };
  return new Soundgate(ctx, typeof database === "string");
}

/** The callback URL SoundCloud redirected to; anything else is the caller's invalid_request. */
function callbackUrl(value: string | URL): URL {
  if (value instanceof URL) return value;
  if (!URL.canParse(value)) {
    throw new GatewayError("invalid_request", "The callback is not an absolute URL");
  }
  return new URL(value);
}
