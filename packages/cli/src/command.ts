import { UsageError } from "soundgate/exit-codes";

export {
  CliError,
  EXIT,
  EXIT_MEANINGS,
  type ExitCode,
  UsageError,
} from "soundgate/exit-codes";

/** The code of one `soundgate <name>` subcommand (its name and summary: commands.ts). */
export interface Command {
  /** What `soundgate <name> --help` and `soundgate help <name>` print. */
  help(): string | Promise<string>;
  run(args: string[]): Promise<number>;
}

export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535)
    throw new UsageError(`"${value}" is not a port number`);
  return port;
}
