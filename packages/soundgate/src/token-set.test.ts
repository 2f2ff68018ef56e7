import { describe, expect, it } from "vitest";
import { isSoundgateError } from "./errors.js";
import {
  isRefreshDue,
  parseTokenResponse,
  refreshWindow,
  toTokenResponseJson,
} from "./token-set.js";

const NOW = 1_700_000_000_000;

function expectInvalid(text: string) {
  try {
    parseTokenResponse(text, NOW);
  } catch (error) {
    expect(isSoundgateError(error, "invalid_response")).toBe(true);
    // The message never echoes the body, which could hold a token.
    expect((error as Error).message).not.toContain("secret-ish");
    return;
  }
  throw new Error(`expected ${text} to be refused`);
}

describe("parseTokenResponse", () => {
  it("normalises SoundCloud's token JSON with expiresAt from the given clock", () => {
    const tokens = parseTokenResponse(
      '{"access_token":"a1","expires_in":3599,"scope":"","refresh_token":"r1","token_type":"bearer"}',
      NOW,
    );
    expect(tokens).toEqual({
      accessToken: "a1",
      refreshToken: "r1",
      expiresAt: NOW + 3_599_000,
      scope: "",
      issuedAt: NOW,
    });
  });

  it("accepts a numeric string expires_in and a missing refresh token", () => {
    const tokens = parseTokenResponse('{"access_token":"a1","expires_in":"60"}', NOW);
    expect(tokens.expiresAt).toBe(NOW + 60_000);
    expect(tokens.refreshToken).toBeUndefined();
  });

  it("refuses anything that is not a complete token", () => {
    expectInvalid("<html><body>502 Bad Gateway secret-ish</body></html>");
    expectInvalid('{"access_token":"secret-ish","expires_in":3599');
    expectInvalid('{"expires_in":3599,"refresh_token":"secret-ish"}');
    expectInvalid('{"access_token":"","expires_in":3599}');
    expectInvalid('{"access_token":"secret-ish","expires_in":"soon"}');
    expectInvalid('{"access_token":"secret-ish","expires_in":-5}');
    expectInvalid('{"access_token":"secret-ish"}');
    expectInvalid('{"access_token":"secret-ish","expires_in":10,"token_type":"mac"}');
    expectInvalid('{"access_token":"secret-ish","expires_in":10,"refresh_token":42}');
    expectInvalid('["access_token"]');
    expectInvalid("null");
  });
});

describe("toTokenResponseJson", () => {
  it("gives the wire shape with the seconds left", () => {
    const json = toTokenResponseJson(
      { accessToken: "a", refreshToken: "r", expiresAt: NOW + 10_500, scope: "" },
      NOW,
    );
    expect(json).toEqual({
      access_token: "a",
      refresh_token: "r",
      expires_in: 10,
      scope: "",
      token_type: "bearer",
    });
    expect(
      toTokenResponseJson({ accessToken: "a", expiresAt: NOW - 1, scope: "" }, NOW).expires_in,
    ).toBe(0);
  });
});

describe("refreshWindow", () => {
  const set = (lifetimeS: number) => ({
    accessToken: "a",
    expiresAt: NOW + lifetimeS * 1000,
    scope: "",
    issuedAt: NOW,
  });

  it("is the configured window for tokens that live long", () => {
    expect(refreshWindow(set(3599), 60_000)).toBe(60_000);
  });

  it("is half the lifetime for tokens of 2 minutes or less, so they are not refreshed on every call", () => {
    expect(refreshWindow(set(60), 60_000)).toBe(30_000);
    expect(refreshWindow(set(8), 60_000)).toBe(4_000);
    // A fresh 8 s token is not due; it is at 4 s left.
    expect(isRefreshDue(set(8), NOW + 1_000, 60_000)).toBe(false);
    expect(isRefreshDue(set(8), NOW + 4_000, 60_000)).toBe(true);
  });

  it("falls back to the configured window when the issue time is unknown", () => {
    const { issuedAt: _, ...unknown } = set(8);
    expect(refreshWindow(unknown, 60_000)).toBe(60_000);
    expect(isRefreshDue(unknown, NOW, 60_000)).toBe(true);
  });
});
