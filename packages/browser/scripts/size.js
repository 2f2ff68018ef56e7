#!/usr/bin/env node
// The SDK's weight as a page pays for it: the whole entry bundled and minified by Vite
// (library mode, ES module), then gzipped. Prints e.g. `2712 bytes min+gzip (7410 min)`;
// with --json prints {"min": …, "gzip": …}. The budget is 4 KB (4096 bytes).
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "vite";

export const BUDGET = 4096;

export async function measure() {
  const entry = fileURLToPath(new URL("../src/index.ts", import.meta.url));
  const result = await build({
    configFile: false,
    logLevel: "silent",
    build: {
      lib: { entry, formats: ["es"], fileName: "soundgate-browser" },
      write: false,
      minify: true,
      sourcemap: false,
      reportCompressedSize: false,
    },
  });
  const outputs = (Array.isArray(result) ? result : [result]).flatMap((r) => r.output);
  const code = outputs
    .filter((o) => o.type === "chunk")
    .map((o) => o.code)
    .join("");
  return { min: Buffer.byteLength(code), gzip: gzipSync(code, { level: 9 }).length };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const size = await measure();
  if (process.argv.includes("--json")) console.log(JSON.stringify(size));
  else console.log(`${size.gzip} bytes min+gzip (${size.min} min), budget ${BUDGET}`);
  if (size.gzip > BUDGET) process.exitCode = 1;
}
