// A pass-through in front of the emulator's token endpoint that notes how each token request
// authenticated the client. The emulator accepts HTTP Basic and the secret in the body alike,
// so only a recorder on the wire shows which one a client really sends (SoundCloud's docs
// ask for client_secret_post).
import type { SoundCloudEndpoints } from "soundgate";
import { type ServedApp, serveFetch } from "./serve-fetch.js";

export interface RecordedTokenRequest {
  grantType: string | null;
  /** The `Authorization` header's scheme ("Basic"), or null when there was none. */
  authorizationScheme: string | null;
  /** Which credentials the form body carried. */
  bodyClientId: boolean;
  bodyClientSecret: boolean;
}

export interface TokenRecorder {
  /** The emulator's endpoints with `tokenUrl` pointing through the recorder. */
  endpoints: SoundCloudEndpoints;
  requests: RecordedTokenRequest[];
  /** The requests that did not send the client's credentials in the body only (none, when right). */
  notClientSecretPost(): RecordedTokenRequest[];
  close(): Promise<void>;
}

export async function recordTokenRequests(upstream: SoundCloudEndpoints): Promise<TokenRecorder> {
  const requests: RecordedTokenRequest[] = [];
  const served: ServedApp = await serveFetch(async (request) => {
    const body = await request.text();
    const form = new URLSearchParams(body);
    const authorization = request.headers.get("authorization");
    requests.push({
      grantType: form.get("grant_type"),
      authorizationScheme: authorization ? (authorization.split(" ")[0] ?? "") : null,
      bodyClientId: form.has("client_id"),
      bodyClientSecret: form.has("client_secret"),
    });
    const headers = new Headers();
    for (const name of ["content-type", "authorization", "accept"]) {
      const value = request.headers.get(name);
      if (value !== null) headers.set(name, value);
    }
    const answer = await fetch(upstream.tokenUrl, { method: request.method, headers, body });
    const back = new Headers();
    for (const name of ["content-type", "cache-control", "www-authenticate", "retry-after"]) {
      const value = answer.headers.get(name);
      if (value !== null) back.set(name, value);
    }
    return new Response(await answer.arrayBuffer(), { status: answer.status, headers: back });
  });
  return {
    endpoints: { ...upstream, tokenUrl: `${served.url}/oauth/token` },
    requests,
    notClientSecretPost: () =>
      requests.filter(
        (r) => r.authorizationScheme !== null || !r.bodyClientId || !r.bodyClientSecret,
      ),
    close: () => served.close(),
  };
}
