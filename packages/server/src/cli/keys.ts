import { randomBytes } from "node:crypto";
import { ConfigError, loadConfig } from "../config.js";
import { Cipher } from "../crypto/cipher.js";
import { type Command, EXIT, UsageError } from "./command.js";
import { loadDotEnv } from "./env.js";

export const keysCommand: Command = {
  name: "keys",
  synopsis: "generate|rotate",
  summary:
    "generate: print a new key for SOUNDGATE_ENCRYPTION_KEYS.\nrotate: re-encrypt every stored secret with the first key of SOUNDGATE_ENCRYPTION_KEYS.",
  async run(args) {
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
  loadDotEnv();
  const config = loadConfig(process.env);
  if (!config.encryptionKeys) {
    throw new ConfigError(
      "SOUNDGATE_ENCRYPTION_KEYS",
      "is required to rotate (new key first, then the old ones)",
    );
  }
  let cipher: Cipher;
  try {
    cipher = Cipher.fromEnv(config.encryptionKeys);
  } catch (error) {
    throw new ConfigError("SOUNDGATE_ENCRYPTION_KEYS", (error as Error).message);
  }
  // Loaded here, not at the top: every other CLI command (`soundgate token` in a shell
  // prompt, say) would otherwise pay for the database drivers on each run.
  const [{ openStore }, { rotateKeys }] = await Promise.all([
    import("../store/open.js"),
    import("../crypto/rotate.js"),
  ]);
  const store = await openStore(config.databaseUrl);
  try {
    const report = await rotateKeys(store, cipher);
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
