// The supported API of @soundgate/server. Anything not exported here is internal and may
// change in any release: the login services (auth code flows, Starlib hand-off, BFF sessions), the refresher, the store's row types.
export type { ConnectionInfo, ReauthReason } from "./auth/app-user-connections.js";
export type { LoginResultJson, UserSummary } from "./auth/login-result.js";
export type { GatewayConfig, SoundCloudAppConfig } from "./config.js";
export { loadConfig } from "./config.js";
export { ConfigError, MissingPackageError } from "./config-error.js";
export { Cipher, SealedValueError } from "./crypto/cipher.js";
export { type RotationReport, rotateKeys } from "./crypto/rotate.js";
export { GatewayError, type GatewayErrorCode } from "./errors.js";
export {
  createGateway,
  type Gateway,
  type GatewayOptions,
  type RunningGateway,
  startGateway,
} from "./gateway.js";
export { HttpError } from "./http/errors.js";
export { httpStatusOf } from "./http/status-of.js";
export {
  createSoundgate,
  NotConnectedError,
  Soundgate,
  type SoundgateOptions,
} from "./library.js";
export {
  createLogger,
  type GatewayLogCall,
  type GatewayLogger,
  type LogDestination,
  type Logger,
  type LogLevel,
} from "./logger.js";
export { openStore } from "./store/open.js";
export type { GatewayStore } from "./store/store.js";
