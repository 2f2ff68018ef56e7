import { describe, expect, it } from "vitest";
import { buildAuthorizeUrl } from "./authorize-url.js";
import { endpointsForOrigin } from "./endpoints.js";
import { SoundgateError } from "./errors.js";

describe("buildAuthorizeUrl", () => {
  const base = {
    clientId: "my client",
    redirectUri: "https://app.example/cb?x=1&y=2",
    codeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    state: "s&t=a#te",
  };

  it("targets SoundCloud by default with every PKCE parameter encoded", () => {
    const url = new URL(buildAuthorizeUrl(base));
    expect(url.origin + url.pathname).toBe("https://secure.soundcloud.com/authorize");
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: "my client",
      redirect_uri: "https://app.example/cb?x=1&y=2",
      response_type: "code",
      code_challenge: base.codeChallenge,
      code_challenge_method: "S256",
      state: "s&t=a#te",
    });
  });

  it("points at another host (the emulator) when told", () => {
    const url = buildAuthorizeUrl({
      ...base,
      endpoints: endpointsForOrigin("http://127.0.0.1:8788/"),
    });
    expect(url.startsWith("http://127.0.0.1:8788/authorize?")).toBe(true);
  });

  it("refuses to build a URL without a state or challenge", () => {
    expect(() => buildAuthorizeUrl({ ...base, state: "" })).toThrow(SoundgateError);
    expect(() => buildAuthorizeUrl({ ...base, codeChallenge: "" })).toThrow(/codeChallenge/);
  });
});
