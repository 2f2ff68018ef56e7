import { ConfigError } from "../config.js";
import { EXIT, EXIT_MEANINGS, UsageError } from "./command.js";
import { COMMANDS } from "./commands.js";
import { describeError } from "./connection.js";

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
  soundgate <command> --help

Commands:
${lines.join("\n")}
  ${"help".padEnd(width)}Show this help.

Exit codes:
${codes.join("\n")}

Configuration is read from the environment and from ./.env; see .env.example.
The login lives in $SOUNDGATE_CONFIG_DIR, else ~/.config/soundgate (%APPDATA%\\soundgate on Windows).
`;
}

/** Runs one CLI invocation and returns its exit code; never throws. */
export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === "help" || name === "--help" || name === "-h") {
      process.stdout.write(helpText());
      return EXIT.ok;
    }
    const command = COMMANDS.find((c) => c.name === name);
    if (!command) throw new UsageError(`unknown command "${name}"`);
    return await command.run(rest);
  } catch (error) {
    if (
      error instanceof UsageError ||
      (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")
    ) {
      process.stderr.write(
        `soundgate: ${(error as Error).message}\nRun "soundgate --help" for usage.\n`,
      );
      return EXIT.usage;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`soundgate: invalid configuration: ${error.message}\n`);
      return EXIT.config;
    }
    // Core and CLI errors carry messages written never to hold a token or secret.
    const known = describeError(error);
    if (known) {
      process.stderr.write(`soundgate: ${known.message}\n`);
      return known.code;
    }
    process.stderr.write(`soundgate: ${(error as Error).message}\n`);
    return EXIT.failure;
  }
}
