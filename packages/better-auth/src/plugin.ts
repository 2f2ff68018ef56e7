import type { AuthContext, BetterAuthPlugin } from "better-auth";
import { APIError, createAuthEndpoint } from "better-auth/api";
import {
  isSoundgateError,
  type LockFn,
  type OAuthClientOptions,
  RotationGuard,
  type SoundCloudEndpoints,
  TokenManager,
} from "soundgate";
import * as z from "zod";
import { AccountTokenStore } from "./account-store.js";
import { soundcloudProvider } from "./provider.js";

export interface SoundCloudPluginOptions {
  /** Default: `SOUNDCLOUD_CLIENT_ID`. */
  clientId?: string | undefined;
  /** Default: `SOUNDCLOUD_CLIENT_SECRET`. */
  clientSecret?: string | undefined;
  /** Point at the Soundgate emulator: `endpointsForOrigin("http://127.0.0.1:8788")`. */
  endpoints?: Partial<SoundCloudEndpoints> | undefined;
  /**
   * Cross-instance lock, so several app instances refresh one account once
   * (`postgresLock(lockPool)`). Without it, refreshes are single-flight within this process.
   */
  lock?: LockFn | undefined;
  /** Refresh when the access token has less than this left. Default 60 s. */
  refreshWindowMs?: number | undefined;
}

/** What init adds to better-auth's context (requests see copies of it). */
interface SoundCloudContext {
  soundcloudTokens?: TokenManager | undefined;
}

/**
 * "Sign in with SoundCloud" for better-auth, with refresh that survives SoundCloud's
 * single-use refresh tokens.
 *
 * ```ts
 * betterAuth({ plugins: [soundcloud()] });
 * await authClient.signIn.social({ provider: "soundcloud" });       // or linkSocial
 * const { accessToken } = await auth.api.getSoundCloudAccessToken({ body: { userId } });
 * ```
 *
 * `getSoundCloudAccessToken` (server only) refreshes once per account however many callers
 * (and, with `lock`, however many instances), re-reads the row under the lock, and stores
 * the rotated refresh token (encrypted when `account.encryptOAuthTokens` is on) before it
 * answers. better-auth's own `getAccessToken` goes through the same guard: concurrent
 * refreshes of one token share one upstream call.
 */
export function soundcloud(options: SoundCloudPluginOptions = {}) {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
    ?.env;
  const client: OAuthClientOptions = {
    clientId: options.clientId ?? env?.SOUNDCLOUD_CLIENT_ID ?? "",
    clientSecret: options.clientSecret ?? env?.SOUNDCLOUD_CLIENT_SECRET ?? "",
    endpoints: options.endpoints,
  };
  if (!client.clientId || !client.clientSecret)
    throw new TypeError("soundcloud(): clientId and clientSecret are required");
  const guard = new RotationGuard({ client, lock: options.lock });
  const provider = soundcloudProvider(client, guard);

  return {
    id: "soundcloud",
    init(context: AuthContext) {
      const store = new AccountTokenStore(context, provider.id, options.lock);
      const manager = new TokenManager({
        client,
        store,
        refreshWindowMs: options.refreshWindowMs,
      });
      return {
        context: {
          socialProviders: [provider, ...context.socialProviders],
          soundcloudTokens: manager,
        },
      };
    },
    endpoints: {
      /** Server only (no HTTP route): a valid SoundCloud access token for a user. */
      getSoundCloudAccessToken: createAuthEndpoint(
        {
          method: "POST",
          body: z.object({ userId: z.string().min(1) }),
          metadata: { SERVER_ONLY: true },
        },
        async (ctx) => {
          const manager = (ctx.context as SoundCloudContext).soundcloudTokens;
          if (!manager)
            throw new APIError("INTERNAL_SERVER_ERROR", {
              message: "soundcloud plugin not initialised",
            });
          try {
            const tokens = await manager.getTokens(ctx.body.userId);
            return ctx.json({
              accessToken: tokens.accessToken,
              accessTokenExpiresAt: new Date(tokens.expiresAt),
            });
          } catch (error) {
            if (isSoundgateError(error, "reauth_required"))
              throw new APIError("UNAUTHORIZED", {
                code: "SOUNDCLOUD_REAUTH_REQUIRED",
                message: "Connect SoundCloud again",
              });
            if (isSoundgateError(error))
              throw new APIError("SERVICE_UNAVAILABLE", {
                code: "SOUNDCLOUD_UNAVAILABLE",
                message: "SoundCloud did not answer; try again",
              });
            throw error;
          }
        },
      ),
    },
  } satisfies BetterAuthPlugin;
}
