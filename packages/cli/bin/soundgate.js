#!/usr/bin/env node
// The `soundgate` command. A committed file rather than a path into dist/, so npm links
// it at install time, before anything is built; it then runs the built CLI.
import { existsSync } from "node:fs";
import module from "node:module";

const entry = new URL("../dist/cli.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(
    "soundgate: the CLI is not built yet (its dist/ folder is missing); run `npm run build` at the root of the repository\n",
  );
  // 8: a package the command needs is not installed (or not built); see soundgate/exit-codes.
  process.exit(8);
}
// Node 22.1+ keeps the code it compiled for these modules between runs (in the system's
// temporary directory; it quietly does without when it cannot write there), so later
// starts skip most of the compiling. Absent on Node 20: nothing happens.
module.enableCompileCache?.();
await import(entry.href);
