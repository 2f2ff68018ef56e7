import type { ApiClient } from "../api-client.js";
import { SoundgateError } from "../errors.js";
import type { CallOptions, ListOptions } from "./options.js";
import { list, type Paginated } from "./pagination.js";
import type { Comment, CommentInput, TrackUrn } from "./types.js";
import { urnSegment } from "./urn.js";

/** Comments on tracks. */
export class CommentsApi {
  readonly #api: ApiClient;

  constructor(api: ApiClient) {
    this.#api = api;
  }

  /** A track's comments, newest first. */
  list(track: TrackUrn, options: ListOptions = {}): Paginated<Comment> {
    return list(this.#api, `/tracks/${urnSegment("tracks", track)}/comments`, options);
  }

  /** Post a comment as the signed-in user, at `timestamp` ms into the track (default 0). */
  async create(
    track: TrackUrn,
    comment: CommentInput,
    options: CallOptions = {},
  ): Promise<Comment> {
    if (typeof comment.body !== "string" || comment.body.trim() === "") {
      throw new SoundgateError("invalid_argument", "A comment needs a body");
    }
    return this.#api.request<Comment>("POST", `/tracks/${urnSegment("tracks", track)}/comments`, {
      ...options,
      body: { comment },
    });
  }
}
