import { type Command, EXIT } from "./command.js";

export const emulatorCommand: Command = {
  name: "emulator",
  synopsis: "[options]",
  summary: "Start the SoundCloud emulator (see: soundgate emulator --help).",
  async run(args) {
    const { runEmulatorCli } = await import("@soundgate/emulator");
    await runEmulatorCli(args);
    return EXIT.ok;
  },
};
