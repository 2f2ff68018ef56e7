import { describe, expect, it } from "vitest";
import { isUrn, parseUrn, trackUrn, urnSegment, userUrn } from "./urn.js";

describe("URNs", () => {
  it("recognises URNs, by kind when asked", () => {
    expect(isUrn("soundcloud:tracks:123")).toBe(true);
    expect(isUrn("soundcloud:tracks:123", "tracks")).toBe(true);
    expect(isUrn("soundcloud:tracks:123", "users")).toBe(false);
    for (const bad of [
      "",
      "123",
      "soundcloud:tracks:",
      "soundcloud:tracks:1/2",
      "soundcloud:tracks:..",
      42,
    ]) {
      expect(isUrn(bad)).toBe(false);
    }
    expect(parseUrn("soundcloud:playlists:9")).toEqual({ kind: "playlists", id: "9" });
  });

  it("makes URNs from ids and refuses what could alter a path", () => {
    expect(trackUrn(5)).toBe("soundcloud:tracks:5");
    expect(userUrn("77")).toBe("soundcloud:users:77");
    expect(() => trackUrn("1/../me")).toThrow();
    expect(urnSegment("tracks", "soundcloud:tracks:5")).toBe("soundcloud:tracks:5");
    expect(() => urnSegment("tracks", "soundcloud:users:5")).toThrow(/tracks URN/);
  });
});
