import { isSoundgateError, SoundgateError } from "soundgate";
import { CliError, EXIT } from "./command.js";

/** Maps a CLI or core error to a message and exit code for the terminal. */
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
      return { code: EXIT.unreachable, message };
    case "aborted":
      return { code: EXIT.interrupted, message };
    case "invalid_argument":
      return { code: EXIT.usage, message };
    default:
      return { code: isSoundgateError(error) && error.status ? EXIT.api : EXIT.failure, message };
  }
}
