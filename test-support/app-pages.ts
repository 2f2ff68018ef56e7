// Front ends on their own origin for browser tests: a tiny static server, the browser SDK
// bundled from its TypeScript source (as a page would ship it), and a page that uses it.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";

export interface PageServer {
  /** e.g. http://127.0.0.1:41235 */
  url: string;
  /** What it serves, by path; filled in once the gateway's address is known. */
  files: Record<string, StaticFile>;
  close(): Promise<void>;
}

export interface StaticFile {
  type: string;
  body: string;
}

/**
 * Serves `files` by path; any other GET gets `files[fallback]` (a single-page app's
 * index), so callback paths like `/auth/soundcloud/callback?state=…` load the app.
 */
export async function startPageServer(fallback = "/index.html"): Promise<PageServer> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const pages: PageServer = {
    url,
    files: {},
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  server.on("request", (request, response) => {
    const path = new URL(request.url ?? "/", url).pathname;
    const file = pages.files[path] ?? pages.files[fallback];
    if (request.method !== "GET" || !file) {
      response.writeHead(404, { "Content-Type": "text/plain" }).end("not found");
      return;
    }
    response
      .writeHead(200, {
        "Content-Type": `${file.type}; charset=utf-8`,
        "Cache-Control": "no-store",
      })
      .end(file.body);
  });
  return pages;
}

let sdkBundle: Promise<string> | undefined;

/** `@soundgate/browser` from source as one ES module, built once per test file. */
export function browserSdkBundle(): Promise<string> {
  sdkBundle ??= (async () => {
    const { build } = await import("vite");
    const entry = fileURLToPath(new URL("../packages/browser/src/index.ts", import.meta.url));
    const result = await build({
      configFile: false,
      logLevel: "silent",
      build: {
        lib: { entry, formats: ["es"], fileName: "soundgate-browser" },
        write: false,
        minify: false,
        sourcemap: false,
        reportCompressedSize: false,
      },
    });
    const outputs = (Array.isArray(result) ? result : [result]).flatMap((r) =>
      "output" in r ? r.output : [],
    );
    return outputs.map((o) => (o.type === "chunk" ? o.code : "")).join("");
  })();
  return sdkBundle;
}

export const SDK_APP_TITLE = "Test app";

/**
 * An app page built on the SDK: on load it finishes a login if the URL carries one and
 * shows the outcome in `#message` (the error's message, its code in `data-code`). The
 * client is `window.sdk`, for tests to drive.
 */
export async function sdkAppFiles(options: {
  gatewayUrl: string;
  apiUrl: string;
}): Promise<Record<string, StaticFile>> {
  return {
    "/sdk.js": { type: "text/javascript", body: await browserSdkBundle() },
    "/app.js": {
      type: "text/javascript",
      body: `import { createSoundgateClient } from "/sdk.js";
const sdk = createSoundgateClient(${JSON.stringify(options)});
window.sdk = sdk;
const message = document.getElementById("message");
const show = (text, code) => { message.textContent = text; message.dataset.code = code ?? ""; };
window.finished = sdk.handleCallback().then(
  (user) => show(user ? "Connected as " + user.username : "Ready"),
  (error) => show(error.message, error.code),
);
`,
    },
    "/index.html": {
      type: "text/html",
      body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${SDK_APP_TITLE}</title></head>
<body><main><h1>${SDK_APP_TITLE}</h1><p id="message" role="status">Loading…</p></main>
<script type="module" src="/app.js"></script></body></html>`,
    },
  };
}

/**
 * The Starlib-shaped front end (test-support/starlib-frontend), configured like a build:
 * `apiBase` is its backend, `desktopBackend` the address its desktop build hard-codes.
 */
export function starlibFrontendFiles(config: {
  apiBase: string;
  soundcloudApi: string;
  desktopBackend: string;
}): Record<string, StaticFile> {
  const read = (name: string) =>
    readFileSync(fileURLToPath(new URL(`./starlib-frontend/${name}`, import.meta.url)), "utf8");
  return {
    "/index.html": { type: "text/html", body: read("index.html") },
    "/app.js": { type: "text/javascript", body: read("app.js") },
    "/auth.js": { type: "text/javascript", body: read("auth.js") },
    "/config.js": {
      type: "text/javascript",
      body: [
        `export const API_BASE = ${JSON.stringify(config.apiBase)};`,
        `export const SOUNDCLOUD_API = ${JSON.stringify(config.soundcloudApi)};`,
        `export const DESKTOP_BACKEND = ${JSON.stringify(config.desktopBackend)};`,
      ].join("\n"),
    },
  };
}
