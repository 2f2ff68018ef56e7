import { SoundgateError } from "@soundgate/browser";
import {
  ApiError,
  type DemoBackend,
  type GatewaySession,
  type Me,
  PAGE_SIZE,
  type Page,
  type Track,
} from "./backend.js";

const PROXY = "/api/soundcloud";
/** After API calls (which may have refreshed the tokens), ask the gateway again this much later. */
const RECHECK_AFTER_MS = 400;

interface SessionUser {
  username: string;
  avatar_url: string | null;
}

/** GET /auth/session: always 200; `signed_in` says which. */
type SessionAnswer =
  | {
      signed_in: true;
      user: SessionUser;
      expires_at: number;
      refreshed_at: number | null;
      instance: string;
    }
  | { signed_in: false; reauth_required?: boolean; reason?: string; message?: string };

/**
 * BFF mode (the default): the page holds no token at all. Logging in sets an HttpOnly
 * session cookie on the gateway; SoundCloud is reached through the gateway's
 * /api/soundcloud/* proxy, which adds and refreshes the token itself.
 */
export async function createBffMode(gatewayUrl: string): Promise<DemoBackend> {
  let user: SessionUser | null = null;
  let details: GatewaySession | null = null;
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const listener of listeners) listener();
  };
  // Tells the other tabs of this page that the session changed (logout, login).
  const channel =
    typeof BroadcastChannel === "function" ? new BroadcastChannel("soundgate-demo-bff") : undefined;

  /** Returns whether the page went from signed in to out or back (listeners were told). */
  const setUser = (next: SessionUser | null, broadcast: boolean): boolean => {
    const changed = (next === null) !== (user === null);
    user = next;
    if (next === null) details = null;
    if (changed) {
      if (broadcast) channel?.postMessage("changed");
      notify();
    }
    return changed;
  };

  /** fetch, with "the gateway could not be reached" said as the SDK says it. */
  const request = async (url: string, init: RequestInit): Promise<Response> => {
    try {
      return await fetch(url, init);
    } catch {
      throw new SoundgateError("network_error", "The gateway could not be reached");
    }
  };

  // Bumped when the page learns it is signed out (Disconnect, a 401). A session answer
  // sent before that is stale: "signed in" from it would bring a logged-out page back.
  let epoch = 0;
  let recheck: ReturnType<typeof setTimeout> | undefined;
  const signedOutHere = () => {
    epoch += 1;
    clearTimeout(recheck);
  };

  const loadSession = async (): Promise<void> => {
    const sentIn = epoch;
    const response = await request(`${gatewayUrl}/auth/session`, {
      headers: { Accept: "application/json" },
    });
    if (!response.ok)
      throw new ApiError(response.status, `The gateway answered ${response.status}`);
    const body = (await response.json()) as SessionAnswer;
    if (sentIn !== epoch) return;
    if (body.signed_in) {
      details = {
        expiresAt: body.expires_at,
        refreshedAt: body.refreshed_at,
        instance: body.instance,
        checkedAt: Date.now(),
      };
      // Listeners hear of new details too (a refresh moved refreshed_at).
      if (!setUser(body.user, false)) notify();
      return;
    }
    setUser(null, false);
    if (body.reauth_required) {
      throw new SoundgateError(
        body.reason === "unreadable" ? "session_unreadable" : "reauth_required",
        body.message ?? "Connect again",
        401,
      );
    }
  };

  const recheckSoon = () => {
    clearTimeout(recheck);
    recheck = setTimeout(() => void loadSession().catch(() => undefined), RECHECK_AFTER_MS);
  };

  channel?.addEventListener("message", () => {
    void loadSession().catch(() => setUser(null, false));
  });

  const get = async <T>(path: string): Promise<T> => {
    const response = await request(`${gatewayUrl}${PROXY}${path}`, {
      headers: { Accept: "application/json" },
    });
    if (response.status === 401) {
      const body = (await response.json().catch(() => ({}))) as {
        error?: string;
        message?: string;
      };
      signedOutHere();
      setUser(null, true);
      throw new SoundgateError(
        body.error === "reauth_required" ? "reauth_required" : "not_connected",
        body.message ?? "Not signed in",
        401,
      );
    }
    if (!response.ok) throw new ApiError(response.status, `SoundCloud answered ${response.status}`);
    recheckSoon();
    return (await response.json()) as T;
  };

  // The proxy rewrites next_href to itself; keep only the part after /api/soundcloud so
  // paging works whatever public URL the gateway announces.
  const page = async (first: string, next?: string): Promise<Page<Track>> => {
    const path = next ? (new URL(next, location.href).href.split(PROXY)[1] ?? first) : first;
    const body = await get<{ collection: Track[]; next_href?: string | null }>(path);
    return { items: body.collection, next: body.next_href ?? null };
  };

  return {
    label: "BFF mode · tokens stay on the gateway",
    init: async () => {
      // A BFF login comes back as `?error=…` when it did not complete.
      const params = new URLSearchParams(location.search);
      const error = params.get("error");
      if (error) {
        history.replaceState(history.state, "", `${location.pathname}${location.hash}`);
        await loadSession().catch(() => undefined);
        // Only the gateway's own words: anyone can put text in this URL.
        const code = /^[a-z_]{1,64}$/.test(error) ? error : "login_failed";
        throw new SoundgateError(
          code === "login_not_started_here" ? "state_mismatch" : code,
          `The sign-in did not complete (${code}). Press Connect with SoundCloud to try again.`,
        );
      }
      await loadSession();
    },
    isConnected: () => user !== null,
    cachedUser: () => user,
    connect: async () => {
      const returnTo = `${location.origin}${location.pathname}`;
      location.assign(
        `${gatewayUrl}/auth/soundcloud/login?return_to=${encodeURIComponent(returnTo)}`,
      );
    },
    disconnect: async () => {
      signedOutHere();
      const response = await request(`${gatewayUrl}/auth/logout`, {
        method: "POST",
        headers: { "X-Soundgate-CSRF": "1" },
      });
      setUser(null, true);
      if (!response.ok) throw new ApiError(response.status, "Sign-out failed");
    },
    me: () => get<Me>("/me"),
    tracks: (next) => page(`/me/tracks?linked_partitioning=true&limit=${PAGE_SIZE}`, next),
    likes: (next) => page(`/me/likes/tracks?linked_partitioning=true&limit=${PAGE_SIZE}`, next),
    tokenExpiresAt: () => null,
    gatewaySession: () => details,
    renew: loadSession,
    onChange: (listener) => {
      listeners.add(listener);
    },
  };
}
