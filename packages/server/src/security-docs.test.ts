// docs/security.md says which test proves each protection, and docs/migrating-from-starlib.md
// which settings to use. Both must stay true: every test they name exists (file and
// title), and every setting they name is one the gateway reads.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.js";

const repo = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));
const read = (path: string) => readFileSync(repo(path), "utf8");

/** A test file as the docs name it: repository paths, or paths under packages/server/src. */
function testFile(path: string): string {
  return /^(packages|apps)\//.test(path) ? path : `packages/server/src/${path}`;
}

/**
 * The named tests of a doc: `file.test.ts › describe › title`, followed by "title"
 * references to the same file; a `› title` on its own belongs to the file named last.
 * Titles may be shortened with "…".
 */
function referencedTests(doc: string): Array<{ file: string; titles: string[] }> {
  const text = doc.replace(/\s*\n\s*/g, " ");
  const pattern =
    /`([\w./-]+\.test\.ts)((?: › [^`]+)?)`((?:,? (?:and |or )?"(?:\\"|[^"])+")*)|`› ([^`]+)`/g;
  const references: Array<{ file: string; titles: string[] }> = [];
  for (const [, file, first = "", quoted = "", alone] of text.matchAll(pattern)) {
    if (file) {
      const titles = first.split(" › ").slice(1);
      for (const [, title = ""] of quoted.matchAll(/"((?:\\"|[^"])+)"/g)) {
        titles.push(...title.replace(/\\"/g, '"').split(" › "));
      }
      references.push({ file: testFile(file), titles });
    } else {
      const last = references.at(-1);
      if (!last) throw new Error(`\`› ${alone}\` names no file before it`);
      last.titles.push(...(alone ?? "").split(" › "));
    }
  }
  return references;
}

/**
 * Whether `source` holds `title`: each part between "…" literally, except numbers,
 * which a title may compute (`ends after ${REFRESH_GRACE_MS / 1000} s`), and a word
 * that `describe.each` fills in (`"%s logs"` runs as "json logs").
 */
function holdsTitle(source: string, title: string): boolean {
  return title
    .split("…")
    .flatMap((part) => part.split(/\d+/))
    .map((piece) => piece.trim().replace(/^[,.:;]\s*|[,.:;]$/g, ""))
    .filter((piece) => piece.length >= 6)
    .every((piece) => withEachWord(piece).some((variant) => source.includes(variant)));
}

/** `piece`, and `piece` with each one of its words as `describe.each`'s `%s`. */
function withEachWord(piece: string): string[] {
  const words = piece.split(" ");
  return [piece, ...words.map((_, i) => words.map((w, j) => (i === j ? "%s" : w)).join(" "))];
}

describe.each(["docs/security.md", "docs/migrating-from-starlib.md"])("%s", (path) => {
  const doc = read(path);

  it("names tests that exist", () => {
    const references = referencedTests(doc);
    if (path === "docs/security.md") expect(references.length).toBeGreaterThan(60);
    for (const { file, titles } of references) {
      expect(existsSync(repo(file)), file).toBe(true);
      const source = read(file);
      for (const title of titles) {
        expect(holdsTitle(source, title), `${file} › ${title}`).toBe(true);
      }
    }
  });

  it("names only settings the gateway reads", () => {
    const names = new Set<string>();
    const env = new Proxy({} as Record<string, string | undefined>, {
      get(_target, key) {
        if (typeof key === "string") names.add(key);
        return undefined;
      },
    });
    loadConfig(env, { stdoutIsTty: false });
    for (const name of doc.match(/\b(SOUNDGATE|SOUNDCLOUD)_[A-Z0-9_]+\b/g) ?? []) {
      expect(names.has(name), `${name} is in ${path} but not in config.ts`).toBe(true);
    }
  });
});

it("finds a test named in a doc, and misses one that is not there", () => {
  const [reference] = referencedTests(
    '`routes/auth.test.ts › a group › ends after 10 s: the token…` "another, title", each: `› third`',
  );
  expect(reference).toEqual({
    file: "packages/server/src/routes/auth.test.ts",
    titles: ["a group", "ends after 10 s: the token…", "another, title", "third"],
  });
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a test file's source, as text
  const source = 'describe("a group", () => it(`ends after ${MS / 1000} s: the token is gone`));';
  expect(holdsTitle(source, "ends after 10 s: the token…")).toBe(true);
  expect(holdsTitle(source, "ends after 10 s: the key is gone")).toBe(false);
  expect(holdsTitle('describe.each(["json"])("%s logs", …)', "json logs")).toBe(true);
});
