import { Hono } from "hono";
import { getCookie } from "hono/cookie";
import { describe, expect, it } from "vitest";
import { firstCookie, readCookie } from "./cookies.js";

/** readCookie and hono/cookie's getCookie, on the same request. */
async function both(header: string | undefined, name: string) {
  const app = new Hono();
  app.get("/", (c) =>
    c.json({
      fast: readCookie(c.req.header("cookie"), name) ?? null,
      hono: getCookie(c, name) ?? null,
    }),
  );
  const response = await app.request(
    "/",
    header === undefined ? {} : { headers: { cookie: header } },
  );
  return (await response.json()) as { fast: string | null; hono: string | null };
}

describe("readCookie", () => {
  it("reads what hono/cookie reads, on plain and on odd headers", async () => {
    const cases: Array<[string | undefined, string]> = [
      [undefined, "soundgate_session"],
      ["", "soundgate_session"],
      ["soundgate_session=abc-DEF_123", "soundgate_session"],
      ["a=1; soundgate_session=abc; b=2", "soundgate_session"],
      ["a=1;soundgate_session=abc", "soundgate_session"],
      ["  soundgate_session = \tabc\t ; x=y", "soundgate_session"],
      ["xsoundgate_session=abc; soundgate_session=real", "soundgate_session"],
      ["soundgate_session=first; soundgate_session=second", "soundgate_session"],
      ['soundgate_session="quoted"', "soundgate_session"],
      ["soundgate_session=a%20b", "soundgate_session"],
      ["soundgate_session=bad\\value; soundgate_session=good", "soundgate_session"],
      ["soundgate_session=", "soundgate_session"],
      ["soundgate_session", "soundgate_session"],
      ["other=1", "soundgate_session"],
      ["__Host-soundgate_session=abc; soundgate_session=def", "__Host-soundgate_session"],
    ];
    for (const [header, name] of cases) {
      const { fast, hono } = await both(header, name);
      expect(fast, String(header)).toBe(hono);
    }
  });

  it("finds the first pair of that name, trimmed of spaces and tabs only", () => {
    expect(firstCookie("a=1; b = 2 ;b=3", "b")).toBe("2");
    expect(firstCookie("a=1", "b")).toBeUndefined();
    expect(firstCookie("b=\u00a0x", "b")).toBe("\u00a0x");
  });
});
