import { parseArgs } from "node:util";
import { CliError, type Command, EXIT, parsePort } from "./command.js";
import type { DevEmulator } from "./dev-emulator.js";
import { loadDotEnv } from "./env.js";
import { listenError } from "./listen-error.js";
import { nativeModuleError } from "./native-module-error.js";
import { loadServer, missingDriver, type ServerModule } from "./optional-packages.js";
import { serveBanner } from "./serve-banner.js";

const DEFAULT_EMULATOR_PORT = "8788";

const HELP = `Usage: soundgate serve [--port N] [--static DIR]

Starts the gateway (needs @soundgate/server). Configuration comes from the environment
and ./.env (see .env.example). With no SOUNDCLOUD_CLIENT_ID/SECRET set it also starts
the built-in SoundCloud emulator (needs @soundgate/emulator) and uses it.

Options:
  -p, --port N     port to listen on (default: $SOUNDGATE_PORT, else 8787; 0 = any free port)
  --static DIR     also serve the files in DIR at / (the demo page: apps/demo/dist)
  -h, --help       show this help

The built-in emulator listens on $SOUNDGATE_EMULATOR_PORT (default ${DEFAULT_EMULATOR_PORT}).
SIGINT or SIGTERM stops both.

Outside production, without SOUNDGATE_ENCRYPTION_KEYS, a development key is generated
once and kept in $SOUNDGATE_DATA_DIR (default ./data) with the database and the built-in
emulator's state, so a restart keeps everyone signed in. NODE_ENV=production refuses to
start without keys.
`;

export const serveCommand: Command = {
  help: () => HELP,
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        port: { type: "string", short: "p" },
        static: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    });
    if (values.help) {
      process.stdout.write(HELP);
      return EXIT.ok;
    }
    const port = values.port === undefined ? undefined : parsePort(values.port);
    // Loaded here, not at the top: every other command (`soundgate token` in a
    // $(...) above all) would otherwise pay for the gateway's start-up on each run.
    const server = await loadServer("serve");
    loadDotEnv();
    let config: ReturnType<ServerModule["loadConfig"]>;
    try {
      config = server.loadConfig(process.env, {
        ...(port === undefined ? {} : { port }),
        ...(values.static === undefined ? {} : { staticDir: values.static }),
      });
    } catch (error) {
      throw configError(server, error);
    }
    const emulatorPort = process.env.SOUNDGATE_EMULATOR_PORT || DEFAULT_EMULATOR_PORT;
    let dev: DevEmulator | undefined;
    if (!config.soundcloud) {
      const { startDevEmulator } = await import("./dev-emulator.js");
      const at = parseEnvPort("SOUNDGATE_EMULATOR_PORT", emulatorPort);
      dev = await startDevEmulator(config, at).catch((error) => {
        throw (
          listenError(
            error,
            at,
            "set SOUNDGATE_EMULATOR_PORT to another port for the built-in emulator (0 = any free port)",
          ) ?? error
        );
      });
    }
    let gateway: Awaited<ReturnType<ServerModule["startGateway"]>>;
    try {
      gateway = await server.startGateway({ config, soundcloud: dev?.soundcloud });
    } catch (error) {
      await dev?.close();
      throw (
        listenError(
          error,
          config.port,
          "choose another with --port or SOUNDGATE_PORT (0 = any free port)",
        ) ??
        nativeModuleError(error) ??
        configError(server, error)
      );
    }
    // Before the banner: whoever reads it may signal at once, and a signal with no
    // handler yet kills the process without closing anything.
    const stopped = new Promise<void>((resolve) => {
      process.once("SIGINT", () => resolve());
      process.once("SIGTERM", () => resolve());
    });
    // JSON logs own stdout (one record per line); the banner is for a person, so it goes
    // to stderr then. The gateway's own `listening` record carries the same URL.
    const out = config.logFormat === "json" ? process.stderr : process.stdout;
    out.write(
      serveBanner({
        url: gateway.openUrl,
        publicUrl: config.publicUrl,
        key: gateway.keySource,
        soundcloud: dev
          ? { emulatorPort: Number(new URL(dev.url).port) }
          : { clientId: config.soundcloud?.clientId ?? "" },
        metrics: gateway.metricsUrl
          ? { url: gateway.metricsUrl, token: config.metricsToken !== undefined }
          : config.metricsToken !== undefined
            ? { url: `${gateway.openUrl}/metrics`, token: true }
            : undefined,
      }),
    );
    await stopped;
    await gateway.close();
    await dev?.close();
    return EXIT.ok;
  },
};

/**
 * The gateway's ConfigError (it names the variable) as exit 3, a missing database driver
 * as exit 8; anything else as it is.
 */
function configError(server: ServerModule, error: unknown): unknown {
  if (error instanceof server.MissingPackageError) return missingDriver(server, error);
  return error instanceof server.ConfigError
    ? new CliError(EXIT.config, `invalid configuration: ${error.message}`)
    : error;
}

function parseEnvPort(name: string, value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) {
    throw new CliError(
      EXIT.config,
      `invalid configuration: ${name}: must be a port number (0-65535)`,
    );
  }
  return port;
}
