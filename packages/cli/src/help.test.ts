import { readFile } from "node:fs/promises";
import { EXIT, EXIT_MEANINGS } from "soundgate/exit-codes";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "./commands.js";
import { EMULATOR_BIN, runToEnd, soundgate } from "./test-support.js";

describe("soundgate --version and help", () => {
  it("prints its version", async () => {
    const { version } = JSON.parse(
      await readFile(new URL("../package.json", import.meta.url), "utf8"),
    );
    for (const flag of ["--version", "-v"]) {
      const result = await soundgate([flag]);
      expect(result).toMatchObject({ code: EXIT.ok, stdout: `soundgate ${version}\n`, stderr: "" });
    }
  });

  it("lists every command and the whole exit-code table", async () => {
    const result = await soundgate(["help"]);
    expect(result.code).toBe(EXIT.ok);
    for (const command of COMMANDS) expect(result.stdout).toContain(`  ${command.name} `);
    for (const [code, meaning] of EXIT_MEANINGS) {
      expect(result.stdout).toContain(`${String(code).padStart(3)}  ${meaning}`);
    }
  });

  it("prints one command's help for `help <cmd>` and `<cmd> --help` alike", async () => {
    for (const { name } of COMMANDS) {
      const viaHelp = await soundgate(["help", name]);
      const viaFlag = await soundgate([name, "--help"]);
      expect(viaHelp.code, name).toBe(EXIT.ok);
      expect(viaFlag.code, name).toBe(EXIT.ok);
      expect(viaHelp.stdout, name).toMatch(new RegExp(`^Usage: soundgate ${name}\\b`));
      expect(viaFlag.stdout, name).toBe(viaHelp.stdout);
    }
  });

  it("serve --help lists --static; emulator --help names `soundgate emulator`", async () => {
    expect((await soundgate(["serve", "--help"])).stdout).toMatch(/--static DIR +also serve/);
    const emulator = await soundgate(["emulator", "--help"]);
    expect(emulator.stdout).toMatch(/^Usage: soundgate emulator \[options\]/);
    expect(emulator.stdout).not.toContain("soundgate-emulator");
    expect(emulator.stdout).toContain("--state-file FILE");
  });

  it("points a usage error at the help of the command it happened in", async () => {
    const unknownOption = await soundgate(["login", "--bogus"]);
    expect(unknownOption).toMatchObject({
      code: EXIT.usage,
      stderr: 'soundgate: unknown option --bogus\nRun "soundgate login --help" for usage.\n',
    });
    const missingValue = await soundgate(["api", "/me", "-f"]);
    expect(missingValue.code).toBe(EXIT.usage);
    expect(missingValue.stderr).toContain('Run "soundgate api --help"');
    const unknownCommand = await soundgate(["frobnicate"]);
    expect(unknownCommand.code).toBe(EXIT.usage);
    expect(unknownCommand.stderr).toContain('unknown command "frobnicate"');
    expect(unknownCommand.stderr).toContain('Run "soundgate help" for usage.');
    expect((await soundgate(["help", "frobnicate"])).code).toBe(EXIT.usage);
  });

  it("soundgate emulator --bogus exits 2 like soundgate-emulator --bogus, each naming itself", async () => {
    const mounted = await soundgate(["emulator", "--bogus"]);
    const standalone = await runToEnd([process.execPath, EMULATOR_BIN, "--bogus"]);
    expect(mounted).toMatchObject({
      code: EXIT.usage,
      stdout: "",
      stderr: "soundgate emulator: unknown option --bogus (see soundgate emulator --help)\n",
    });
    expect(standalone).toMatchObject({
      code: EXIT.usage,
      stdout: "",
      stderr: "soundgate-emulator: unknown option --bogus (see soundgate-emulator --help)\n",
    });
  });
});

describe("the exit-code contract", () => {
  // The numbers are what scripts switch on: changing one breaks them, so it is spelled out.
  it("keeps its numbers", () => {
    expect(EXIT).toEqual({
      ok: 0,
      failure: 1,
      usage: 2,
      config: 3,
      unreachable: 4,
      auth: 5,
      api: 6,
      rateLimited: 7,
      missingPackage: 8,
      interrupted: 130,
    });
    expect(EXIT_MEANINGS.map(([code]) => code)).toEqual(Object.values(EXIT));
  });
});
