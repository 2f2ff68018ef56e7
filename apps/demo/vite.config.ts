import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

// `npm run build` writes dist/, which the gateway serves at / (`soundgate serve --static`).
// `npm run dev` serves the page with live reload on :5173 and forwards /auth to a gateway
// on :8787; start that one with SOUNDGATE_PUBLIC_URL=http://localhost:5173 (the page
// reaches it here, and DPoP proofs name this URL).
export default defineConfig({
  resolve: {
    alias: {
      // The SDK's sources, so the demo never runs against a stale build of it.
      "@soundgate/browser": fileURLToPath(
        new URL("../../packages/browser/src/index.ts", import.meta.url),
      ),
    },
  },
  build: {
    target: "es2022",
    sourcemap: true,
  },
  server: {
    port: 5173,
    strictPort: true,
    proxy: { "/auth": "http://localhost:8787" },
  },
});
