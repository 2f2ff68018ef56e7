import { createHash } from "node:crypto";
import { signedInUser, type TestEmulator } from "@soundgate/test-support/emulator";
import { it } from "@soundgate/test-support/fixtures";
import { describe, expect } from "vitest";
import type { TokenManager } from "../token-manager.js";
import { createSoundCloud, type SoundCloud } from "./soundcloud.js";
import type { UploadProgress } from "./upload.js";

let manager: TokenManager;
let sc: SoundCloud;

it.beforeEach(async ({ emulator }) => {
  await emulator.reset();
  manager = await signedInUser(emulator);
  sc = createSoundCloud({ auth: manager.provider("me"), apiBaseUrl: emulator.url });
});

function audioBytes(size: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 7 + (i >> 8)) % 256;
  return bytes;
}

function streamOf(bytes: Uint8Array, chunk = 64 * 1024): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + chunk));
      offset += chunk;
    },
  });
}

interface UploadRecord {
  track_urn: string;
  filename: string;
  bytes: number;
  sha256: string;
}

async function uploads(emulator: TestEmulator): Promise<UploadRecord[]> {
  return (await fetch(`${emulator.url}/_emulator/uploads`)).json() as Promise<UploadRecord[]>;
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

describe("sc.tracks.upload", () => {
  it("streams a 3 MB file with its metadata and reports progress up to the whole body", async ({
    emulator,
  }) => {
    const bytes = audioBytes(3_000_000);
    const file = new File([bytes], "harbour.wav", { type: "audio/wav" });
    const progress: UploadProgress[] = [];
    const track = await sc.tracks.upload({
      file,
      title: "Harbour",
      genre: "Ambient",
      sharing: "private",
      downloadable: false,
      tag_list: 'drone "field recording"',
      onProgress: (p) => progress.push(p),
    });
    expect(track).toMatchObject({
      title: "Harbour",
      genre: "Ambient",
      sharing: "private",
      downloadable: false,
      tag_list: 'drone "field recording"',
      user: { username: "nightjar-audio" },
    });
    const [record] = await uploads(emulator);
    expect(record).toMatchObject({ track_urn: track.urn, filename: "harbour.wav" });
    expect(record?.bytes).toBe(3_000_000);
    expect(record?.sha256).toBe(sha256(bytes));

    const total = progress[0]?.total ?? 0;
    expect(total).toBeGreaterThan(3_000_000);
    expect(total).toBeLessThan(3_002_000);
    expect(progress[0]?.loaded).toBe(0);
    expect(progress.at(-1)?.loaded).toBe(total);
    expect(progress.length).toBeGreaterThan(10);
    const loaded = progress.map((p) => p.loaded);
    expect([...loaded].sort((a, b) => a - b)).toEqual(loaded);
  });

  it("uploads from a stream of a known size", async ({ emulator }) => {
    const bytes = audioBytes(500_000);
    const track = await sc.tracks.upload({
      file: { stream: streamOf(bytes), size: bytes.length, name: "take.mp3", type: "audio/mpeg" },
      title: "From a stream",
    });
    const [record] = await uploads(emulator);
    expect(record).toMatchObject({ track_urn: track.urn, filename: "take.mp3", bytes: 500_000 });
    expect(record?.sha256).toBe(sha256(bytes));
  });

  it("refuses a stream that is shorter or longer than it said, and sends nothing usable", async ({
    emulator,
  }) => {
    const bytes = audioBytes(200_000);
    for (const size of [bytes.length + 10, bytes.length - 10]) {
      await expect(
        sc.tracks.upload({
          file: { stream: streamOf(bytes), size, name: "x.mp3" },
          title: "Liar",
        }),
      ).rejects.toMatchObject({ code: "invalid_argument" });
    }
    expect(await uploads(emulator)).toEqual([]);
  });

  it("sends a Blob again with a refreshed token when the first one was rejected", async ({
    emulator,
  }) => {
    const stale = await manager.getAccessToken("me");
    await fetch(`${emulator.url}/_emulator/tokens/expire`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ access_token: stale }),
    });
    const track = await sc.tracks.upload({
      file: new File([audioBytes(100_000)], "a.mp3", { type: "audio/mpeg" }),
      title: "Second try",
    });
    expect(track.title).toBe("Second try");
    expect((await emulator.stats()).token_requests.refresh_token).toBe(1);
    expect(await uploads(emulator)).toHaveLength(1);
  });

  it("cannot resend a stream, so a rejected token is reported", async ({ emulator }) => {
    const stale = await manager.getAccessToken("me");
    await fetch(`${emulator.url}/_emulator/tokens/expire`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ access_token: stale }),
    });
    const bytes = audioBytes(10_000);
    await expect(
      sc.tracks.upload({
        file: { stream: streamOf(bytes), size: bytes.length, name: "x.mp3" },
        title: "Once",
      }),
    ).rejects.toMatchObject({ code: "unauthorized", status: 401 });
    // The provider was told, so the next call has a fresh token.
    expect((await emulator.stats()).token_requests.refresh_token).toBe(1);
    expect((await sc.me.get()).username).toBe("nightjar-audio");
  });

  it("stops when aborted mid-way", async ({ emulator }) => {
    const controller = new AbortController();
    const upload = sc.tracks.upload({
      file: new File([audioBytes(4_000_000)], "big.wav", { type: "audio/wav" }),
      title: "Abandoned",
      signal: controller.signal,
      onProgress: (p) => {
        if (p.loaded > 1_000_000) controller.abort();
      },
    });
    await expect(upload).rejects.toMatchObject({ code: "aborted" });
    expect(await uploads(emulator)).toEqual([]);
  });

  it("times out an upload nobody answers, without a fixed deadline on the whole body", async ({
    emulator,
  }) => {
    await emulator.configure({ fail_next: { target: "api", count: 1, mode: "hang" } });
    const started = Date.now();
    await expect(
      sc.tracks.upload({
        file: new File([audioBytes(50_000)], "x.mp3"),
        title: "Into the void",
        idleTimeoutMs: 300,
      }),
    ).rejects.toMatchObject({ code: "timeout" });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("checks its input before sending, and passes SoundCloud's 422 on", async () => {
    const file = new File([audioBytes(10)], "x.mp3");
    await expect(sc.tracks.upload({ file, title: " " })).rejects.toMatchObject({
      code: "invalid_argument",
    });
    await expect(
      sc.tracks.upload({ file: new File([], "x.mp3"), title: "Empty" }),
    ).rejects.toMatchObject({ code: "invalid_argument" });
    await expect(
      sc.tracks.upload({ file: "x.mp3" as unknown as Blob, title: "Path" }),
    ).rejects.toMatchObject({ code: "invalid_argument" });
    await expect(
      sc.tracks.upload({ file: new File([audioBytes(10)], "notes.txt"), title: "Text" }),
    ).rejects.toMatchObject({
      code: "api_error",
      status: 422,
      message: "SoundCloud refused the field track[asset_data] (HTTP 422)",
    });
  });
});
