import { parseArgs } from "node:util";
import { type Command, EXIT } from "./command.js";
import { openConnection } from "./connection.js";

export const tokenCommand: Command = {
  name: "token",
  synopsis: "",
  summary:
    'Print a valid access token (refreshed when due), for\ncurl -H "Authorization: OAuth $(soundgate token)" ...',
  async run(args) {
    const { values } = parseArgs({
      args,
      options: { help: { type: "boolean", short: "h" } },
      strict: true,
    });
    if (values.help) {
      process.stdout.write(
        "Usage: soundgate token\n\nPrints a valid access token of the logged-in user on stdout, refreshing it first\nwhen it expires within a minute. Concurrent runs refresh once. The only command\nthat prints a token.\n",
      );
      return EXIT.ok;
    }
    const connection = await openConnection();
    process.stdout.write(`${await connection.accessToken()}\n`);
    return EXIT.ok;
  },
};
