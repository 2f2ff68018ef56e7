import { EXIT, EXIT_MEANINGS, UsageError } from "./command.js";
import { COMMANDS, type CommandSpec } from "./commands.js";

export { EXIT, UsageError } from "./command.js";

export function helpText(): string {
  const width = Math.max(...COMMANDS.map((c) => `${c.name} ${c.synopsis}`.length)) + 3;
  const lines = COMMANDS.map((command) => {
    const head = `${command.name} ${command.synopsis}`.padEnd(width);
    return `  ${head}${command.summary.split("\n").join(`\n  ${" ".repeat(width)}`)}`;
  });
  const codes = EXIT_MEANINGS.map(([code, meaning]) => `  ${String(code).padStart(3)}  ${meaning}`);
  return `soundgate — Connect with SoundCloud, done right

Usage:
  soundgate <command> [options]
  soundgate help <command>     (or: soundgate <command> --help)
  soundgate --version

Commands:
${lines.join("\n")}
  ${"help [command]".padEnd(width)}Show this help, or a command's.

Exit codes (the same for every command and for soundgate-emulator):
${codes.join("\n")}

Configuration is read from the environment and from ./.env; see .env.example.
The login lives in $SOUNDGATE_CONFIG_DIR, else ~/.config/soundgate (%APPDATA%\\soundgate on Windows).
`;
}

/** Runs one CLI invocation and returns its exit code; never throws. */
export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  let command: CommandSpec | undefined;
  try {
    if (name === undefined || name === "--help" || name === "-h") {
      process.stdout.write(helpText());
      return EXIT.ok;
    }
    if (name === "--version" || name === "-v" || name === "version") {
      const { readVersion } = await import("./version.js");
      process.stdout.write(`soundgate ${await readVersion()}\n`);
      return EXIT.ok;
    }
    if (name === "help") {
      if (rest.length === 0) {
        process.stdout.write(helpText());
        return EXIT.ok;
      }
      command = find(rest[0] as string);
      if (rest.length > 1) throw new UsageError("expected: soundgate help <command>");
      process.stdout.write(await (await command.load()).help());
      return EXIT.ok;
    }
    command = find(name);
    return await (await command.load()).run(rest);
  } catch (error) {
    return report(error, command);
  }
}

function find(name: string): CommandSpec {
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) throw new UsageError(`unknown command "${name}"`);
  return command;
}

/** One line on stderr for whatever went wrong, and the exit code that says what kind. */
async function report(error: unknown, command: CommandSpec | undefined): Promise<number> {
  if (
    error instanceof UsageError ||
    (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")
  ) {
    const help = command ? `soundgate ${command.name} --help` : "soundgate help";
    process.stderr.write(`soundgate: ${usageMessage(error as Error)}\nRun "${help}" for usage.\n`);
    return EXIT.usage;
  }
  // Loaded only on failure: it brings in the core's error classes.
  const { describeError } = await import("./describe-error.js");
  // Core and CLI errors carry messages written never to hold a token or secret.
  const known = describeError(error);
  if (known) {
    process.stderr.write(`soundgate: ${known.message}\n`);
    return known.code;
  }
  process.stderr.write(`soundgate: ${(error as Error).message}\n`);
  return EXIT.failure;
}

/** parseArgs explains unknown options at length; one short line is what a person needs. */
function usageMessage(error: Error): string {
  const code = (error as Error & { code?: string }).code;
  const option = /'(?:-\w, )?(-[^' ]+)/.exec(error.message)?.[1] ?? "option";
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") return `unknown option ${option}`;
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    if (/does not take/.test(error.message)) return `${option} takes no value`;
    return `${option} needs a value`;
  }
  if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
    const arg = /'([^']*)'/.exec(error.message)?.[1];
    return arg === undefined ? "unexpected argument" : `unexpected argument "${arg}"`;
  }
  return error.message.split("\n")[0] ?? error.message;
}
