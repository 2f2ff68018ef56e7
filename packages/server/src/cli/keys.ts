import { randomBytes } from "node:crypto";
import { type Command, EXIT, UsageError } from "./command.js";

export const keysCommand: Command = {
  name: "keys",
  synopsis: "generate",
  summary: "Print a new key for SOUNDGATE_ENCRYPTION_KEYS.",
  async run(args) {
    if (args[0] !== "generate") throw new UsageError('expected "keys generate"');
    const id = `k${new Date().toISOString().slice(0, 10).replace(/-/g, "")}`;
    process.stdout.write(`${id}:${randomBytes(32).toString("base64")}\n`);
    return EXIT.ok;
  },
};
