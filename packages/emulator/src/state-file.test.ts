import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ScCollection, ScTrack, ScUser } from "./api/schema.js";
import type { EmulatorClient } from "./options.js";
import { type RunningEmulator, startEmulator } from "./server.js";
import { StateFileError } from "./state-file.js";
import {
  api,
  authorizeRedirect,
  exchangeCode,
  loginTokens,
  pkcePair,
  postJson,
  refresh,
  TEST_CLIENT,
  type TokenBody,
} from "./test-support.js";

let dir: string;
let file: string;
const running: RunningEmulator[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "emulator-state-"));
  file = join(dir, "state.json");
});
afterEach(async () => {
  for (const emu of running.splice(0)) await emu.close();
  rmSync(dir, { recursive: true, force: true });
});

async function start(options: { clients?: EmulatorClient[] } = {}): Promise<RunningEmulator> {
  const emu = await startEmulator({ stateFile: file, autoApprove: true, ...options });
  running.push(emu);
  return emu;
}

async function restart(emu: RunningEmulator): Promise<RunningEmulator> {
  await emu.close();
  running.splice(running.indexOf(emu), 1);
  return start();
}

function call(emu: RunningEmulator, method: string, path: string, token: string, body?: unknown) {
  return api(emu, path, token, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
}

async function getJson<T>(emu: RunningEmulator, path: string, token: string): Promise<T> {
  const res = await api(emu, path, token);
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
}

describe("--state-file", () => {
  it("keeps clients, grants, tokens and writes across a restart", async () => {
    let emu = await start();
    const registered = await postJson(`${emu.url}/_emulator/clients`, TEST_CLIENT);
    expect(registered.status).toBe(201);
    const tokens = await loginTokens(emu);
    const other = await loginTokens(emu);
    const token = tokens.access_token;
    const like = "soundcloud:tracks:2000001"; // an own track: never among the seeded likes
    expect((await call(emu, "POST", `/likes/tracks/${like}`, token)).status).toBe(200);
    const followed = new Set(
      (await getJson<ScCollection<ScUser>>(emu, "/me/followings?limit=200", token)).collection.map(
        (u) => u.urn,
      ),
    );
    const everyone = await getJson<ScCollection<ScUser>>(emu, "/users?limit=200", token);
    const stranger = everyone.collection.find(
      (u) => u.urn !== "soundcloud:users:1000001" && !followed.has(u.urn),
    ) as ScUser;
    expect((await call(emu, "PUT", `/me/followings/${stranger.urn}`, token)).status).toBe(201);
    const comment = await call(emu, "POST", `/tracks/${like}/comments`, token, {
      comment: { body: "still here after a restart" },
    });
    expect(comment.status).toBe(201);
    const form = new FormData();
    form.set("track[title]", "Kept");
    form.set("track[asset_data]", new File([new Uint8Array(4000)], "kept.mp3"));
    const uploaded = (await (
      await api(emu, "/tracks", token, { method: "POST", body: form })
    ).json()) as ScTrack;
    const unreposted = await firstRepost(emu, token);
    expect((await call(emu, "DELETE", `/reposts/tracks/${unreposted}`, token)).status).toBe(200);
    const page = await getJson<ScCollection<ScTrack>>(
      emu,
      "/me/likes/tracks?limit=10&linked_partitioning=true",
      token,
    );
    // A refresh token spent before the restart stays spent after it.
    const rotated = (await (await refresh(emu, other.refresh_token)).json()) as TokenBody;
    // A consent page opened before the restart can still be answered after it.
    await fetch(`${emu.url}/_emulator/config`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ auto_approve: false }),
    });
    const { challenge, verifier } = pkcePair();
    const consent = await fetch(
      `${emu.url}/authorize?${new URLSearchParams({
        client_id: TEST_CLIENT.client_id,
        redirect_uri: TEST_CLIENT.redirect_uris[0] as string,
        response_type: "code",
        code_challenge: challenge,
        code_challenge_method: "S256",
        state: "kept",
      })}`,
    );
    const transaction = /name="transaction_id" value="([^"]+)"/.exec(await consent.text())?.[1];
    expect(transaction).toBeDefined();
    const before = await getJson<ScUser>(emu, "/me", token);

    const oldOrigin = emu.url;
    emu = await restart(emu);
    // The port is new (tests listen on port 0); URLs in answers follow it.
    const rebase = <T>(value: T): T =>
      JSON.parse(JSON.stringify(value).replaceAll(oldOrigin, emu.url)) as T;

    expect(((await (await fetch(`${emu.url}/_emulator/clients`)).json()) as unknown[]).length).toBe(
      1,
    );
    const me = await getJson<ScUser>(emu, "/me", token);
    expect(me).toEqual(rebase(before));
    const [newestLike] = await getJson<ScTrack[]>(emu, "/me/likes/tracks?limit=1", token);
    expect(newestLike?.urn).toBe(like);
    const [newestFollowing] = (
      await getJson<ScCollection<ScUser>>(emu, "/me/followings?limit=1", token)
    ).collection;
    expect(newestFollowing?.urn).toBe(stranger.urn);
    const comments = await getJson<ScCollection<{ body: string }>>(
      emu,
      `/tracks/${like}/comments?limit=1`,
      token,
    );
    expect(comments.collection[0]?.body).toBe("still here after a restart");
    expect((await getJson<ScTrack>(emu, `/tracks/${uploaded.urn}`, token)).title).toBe("Kept");
    const reposts = await getJson<ScTrack[]>(emu, "/me/reposts/tracks?limit=200", token);
    expect(reposts.some((t) => t.urn === unreposted)).toBe(false);
    const uploads = (await (await fetch(`${emu.url}/_emulator/uploads`)).json()) as unknown[];
    expect(uploads).toHaveLength(1);
    // The cursor of a page from before the restart still pages on.
    expect(page.next_href).toBeDefined();
    expect((await api(emu, rebase(page.next_href) as string, token)).status).toBe(200);
    expect((await refresh(emu, other.refresh_token)).status).toBe(400);
    expect((await refresh(emu, rotated.refresh_token)).status).toBe(400); // reuse revoked the grant
    expect((await refresh(emu, tokens.refresh_token)).status).toBe(200);
    const decided = await fetch(`${emu.url}/authorize`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ transaction_id: transaction as string, user: "copperline" }),
    });
    const code = new URL(decided.headers.get("location") as string).searchParams.get("code");
    expect((await exchangeCode(emu, code as string, verifier)).status).toBe(200);
    // New ids never reuse old ones.
    const second = new FormData();
    second.set("track[title]", "Next");
    second.set("track[asset_data]", new File([new Uint8Array(4000)], "next.mp3"));
    const next = (await (
      await api(emu, "/tracks", token, { method: "POST", body: second })
    ).json()) as ScTrack;
    expect(next.id).toBeGreaterThan(uploaded.id);
  });

  it("writes the file with mode 0600 and no token, code or secret of a user in it", async () => {
    const emu = await start({ clients: [TEST_CLIENT] });
    const tokens = await loginTokens(emu);
    const { location } = await authorizeRedirect(emu.url, { code_challenge: pkcePair().challenge });
    const code = location?.searchParams.get("code") as string;
    const text = readFileSync(file, "utf8");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    for (const secret of [tokens.access_token, tokens.refresh_token, code]) {
      expect(text.includes(secret)).toBe(false);
    }
    expect(JSON.parse(text)).toMatchObject({ format: "soundgate-emulator-state", version: 1 });
  });

  it("starts from the seeded data and creates the file when there is none", async () => {
    await start();
    expect(statSync(file).isFile()).toBe(true);
  });

  it("refuses a corrupt, edited, foreign or unreadable file with a clear error and leaves it alone", async () => {
    const emu = await start({ clients: [TEST_CLIENT] });
    await emu.close();
    running.splice(0);
    const good = readFileSync(file, "utf8");
    const edited = good.replace('"username":"copperline"', '"username":"copperlime"');
    expect(edited).not.toBe(good);
    const cases: [string, RegExp][] = [
      [good.slice(0, good.length / 2), /is not valid JSON \(corrupt or truncated\)/],
      ["", /is empty/],
      [edited, /is corrupt \(its checksum does not match/],
      ['{"hello":"world"}', /is not a Soundgate emulator state file/],
      [good.replace('"version":1', '"version":2'), /has format version 2/],
    ];
    for (const [content, message] of cases) {
      writeFileSync(file, content);
      const error = await startEmulator({ stateFile: file }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StateFileError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).toContain(file);
      expect(readFileSync(file, "utf8")).toBe(content);
    }
    const directory = await startEmulator({ stateFile: dir }).catch((e: unknown) => e);
    expect((directory as Error).message).toMatch(/cannot be read \(it is a directory\)/);
    const nowhere = join(dir, "missing", "state.json");
    const unwritable = await startEmulator({ stateFile: nowhere }).catch((e: unknown) => e);
    expect(unwritable).toBeInstanceOf(StateFileError);
    expect((unwritable as Error).message).toMatch(
      /cannot be written \(its directory does not exist\)/,
    );
  });

  it("refuses a file whose records do not hang together", async () => {
    const emu = await start({ clients: [TEST_CLIENT] });
    await loginTokens(emu);
    await emu.close();
    running.splice(0);
    const envelope = JSON.parse(readFileSync(file, "utf8"));
    envelope.state.grants.grants = [];
    const body = JSON.stringify(envelope.state);
    const { createHash } = await import("node:crypto");
    envelope.sha256 = createHash("sha256").update(body).digest("hex");
    writeFileSync(file, JSON.stringify(envelope));
    const error = await startEmulator({ stateFile: file }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StateFileError);
    expect((error as Error).message).toMatch(/is corrupt \(a token refers to grant 1/);
  });

  it("saves a reset, and answers 500 (keeping the change in memory) when the file cannot be written", async () => {
    const emu = await start({ clients: [TEST_CLIENT] });
    const { access_token } = await loginTokens(emu);
    expect((await fetch(`${emu.url}/_emulator/reset`, { method: "POST" })).status).toBe(200);
    const after = await restart(emu);
    expect((await api(after, "/me", access_token)).status).toBe(401);
    // Replace the file by a directory: the next save fails.
    rmSync(file);
    const { mkdirSync } = await import("node:fs");
    mkdirSync(file);
    const res = await postJson(`${after.url}/_emulator/clients`, {
      ...TEST_CLIENT,
      client_id: "x",
    });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({
      error: "state_not_saved",
      message: "the emulator could not write its state file",
    });
  });
});

async function firstRepost(emu: RunningEmulator, token: string): Promise<string> {
  const [track] = await getJson<ScTrack[]>(emu, "/me/reposts/tracks?limit=1", token);
  return track?.urn as string;
}
