export {
  createSoundgateClient,
  type LoginOptions,
  type Session,
  type SoundgateClient,
  type SoundgateClientOptions,
  type SoundgateUser,
} from "./client.js";
export { SoundgateError, type SoundgateErrorCode } from "./errors.js";
export { LOCK_NAME } from "./lock.js";
export {
  ACCESS_TOKEN,
  EXPIRES_AT,
  FLOW_KEY,
  LEASE_KEY,
  REFRESH_TOKEN,
  TOKEN_LIFETIME,
  type TokenStorage,
  USER,
} from "./storage.js";
