import { defineConfig } from "vitest/config";
import base from "./vitest.config.js";

// The long reliability runs: crash safety, soak, the Postgres store under load and chaos
// (`npm run test:reliability`), one file at a time so they do not compete for the two cores.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ["packages/*/src/**/*.slow.test.ts"],
    exclude: ["**/node_modules/**", "**/dist/**"],
    fileParallelism: false,
  },
});
