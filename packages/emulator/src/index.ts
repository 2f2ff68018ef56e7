/**
 * @soundgate/emulator: a faithful local SoundCloud for offline tests. OAuth 2.1
 * authorization server (authorize, token, sign-out), the public API on seeded
 * data, fault injection and counters, all on one HTTP origin.
 */
export { createEmulatorApp } from "./app.js";
export {
  type CliIo,
  type EmulatorCliOptions,
  emulatorUsage,
  runEmulatorCli,
} from "./cli-main.js";
export type { EmulatorConfig } from "./config.js";
export type { Fault, FaultMode } from "./faults.js";
export type { EmulatorClient, EmulatorOptions, RateLimits } from "./options.js";
export { DEFAULT_RATE_LIMITS } from "./options.js";
export { type RunningEmulator, startEmulator } from "./server.js";
export { StateFileError } from "./state-file.js";
export type { EmulatorStats, FaultTarget, GrantType, TokenErrorCode } from "./stats.js";
