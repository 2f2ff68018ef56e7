// npm run test:reliability [-- --soak-seconds N] [-- --crash-rounds N] [-- --chaos-seconds N]
// The long reliability runs (crash safety, soak, the Postgres store under load and chaos).
// Flags become the environment the tests read, so a long soak or chaos run is one command.
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    "soak-seconds": { type: "string" },
    "crash-rounds": { type: "string" },
    "chaos-seconds": { type: "string" },
  },
  strict: true,
});
const env = { ...process.env };
if (values["soak-seconds"]) env.SOUNDGATE_SOAK_SECONDS = values["soak-seconds"];
if (values["crash-rounds"]) env.SOUNDGATE_CRASH_ROUNDS = values["crash-rounds"];
if (values["chaos-seconds"]) env.SOUNDGATE_CHAOS_SECONDS = values["chaos-seconds"];
const result = spawnSync("npx", ["vitest", "run", "--config", "vitest.reliability.config.ts"], {
  env,
  stdio: "inherit",
});
process.exit(result.status ?? 1);
