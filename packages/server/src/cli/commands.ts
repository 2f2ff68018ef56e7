import { apiCommand } from "./api.js";
import type { Command } from "./command.js";
import { emulatorCommand } from "./emulator.js";
import { keysCommand } from "./keys.js";
import { loginCommand } from "./login.js";
import { logoutCommand } from "./logout.js";
import { serveCommand } from "./serve.js";
import { tokenCommand } from "./token.js";
import { uploadCommand } from "./upload.js";
import { whoamiCommand } from "./whoami.js";

/** Every subcommand, in the order `soundgate --help` lists them. Add new ones here. */
export const COMMANDS: readonly Command[] = [
  loginCommand,
  tokenCommand,
  whoamiCommand,
  apiCommand,
  uploadCommand,
  logoutCommand,
  serveCommand,
  emulatorCommand,
  keysCommand,
];
