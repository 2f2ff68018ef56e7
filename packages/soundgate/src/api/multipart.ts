import { base64UrlEncode, randomBytes } from "../encoding.js";
import { SoundgateError } from "../errors.js";

/**
 * multipart/form-data (RFC 7578) written by hand, because FormData hides the body:
 * with the parts in our hands the exact Content-Length is known up front and every
 * byte can be counted as fetch pulls it, which is what upload progress needs.
 */

/** A file given as a stream (read once) with its exact size. */
export interface StreamSource {
  stream: ReadableStream<Uint8Array>;
  /** Exact length in bytes: the body's length is declared before it is sent. */
  size: number;
  /** The file name SoundCloud sees; its extension names the format (`take-1.wav`). */
  name: string;
  type?: string | undefined;
}

export type FileSource = Blob | StreamSource;

export type MultipartField =
  | { name: string; value: string }
  | { name: string; file: FileSource; filename: string };

export interface Multipart {
  contentType: string;
  /** Exact byte length of the encoded body. */
  length: number;
  /** Whether the body can be produced again (every file is a Blob): a 401 can then be retried. */
  replayable: boolean;
  /**
   * A fresh body stream: `onBytes` hears of every chunk as fetch pulls it, `onError` of
   * a file stream that broke its declared size (fetch reports that only as "failed").
   */
  stream(hooks: StreamHooks): ReadableStream<Uint8Array>;
  /** The body as one Blob, for runtimes that cannot send a stream (no byte progress). */
  blob(): Promise<Blob>;
}

export interface StreamHooks {
  onBytes(count: number): void;
  onError(error: SoundgateError): void;
}

type Part = Uint8Array | { source: FileSource; size: number };

const encoder = new TextEncoder();

export function isStreamSource(value: unknown): value is StreamSource {
  if (typeof value !== "object" || value === null) return false;
  const source = value as Partial<StreamSource>;
  return (
    typeof ReadableStream !== "undefined" &&
    source.stream instanceof ReadableStream &&
    typeof source.size === "number" &&
    Number.isSafeInteger(source.size) &&
    source.size >= 0 &&
    typeof source.name === "string"
  );
}

export function encodeMultipart(fields: readonly MultipartField[]): Multipart {
  const boundary = `----soundgate-${base64UrlEncode(randomBytes(18))}`;
  // Built again for each body: fetch may take ownership of the chunks it is given.
  const parts = (): Part[] => {
    const out: Part[] = [];
    for (const field of fields) {
      if ("value" in field) {
        out.push(encoder.encode(`--${boundary}\r\n${disposition(field.name)}\r\n\r\n`));
        out.push(encoder.encode(field.value), encoder.encode("\r\n"));
        continue;
      }
      const type = (field.file.type || "application/octet-stream").replace(/[\r\n]/g, "");
      const head = `--${boundary}\r\n${disposition(field.name, field.filename)}\r\nContent-Type: ${type}\r\n\r\n`;
      out.push(encoder.encode(head), { source: field.file, size: field.file.size });
      out.push(encoder.encode("\r\n"));
    }
    out.push(encoder.encode(`--${boundary}--\r\n`));
    return out;
  };
  const length = parts().reduce(
    (sum, part) => sum + (part instanceof Uint8Array ? part.byteLength : part.size),
    0,
  );
  const replayable = fields.every((f) => "value" in f || f.file instanceof Blob);
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    length,
    replayable,
    stream: (hooks) => partsStream(parts(), hooks),
    blob: async () => {
      const pieces: BlobPart[] = [];
      for (const part of parts()) {
        if (part instanceof Uint8Array) pieces.push(part as Uint8Array<ArrayBuffer>);
        else if (part.source instanceof Blob) pieces.push(part.source);
        else pieces.push(await new Response(part.source.stream).blob());
      }
      return new Blob(pieces);
    },
  };
}

// HTML's form encoding escapes only these three in names and file names.
function disposition(name: string, filename?: string): string {
  const quoted = (s: string) => s.replace(/"/g, "%22").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
  const file = filename === undefined ? "" : `; filename="${quoted(filename)}"`;
  return `Content-Disposition: form-data; name="${quoted(name)}"${file}`;
}

function partsStream(parts: Part[], hooks: StreamHooks) {
  const fail = (controller: ReadableStreamDefaultController, error: SoundgateError) => {
    hooks.onError(error);
    controller.error(error);
  };
  let index = 0;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let expected = 0;
  let received = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        if (reader) {
          const { done, value } = await reader.read();
          if (!done) {
            received += value.byteLength;
            if (received > expected) {
              fail(controller, sizeMismatch(received, expected));
              return;
            }
            hooks.onBytes(value.byteLength);
            controller.enqueue(value);
            return;
          }
          reader = undefined;
          if (received !== expected) {
            fail(controller, sizeMismatch(received, expected));
            return;
          }
          continue;
        }
        const part = parts[index++];
        if (part === undefined) {
          controller.close();
          return;
        }
        if (part instanceof Uint8Array) {
          hooks.onBytes(part.byteLength);
          controller.enqueue(part);
          return;
        }
        const source = part.source;
        reader = (source instanceof Blob ? source.stream() : source.stream).getReader();
        expected = part.size;
        received = 0;
      }
    },
    async cancel(reason) {
      await reader?.cancel(reason);
    },
  });
}

function sizeMismatch(received: number, expected: number): SoundgateError {
  return new SoundgateError(
    "invalid_argument",
    `The file stream gave ${received > expected ? "more" : "fewer"} bytes than its declared size (${expected})`,
  );
}
