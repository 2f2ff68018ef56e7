import { SoundgateError } from "@soundgate/browser";
import { ApiError, type DemoBackend, type Me, type Page, type Track } from "./backend.js";

const PAGE_SIZE = 10;
const PROXY = "/api/soundcloud";

interface SessionUser {
  username: string;
  avatar_url: string | null;
}

/**
 * BFF mode (the default): the page holds no token at all. Logging in sets an HttpOnly
 * session cookie on the gateway; SoundCloud is reached through the gateway's
 * /api/soundcloud/* proxy, which adds and refreshes the token itself.
 */
export async function createBffMode(gatewayUrl: string): Promise<DemoBackend> {
  let user: SessionUser | null = null;
  const listeners = new Set<() => void>();
  // Tells the other tabs of this page that the session changed (logout, login).
  const channel =
    typeof BroadcastChannel === "function" ? new BroadcastChannel("soundgate-demo-bff") : undefined;

  const setUser = (next: SessionUser | null, broadcast: boolean) => {
    const changed = (next === null) !== (user === null);
    user = next;
    if (changed) {
      if (broadcast) channel?.postMessage("changed");
      for (const listener of listeners) listener();
    }
  };

  const loadSession = async (): Promise<void> => {
    const response = await fetch(`${gatewayUrl}/auth/session`, {
      headers: { Accept: "application/json" },
    });
    if (response.ok) {
      setUser(((await response.json()) as { user: SessionUser }).user, false);
      return;
    }
    const body = (await response.json().catch(() => ({}))) as { error?: string; message?: string };
    setUser(null, false);
    if (body.error === "reauth_required") {
      throw new SoundgateError("reauth_required", body.message ?? "Connect again", response.status);
    }
  };

  channel?.addEventListener("message", () => {
    void loadSession().catch(() => setUser(null, false));
  });

  const get = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${gatewayUrl}${PROXY}${path}`, {
      headers: { Accept: "application/json" },
    });
    if (response.status === 401) {
      const body = (await response.json().catch(() => ({}))) as {
        error?: string;
        message?: string;
      };
      setUser(null, true);
      throw new SoundgateError(
        body.error === "reauth_required" ? "reauth_required" : "not_connected",
        body.message ?? "Not signed in",
        401,
      );
    }
    if (!response.ok) throw new ApiError(response.status, `SoundCloud answered ${response.status}`);
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
        throw new SoundgateError(
          error === "login_not_started_here" ? "state_mismatch" : error,
          `Login failed: ${error}`,
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
      const response = await fetch(`${gatewayUrl}/auth/logout`, {
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
    renew: async () => undefined,
    onChange: (listener) => {
      listeners.add(listener);
    },
  };
}
