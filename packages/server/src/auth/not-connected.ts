import { isSoundgateError, type TokenProvider } from "soundgate";
import { GatewayError } from "../errors.js";

/**
 * An API call or token request for an app user who has no SoundCloud connection stored
 * (never connected, or disconnected). Distinct from `reauth_required`, where a connection
 * exists but SoundCloud no longer accepts it: here there is nothing to "connect again".
 * A GatewayError with `code: "not_connected"` (the same field a SoundgateError has, so
 * `error.code` checks read alike); over HTTP a 409.
 */
export class NotConnectedError extends GatewayError {
  declare readonly code: "not_connected";

  constructor() {
    super(
      "not_connected",
      "This user has not connected a SoundCloud account; connect SoundCloud first",
    );
  }
}

/**
 * `provider` with the core's "nothing stored for this key" (which it reports as
 * reauth_required) told apart from a dead grant: when no connection exists, the error
 * becomes NotConnectedError. Costs one extra read, only on that failure.
 */
export function explainMissing(
  provider: TokenProvider,
  isConnected: () => Promise<boolean>,
): TokenProvider {
  const explain = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (isSoundgateError(error, "reauth_required") && !(await isConnected()))
        throw new NotConnectedError();
      throw error;
    }
  };
  const { handleUnauthorized } = provider;
  return {
    getAccessToken: (options) => explain(() => provider.getAccessToken(options)),
    ...(handleUnauthorized
      ? { handleUnauthorized: (rejected) => explain(() => handleUnauthorized(rejected)) }
      : {}),
  };
}
