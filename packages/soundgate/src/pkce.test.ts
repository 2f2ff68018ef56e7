import { describe, expect, it } from "vitest";
import { createCodeChallenge, createPkce, createState, isValidCodeVerifier } from "./pkce.js";

describe("PKCE", () => {
  it("reproduces the RFC 7636 Appendix B vector", async () => {
    expect(await createCodeChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).toBe(
      "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    );
  });

  it("makes a 43-character verifier from 32 random bytes and its S256 challenge", async () => {
    const pkce = await createPkce();
    expect(pkce.verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(pkce.method).toBe("S256");
    expect(pkce.challenge).toBe(await createCodeChallenge(pkce.verifier));
    expect(pkce.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("never repeats a verifier", async () => {
    const verifiers = new Set<string>();
    for (let i = 0; i < 200; i++) verifiers.add((await createPkce()).verifier);
    expect(verifiers.size).toBe(200);
  });

  it("refuses verifiers outside RFC 7636's length and alphabet", async () => {
    expect(isValidCodeVerifier("a".repeat(42))).toBe(false);
    expect(isValidCodeVerifier("a".repeat(129))).toBe(false);
    expect(isValidCodeVerifier(`${"a".repeat(42)}+`)).toBe(false);
    expect(isValidCodeVerifier(`${"a".repeat(40)}-._~`)).toBe(true);
    await expect(createCodeChallenge("short")).rejects.toThrow(TypeError);
  });
});

describe("createState", () => {
  it("has at least 128 bits of entropy in base64url", () => {
    const state = createState();
    expect(state).toMatch(/^[A-Za-z0-9_-]+$/);
    // 6 bits per base64url character.
    expect(state.length * 6).toBeGreaterThanOrEqual(128);
    expect(createState()).not.toBe(state);
  });
});
