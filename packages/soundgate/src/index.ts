export { CommentsApi } from "./api/comments.js";
export { LikesApi } from "./api/likes.js";
export { MeApi } from "./api/me.js";
export type { FileSource, StreamSource } from "./api/multipart.js";
export type {
  AccessListOptions,
  CallOptions,
  ListOptions,
  PlaylistListOptions,
} from "./api/options.js";
export { Paginated, type PaginateOptions } from "./api/pagination.js";
export { type PlaylistSearch, PlaylistsApi } from "./api/playlists.js";
export { RepostsApi } from "./api/reposts.js";
export { createSoundCloud, type SoundCloud, type SoundCloudOptions } from "./api/soundcloud.js";
export { type SecretOptions, type TrackSearch, TracksApi } from "./api/tracks.js";
export type {
  Access,
  Activity,
  ApiErrorBody,
  Comment,
  CommentInput,
  CommentUrn,
  CommentUser,
  EmbeddableBy,
  License,
  Me,
  Page,
  Playlist,
  PlaylistInput,
  PlaylistUrn,
  Resource,
  Sharing,
  Storefront,
  StorefrontInput,
  StorefrontType,
  Streams,
  Subscription,
  Track,
  TrackMetadata,
  TrackUrn,
  Urn,
  User,
  UserUrn,
  WebProfile,
} from "./api/types.js";
export type { UploadInput, UploadProgress } from "./api/upload.js";
export { isUrn, parseUrn, playlistUrn, trackUrn, userUrn } from "./api/urn.js";
export { type UserSearch, UsersApi } from "./api/users.js";
export {
  ApiClient,
  type ApiClientOptions,
  type ApiResponse,
  type QueryValue,
  type RequestOptions,
} from "./api-client.js";
export { type AuthorizeUrlParams, buildAuthorizeUrl } from "./authorize-url.js";
export {
  ClientCredentialsCache,
  type ClientCredentialsCacheOptions,
} from "./client-credentials.js";
export { base64UrlEncode, randomBytes, sha256 } from "./encoding.js";
export { endpointsForOrigin, SOUNDCLOUD_ENDPOINTS, type SoundCloudEndpoints } from "./endpoints.js";
export { isSoundgateError, SoundgateError, type SoundgateErrorCode } from "./errors.js";
export {
  clientCredentials,
  type ExchangeCodeParams,
  exchangeCode,
  type RefreshParams,
  refreshToken,
  signOut,
} from "./grants.js";
export { DEFAULT_TIMEOUT_MS, type FetchLike } from "./http.js";
export type { OAuthClientOptions } from "./oauth-client.js";
export {
  createCodeChallenge,
  createPkce,
  createState,
  isValidCodeVerifier,
  type Pkce,
} from "./pkce.js";
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from "./retry.js";
export {
  DEFAULT_REFRESH_GRACE_MS,
  type GraceStore,
  type LockFn,
  MemoryGraceStore,
  RotationGuard,
  type RotationGuardOptions,
} from "./rotation-guard.js";
export { SingleFlight } from "./single-flight.js";
export {
  DEFAULT_REFRESH_WINDOW_MS,
  type RefreshOutcome,
  TokenManager,
  type TokenManagerOptions,
} from "./token-manager.js";
export type { TokenProvider } from "./token-provider.js";
export {
  parseTokenResponse,
  type TokenResponseJson,
  type TokenSet,
  toTokenResponseJson,
} from "./token-set.js";
export { MemoryTokenStore, type StoredTokens, type TokenStore } from "./token-store.js";
