// A user access token straight from the emulator (authorization code + PKCE with the
// core), for the "direct" side of the proxy comparison.
import {
  buildAuthorizeUrl,
  createPkce,
  createState,
  endpointsForOrigin,
  exchangeCode,
} from "../packages/soundgate/dist/index.js";
import { post } from "./lib.js";

export async function directUserToken(emulatorUrl) {
  const client = {
    clientId: "bench-direct",
    clientSecret: "bench-direct-secret",
    redirectUri: "http://direct.bench/cb",
    endpoints: endpointsForOrigin(emulatorUrl),
  };
  await post(`${emulatorUrl}/_emulator/clients`, {
    client_id: client.clientId,
    client_secret: client.clientSecret,
    redirect_uris: [client.redirectUri],
  });
  const pkce = await createPkce();
  const url = buildAuthorizeUrl({ ...client, codeChallenge: pkce.challenge, state: createState() });
  const approved = await fetch(url, { redirect: "manual" });
  const code = new URL(approved.headers.get("location")).searchParams.get("code");
  return (await exchangeCode(client, { code, codeVerifier: pkce.verifier })).accessToken;
}
