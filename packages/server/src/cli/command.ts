/** Exit codes: distinct, so scripts can tell failures apart. */
export const EXIT = {
  ok: 0,
  /** Anything not covered below. */
  failure: 1,
  /** Wrong arguments. */
  usage: 2,
  /** Missing or invalid configuration: credentials, ports, URLs. */
  config: 3,
  /** Not logged in, the login must be renewed, or the login was denied or timed out. */
  auth: 4,
  /** SoundCloud refused the request (404, 403, 422, …). */
  api: 5,
  /** SoundCloud could not be reached, did not answer in time, or failed (5xx). */
  network: 6,
  /** SoundCloud is rate limiting this app; try again later. */
  rateLimited: 7,
  /** Interrupted (Ctrl-C). */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** What each exit code means, for `soundgate --help` (and the README). */
export const EXIT_MEANINGS: readonly [ExitCode, string][] = [
  [EXIT.ok, "success"],
  [EXIT.failure, "unexpected failure"],
  [EXIT.usage, "wrong arguments"],
  [EXIT.config, "missing or invalid configuration (credentials, port, URL)"],
  [EXIT.auth, "not logged in, login expired or revoked, or login denied/timed out"],
  [EXIT.api, "SoundCloud refused the request (HTTP 4xx)"],
  [EXIT.network, "SoundCloud unreachable, too slow, or failing (HTTP 5xx)"],
  [EXIT.rateLimited, "rate limited by SoundCloud (HTTP 429)"],
  [EXIT.interrupted, "interrupted"],
];

/** One `soundgate <name>` subcommand. */
export interface Command {
  name: string;
  /** `[--port N]`-style argument synopsis for the help screen. */
  synopsis: string;
  summary: string;
  run(args: string[]): Promise<number>;
}

/** Wrong arguments: exit 2 with the message and a pointer to --help. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** A failure with its own exit code and a message meant for the person at the terminal. */
export class CliError extends Error {
  override readonly name = "CliError";
  constructor(
    readonly exitCode: ExitCode,
    message: string,
  ) {
    super(message);
  }
}

export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535)
    throw new UsageError(`"${value}" is not a port number`);
  return port;
}
