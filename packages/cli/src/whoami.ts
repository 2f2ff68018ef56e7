import { parseArgs } from "node:util";
import { type Command, EXIT } from "./command.js";
import { openSavedLogin } from "./saved-login-client.js";

const HELP = `Usage: soundgate whoami [--json]

Asks SoundCloud who the stored login belongs to: username and URN, or the
whole Me object with --json.
`;

export const whoamiCommand: Command = {
  help: () => HELP,
  async run(args) {
    const { values } = parseArgs({
      args,
      options: { json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
      strict: true,
    });
    if (values.help) {
      process.stdout.write(HELP);
      return EXIT.ok;
    }
    const { sc, login } = await openSavedLogin();
    const me = await sc.me.get();
    if (values.json) {
      process.stdout.write(`${JSON.stringify(me, null, 2)}\n`);
    } else {
      const where = login.emulator ? ` on the emulator at ${login.endpoints.apiBaseUrl}` : "";
      process.stdout.write(`${me.username} (${me.urn})${where}\n`);
    }
    return EXIT.ok;
  },
};
