import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (pkg: string) =>
  fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources of sibling packages, so a change is
    // tested without a rebuild. Spawned CLIs still use dist (built by `pretest`).
    alias: {
      "@soundgate/authjs": src("authjs"),
      "@soundgate/better-auth": src("better-auth"),
      "@soundgate/browser": src("browser"),
      "@soundgate/emulator": src("emulator"),
      "@soundgate/server": src("server"),
      // Before "soundgate", which would otherwise take the subpath as a path under index.ts.
      "soundgate/exit-codes": fileURLToPath(
        new URL("./packages/soundgate/src/exit-codes.ts", import.meta.url),
      ),
      soundgate: src("soundgate"),
    },
  },
  test: {
    include: [
      "packages/*/src/**/*.test.ts",
      "apps/*/src/**/*.test.ts",
      "apps/*/e2e/**/*.test.ts",
      "examples/**/*.test.ts",
      "scripts/**/*.test.ts",
    ],
    // Long runs (crash safety, soak) live in vitest.reliability.config.ts.
    exclude: ["**/node_modules/**", "**/dist/**", "**/*.slow.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
