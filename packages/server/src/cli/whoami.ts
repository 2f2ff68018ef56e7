import { parseArgs } from "node:util";
import { type Command, EXIT } from "./command.js";
import { openConnection } from "./connection.js";

export const whoamiCommand: Command = {
  name: "whoami",
  synopsis: "[--json]",
  summary: "Show the logged-in SoundCloud user (GET /me).",
  async run(args) {
    const { values } = parseArgs({
      args,
      options: { json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
      strict: true,
    });
    if (values.help) {
      process.stdout.write(
        "Usage: soundgate whoami [--json]\n\nAsks SoundCloud who the stored login belongs to: username and URN, or the\nwhole Me object with --json.\n",
      );
      return EXIT.ok;
    }
    const { sc, session } = await openConnection();
    const me = await sc.me.get();
    if (values.json) {
      process.stdout.write(`${JSON.stringify(me, null, 2)}\n`);
    } else {
      const where = session.emulator ? ` on the emulator at ${session.endpoints.apiBaseUrl}` : "";
      process.stdout.write(`${me.username} (${me.urn})${where}\n`);
    }
    return EXIT.ok;
  },
};
