// `soundgate token` with a valid stored token (a login made with `soundgate login
// --emulator --auto-approve`) vs `node -e 0`: wall time from spawn to exit, alternated
// run by run, medians. The CLI's floor is starting Node; everything above it is ours.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GATEWAY_CLI, goal, interleave, machineLoad, median, ratio, wallTime } from "./lib.js";

export const CLI_TOKEN_GOAL = { at_most: 1.5 };

/** A config directory with a fresh login to the emulator; the caller removes it. */
export async function cliLogin(emulatorUrl) {
  const dir = mkdtempSync(join(tmpdir(), "soundgate-bench-cli-"));
  const env = { SOUNDGATE_CONFIG_DIR: dir };
  await wallTime(
    [GATEWAY_CLI, "login", "--emulator", "--auto-approve", "--emulator-url", emulatorUrl],
    env,
  );
  const { output } = await wallTime([GATEWAY_CLI, "token"], env);
  if (!/^\S{10,}\n$/.test(output)) throw new Error("soundgate token printed no token");
  return { dir, env };
}

export async function benchCliToken(emulator, { runs }) {
  const login = await cliLogin(emulator.url);
  try {
    const loadBefore = machineLoad();
    const samples = await interleave(runs, {
      node: async () => (await wallTime(["-e", "0"])).ms,
      token: async () => (await wallTime([GATEWAY_CLI, "token"], login.env)).ms,
    });
    const node = median(samples.node);
    const token = median(samples.token);
    const value = ratio(token, node, 2);
    return {
      name: "cli_token",
      runs,
      node_median_ms: Math.round(node),
      token_median_ms: Math.round(token),
      ratio: value,
      goal: goal(value, CLI_TOKEN_GOAL),
      load: loadBefore,
    };
  } finally {
    rmSync(login.dir, { recursive: true, force: true });
  }
}
