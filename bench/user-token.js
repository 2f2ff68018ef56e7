// User grants straight from the emulator (authorization code + PKCE with the core, the
// consent auto-approved): the "direct" token of the proxy and client comparisons, and the
// thousands of real grants the scale run stores behind expired sessions.
import {
  buildAuthorizeUrl,
  createPkce,
  createState,
  endpointsForOrigin,
  exchangeCode,
} from "../packages/soundgate/dist/index.js";
import { fetchAgain, post } from "./lib.js";

const DIRECT_CLIENT = {
  clientId: "bench-direct",
  clientSecret: "bench-direct-secret",
  redirectUri: "http://direct.bench/cb",
};

/** A fresh grant for `client` (already registered at the emulator): the core's TokenSet. */
export async function userGrant(emulatorUrl, client) {
  const withEndpoints = { ...client, endpoints: endpointsForOrigin(emulatorUrl) };
  const pkce = await createPkce();
  const url = buildAuthorizeUrl({
    ...withEndpoints,
    codeChallenge: pkce.challenge,
    state: createState(),
  });
  const approved = await fetchAgain(url, { redirect: "manual" });
  const code = new URL(approved.headers.get("location")).searchParams.get("code");
  return exchangeCode(withEndpoints, { code, codeVerifier: pkce.verifier });
}

/** An access token of a client of its own, for calling the emulator directly. */
export async function directUserToken(emulatorUrl) {
  await post(`${emulatorUrl}/_emulator/clients`, {
    client_id: DIRECT_CLIENT.clientId,
    client_secret: DIRECT_CLIENT.clientSecret,
    redirect_uris: [DIRECT_CLIENT.redirectUri],
  });
  return (await userGrant(emulatorUrl, DIRECT_CLIENT)).accessToken;
}
