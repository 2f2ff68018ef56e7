export {
  ApiClient,
  type ApiClientOptions,
  type QueryValue,
  type RequestOptions,
} from "./api-client.js";
export type { Me, Page, PlaylistUrn, TrackUrn, Urn, User, UserUrn } from "./api-types.js";
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
export { SingleFlight } from "./single-flight.js";
export {
  DEFAULT_REFRESH_WINDOW_MS,
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
