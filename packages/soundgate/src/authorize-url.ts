import { resolveEndpoints, type SoundCloudEndpoints } from "./endpoints.js";
import { SoundgateError } from "./errors.js";

export interface AuthorizeUrlParams {
  clientId: string;
  redirectUri: string;
  /** From createPkce(): the challenge only; the verifier never leaves the server. */
  codeChallenge: string;
  /** From createState(): bind it to this browser/flow and check it on return. */
  state: string;
  endpoints?: Partial<SoundCloudEndpoints> | undefined;
}

/** The URL to send the user to. Parameters are encoded by URLSearchParams, never concatenated. */
export function buildAuthorizeUrl(params: AuthorizeUrlParams): string {
  for (const key of ["clientId", "redirectUri", "codeChallenge", "state"] as const) {
    if (typeof params[key] !== "string" || params[key] === "") {
      throw new SoundgateError("invalid_argument", `${key} is required to build an authorize URL`);
    }
  }
  const url = new URL(resolveEndpoints(params.endpoints).authorizeUrl);
  url.searchParams.set("client_id", params.clientId);
  url.searchParams.set("redirect_uri", params.redirectUri);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("code_challenge", params.codeChallenge);
  url.searchParams.set("code_challenge_method", "S256");
  url.searchParams.set("state", params.state);
  return url.toString();
}
