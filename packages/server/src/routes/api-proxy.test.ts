import { describe, expect, it } from "vitest";
import { HttpError } from "../http/errors.js";
import { upstreamUrl } from "./api-proxy.js";

const API = "https://api.soundcloud.test";
const at = (path: string) => upstreamUrl(`http://gateway.test${path}`, API);

describe("upstreamUrl", () => {
  it("maps a proxied path and its query onto the API, without credentials in the query", () => {
    expect(at("/api/soundcloud/me")).toBe(`${API}/me`);
    expect(at("/api/soundcloud/me/tracks?limit=5&linked_partitioning=true")).toBe(
      `${API}/me/tracks?limit=5&linked_partitioning=true`,
    );
    expect(at("/api/soundcloud/tracks/soundcloud:tracks:1?Client_ID=x&oauth_token=y&q=a+b")).toBe(
      `${API}/tracks/soundcloud:tracks:1?q=a+b`,
    );
    expect(at("/api/soundcloud/me?access_token=t")).toBe(`${API}/me`);
    expect(at("/api/soundcloud/me#fragment")).toBe(`${API}/me`);
  });

  it("refuses paths outside the allowed API areas and escapes that change the path", () => {
    for (const path of [
      "/api/soundcloud",
      "/api/soundcloud/",
      "/api/soundcloud/oauth/token",
      "/api/soundcloud/sign-out",
      "/api/soundcloud/me/%2e%2e/oauth",
      "/api/soundcloud/me%2Ftracks",
      "/api/soundcloud/me/..",
      "/api/soundcloud/me%5c",
      "/api/soundcloud/me%00",
      "/api/soundcloud/me/<script>",
    ]) {
      expect(() => at(path), path).toThrow(HttpError);
    }
  });
});
