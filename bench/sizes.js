// 7. Bundle sizes, minified + gzipped, of the browser SDK and of the core, as a bundler
// would ship them (Vite library build of each package's entry, everything inlined).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "vite";
import { root } from "./lib.js";

async function minGzip(entry) {
  const output = await build({
    configFile: false,
    logLevel: "silent",
    build: {
      write: false,
      minify: true,
      lib: { entry, formats: ["es"], fileName: "bundle" },
      rollupOptions: { external: [] },
    },
  });
  const chunks = (Array.isArray(output) ? output : [output]).flatMap((o) => o.output);
  const code = chunks
    .filter((c) => c.type === "chunk")
    .map((c) => c.code)
    .join("\n");
  return {
    min_bytes: Buffer.byteLength(code),
    min_gzip_bytes: gzipSync(code, { level: 9 }).length,
  };
}

export async function benchSizes() {
  const results = [];
  for (const [name, pkg] of [
    ["@soundgate/browser", "packages/browser"],
    ["soundgate (core)", "packages/soundgate"],
  ]) {
    const entry = join(root, pkg, "dist/index.js");
    if (!existsSync(entry)) {
      results.push({ name: "bundle_size", package: name, skipped: "not built" });
      continue;
    }
    results.push({ name: "bundle_size", package: name, ...(await minGzip(entry)) });
  }
  return results;
}
