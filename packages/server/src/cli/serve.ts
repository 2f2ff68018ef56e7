import { parseArgs } from "node:util";
import { loadConfig } from "../config.js";
import { type Command, EXIT, parsePort } from "./command.js";
import { loadDotEnv } from "./env.js";

export const serveCommand: Command = {
  name: "serve",
  synopsis: "[--port N] [--static DIR]",
  summary:
    "Start the gateway. With no SOUNDCLOUD_CLIENT_ID/SECRET set it also\nstarts the built-in SoundCloud emulator and uses it.",
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
      process.stdout.write(
        "Usage: soundgate serve [--port N]\n\nStarts the gateway; see soundgate --help.\n",
      );
      return EXIT.ok;
    }
    const port = values.port === undefined ? undefined : parsePort(values.port);
    // Loaded here, not at the top: every other command (`soundgate token` in a
    // $(...) above all) would otherwise pay for the gateway's start-up on each run.
    const [{ startDevEmulator }, { startGateway }] = await Promise.all([
      import("../dev-emulator.js"),
      import("../gateway.js"),
    ]);
    loadDotEnv();
    const config = loadConfig(process.env, {
      ...(port === undefined ? {} : { port }),
      ...(values.static === undefined ? {} : { staticDir: values.static }),
    });
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
      process.once("SIGINT", () => resolve());
      process.once("SIGTERM", () => resolve());
    });
    await gateway.close();
    await dev?.close();
    return EXIT.ok;
  },
};
