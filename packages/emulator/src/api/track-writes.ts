import { Hono } from "hono";
import type { StorefrontRecord } from "../catalog.js";
import { type AppEnv, json, mediaType, readJson, soundcloudError } from "../http.js";
import type { EmulatorState } from "../state.js";
import { isPlainObject } from "../validate.js";
import { apiGuards, type UserEnv } from "./auth.js";
import { FieldReader, readResourceFields } from "./fields.js";
import { forTrack, renderContextOf } from "./lookup.js";
import { renderTrack } from "./representations.js";
import type { ScStorefront } from "./schema.js";
import { applyTrackChanges, readTrackChanges } from "./track-fields.js";
import { urnOf } from "./urn.js";

const STOREFRONT_TYPES = [
  "digital",
  "vinyl",
  "cd",
  "cassette",
  "apparel",
  "sample_pack",
  "subscription",
  "live_event",
  "live_stream",
  "other",
] as const;

/**
 * Changing one's own tracks: `PUT` (metadata, as JSON `{"track": …}` or form fields),
 * `DELETE`, and `PUT …/storefront`. Someone else's track is a 403.
 */
export function trackWriteRoutes(state: EmulatorState): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { userToken } = apiGuards(state);
  const notYours = () => soundcloudError(403, "only the owner can change this track");

  app.put(
    "/tracks/:track_urn",
    userToken,
    forTrack<UserEnv>(state, async (c, track) => {
      if (track.user_id !== c.var.me.id) return notYours();
      const body = await readResourceFields(c, "track");
      if (!body.ok) return body.response;
      const read = new FieldReader(body.fields, "track");
      const changes = readTrackChanges(read, { requireTitle: false });
      read.rejectUnknown();
      const invalid = read.response();
      if (invalid) return invalid;
      applyTrackChanges(state.catalog, track, changes, state.now());
      return json(renderTrack(renderContextOf(c, state), track, { showUserFavorite: true }));
    }),
  );

  app.delete(
    "/tracks/:track_urn",
    userToken,
    forTrack<UserEnv>(state, (c, track) => {
      if (track.user_id !== c.var.me.id) return notYours();
      state.catalog.deleteTrack(track.id);
      return json({ status: "200 - OK" });
    }),
  );

  app.put(
    "/tracks/:track_urn/storefront",
    userToken,
    forTrack<UserEnv>(state, async (c, track) => {
      if (track.user_id !== c.var.me.id) return notYours();
      if (c.var.me.plan === "Free") {
        return soundcloudError(403, "a storefront needs a creator subscription");
      }
      if (mediaType(c.req.header("content-type")) !== "application/json") {
        return soundcloudError(400, "send the storefront as JSON");
      }
      const body = await readJson(c);
      if (!body.ok) return soundcloudError(400, body.message);
      if (!isPlainObject(body.value)) return soundcloudError(400, "send a JSON object");
      const read = new FieldReader(new Map(Object.entries(body.value)), "storefront");
      const title = read.text("title", { max: 100, required: true });
      const type = read.oneOf("type", STOREFRONT_TYPES);
      const link = read.text("link", { max: 255, required: true });
      // The whole storefront is replaced: what is omitted is cleared.
      const storefront: StorefrontRecord = {
        title: title ?? "",
        type: type ?? "",
        link: link ?? "",
        link_title: read.text("link_title", { max: 50 }) ?? null,
        description: read.text("description", { max: 500 }) ?? null,
        price: read.text("price", { max: 20 }) ?? null,
      };
      read.rejectUnknown();
      if (!read.has("type")) read.problem ??= "storefront[type] is required";
      if (link !== undefined && !/^https?:\/\/[^\s]+$/i.test(link)) {
        read.problem ??= "storefront[link] must be an http(s) URL";
      }
      // Validation errors here are 400s, as the spec lists for this endpoint.
      if (read.problem) return soundcloudError(400, read.problem);
      track.storefront = storefront;
      const answer: ScStorefront = {
        track_urn: urnOf("tracks", track.id),
        ...storefront,
        image_url: null,
      };
      return json(answer);
    }),
  );

  return app;
}
