import { describe, expect, it } from "vitest";
import {
  boolean,
  digits,
  httpUrl,
  Invalid,
  matching,
  nonEmpty,
  oneOf,
  port,
  proxyHops,
  wholeNumber,
} from "./config-values.js";

function refusal(check: (value: string) => unknown, value: string): string {
  try {
    check(value);
  } catch (error) {
    expect(error).toBeInstanceOf(Invalid);
    return (error as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(value)} to be refused`);
}

describe("config checks", () => {
  it("numbers: digits only, within range, one message for both", () => {
    expect(wholeNumber(1, 10)(" 7 ")).toBe(7);
    expect(refusal(wholeNumber(1, 10), "11")).toBe("must be a whole number from 1 to 10");
    expect(refusal(wholeNumber(1, 10), "1e1")).toBe("must be a whole number from 1 to 10");
    expect(port("65535")).toBe(65_535);
    expect(refusal(port, "65536")).toBe("must be a port number (0-65535)");
    expect(refusal(port, " 80")).toBe("must be a port number (0-65535)");
    const hours = digits(/^\d+$/, "whole hours", { min: 1, max: 5, rangeMessage: "1 to 5" });
    expect(refusal(hours, "6")).toBe("1 to 5");
    expect(refusal(hours, "x")).toBe("whole hours");
  });

  it("words: exact options, booleans and proxy hops", () => {
    expect(oneOf(["a", "b"])("b")).toBe("b");
    expect(refusal(oneOf(["a", "b"]), "c")).toBe('Invalid option: expected one of "a"|"b"');
    expect(refusal(oneOf(["a"], "must be a"), " a")).toBe("must be a");
    expect([boolean("yes"), boolean("1"), boolean("no"), boolean("")]).toEqual([
      true,
      true,
      false,
      false,
    ]);
    expect(refusal(boolean, "TRUE")).toMatch(/^Invalid option/);
    expect([proxyHops(" TRUE "), proxyHops("no"), proxyHops("3")]).toEqual([1, 0, 3]);
    expect(refusal(proxyHops, "100")).toMatch(/number of proxies/);
  });

  it("text: trimmed where the variable allows it", () => {
    expect(nonEmpty(" host ")).toBe("host");
    expect(refusal(nonEmpty, "  ")).toBe("Too small: expected string to have >=1 characters");
    expect(matching(/^x+$/, "only x", { trim: true })(" xx ")).toBe("xx");
    expect(refusal(matching(/^x+$/, "only x"), " xx ")).toBe("only x");
    expect(httpUrl(" https://a.example/ ")).toBe("https://a.example/");
    expect(refusal(httpUrl, "ftp://a.example")).toBe("must be an http(s) URL");
  });
});
