import type { FetchLike, OAuthClientOptions } from "soundgate";
import { endpointsForOrigin } from "soundgate";
import type { GatewayConfig, SoundCloudAppConfig } from "../config.js";
import type { Cipher } from "../crypto/cipher.js";
import type { Logger } from "../logger.js";
import type { GatewayStore } from "../store/store.js";

/** What the gateway's services share. Built once at start; no hidden globals. */
export interface GatewayContext {
  config: GatewayConfig;
  soundcloud: SoundCloudAppConfig;
  store: GatewayStore;
  cipher: Cipher;
  logger: Logger;
  now: () => number;
  fetch?: FetchLike | undefined;
}

export function oauthClient(ctx: GatewayContext): OAuthClientOptions {
  return {
    clientId: ctx.soundcloud.clientId,
    clientSecret: ctx.soundcloud.clientSecret,
    redirectUri: ctx.config.redirectUri,
    endpoints: endpointsForOrigin(ctx.soundcloud.authUrl, ctx.soundcloud.apiUrl),
    fetch: ctx.fetch,
    now: ctx.now,
  };
}
