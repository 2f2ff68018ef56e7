import { randomBytes } from "node:crypto";
import { CliError, type Command, EXIT, UsageError } from "./command.js";
import { loadDotEnv } from "./env.js";
import { loadServer } from "./optional-packages.js";

const HELP = `Usage: soundgate keys generate
       soundgate keys rotate

generate  Prints a new key, id:base64 of 32 random bytes, for SOUNDGATE_ENCRYPTION_KEYS
          (a comma-separated list; the first key encrypts, all of them decrypt).
rotate    Re-encrypts every stored secret with the first key of SOUNDGATE_ENCRYPTION_KEYS,
          page by page, beside live gateways (needs @soundgate/server). Deploy the new
          key first in the list, rotate, then drop the old key. Reads the same
          environment and ./.env as soundgate serve (SOUNDGATE_DATABASE_URL).
`;

export const keysCommand: Command = {
  help: () => HELP,
  async run(args) {
    if (args.includes("--help") || args.includes("-h")) {
      process.stdout.write(HELP);
      return EXIT.ok;
    }
    if (args.length > 1) throw new UsageError(`unexpected argument "${args[1]}"`);
    switch (args[0]) {
      case "generate": {
        const id = `k${new Date().toISOString().slice(0, 19).replace(/[-:T]/g, "")}`;
        process.stdout.write(`${id}:${randomBytes(32).toString("base64")}\n`);
        return EXIT.ok;
      }
      case "rotate":
        return rotate();
      default:
        throw new UsageError('expected "keys generate" or "keys rotate"');
    }
  },
};

async function rotate(): Promise<number> {
  // Loaded here, not at the top: every other CLI command (`soundgate token` in a shell
  // prompt, say) would otherwise pay for the database drivers on each run.
  const server = await loadServer("keys rotate");
  loadDotEnv();
  const invalid = (message: string) =>
    new CliError(EXIT.config, `invalid configuration: ${message}`);
  let config: ReturnType<typeof server.loadConfig>;
  try {
    config = server.loadConfig(process.env);
  } catch (error) {
    throw error instanceof server.ConfigError ? invalid(error.message) : error;
  }
  if (!config.encryptionKeys) {
    throw invalid(
      "SOUNDGATE_ENCRYPTION_KEYS: is required to rotate (new key first, then the old ones)",
    );
  }
  let cipher: InstanceType<typeof server.Cipher>;
  try {
    cipher = server.Cipher.fromEnv(config.encryptionKeys);
  } catch (error) {
    throw invalid(`SOUNDGATE_ENCRYPTION_KEYS: ${(error as Error).message}`);
  }
  const store = await server.openStore(config.databaseUrl);
  try {
    const report = await server.rotateKeys(store, cipher);
    process.stdout.write(
      `re-encrypted ${report.reencrypted} values with key "${cipher.primaryKeyId}"; ` +
        `${report.current} already current, ${report.raced} rewritten meanwhile, ${report.unreadable} unreadable\n`,
    );
    if (report.unreadable > 0) {
      process.stderr.write(
        "soundgate: some values could not be opened with any configured key; keep the old key in SOUNDGATE_ENCRYPTION_KEYS until they are gone\n",
      );
      return EXIT.failure;
    }
    return EXIT.ok;
  } finally {
    await store.close();
  }
}
