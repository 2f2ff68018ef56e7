export type { SoundCloudAppOptions } from "./client-options.js";
export {
  type PgClientLike,
  type PgPoolLike,
  type PostgresCoordination,
  type PostgresCoordinationOptions,
  postgresCoordination,
} from "./postgres.js";
export {
  default,
  default as SoundCloud,
  type SoundCloudProfile,
  type SoundCloudProviderOptions,
} from "./provider.js";
export {
  type SoundCloudRefresh,
  type SoundCloudRefreshOptions,
  soundcloudRefresh,
} from "./refresh.js";
export type {
  RefreshTokenError,
  SoundCloudJwtFields,
  SoundCloudSessionFields,
} from "./session-fields.js";
