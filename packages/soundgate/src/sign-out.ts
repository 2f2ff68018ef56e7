import { SoundgateError } from "./errors.js";
import { sendBuffered, type TransportOptions } from "./http.js";

/**
 * `POST /sign-out {"access_token": …}`: SoundCloud revokes the session behind the
 * token. Needs no client credentials, so both `signOut(client, …)` and
 * `sc.signOut()` (which only holds a token provider) use it.
 */
export async function postSignOut(
  signOutUrl: string,
  accessToken: string,
  transport: TransportOptions,
): Promise<void> {
  if (!accessToken) {
    throw new SoundgateError("invalid_argument", "An access token is required to sign out");
  }
  const response = await sendBuffered(
    signOutUrl,
    {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ access_token: accessToken }),
    },
    transport,
  );
  if (response.status >= 200 && response.status < 300) return;
  if (response.status === 401) return; // Already signed out or expired: the goal is reached.
  const code = response.status >= 500 ? "upstream_unavailable" : "upstream_error";
  throw new SoundgateError(code, `SoundCloud's sign-out failed (HTTP ${response.status})`, {
    status: response.status,
  });
}
