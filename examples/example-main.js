// @ts-check
// How each example starts from its command line (`npm run example:…`).
import { createServer } from "node:http";
import { pathToFileURL } from "node:url";

/** A configuration mistake: its message is one line that names the variable to set. */
export class ExampleConfigError extends Error {
  /** @override */
  name = "ExampleConfigError";
}

/** @param {string} moduleUrl `import.meta.url`: is that module the script node was started with? */
export function isMain(moduleUrl) {
  return process.argv[1] !== undefined && moduleUrl === pathToFileURL(process.argv[1]).href;
}

/**
 * Listen on PORT (default 3000; 0 takes a free port) on the loopback interface, then let
 * `start` configure the example for that address (a redirect URI needs the real port) and
 * serve what it returns. A configuration mistake ends the process with its one line on
 * stderr and exit code 2, a port in use with exit code 3, not a stack trace.
 * @param {string} name
 * @param {(baseUrl: string) => Promise<import("node:http").RequestListener>} start
 */
export async function serveExample(name, start) {
  const server = createServer();
  const wanted = Number(process.env.PORT ?? 3000);
  try {
    await new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(wanted, "127.0.0.1", () => resolve(undefined));
    });
  } catch (error) {
    if (/** @type {NodeJS.ErrnoException} */ (error).code !== "EADDRINUSE") throw error;
    console.error(
      `${name} example: port ${wanted} is in use; set PORT to another (PORT=0 takes a free one)`,
    );
    process.exit(3);
  }
  const { port } = /** @type {import("node:net").AddressInfo} */ (server.address());
  const baseUrl = `http://localhost:${port}`;
  try {
    server.on("request", await start(baseUrl));
  } catch (error) {
    if (!(error instanceof ExampleConfigError)) throw error;
    console.error(`${name} example: ${error.message}`);
    process.exit(2);
  }
  console.log(`${name} example on ${baseUrl}/`);
}
