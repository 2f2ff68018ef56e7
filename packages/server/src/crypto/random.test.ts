import { describe, expect, it } from "vitest";
import { randomBytes } from "./random.js";

describe("randomBytes", () => {
  it("gives every caller bytes of its own: 20,000 values across many pool refills, none repeated", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const value = randomBytes(i % 3 === 0 ? 12 : 32);
      expect(value.length).toBe(i % 3 === 0 ? 12 : 32);
      seen.add(value.toString("hex"));
    }
    expect(seen.size).toBe(20_000);
  });

  it("hands out copies: changing one value changes no other, and a later value is not zeros", () => {
    const first = randomBytes(32);
    const copy = Buffer.from(first);
    const second = randomBytes(32);
    first.fill(0);
    expect(second.equals(Buffer.alloc(32))).toBe(false);
    const third = randomBytes(32);
    expect(third.equals(copy)).toBe(false);
    expect(third.equals(Buffer.alloc(32))).toBe(false);
  });

  it("looks uniform (mean byte near 127.5 over 1 MB) and serves large requests directly", () => {
    let sum = 0;
    let count = 0;
    for (let i = 0; i < 32_768; i++) {
      for (const byte of randomBytes(32)) {
        sum += byte;
        count++;
      }
    }
    expect(Math.abs(sum / count - 127.5)).toBeLessThan(1);
    expect(randomBytes(10_000).length).toBe(10_000);
  });
});
