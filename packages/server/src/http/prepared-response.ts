/**
 * Answers a hot route builds whole: every header it must carry (security, caching, Vary)
 * is already in `headers`, a plain object made once at start and spread per request.
 *
 * The edge middleware (edge.ts) adds missing headers to every other answer after its
 * handler. Doing that to these would turn their plain header object into a `Headers`
 * (a dozen validated `set`s, then a sorted copy when the Node adapter writes it); left
 * as they are, the request listener hands the object to `writeHead` as it is.
 */
const prepared = new WeakSet<Response>();

export function preparedResponse(
  body: string | Uint8Array | ReadableStream<Uint8Array> | null,
  status: number,
  headers: Record<string, string>,
): Response {
  // A Buffer is a Uint8Array (a valid body); TypeScript's BodyInit wants ArrayBuffer-backed.
  const response = new Response(body as BodyInit | null, { status, headers });
  prepared.add(response);
  return response;
}

/** Whether `response` was built by preparedResponse and still is that answer. */
export function isPrepared(response: Response): boolean {
  return prepared.has(response);
}
