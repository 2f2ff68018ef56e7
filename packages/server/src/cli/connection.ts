import {
  createSoundCloud,
  isSoundgateError,
  type SoundCloud,
  SoundgateError,
  TokenManager,
  type TokenProvider,
} from "soundgate";
import { CliError, EXIT } from "./command.js";
import { configDir } from "./config-dir.js";
import { appCredentials, loadDotEnv } from "./env.js";
import { FileTokenStore } from "./file-token-store.js";
import { loadSession, type Session, TOKEN_KEY } from "./session.js";

/** What a logged-in command works with. */
export interface Connection {
  session: Session;
  store: FileTokenStore;
  /** A valid access token, refreshed first when it is within a minute of expiry. */
  accessToken(): Promise<string>;
  sc: SoundCloud;
}

export const NOT_LOGGED_IN = "not logged in to SoundCloud; run `soundgate login` first";

/** The stored login, ready to call SoundCloud. Exit 4 when there is none. */
export async function openConnection(dir = configDir()): Promise<Connection> {
  const session = await loadSession(dir);
  if (!session) throw new CliError(EXIT.auth, NOT_LOGGED_IN);
  const store = new FileTokenStore(dir);
  const provider = tokenProvider(session, store);
  return {
    session,
    store,
    accessToken: () => provider.getAccessToken(),
    sc: createSoundCloud({
      auth: provider,
      apiBaseUrl: session.endpoints.apiBaseUrl,
      signOutUrl: session.endpoints.signOutUrl,
    }),
  };
}

/**
 * With the app's secret at hand, the core's TokenManager (refresh once, across
 * processes, through the store's lock). Without it, the stored token is still fine
 * until it nears expiry; then the person is told what is missing.
 */
function tokenProvider(session: Session, store: FileTokenStore): TokenProvider {
  const secret = clientSecretFor(session);
  if (secret !== undefined) {
    const manager = new TokenManager({
      client: {
        clientId: session.clientId,
        clientSecret: secret,
        redirectUri: session.redirectUri,
        endpoints: session.endpoints,
      },
      store,
    });
    return manager.provider(TOKEN_KEY);
  }
  return {
    async getAccessToken() {
      const tokens = await store.get(TOKEN_KEY);
      if (!tokens || tokens.reauthRequired) throw new CliError(EXIT.auth, NOT_LOGGED_IN);
      if (tokens.expiresAt - Date.now() > 60_000) return tokens.accessToken;
      throw new CliError(
        EXIT.config,
        "the access token has expired; set SOUNDCLOUD_CLIENT_SECRET (environment or ./.env) so soundgate can refresh it",
      );
    },
  };
}

function clientSecretFor(session: Session): string | undefined {
  if (session.clientSecret) return session.clientSecret;
  loadDotEnv();
  const { clientId, clientSecret } = appCredentials();
  // A secret of another app would only earn an invalid_client.
  if (clientId !== undefined && clientId !== session.clientId) return undefined;
  return clientSecret;
}

/** Maps a core error to a message and exit code for the terminal. */
export function describeError(error: unknown): { code: number; message: string } | undefined {
  if (error instanceof CliError) return { code: error.exitCode, message: error.message };
  if (!(error instanceof SoundgateError)) return undefined;
  const message = error.message;
  switch (error.code) {
    case "reauth_required":
    case "unauthorized":
    case "invalid_grant":
    case "access_denied":
      return {
        code: EXIT.auth,
        message: `${message}; run \`soundgate login\` to connect again`,
      };
    case "invalid_client":
    case "unauthorized_client":
      return { code: EXIT.config, message };
    case "rate_limited":
      return {
        code: EXIT.rateLimited,
        message:
          error.retryAfter === undefined
            ? message
            : `${message}; try again in ${error.retryAfter} s`,
      };
    case "upstream_unavailable":
    case "upstream_error":
    case "timeout":
      return { code: EXIT.network, message };
    case "aborted":
      return { code: EXIT.interrupted, message };
    case "invalid_argument":
      return { code: EXIT.usage, message };
    default:
      return { code: isSoundgateError(error) && error.status ? EXIT.api : EXIT.failure, message };
  }
}
