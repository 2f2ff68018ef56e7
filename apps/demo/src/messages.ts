import { SoundgateError } from "@soundgate/browser";
import { ApiError } from "./backend.js";

export interface Notice {
  title: string;
  text: string;
  /** `error` (the default): something failed; `info`: what the user chose; `success`: done. */
  tone?: "error" | "info" | "success";
  /** The user must connect again: show the Connect screen with this notice. */
  signedOut?: boolean;
}

const CONNECT_AGAIN = "Press Connect with SoundCloud to try again.";

/**
 * Plain words for each error code a login or session can end with: the gateway's
 * `return_to?error=…` codes (BFF logins), SoundCloud's OAuth errors it passes on, the
 * gateway's JSON errors, and the browser SDK's own. Each says whose problem it is.
 */
const BY_CODE: Record<string, (doing: string) => Notice> = {
  // The person pressed Cancel on SoundCloud's consent page.
  access_denied: () => ({
    tone: "info",
    title: "You cancelled the connection",
    text: "Your SoundCloud account was not connected, and nothing was shared. Connect whenever you like.",
    signedOut: true,
  }),
  // The gateway no longer knows the login (older than 10 minutes, used, or lost in a restart).
  login_expired: () => expired(),
  invalid_state: () => expired(),
  result_not_found: () => expired(),
  state_mismatch: () => ({
    title: "This sign-in was not started in this browser",
    text: "The link that brought you here belongs to a sign-in started somewhere else (or one already finished), so it was not completed and nothing was shared. To connect, press Connect with SoundCloud.",
    signedOut: true,
  }),
  invalid_grant: () => ({
    title: "The sign-in code was not accepted",
    text: `SoundCloud's one-time code had expired or was already used by the time the gateway presented it. ${CONNECT_AGAIN}`,
    signedOut: true,
  }),
  invalid_request: () => ({
    title: "The sign-in did not complete",
    text: `SoundCloud sent you back without a sign-in code. ${CONNECT_AGAIN}`,
    signedOut: true,
  }),
  login_failed: () => ({
    title: "The sign-in did not complete",
    text: `Something went wrong on the gateway while finishing it. ${CONNECT_AGAIN}`,
    signedOut: true,
  }),
  server_error: () => soundCloudDown("finish connecting"),
  temporarily_unavailable: () => soundCloudDown("finish connecting"),
  upstream_unavailable: (doing) => soundCloudDown(doing),
  rate_limited: () => ({
    title: "Too many attempts",
    text: "SoundCloud is limiting requests from this app. Please wait a minute, then try again.",
  }),
  // Setup problems: the person in front of the page cannot fix these, the operator can.
  gateway_misconfigured: () => misconfigured(),
  invalid_client: () => misconfigured(),
  unauthorized_client: () => misconfigured(),
  invalid_scope: () => misconfigured(),
  unsupported_response_type: () => misconfigured(),
  return_to_not_allowed: () => ({
    title: "This page isn't allowed to sign in",
    text: `The gateway only sends people back to addresses on its allowlist, and ${location.origin}/ is not on it. Add it to SOUNDGATE_ALLOWED_RETURN_TO.`,
  }),
  // The session is over.
  reauth_required: () => ({
    title: "SoundCloud ended this connection",
    text: "SoundCloud no longer accepts this sign-in: it was revoked, or the app's access was removed. Connect again to continue.",
    signedOut: true,
  }),
  not_connected: () => ({
    title: "You're no longer connected",
    text: "This session ended on the gateway (signed out in another tab, or it expired). Connect again to continue.",
    signedOut: true,
  }),
  session_unreadable: () => ({
    title: "The gateway can no longer read your session",
    text: "Its encryption keys changed since you signed in; in development that happens on every restart of the gateway. Nothing is wrong with your SoundCloud account. Connect again to continue.",
    signedOut: true,
  }),
  invalid_dpop_proof: () => ({
    title: "This session belongs to another browser",
    text: "These tokens are bound to the browser that signed in, and this one cannot prove it is that browser (or its saved key was cleared). Connect again here.",
    signedOut: true,
  }),
  network_error: (doing) => ({
    title: `Couldn't ${doing}`,
    text: "The gateway could not be reached. Check your connection and try again.",
  }),
  timeout: (doing) => ({
    title: `Couldn't ${doing}`,
    text: "The gateway took too long to answer. Please try again.",
  }),
};

function expired(): Notice {
  return {
    title: "The login expired or the gateway restarted",
    text: `A sign-in must be finished within 10 minutes and works once, and a restart of the gateway cancels the ones in progress. Nothing was shared. ${CONNECT_AGAIN}`,
    signedOut: true,
  };
}

function soundCloudDown(doing: string): Notice {
  return {
    title: `Couldn't ${doing}`,
    text: "SoundCloud is not answering right now. Please try again in a moment.",
  };
}

function misconfigured(): Notice {
  return {
    title: "The gateway is not set up correctly",
    text: "SoundCloud refused the gateway's app registration (its client id, secret or redirect URI). Whoever runs this site needs to fix it; trying again will not help.",
  };
}

/** What went wrong, in words for the person in front of the page. */
export function describe(error: unknown, doing: string): Notice {
  if (error instanceof SoundgateError) {
    // Own keys only: a code such as "constructor" comes from a URL anyone can write.
    const known = Object.hasOwn(BY_CODE, error.code) ? BY_CODE[error.code] : undefined;
    if (known) return known(doing);
    return { title: `Couldn't ${doing}`, text: error.message };
  }
  if (error instanceof ApiError) {
    return {
      title: `Couldn't ${doing}`,
      text:
        error.status === 429
          ? "SoundCloud is limiting requests right now. Please try again later."
          : error.status >= 500
            ? "SoundCloud or the gateway is not answering right now. Please try again in a moment."
            : `SoundCloud refused the request (HTTP ${error.status}).`,
    };
  }
  return { title: `Couldn't ${doing}`, text: "Something unexpected went wrong. Please try again." };
}

/** After Disconnect: what ended, and where. */
export function disconnected(mode: "bff" | "tokens"): Notice {
  return {
    tone: "success",
    title: "Disconnected from SoundCloud",
    text:
      mode === "bff"
        ? "The gateway ended your session and signed its tokens out at SoundCloud. Nothing is left in this browser."
        : "The tokens were removed from this browser and signed out at SoundCloud.",
  };
}
