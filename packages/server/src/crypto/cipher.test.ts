import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { aad, Cipher, KeyConfigError, SealedValueError } from "./cipher.js";

const key = (id: string) => `${id}:${randomBytes(32).toString("base64")}`;

describe("Cipher", () => {
  it("round-trips and never shows the plaintext", () => {
    const cipher = Cipher.fromEnv(key("k1"));
    const sealed = cipher.seal("refresh-token-value", aad("t", "c", "row1"));
    expect(sealed).toMatch(/^v1\.k1\./);
    expect(sealed).not.toContain("refresh-token-value");
    expect(cipher.open(sealed, aad("t", "c", "row1"))).toBe("refresh-token-value");
    expect(cipher.seal("same", "x")).not.toBe(cipher.seal("same", "x"));
  });

  it("refuses a value moved to another row or column, or altered", () => {
    const cipher = Cipher.fromEnv(key("k1"));
    const sealed = cipher.seal("secret", aad("t", "c", "row1"));
    expect(() => cipher.open(sealed, aad("t", "c", "row2"))).toThrow(SealedValueError);
    expect(() => cipher.open(sealed, aad("t", "other", "row1"))).toThrow(SealedValueError);
    const parts = sealed.split(".");
    const body = Buffer.from(parts[3] ?? "", "base64url");
    body[0] = (body[0] ?? 0) ^ 1;
    parts[3] = body.toString("base64url");
    expect(() => cipher.open(parts.join("."), aad("t", "c", "row1"))).toThrow(SealedValueError);
    expect(() => cipher.open("garbage", "x")).toThrow(SealedValueError);
  });

  it("decrypts with every configured key and encrypts with the first", () => {
    const oldKey = key("old");
    const sealedOld = Cipher.fromEnv(oldKey).seal("v", "a");
    const rotated = Cipher.fromEnv(`${key("new")},${oldKey}`);
    expect(rotated.open(sealedOld, "a")).toBe("v");
    expect(rotated.isStale(sealedOld)).toBe(true);
    expect(rotated.seal("v", "a")).toMatch(/^v1\.new\./);
    expect(() => Cipher.fromEnv(key("other")).open(sealedOld, "a")).toThrow(/unknown key/);
  });

  it("refuses bad key configuration", () => {
    expect(() => Cipher.fromEnv("")).toThrow(KeyConfigError);
    expect(() => Cipher.fromEnv("k1:c2hvcnQ=")).toThrow(/32 bytes/);
    expect(() => Cipher.fromEnv(`nocolon${randomBytes(32).toString("base64")}`)).toThrow(
      KeyConfigError,
    );
    const k = randomBytes(32).toString("base64");
    expect(() => Cipher.fromEnv(`a:${k},a:${k}`)).toThrow(/twice/);
  });
});
