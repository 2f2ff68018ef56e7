import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "./config.js";
import { startDevEmulator } from "./dev-emulator.js";
import { startGateway } from "./gateway.js";

/** Exit codes: distinct so scripts can tell failures apart. */
export const EXIT = { ok: 0, failure: 1, usage: 2, config: 3 } as const;

const HELP = `soundgate — Connect with SoundCloud, done right

Usage:
  soundgate <command> [options]

Commands:
  serve [--port N]     Start the gateway. With no SOUNDCLOUD_CLIENT_ID/SECRET set it also
                       starts the built-in SoundCloud emulator and uses it.
  emulator [options]   Start the SoundCloud emulator (see: soundgate emulator --help).
  keys generate        Print a new key for SOUNDGATE_ENCRYPTION_KEYS.
  help                 Show this help.

Configuration is read from the environment and from ./.env; see .env.example.
`;

export class UsageError extends Error {
  override readonly name = "UsageError";
}

export async function runCli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case "help":
      case "--help":
      case "-h":
        process.stdout.write(HELP);
        return EXIT.ok;
      case "serve":
        return await serveCommand(rest);
      case "emulator": {
        const { runEmulatorCli } = await import("@soundgate/emulator");
        await runEmulatorCli(rest);
        return EXIT.ok;
      }
      case "keys":
        return keysCommand(rest);
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
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
    process.stderr.write(`soundgate: ${(error as Error).message}\n`);
    return EXIT.failure;
  }
}

async function serveCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { port: { type: "string", short: "p" }, help: { type: "boolean", short: "h" } },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(
      "Usage: soundgate serve [--port N]\n\nStarts the gateway; see soundgate --help.\n",
    );
    return EXIT.ok;
  }
  const port = values.port === undefined ? undefined : parsePort(values.port);
  loadDotEnv();
  const config = loadConfig(process.env, port === undefined ? {} : { port });
  const dev = config.soundcloud
    ? undefined
    : await startDevEmulator(config, parsePort(process.env.SOUNDGATE_EMULATOR_PORT ?? "8788"));
  const gateway = await startGateway({ config, soundcloud: dev?.soundcloud });
  const open = config.publicUrl;
  // One write, so whoever waits for the "listening on" line also has the banner.
  process.stdout.write(
    `listening on ${gateway.url}\n` +
      (dev
        ? `\n  Soundgate is running on the built-in SoundCloud emulator (${dev.url}),\n  because no SOUNDCLOUD_CLIENT_ID is set.\n\n  Open ${open}/ and click "Connect with SoundCloud".\n\n`
        : `\n  Soundgate gateway for SoundCloud app ${config.soundcloud?.clientId}.\n  Open ${open}/\n\n`),
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await gateway.close();
  await dev?.close();
  return EXIT.ok;
}

function keysCommand(args: string[]): number {
  if (args[0] !== "generate") throw new UsageError('expected "keys generate"');
  const id = `k${new Date().toISOString().slice(0, 10).replace(/-/g, "")}`;
  process.stdout.write(`${id}:${randomBytes(32).toString("base64")}\n`);
  return EXIT.ok;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535)
    throw new UsageError(`"${value}" is not a port number`);
  return port;
}

function loadDotEnv(): void {
  // Variables already in the environment win over .env (Node's loadEnvFile keeps them).
  if (existsSync(".env")) process.loadEnvFile(".env");
}
