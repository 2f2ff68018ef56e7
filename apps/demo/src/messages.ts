import { SoundgateError } from "@soundgate/browser";
import { ApiError } from "./backend.js";

export interface Notice {
  title: string;
  text: string;
  /** The user must connect again: show the Connect screen with this notice. */
  signedOut?: boolean;
}

/** What went wrong, in words for the person in front of the page. */
export function describe(error: unknown, doing: string): Notice {
  if (error instanceof SoundgateError) {
    switch (error.code) {
      case "access_denied":
        return {
          title: "Access was denied",
          text: "You chose not to connect your SoundCloud account, so nothing was shared. You can connect whenever you like.",
          signedOut: true,
        };
      case "state_mismatch":
        return {
          title: "This login was not started here",
          text: "The link that brought you here belongs to a sign-in started somewhere else (or one already finished), so it was not completed and nothing was shared. To connect, press Connect with SoundCloud.",
          signedOut: true,
        };
      case "reauth_required":
      case "not_connected":
        return {
          title: "Your SoundCloud session has ended",
          text: "SoundCloud no longer accepts this login. Connect again to continue.",
          signedOut: true,
        };
      case "invalid_dpop_proof":
        return {
          title: "This session belongs to another browser",
          text: "These tokens are bound to the browser that signed in, and this one cannot prove it is that browser (or its saved key was cleared). Connect again here.",
          signedOut: true,
        };
      case "invalid_state":
      case "result_not_found":
        return {
          title: "This sign-in has expired",
          text: "Sign-in links are valid for 10 minutes and work once. Please connect again.",
          signedOut: true,
        };
      case "return_to_not_allowed":
        return {
          title: "This page isn't allowed to sign in",
          text: `The gateway only sends people back to addresses on its allowlist, and ${location.origin}/ is not on it. Add it to SOUNDGATE_ALLOWED_RETURN_TO.`,
        };
      case "network_error":
        return {
          title: `Couldn't ${doing}`,
          text: "The server could not be reached. Check your connection and try again.",
        };
      case "rate_limited":
        return {
          title: "Too many attempts",
          text: "Please wait a minute, then try again.",
        };
      case "upstream_unavailable":
      case "gateway_misconfigured":
        return {
          title: `Couldn't ${doing}`,
          text: "SoundCloud is not answering right now. Please try again in a moment.",
        };
      default:
        return { title: `Couldn't ${doing}`, text: error.message };
    }
  }
  if (error instanceof ApiError) {
    return {
      title: `Couldn't ${doing}`,
      text:
        error.status === 429
          ? "SoundCloud is limiting requests right now. Please try again later."
          : error.status >= 500
            ? "SoundCloud is not answering right now. Please try again in a moment."
            : `SoundCloud refused the request (HTTP ${error.status}).`,
    };
  }
  return { title: `Couldn't ${doing}`, text: "Something unexpected went wrong. Please try again." };
}
