// docs/migrating-from-soundcloud-wrapper.md, run. Each of the guide's ```ts blocks (all but
// the "Before" ones) is in this file verbatim, in an order that runs, with what an app has
// around them: its settings, a token store, a table of login attempts, and the browser's
// trip to the consent page. migrating-from-soundcloud-wrapper.test.ts runs it against the
// emulator and checks that every block of the guide is here, character for character.
import { consentAtEmulator } from "@soundgate/test-support/consent";

// What the app has: its settings and storage (ES imports are hoisted, so the guide's
// import statement below is in effect here already).
const EMULATOR_URL = process.env.SOUNDCLOUD_EMULATOR_URL ?? "http://127.0.0.1:8788";
const CLIENT_ID = process.env.SOUNDCLOUD_CLIENT_ID ?? "";
const CLIENT_SECRET = process.env.SOUNDCLOUD_CLIENT_SECRET ?? "";
const REDIRECT_URI = process.env.SOUNDCLOUD_REDIRECT_URI ?? "";
const myStore = new MemoryTokenStore();
const userId = "user-1";
const attempts = new Map<string, string>();
async function saveLoginAttempt(state: string, verifier: string): Promise<void> {
  attempts.set(state, verifier);
}
async function takeLoginAttempt(state: string | null): Promise<string> {
  const verifier = state === null ? undefined : attempts.get(state);
  if (state === null || verifier === undefined) throw new Error("unknown or used state");
  attempts.delete(state);
  return verifier;
}

// Offline: the emulator's URLs instead of SoundCloud's, sign-out included
const SOUNDCLOUD = endpointsForOrigin(EMULATOR_URL); // npx soundgate-emulator --port 8788

// After
import {
  buildAuthorizeUrl,
  ClientCredentialsCache,
  createPkce,
  createSoundCloud,
  createState,
  endpointsForOrigin,
  exchangeCode,
  isSoundgateError,
  MemoryTokenStore,
  TokenManager,
  type TrackUrn,
} from "soundgate";

const client = {
  clientId: CLIENT_ID,
  clientSecret: CLIENT_SECRET,
  redirectUri: REDIRECT_URI,
  endpoints: SOUNDCLOUD, // where SoundCloud is: its own hosts, or the emulator's (see the end)
};
const tokens = new TokenManager({ client, store: myStore }); // get/set/delete by key (your user id)
const scFor = (userId: string) =>
  createSoundCloud({
    auth: tokens.provider(userId),
    apiBaseUrl: SOUNDCLOUD.apiBaseUrl,
    signOutUrl: SOUNDCLOUD.signOutUrl,
  });

// After: start of the login
const pkce = await createPkce();
const state = createState();
await saveLoginAttempt(state, pkce.verifier); // server side, short-lived, single use
const authorizeUrl = buildAuthorizeUrl({
  clientId: CLIENT_ID,
  redirectUri: REDIRECT_URI,
  codeChallenge: pkce.challenge,
  state,
  endpoints: SOUNDCLOUD,
});
// … send the browser to authorizeUrl; SoundCloud sends it back to REDIRECT_URI?code=…&state=…

// The browser's trip: the consent page, approved as a seeded user.
const requestUrl = (await consentAtEmulator(authorizeUrl, { user: "nightjar-audio" })).href;

// After: the redirect back
const query = new URL(requestUrl).searchParams;
const verifier = await takeLoginAttempt(query.get("state")); // unknown or used state → 400
const set = await exchangeCode(client, { code: query.get("code") ?? "", codeVerifier: verifier });
await tokens.save(userId, set);

// After: calls for one user
const sc = scFor(userId);
const me = await sc.me.get();
const someFollowers = await sc.users.followers(me.urn).toArray(10); // a Paginated, 10 items taken
const recent = await sc.me.recentlyPlayed(); // an array: the last 25 plays, not paginated

// After: all of them, one request per 200
const titles: string[] = [];
for await (const track of sc.me.likes.tracks({ limit: 200 })) titles.push(track.title);

// Or page by page, e.g. for an infinite scroll that stores next_href
const first = await sc.me.likes.tracks({ limit: 50 }).page();

// After
async function trackTitle(urn: TrackUrn): Promise<string> {
  try {
    return (await sc.tracks.get(urn)).title;
  } catch (error) {
    if (isSoundgateError(error, "not_found")) return "no such track"; // your 404
    if (isSoundgateError(error, "reauth_required")) return "connect SoundCloud again"; // grant revoked
    if (isSoundgateError(error, "rate_limited"))
      return `busy, retry in ${error.retryAfter ?? 60} s`;
    throw error;
  }
}

// Public data, with one app token
const publicSc = createSoundCloud({
  auth: new ClientCredentialsCache({ client }),
  apiBaseUrl: SOUNDCLOUD.apiBaseUrl,
});
const track = await publicSc.tracks.get("soundcloud:tracks:2000001");

// What the test checks before the user disconnects.
const missing = await trackTitle("soundcloud:tracks:1");

// After: disconnecting (SoundCloud ends the grant, refresh token included)
await sc.signOut();
await tokens.delete(userId);

export { first, me, missing, myStore, recent, someFollowers, titles, track, userId };
