import { parseArgs } from "node:util";
import { type Command, EXIT } from "./command.js";
import { savedAccessToken } from "./saved-login-client.js";

const HELP = `Usage: soundgate token

Prints a valid access token of the logged-in user on stdout, refreshing it first
when it expires within a minute. Concurrent runs refresh once. The only command
that prints a token.
`;

export const tokenCommand: Command = {
  help: () => HELP,
  async run(args) {
    const { values } = parseArgs({
      args,
      options: { help: { type: "boolean", short: "h" } },
      strict: true,
    });
    if (values.help) {
      process.stdout.write(HELP);
      return EXIT.ok;
    }
    process.stdout.write(`${await savedAccessToken()}\n`);
    return EXIT.ok;
  },
};
