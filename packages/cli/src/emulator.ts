import type { Command } from "./command.js";
import { loadEmulator } from "./optional-packages.js";

const PROGRAM = "soundgate emulator";

export const emulatorCommand: Command = {
  async help() {
    const { emulatorUsage } = await loadEmulator("emulator");
    return emulatorUsage(PROGRAM);
  },
  async run(args) {
    const { runEmulatorCli } = await loadEmulator("emulator");
    // The emulator parses its own flags and reports its own errors, with the same exit
    // codes as every soundgate command.
    return runEmulatorCli(args, { program: PROGRAM });
  },
};
