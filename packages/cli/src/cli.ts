#!/usr/bin/env node
import nodeModule from "node:module";

// Node ≥ 22.1 keeps compiled code between runs (absent on Node 20, hence the `?.`). It
// must run before the CLI's modules load, so they are imported after it, dynamically.
(nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();

// `soundgate api … | head` closes the pipe early: the reader has what it wanted, so
// stop quietly with success instead of dying on EPIPE with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0);
    throw error;
  });
}

const { runCli } = await import("./main.js");
process.exitCode = await runCli(process.argv.slice(2));
