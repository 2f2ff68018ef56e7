export type { ConnectionInfo, ReauthReason } from "./auth/connections.js";
export type { GatewayContext } from "./auth/context.js";
export { FLOW_TTL_MS, Flows, RESULT_TTL_MS } from "./auth/flows.js";
export type { LoginResultJson, UserSummary } from "./auth/login-result.js";
export { REFRESH_GRACE_MS, Refresher } from "./auth/refresh.js";
export type { GatewayConfig, SoundCloudAppConfig } from "./config.js";
export { loadConfig } from "./config.js";
export { ConfigError } from "./config-error.js";
export { aad, Cipher, SealedValueError } from "./crypto/cipher.js";
export { type RotationReport, rotateKeys } from "./crypto/rotate.js";
export {
  createGateway,
  type Gateway,
  type GatewayOptions,
  type RunningGateway,
  startGateway,
} from "./gateway.js";
export { HttpError } from "./http/errors.js";
export {
  createSoundgate,
  NotConnectedError,
  Soundgate,
  type SoundgateOptions,
} from "./library.js";
export { createLogger, type Logger } from "./logger.js";
export { openStore } from "./store/open.js";
export type { FlowRecord, GatewayStore, NewFlow } from "./store/store.js";
