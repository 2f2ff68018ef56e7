import { type ApiClient, apiError, parseJson } from "../api-client.js";
import { SoundgateError } from "../errors.js";
import { sendBuffered } from "../http.js";
import { parseRetryAfter } from "../retry.js";
import {
  encodeMultipart,
  type FileSource,
  isStreamSource,
  type Multipart,
  type MultipartField,
} from "./multipart.js";
import type { Track, TrackMetadata } from "./types.js";

export type { FileSource, StreamSource } from "./multipart.js";

export interface UploadProgress {
  /** Bytes of the request body handed to the network so far. */
  loaded: number;
  /** Bytes of the whole request body (the file plus a few hundred bytes of form). */
  total: number;
}

/** `sc.tracks.upload(input)`: the audio, a title, and any other track field. */
export interface UploadInput extends TrackMetadata {
  title: string;
  /**
   * The audio: a Blob or File (Node: `await fs.openAsBlob(path)`), read as a stream
   * and never held in memory; or `{stream, size, name}` when all you have is a stream.
   * A Blob can be sent again if the token was stale; a stream cannot.
   */
  file: FileSource;
  /** The name SoundCloud sees when `file` is a Blob without one (default "audio"). */
  filename?: string | undefined;
  /** Cover art (JPEG, PNG or GIF). */
  artwork?: Blob | undefined;
  onProgress?: ((progress: UploadProgress) => void) | undefined;
  signal?: AbortSignal | undefined;
  /**
   * The longest the upload may stall: no bytes accepted by the network, or no answer
   * after the last one. Default 60 s. (A fixed deadline would fail large files.)
   */
  idleTimeoutMs?: number | undefined;
}

const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

// Every TrackDataRequest field, in the spec's order; anything else in the input is ours.
const TRACK_FIELDS = [
  "permalink",
  "sharing",
  "embeddable_by",
  "purchase_url",
  "description",
  "genre",
  "tag_list",
  "label_name",
  "release",
  "release_date",
  "streamable",
  "downloadable",
  "license",
  "commentable",
  "reveal_stats",
  "reveal_comments",
  "isrc",
] as const satisfies readonly (keyof TrackMetadata)[];

/** POST /tracks as multipart, streamed, with progress and an idle timeout. */
export async function uploadTrack(api: ApiClient, input: UploadInput): Promise<Track> {
  const body = encodeMultipart(uploadFields(input));
  const url = api.resolveUrl("/tracks");
  const response = await api.withToken((token) => sendOnce(api, url, token, body, input), {
    signal: input.signal,
    replayable: body.replayable,
  });
  if (response.status === 200 || response.status === 201) {
    return parseJson<Track>(response.text, response.status);
  }
  throw apiError(
    response.status,
    parseRetryAfter(response.headers.get("retry-after"), Date.now()),
    response.text,
  );
}

function uploadFields(input: UploadInput): MultipartField[] {
  if (typeof input.title !== "string" || input.title.trim() === "") {
    throw new SoundgateError("invalid_argument", "An upload needs a title");
  }
  const file = input.file;
  if (!(file instanceof Blob) && !isStreamSource(file)) {
    throw new SoundgateError(
      "invalid_argument",
      "file must be a Blob or File, or {stream, size, name}",
    );
  }
  if (file.size === 0) throw new SoundgateError("invalid_argument", "The file is empty");
  const fields: MultipartField[] = [{ name: "track[title]", value: input.title }];
  for (const key of TRACK_FIELDS) {
    const value = input[key];
    if (value === undefined || value === null) continue;
    fields.push({ name: `track[${key}]`, value: String(value) });
  }
  const filename =
    input.filename ?? (isStreamSource(file) ? file.name : (file as File).name || "audio");
  fields.push({ name: "track[asset_data]", file, filename });
  if (input.artwork !== undefined) {
    const name = (input.artwork as File).name || "artwork";
    fields.push({ name: "track[artwork_data]", file: input.artwork, filename: name });
  }
  return fields;
}

async function sendOnce(
  api: ApiClient,
  url: string,
  token: string,
  body: Multipart,
  input: UploadInput,
) {
  const idle = new IdleTimer(input.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS, input.signal);
  const total = body.length;
  let loaded = 0;
  const report = () => input.onProgress?.({ loaded, total });
  const headers: Record<string, string> = {
    Accept: "application/json",
    Authorization: `OAuth ${token}`,
    "Content-Type": body.contentType,
    // Browsers drop this (they frame the stream themselves); Node sends it as declared.
    "Content-Length": String(total),
  };
  let broken: SoundgateError | undefined;
  try {
    report();
    let payload: BodyInit;
    if (supportsRequestStreams()) {
      payload = body.stream({
        onBytes: (count) => {
          loaded += count;
          idle.touch();
          report();
        },
        onError: (error) => {
          broken = error;
        },
      });
    } else {
      payload = await body.blob();
    }
    const init = { method: "POST", headers, body: payload, duplex: "half" } as RequestInit;
    const response = await sendBuffered(url, init, {
      fetch: api.fetch,
      timeoutMs: Number.POSITIVE_INFINITY,
      signal: idle.signal,
    });
    if (loaded < total && response.status < 300) {
      loaded = total;
      report();
    }
    return response;
  } catch (error) {
    // fetch reports a body that broke its promised size as a network failure.
    throw broken ?? error;
  } finally {
    idle.stop();
  }
}

/** Aborts when nothing has moved for `ms`, or when the caller's signal aborts. */
class IdleTimer {
  readonly #controller = new AbortController();
  readonly #ms: number;
  readonly #outer: AbortSignal | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #onOuterAbort = () => this.#controller.abort(this.#outer?.reason);

  constructor(ms: number, outer: AbortSignal | undefined) {
    this.#ms = ms;
    this.#outer = outer;
    if (outer?.aborted) this.#onOuterAbort();
    else outer?.addEventListener("abort", this.#onOuterAbort, { once: true });
    this.touch();
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  touch(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#controller.abort(
        new SoundgateError("timeout", `The upload made no progress for ${this.#ms} ms`),
      );
    }, this.#ms);
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#outer?.removeEventListener("abort", this.#onOuterAbort);
  }
}

let streamsSupported: boolean | undefined;

/**
 * Whether fetch can send a ReadableStream body (Node, Chromium over HTTP/2). Where it
 * cannot, the upload is sent as one Blob and progress only reports start and end.
 */
function supportsRequestStreams(): boolean {
  if (streamsSupported !== undefined) return streamsSupported;
  try {
    let duplexAsked = false;
    const request = new Request("https://example.invalid/", {
      method: "POST",
      body: new ReadableStream(),
      get duplex() {
        duplexAsked = true;
        return "half";
      },
    } as RequestInit);
    streamsSupported = duplexAsked && !request.headers.has("Content-Type");
  } catch {
    streamsSupported = false;
  }
  return streamsSupported;
}
