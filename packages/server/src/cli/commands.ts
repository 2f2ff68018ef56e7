import type { Command } from "./command.js";
import { emulatorCommand } from "./emulator.js";
import { keysCommand } from "./keys.js";
import { serveCommand } from "./serve.js";

/** Every subcommand, in the order `soundgate --help` lists them. Add new ones here. */
export const COMMANDS: readonly Command[] = [serveCommand, emulatorCommand, keysCommand];
