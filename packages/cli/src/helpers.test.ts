import { describe, expect, it } from "vitest";
import { parseField, toJsonBody, toQuery } from "./api-fields.js";
import { configDir } from "./config-dir.js";
import { renderProgress } from "./progress-bar.js";

describe("api fields", () => {
  const fields = (...raw: string[]) => raw.map((r) => parseField(r, r.startsWith("F:")));

  it("types -F values and keeps -f values strings", () => {
    expect(parseField("n=5", true)).toEqual({ key: "n", value: 5 });
    expect(parseField("b=true", true)).toEqual({ key: "b", value: true });
    expect(parseField("x=null", true)).toEqual({ key: "x", value: null });
    expect(parseField("n=5", false)).toEqual({ key: "n", value: "5" });
    expect(parseField("q=a=b", false)).toEqual({ key: "q", value: "a=b" });
    expect(() => parseField("novalue", false)).toThrow(/key=value/);
  });

  it("nests bracketed names into a JSON body", () => {
    expect(
      toJsonBody(
        fields(
          "playlist[title]=Road",
          "playlist[tracks][][urn]=soundcloud:tracks:1",
          "playlist[tracks][][urn]=soundcloud:tracks:2",
          "tags[]=a",
          "tags[]=b",
        ),
      ),
    ).toEqual({
      playlist: {
        title: "Road",
        tracks: [{ urn: "soundcloud:tracks:1" }, { urn: "soundcloud:tracks:2" }],
      },
      tags: ["a", "b"],
    });
    expect(() => toJsonBody(fields("a=1", "a[b]=2"))).toThrow(/clashes/);
  });

  it("passes fields of a GET as they are named", () => {
    expect(toQuery(fields("q=night", "bpm[from]=120"))).toEqual({ q: "night", "bpm[from]": "120" });
  });
});

describe("configDir", () => {
  it("honours SOUNDGATE_CONFIG_DIR, XDG_CONFIG_HOME and APPDATA", () => {
    expect(configDir({ SOUNDGATE_CONFIG_DIR: "/tmp/x" }, "linux", "/home/u")).toBe("/tmp/x");
    expect(configDir({}, "linux", "/home/u")).toBe("/home/u/.config/soundgate");
    expect(configDir({ XDG_CONFIG_HOME: "/xdg" }, "linux", "/home/u")).toBe("/xdg/soundgate");
    expect(configDir({ XDG_CONFIG_HOME: "relative" }, "linux", "/home/u")).toBe(
      "/home/u/.config/soundgate",
    );
    expect(configDir({ APPDATA: "/appdata" }, "win32", "/home/u")).toMatch(/appdata.soundgate$/);
  });
});

describe("progress bar", () => {
  it("draws the share sent and the sizes", () => {
    expect(renderProgress(0, 2 * 1024 * 1024, 10)).toBe("[..........]   0%  0 B / 2.0 MB");
    expect(renderProgress(1024 * 1024, 2 * 1024 * 1024, 10)).toBe(
      "[#####.....]  50%  1.0 MB / 2.0 MB",
    );
    expect(renderProgress(2048, 2048, 10)).toBe("[##########] 100%  2.0 KB / 2.0 KB");
  });
});
