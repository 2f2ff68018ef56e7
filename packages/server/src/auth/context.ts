import type { FetchLike, OAuthClientOptions } from "soundgate";
import { endpointsForOrigin } from "soundgate";
import type { GatewayConfig, SoundCloudAppConfig } from "../config.js";
import type { Counters } from "../counters.js";
import type { Cipher } from "../crypto/cipher.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics/metrics.js";
import type { GatewayStore } from "../store/store.js";

/** What the login and connection services need, whether in the gateway or embedded in an app. */
export interface ServiceContext {
  soundcloud: SoundCloudAppConfig;
  /** The redirect URI registered with SoundCloud that flows use by default. */
  redirectUri: string;
  store: GatewayStore;
  cipher: Cipher;
  logger: Logger;
  now: () => number;
  fetch?: FetchLike | undefined;
  /** Where refreshes of stored grants are counted, when someone exports them (the gateway). */
  counters?: Counters | undefined;
}

/** The gateway's services share this. Built once at start; no hidden globals. */
export interface GatewayContext extends ServiceContext {
  config: GatewayConfig;
  /** What the gateway counts (logins, refreshes, refusals), for /metrics when it is on. */
  counters: Counters;
  /** What /metrics shows (the counters and latency histograms); only when it is on. */
  metrics: Metrics | undefined;
}

export function oauthClient(ctx: ServiceContext): OAuthClientOptions {
  return {
    clientId: ctx.soundcloud.clientId,
    clientSecret: ctx.soundcloud.clientSecret,
    redirectUri: ctx.redirectUri,
    endpoints: endpointsForOrigin(ctx.soundcloud.authUrl, ctx.soundcloud.apiUrl),
    fetch: ctx.fetch,
    now: ctx.now,
  };
}
