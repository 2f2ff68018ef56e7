import { describe, expect, it } from "vitest";
import { object, optional, text } from "./shapes.js";

describe("request shapes", () => {
  const shape = object({ state: text(4), note: optional(text(3, 0)) });

  it("keeps the declared fields and drops the rest", () => {
    expect(shape.check({ state: "abcd", other: "x" })).toEqual({
      ok: true,
      value: { state: "abcd" },
    });
    expect(shape.check({ state: "a", note: "" })).toEqual({
      ok: true,
      value: { state: "a", note: "" },
    });
  });

  it("names the first field that is wrong, and why", () => {
    expect(shape.check({})).toEqual({
      ok: false,
      path: "state",
      message: "Invalid input: expected string, received undefined",
    });
    expect(shape.check({ state: ["a"] })).toMatchObject({
      path: "state",
      message: "Invalid input: expected string, received array",
    });
    expect(shape.check({ state: "" })).toMatchObject({
      message: "Too small: expected string to have >=1 characters",
    });
    expect(shape.check({ state: "abcde" })).toMatchObject({
      message: "Too big: expected string to have <=4 characters",
    });
    expect(shape.check({ state: "a", note: null })).toMatchObject({ path: "note" });
  });

  it("refuses what is not an object", () => {
    for (const [input, kind] of [
      [null, "null"],
      [[], "array"],
      ["s", "string"],
      [1, "number"],
    ] as const) {
      expect(shape.check(input)).toEqual({
        ok: false,
        path: undefined,
        message: `Invalid input: expected object, received ${kind}`,
      });
    }
  });
});
