import { CliError, EXIT } from "./command.js";

/**
 * A port that is taken (or reserved) is a configuration problem the person can fix at
 * once: exit 3 naming the port and the flag or variable that moves it.
 */
export function listenError(error: unknown, port: number, change: string): CliError | undefined {
  const code = (error as { code?: unknown }).code;
  if (code === "EADDRINUSE") {
    return new CliError(EXIT.config, `port ${port} is already in use; ${change}`);
  }
  if (code === "EACCES") {
    return new CliError(EXIT.config, `not allowed to listen on port ${port}; ${change}`);
  }
  return undefined;
}
