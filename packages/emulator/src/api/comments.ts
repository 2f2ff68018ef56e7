import { Hono } from "hono";
import { type AppEnv, json, soundcloudError } from "../http.js";
import type { EmulatorState } from "../state.js";
import { apiGuards, type UserEnv } from "./auth.js";
import { FieldReader, readResourceFields } from "./fields.js";
import { forTrack, renderContextOf } from "./lookup.js";
import { readPageRequest, respondWithPage } from "./pagination.js";
import { renderComment } from "./representations.js";

/**
 * `/tracks/{urn}/comments`: read them (any token, newest first, paginated) and post
 * one (a user's token): `{"comment": {"body": …, "timestamp": …}}`, where the
 * timestamp is a position in the track in ms, as a number or a numeric string.
 */
export function commentRoutes(state: EmulatorState): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { anyToken, userToken } = apiGuards(state);

  app.get(
    "/tracks/:track_urn/comments",
    anyToken,
    forTrack(state, (c, track) => {
      const page = readPageRequest(c, state);
      if (!page.ok) return page.response;
      const ctx = renderContextOf(c, state);
      const comments =
        track.reveal_comments || ctx.viewerId === track.user_id
          ? state.catalog.commentsOn(track.id)
          : [];
      // Comments (the spec's only answer here) are always `{collection, next_href}`.
      return respondWithPage(
        c,
        state,
        page.page,
        comments,
        (comment) => renderComment(ctx, comment),
        "paged",
      );
    }),
  );

  app.post(
    "/tracks/:track_urn/comments",
    userToken,
    forTrack<UserEnv>(state, async (c, track) => {
      const body = await readResourceFields(c, "comment");
      if (!body.ok) return body.response;
      const read = new FieldReader(body.fields, "comment");
      const text = read.text("body", { max: 10_000, required: true });
      const rawTimestamp = read.text("timestamp", { max: 20 });
      read.rejectUnknown();
      const invalid = read.response();
      if (invalid || text === undefined) return invalid ?? soundcloudError(422, "no body");
      if (text.trim() === "") return soundcloudError(422, "comment[body] must not be blank");
      let timestamp = 0;
      if (rawTimestamp !== undefined) {
        timestamp = Number(rawTimestamp);
        if (!Number.isFinite(timestamp) || timestamp < 0 || timestamp > track.duration) {
          return soundcloudError(422, "comment[timestamp] must be a position within the track");
        }
      }
      if (!track.commentable) return soundcloudError(422, "comments are disabled on this track");
      const comment = state.catalog.addComment({
        track_id: track.id,
        user_id: c.var.me.id,
        body: text,
        timestamp: Math.round(timestamp),
        created_at: Math.floor(state.now() / 1000) * 1000,
      });
      return json(renderComment(renderContextOf(c, state), comment), 201);
    }),
  );

  return app;
}
