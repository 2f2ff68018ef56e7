/**
 * The exit status of every Soundgate command-line tool (`soundgate …`,
 * `soundgate-emulator`), one table so a script can tell failures apart the same way
 * whichever tool it runs. Free of imports: the tools load it before anything else.
 * Scripts that spawn the tools may import it too (`soundgate/exit-codes`).
 */
export const EXIT = {
  ok: 0,
  /** Anything not covered below (a bug, a disk error). */
  failure: 1,
  /** Wrong arguments: an unknown command or option, a bad value. */
  usage: 2,
  /** Missing or invalid configuration: credentials, URLs, a port in use, a state file. */
  config: 3,
  /** The service could not be reached, did not answer in time, or failed (HTTP 5xx):
   * SoundCloud, the emulator or the gateway. */
  unreachable: 4,
  /** Not logged in, the login expired or was revoked, or a login was denied or timed out. */
  auth: 5,
  /** SoundCloud refused the request (HTTP 4xx). */
  api: 6,
  /** SoundCloud is rate limiting this app (HTTP 429); try again later. */
  rateLimited: 7,
  /** A package the command needs is not installed (or, in the repository, not built). */
  missingPackage: 8,
  /** Interrupted (Ctrl-C): 128 + SIGINT, as shells report it. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** What each code means, in the words `soundgate help` and the READMEs use. */
export const EXIT_MEANINGS: readonly (readonly [ExitCode, string])[] = [
  [EXIT.ok, "success"],
  [EXIT.failure, "unexpected failure"],
  [EXIT.usage, "wrong arguments"],
  [EXIT.config, "missing or invalid configuration (credentials, URL, port in use, state file)"],
  [EXIT.unreachable, "SoundCloud, the emulator or the gateway unreachable, too slow or failing"],
  [EXIT.auth, "not logged in, login expired or revoked, or login denied/timed out"],
  [EXIT.api, "SoundCloud refused the request (HTTP 4xx)"],
  [EXIT.rateLimited, "rate limited by SoundCloud (HTTP 429)"],
  [EXIT.missingPackage, "a package the command needs is not installed"],
  [EXIT.interrupted, "interrupted"],
];

/**
 * Wrong arguments: the tool prints the message and where the help is, and exits 2.
 * The one class every Soundgate CLI throws for it.
 */
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
