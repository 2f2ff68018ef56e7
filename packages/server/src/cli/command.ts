/** Exit codes: distinct, so scripts can tell failures apart. */
export const EXIT = { ok: 0, failure: 1, usage: 2, config: 3 } as const;

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

export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535)
    throw new UsageError(`"${value}" is not a port number`);
  return port;
}
