import type { SoundCloud, TokenProvider } from "soundgate";
import { CliError, EXIT } from "./command.js";
import { configDir } from "./config-dir.js";
import { appCredentials, loadDotEnv } from "./env.js";
import { FileTokenStore } from "./file-token-store.js";
import { loadSavedLogin, type SavedLogin, TOKEN_KEY } from "./saved-login.js";

/** What a logged-in command works with: the saved login, its tokens and an API client. */
export interface SavedLoginClient {
  login: SavedLogin;
  store: FileTokenStore;
  /** A valid access token, refreshed first when it is within a minute of expiry. */
  accessToken(): Promise<string>;
  sc: SoundCloud;
}

export const NOT_LOGGED_IN = "not logged in to SoundCloud; run `soundgate login` first";

/** Refresh when less than this is left; the same window the core's TokenManager uses. */
const REFRESH_WINDOW_MS = 60_000;

/** The saved login, ready to call SoundCloud. Exit 5 (auth) when there is none. */
export async function openSavedLogin(dir = configDir()): Promise<SavedLoginClient> {
  const login = await loadSavedLogin(dir);
  if (!login) throw new CliError(EXIT.auth, NOT_LOGGED_IN);
  const store = new FileTokenStore(dir);
  // The core is loaded here rather than at the top: `soundgate token` with a fresh
  // token (savedAccessToken) never needs it.
  const { createSoundCloud } = await import("soundgate");
  const provider = await tokenProvider(login, store);
  return {
    login,
    store,
    accessToken: () => provider.getAccessToken(),
    sc: createSoundCloud({
      auth: provider,
      apiBaseUrl: login.endpoints.apiBaseUrl,
      signOutUrl: login.endpoints.signOutUrl,
    }),
  };
}

/**
 * A valid access token of the saved login. A stored token with more than the refresh
 * window left is printed straight from the file: `soundgate token` runs in shell
 * prompts and `$(...)`, so it reads two small files and loads nothing else.
 */
export async function savedAccessToken(dir = configDir()): Promise<string> {
  const login = await loadSavedLogin(dir);
  if (!login) throw new CliError(EXIT.auth, NOT_LOGGED_IN);
  const tokens = await new FileTokenStore(dir).get(TOKEN_KEY);
  if (tokens && !tokens.reauthRequired && tokens.expiresAt - Date.now() > REFRESH_WINDOW_MS) {
    return tokens.accessToken;
  }
  return (await openSavedLogin(dir)).accessToken();
}

/**
 * With the app's secret at hand, the core's TokenManager (refresh once, across
 * processes, through the store's lock). Without it, the stored token is still fine
 * until it nears expiry; then the person is told what is missing.
 */
async function tokenProvider(login: SavedLogin, store: FileTokenStore): Promise<TokenProvider> {
  const secret = clientSecretFor(login);
  if (secret !== undefined) {
    const { TokenManager } = await import("soundgate");
    const manager = new TokenManager({
      client: {
        clientId: login.clientId,
        clientSecret: secret,
        redirectUri: login.redirectUri,
        endpoints: login.endpoints,
      },
      store,
      refreshWindowMs: REFRESH_WINDOW_MS,
    });
    return manager.provider(TOKEN_KEY);
  }
  return {
    async getAccessToken() {
      const tokens = await store.get(TOKEN_KEY);
      if (!tokens || tokens.reauthRequired) throw new CliError(EXIT.auth, NOT_LOGGED_IN);
      if (tokens.expiresAt - Date.now() > REFRESH_WINDOW_MS) return tokens.accessToken;
      throw new CliError(
        EXIT.config,
        "the access token has expired; set SOUNDCLOUD_CLIENT_SECRET (environment or ./.env) so soundgate can refresh it",
      );
    },
  };
}

function clientSecretFor(login: SavedLogin): string | undefined {
  if (login.clientSecret) return login.clientSecret;
  loadDotEnv();
  const { clientId, clientSecret } = appCredentials();
  // A secret of another app would only earn an invalid_client.
  if (clientId !== undefined && clientId !== login.clientId) return undefined;
  return clientSecret;
}
