import { createSoundgateClient } from "@soundgate/browser";
import {
  ApiError,
  type DemoBackend,
  type Me,
  PAGE_SIZE,
  type Page,
  type Track,
} from "./backend.js";

/**
 * The Starlib-compatible mode: the SDK logs in through the gateway, keeps the tokens in
 * localStorage under Starlib's keys and calls the SoundCloud API from the page.
 */
export async function createTokenMode(
  gatewayUrl: string,
  apiUrl: string | undefined,
): Promise<DemoBackend> {
  const client = createSoundgateClient({ gatewayUrl, apiUrl });

  const get = async <T>(path: string): Promise<T> => {
    const response = await client.fetchSoundCloud(path, {
      headers: { Accept: "application/json" },
    });
    if (!response.ok) throw new ApiError(response.status, `SoundCloud answered ${response.status}`);
    return (await response.json()) as T;
  };
  const page = async (first: string, next?: string): Promise<Page<Track>> => {
    const body = await get<{ collection: Track[]; next_href?: string | null }>(next ?? first);
    return { items: body.collection, next: body.next_href ?? null };
  };

  return {
    label: `Token mode · API ${new URL(apiUrl ?? "https://api.soundcloud.com").host}`,
    init: async () => {
      await client.handleCallback();
    },
    isConnected: () => client.getSession() !== null,
    cachedUser: () => client.getUser(),
    connect: () => client.login({ returnTo: `${location.origin}${location.pathname}` }),
    disconnect: () => client.logout(),
    me: () => get<Me>("/me"),
    tracks: (next) => page(`/me/tracks?linked_partitioning=true&limit=${PAGE_SIZE}`, next),
    likes: (next) => page(`/me/likes/tracks?linked_partitioning=true&limit=${PAGE_SIZE}`, next),
    tokenExpiresAt: () => client.getSession()?.expiresAt ?? null,
    gatewaySession: () => null,
    renew: async () => {
      await client.ensureValidToken();
    },
    onChange: (listener) => {
      client.subscribe(listener);
    },
  };
}
