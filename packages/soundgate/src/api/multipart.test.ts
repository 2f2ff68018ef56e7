import { describe, expect, it } from "vitest";
import { encodeMultipart, type MultipartField } from "./multipart.js";

function streamOf(bytes: Uint8Array, chunk = 1000): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + chunk));
      offset += chunk;
    },
  });
}

async function read(body: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(body).arrayBuffer());
}

const audio = new Uint8Array(5000).map((_, i) => i % 256);

describe("encodeMultipart", () => {
  it("writes a body that a standard parser reads back, of exactly the declared length", async () => {
    const fields: MultipartField[] = [
      { name: "track[title]", value: 'Quotes " and\r\nnewlines' },
      {
        name: "track[asset_data]",
        file: new Blob([audio], { type: "audio/wav" }),
        filename: "a.wav",
      },
    ];
    const body = encodeMultipart(fields);
    let counted = 0;
    const bytes = await read(body.stream({ onBytes: (n) => (counted += n), onError: () => {} }));
    expect(bytes.byteLength).toBe(body.length);
    expect(counted).toBe(body.length);
    const form = await new Response(bytes as Uint8Array<ArrayBuffer>, {
      headers: { "content-type": body.contentType },
    }).formData();
    expect(form.get("track[title]")).toBe('Quotes " and\r\nnewlines');
    const file = form.get("track[asset_data]") as File;
    expect(file.name).toBe("a.wav");
    expect(file.type).toBe("audio/wav");
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(audio);
    expect(body.replayable).toBe(true);
    // A second body from the same encoding is identical (for a retry after a 401).
    expect(await read(body.stream({ onBytes: () => {}, onError: () => {} }))).toEqual(bytes);
  });

  it("streams a stream source and holds it to its declared size", async () => {
    const exact = encodeMultipart([
      {
        name: "f",
        file: { stream: streamOf(audio), size: audio.length, name: "x.mp3" },
        filename: "x.mp3",
      },
    ]);
    expect(exact.replayable).toBe(false);
    expect((await read(exact.stream({ onBytes: () => {}, onError: () => {} }))).byteLength).toBe(
      exact.length,
    );
    for (const size of [audio.length - 1, audio.length + 1]) {
      const errors: unknown[] = [];
      const lying = encodeMultipart([
        { name: "f", file: { stream: streamOf(audio), size, name: "x.mp3" }, filename: "x.mp3" },
      ]);
      await expect(
        read(lying.stream({ onBytes: () => {}, onError: (e) => errors.push(e) })),
      ).rejects.toMatchObject({ code: "invalid_argument" });
      expect(errors).toHaveLength(1);
    }
  });

  it("builds the same body as one Blob where streams cannot be sent", async () => {
    const body = encodeMultipart([
      { name: "a", value: "1" },
      {
        name: "f",
        file: { stream: streamOf(audio), size: audio.length, name: "x.mp3" },
        filename: "x.mp3",
      },
    ]);
    expect((await body.blob()).size).toBe(body.length);
  });
});
