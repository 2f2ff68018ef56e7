import { SoundgateError } from "../errors.js";
import type { ListOptions } from "./options.js";
import { type QueryValue, query } from "./query.js";
import type { Page } from "./types.js";

/** SoundCloud's page size when a list is asked for without `limit`. */
const ARRAY_DEFAULT_LIMIT = 50;

/**
 * What a list needs of the API client: one GET answering JSON. Narrow on purpose, so this
 * module does not import the client that builds lists from it.
 */
export interface ListSource {
  request<T>(
    method: "GET",
    path: string,
    options: { query?: Record<string, QueryValue> | undefined; signal?: AbortSignal | undefined },
  ): Promise<T>;
}

export interface PaginateOptions extends ListOptions {
  query?: Record<string, QueryValue> | undefined;
}

/**
 * A SoundCloud list, fetched lazily. Iterate it for items
 * (`for await (const track of sc.me.likes.tracks())`), call `pages()` for whole pages,
 * `page()` for the first one only, or `toArray(max)`. It asks with
 * `linked_partitioning=true` and follows `next_href` until it is absent; a `next_href`
 * on any other origin than the configured API is refused before anything is sent, so
 * the token never leaves for another host. Lists the API answers as a bare array (the
 * deprecated form, e.g. `/me/followings/tracks`) carry no `next_href`: they are paged by
 * `offset` for as long as full pages come back.
 */
export class Paginated<T> implements AsyncIterable<T> {
  readonly #api: ListSource;
  readonly #path: string;
  readonly #query: Record<string, QueryValue>;
  readonly #signal: AbortSignal | undefined;
  readonly #limit: number;

  constructor(api: ListSource, path: string, options: PaginateOptions = {}) {
    const { limit } = options;
    if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1 && limit <= 200)) {
      throw new SoundgateError("invalid_argument", "limit must be an integer from 1 to 200");
    }
    this.#api = api;
    this.#path = path;
    this.#query = { ...options.query, linked_partitioning: true, limit };
    this.#signal = options.signal;
    this.#limit = limit ?? ARRAY_DEFAULT_LIMIT;
  }

  /** The first page. */
  async page(): Promise<Page<T>> {
    return (await this.#fetch(this.#path, this.#query)).page;
  }

  /** Every page in order, fetched one at a time as you iterate. */
  async *pages(): AsyncGenerator<Page<T>, void, undefined> {
    const seen = new Set<string>();
    let { page, offsetPaged } = await this.#fetch(this.#path, this.#query);
    let offset = 0;
    for (;;) {
      yield page;
      if (offsetPaged) {
        // A short (or empty) page is the last one; a full one may have more behind it.
        if (page.collection.length < this.#limit) return;
        offset += page.collection.length;
        ({ page, offsetPaged } = await this.#fetch(this.#path, { ...this.#query, offset }));
        continue;
      }
      const next = page.next_href;
      if (!next) return;
      // A server that hands back a page it already gave would loop forever.
      if (seen.has(next)) {
        throw new SoundgateError("invalid_response", "The API returned the same next page twice");
      }
      seen.add(next);
      ({ page, offsetPaged } = await this.#fetch(next, undefined));
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for await (const page of this.pages()) {
      for (const item of page.collection) {
        // An abort stops the walk at once, not at the end of the page in hand.
        if (this.#signal?.aborted) {
          throw new SoundgateError("aborted", "The request was aborted", {
            cause: this.#signal.reason,
          });
        }
        yield item;
      }
    }
  }

  /** All items (or the first `max`), stopping early so no page past `max` is fetched. */
  async toArray(max = Number.POSITIVE_INFINITY): Promise<T[]> {
    const items: T[] = [];
    if (max <= 0) return items;
    for await (const item of this) {
      items.push(item);
      if (items.length >= max) break;
    }
    return items;
  }

  async #fetch(
    path: string,
    query: Record<string, QueryValue> | undefined,
  ): Promise<{ page: Page<T>; offsetPaged: boolean }> {
    const body = await this.#api.request<unknown>("GET", path, { query, signal: this.#signal });
    if (Array.isArray(body)) return { page: { collection: body as T[] }, offsetPaged: true };
    if (typeof body === "object" && body !== null && Array.isArray((body as Page<T>).collection)) {
      return { page: body as Page<T>, offsetPaged: false };
    }
    throw new SoundgateError("invalid_response", "The API answered a list with something else");
  }
}

/** A list endpoint with its options and extra query parameters (undefined ones left out). */
export function list<T>(
  api: ListSource,
  path: string,
  options: ListOptions,
  extra: Record<string, QueryValue | readonly string[] | undefined> = {},
): Paginated<T> {
  return new Paginated<T>(api, path, {
    limit: options.limit,
    signal: options.signal,
    query: query(extra),
  });
}
