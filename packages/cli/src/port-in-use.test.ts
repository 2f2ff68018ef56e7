import { spawnSync } from "node:child_process";
import { EXIT } from "soundgate/exit-codes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  EMULATOR_BIN,
  runToEnd,
  SOUNDGATE_BIN,
  shellQuote,
  soundgate,
  takenPort,
} from "./test-support.js";

let taken: Awaited<ReturnType<typeof takenPort>>;
beforeAll(async () => {
  taken = await takenPort();
});
afterAll(() => taken.close());

const gatewayEnv = () => ({
  SOUNDGATE_DATABASE_URL: "sqlite::memory:",
  SOUNDGATE_LOG_LEVEL: "silent",
  SOUNDGATE_ENCRYPTION_KEYS: `k:${Buffer.alloc(32, 3).toString("base64")}`,
});

describe("a port in use exits 3, naming the port and what moves it", () => {
  it("soundgate serve: --port / SOUNDGATE_PORT", async () => {
    for (const [args, env] of [
      [["serve", "--port", String(taken.port)], {}],
      [["serve"], { SOUNDGATE_PORT: String(taken.port) }],
    ] as const) {
      const result = await soundgate([...args], {
        env: { ...gatewayEnv(), SOUNDGATE_EMULATOR_PORT: "0", ...env },
      });
      expect(result.code).toBe(EXIT.config);
      expect(result.stderr).toBe(
        `soundgate: port ${taken.port} is already in use; choose another with --port or SOUNDGATE_PORT (0 = any free port)\n`,
      );
    }
  });

  it("soundgate serve's built-in emulator: SOUNDGATE_EMULATOR_PORT", async () => {
    const result = await soundgate(["serve", "--port", "0"], {
      env: { ...gatewayEnv(), SOUNDGATE_EMULATOR_PORT: String(taken.port) },
    });
    expect(result.code).toBe(EXIT.config);
    expect(result.stderr).toBe(
      `soundgate: port ${taken.port} is already in use; set SOUNDGATE_EMULATOR_PORT to another port for the built-in emulator (0 = any free port)\n`,
    );
  });

  it("soundgate emulator and soundgate-emulator: --port", async () => {
    const mounted = await soundgate(["emulator", "--port", String(taken.port)]);
    const standalone = await runToEnd([
      process.execPath,
      EMULATOR_BIN,
      "--port",
      String(taken.port),
    ]);
    for (const [result, program] of [
      [mounted, "soundgate emulator"],
      [standalone, "soundgate-emulator"],
    ] as const) {
      expect(result.code, program).toBe(EXIT.config);
      expect(result.stderr, program).toBe(
        `${program}: port ${taken.port} is already in use; choose another with --port (0 = any free port)\n`,
      );
    }
  });

  // What a person sees in a terminal: `script` gives the CLI a pseudo-terminal. Without
  // it the test is skipped locally, but under CI=true it runs (and fails): nothing silently.
  it.skipIf(spawnSync("script", ["--version"]).status !== 0 && process.env.CI !== "true")(
    "on a terminal too: one line, no stack trace",
    async () => {
      const command = [process.execPath, SOUNDGATE_BIN, "emulator", "--port", String(taken.port)]
        .map(shellQuote)
        .join(" ");
      const result = await runToEnd(["script", "-qec", command, "/dev/null"]);
      expect(result.code).toBe(EXIT.config);
      // On a pty stdout and stderr arrive together, with CRLF line ends.
      expect(result.stdout.replace(/\r\n/g, "\n")).toBe(
        `soundgate emulator: port ${taken.port} is already in use; choose another with --port (0 = any free port)\n`,
      );
    },
  );
});
