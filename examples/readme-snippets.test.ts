// The copy-paste Next.js App Router setups in the auth-framework packages' READMEs,
// type-checked as the files they say they are. Every ```ts / ```tsx block whose first line
// is `// <path>` is written to that path in a small app under examples/nextjs (so Next,
// React and next-auth come from the Next.js example's install), then `tsc` checks it.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { nextjsInstalled } from "./run-nextjs.js";
import { REPO } from "./spawn-example.js";

const inCi = Boolean(process.env.CI) && process.env.CI !== "false" && process.env.CI !== "0";
const installed = nextjsInstalled();
const SNIPPETS = join(REPO, "examples", "nextjs", ".readme-snippets");
const TSC = join(REPO, "examples", "nextjs", "node_modules", "typescript", "bin", "tsc");

/** `// path/to/file.tsx (a note)` then the code: the README's blocks that name their file. */
export function fileBlocks(markdown: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const [, code = ""] of markdown.matchAll(/^```tsx?\n([\s\S]*?)^```$/gm)) {
    const path = /^\/\/ ([\w@.[\]/-]+\.tsx?)(?: \(.*\))?\n/.exec(code)?.[1];
    if (!path) continue;
    if (files.has(path)) throw new Error(`two blocks for ${path}`);
    files.set(path, code);
  }
  return files;
}

const TSCONFIG = {
  compilerOptions: {
    target: "ES2022",
    lib: ["dom", "dom.iterable", "esnext"],
    skipLibCheck: true,
    strict: true,
    noEmit: true,
    esModuleInterop: true,
    module: "esnext",
    moduleResolution: "bundler",
    isolatedModules: true,
    jsx: "react-jsx",
    types: ["node"],
    paths: { "@/*": ["./*"] },
  },
  include: ["**/*.ts", "**/*.tsx"],
};

if (!installed && !inCi) {
  console.warn(
    "\n[README snippet checks skipped] the Next.js example is not installed: run `npm ci` in examples/nextjs\n",
  );
}

describe.runIf(installed || inCi)("Next.js App Router setups in the READMEs", () => {
  for (const pkg of ["authjs", "better-auth"]) {
    it(`packages/${pkg}/README.md type-checks as an app`, () => {
      expect(installed, "examples/nextjs is not installed (required under CI)").toBe(true);
      const files = fileBlocks(readFileSync(join(REPO, "packages", pkg, "README.md"), "utf8"));
      expect([...files.keys()]).toContain("app/page.tsx");
      const dir = join(SNIPPETS, pkg);
      rmSync(dir, { recursive: true, force: true });
      for (const [path, code] of files) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), code);
      }
      writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(TSCONFIG, null, 2));
      const tsc = spawnSync(process.execPath, [TSC, "-p", dir], { encoding: "utf8" });
      expect(tsc.stdout + tsc.stderr).toBe("");
      expect(tsc.status).toBe(0);
    }, 120_000);
  }
});
