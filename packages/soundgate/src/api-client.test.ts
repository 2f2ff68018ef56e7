import { authorizeCode, type TestEmulator } from "@soundgate/test-support/emulator";
import { it } from "@soundgate/test-support/fixtures";
import { describe, expect } from "vitest";
import { createSoundCloud } from "./api/soundcloud.js";
import { ApiClient } from "./api-client.js";
import { exchangeCode } from "./grants.js";

let token: string;

it.beforeEach(async ({ emulator }) => {
  await emulator.reset();
  const { code, verifier } = await authorizeCode(emulator);
  token = (await exchangeCode(emulator.client, { code, codeVerifier: verifier })).accessToken;
});

const client = (
  emulator: TestEmulator,
  options: Partial<ConstructorParameters<typeof ApiClient>[0]> = {},
) => new ApiClient({ auth: token, apiBaseUrl: emulator.url, ...options });

async function apiRequests(emulator: TestEmulator): Promise<number> {
  return (await emulator.stats()).api_requests;
}

describe("ApiClient retries and deadlines", () => {
  it("waits out a short Retry-After on a GET and succeeds", async ({ emulator }) => {
    await emulator.configure({ fail_next: { target: "api", status: 429, retry_after: 1 } });
    const started = Date.now();
    const me = await client(emulator).me();
    expect(me.username).toBe("nightjar-audio");
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(await apiRequests(emulator)).toBe(2);
  });

  it("reports a Retry-After beyond the bound at once, with its value", async ({ emulator }) => {
    await emulator.configure({ fail_next: { target: "api", status: 429, retry_after: 3600 } });
    await expect(client(emulator).me()).rejects.toMatchObject({
      code: "rate_limited",
      status: 429,
      retryAfter: 3600,
    });
    expect(await apiRequests(emulator)).toBe(1);
  });

  it("backs off on 5xx within the bound, then gives up", async ({ emulator }) => {
    await emulator.configure({ fail_next: { target: "api", count: 5, status: 503 } });
    const api = client(emulator, { retry: { baseDelayMs: 5, maxRetries: 2 } });
    await expect(api.me()).rejects.toMatchObject({ code: "upstream_unavailable", status: 503 });
    expect(await apiRequests(emulator)).toBe(3);
  });

  it("never repeats a POST that failed with a 5xx", async ({ emulator }) => {
    await emulator.configure({ fail_next: { target: "api", count: 1, status: 503 } });
    const sc = createSoundCloud({ auth: token, apiBaseUrl: emulator.url });
    await expect(sc.likes.track("soundcloud:tracks:2000001")).rejects.toMatchObject({
      code: "upstream_unavailable",
    });
    expect(await apiRequests(emulator)).toBe(1);
  });

  it("times out a call that gets no answer, per call or per client", async ({ emulator }) => {
    await emulator.configure({ fail_next: { target: "api", count: 2, mode: "hang" } });
    const started = Date.now();
    await expect(client(emulator).get("/me", { timeoutMs: 200 })).rejects.toMatchObject({
      code: "timeout",
    });
    await expect(client(emulator, { timeoutMs: 200 }).me()).rejects.toMatchObject({
      code: "timeout",
    });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("aborts on the caller's signal", async ({ emulator }) => {
    await emulator.configure({ fail_next: { target: "api", count: 1, mode: "hang" } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await expect(client(emulator).me({ signal: controller.signal })).rejects.toMatchObject({
      code: "aborted",
    });
  });

  it("send() hands back SoundCloud's own answer whatever its status", async ({ emulator }) => {
    const response = await client(emulator).send("GET", "/tracks/soundcloud:tracks:1");
    expect(response.status).toBe(404);
    expect(JSON.parse(response.text)).toMatchObject({ code: 404 });
    expect(response.url).toBe(`${emulator.url}/tracks/soundcloud:tracks:1`);
    await expect(client(emulator).get("/tracks/soundcloud:tracks:1")).rejects.toMatchObject({
      code: "not_found",
    });
  });

  it("names the fields of a 422, and nothing else of SoundCloud's answer", async ({ emulator }) => {
    const refused = client(emulator).request("POST", "/playlists", {
      body: { playlist: { title: "" } },
    });
    await expect(refused).rejects.toMatchObject({
      code: "api_error",
      status: 422,
      message: "SoundCloud refused the field playlist[title] (HTTP 422)",
    });
    // Only lowercase names in brackets are taken from the body: free text, a token or an
    // address in it stays out of the message (and so out of any log).
    const answer = {
      message: "bad request from 10.0.0.7",
      errors: [
        { error_message: "track[title] is too long; token at_Secret123 was used" },
        { error_message: "track[release_date] must be a date" },
        { error_message: 42 },
      ],
    };
    const fetch = async () => new Response(JSON.stringify(answer), { status: 422 });
    await expect(
      client(emulator, { fetch }).request("POST", "/tracks", { body: {} }),
    ).rejects.toMatchObject({
      message: "SoundCloud refused the fields track[title], track[release_date] (HTTP 422)",
    });
    const notJson = async () => new Response("<html>at_Secret123</html>", { status: 422 });
    await expect(
      client(emulator, { fetch: notJson }).request("POST", "/tracks", { body: {} }),
    ).rejects.toMatchObject({
      message: "SoundCloud could not process the request's fields (HTTP 422)",
    });
  });

  it("refuses absolute URLs on other hosts", async ({ emulator }) => {
    await expect(client(emulator).get("https://evil.example/me")).rejects.toMatchObject({
      code: "invalid_argument",
    });
    expect(await apiRequests(emulator)).toBe(0);
  });
});
