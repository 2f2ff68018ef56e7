import { WebHeaders } from "./headers.js";
import { WebRequest } from "./request.js";
import { WebResponse } from "./response.js";

/**
 * Put the gateway's Headers, Request and Response on globalThis, where Hono looks for
 * them, so that answering a request does not load undici (web/headers.ts says why).
 * Each class still answers `instanceof` for undici's objects, and anything it does not
 * model hands over to undici's own class. The same replacement @hono/node-server makes
 * by default; done once per process, by the request listener.
 */
let installed = false;

export function installWebGlobals(): void {
  // Not `globalThis.Headers === WebHeaders`: reading Node's global loads undici.
  if (installed) return;
  installed = true;
  for (const [name, value] of [
    ["Headers", WebHeaders],
    ["Request", WebRequest],
    ["Response", WebResponse],
  ] as const) {
    Object.defineProperty(globalThis, name, { value, writable: true, configurable: true });
  }
}
