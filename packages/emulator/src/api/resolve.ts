import { Hono } from "hono";
import type { Catalog } from "../catalog.js";
import { type AppEnv, json, originOf, soundcloudError } from "../http.js";
import type { EmulatorState } from "../state.js";
import { apiGuards } from "./auth.js";
import { urnOf } from "./urn.js";

const SOUNDCLOUD_HOSTS = new Set(["soundcloud.com", "www.soundcloud.com", "m.soundcloud.com"]);

/**
 * `/resolve?url=https://soundcloud.com/<user>[/<track>|/sets/<playlist>]`:
 * a 302 to the API resource, with SoundCloud's Found body beside the Location.
 */
export function resolveRoutes(state: EmulatorState): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { anyToken } = apiGuards(state);

  app.get("/resolve", anyToken, (c) => {
    const target = new URL(c.req.url).searchParams.get("url");
    if (target === null || target.trim() === "") return soundcloudError(400, "url is required");
    const path = resourcePath(state.catalog, target.trim());
    if (path === null) return soundcloudError(404, "nothing found at this url");
    const location = `${originOf(c, state.publicUrl)}${path}`;
    return json({ status: "302 - Found", location }, 302, { location });
  });

  return app;
}

/** The API path of the resource a soundcloud.com URL shows, or null. */
function resourcePath(catalog: Catalog, target: string): string | null {
  let url: URL;
  try {
    url = new URL(/^https?:\/\//i.test(target) ? target : `https://${target}`);
  } catch {
    return null;
  }
  if (!SOUNDCLOUD_HOSTS.has(url.hostname.toLowerCase())) return null;
  const segments = url.pathname.split("/").filter(Boolean).map(safeDecode);
  const [userPart, second, third, ...rest] = segments;
  if (userPart === undefined || userPart === null || rest.length > 0) return null;
  const user = catalog.userByPermalink(userPart);
  if (!user) return null;
  if (second === undefined) return `/users/${urnOf("users", user.id)}`;
  if (second === "sets") {
    if (third === undefined || third === null) return null;
    const playlist = catalog
      .playlistIdsOf(user.id)
      .map((id) => catalog.playlists.get(id))
      .find((p) => p?.permalink === third);
    return playlist ? `/playlists/${urnOf("playlists", playlist.id)}` : null;
  }
  if (second === null || third !== undefined) return null;
  const track = catalog
    .trackIdsOf(user.id)
    .map((id) => catalog.tracks.get(id))
    .find((t) => t?.permalink === second);
  return track ? `/tracks/${urnOf("tracks", track.id)}` : null;
}

function safeDecode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}
