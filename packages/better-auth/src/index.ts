export { AccountTokenStore } from "./account-store.js";
export { type SoundCloudPluginOptions, soundcloud } from "./plugin.js";
export { type PgPoolLike, postgresLock } from "./postgres-lock.js";
export { placeholderEmail, soundcloudProvider } from "./provider.js";
