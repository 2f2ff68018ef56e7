import { Hono } from "hono";
import { methodNotAllowed } from "hono/method-not-allowed";
import { apiRoutes } from "./api/router.js";
import { controlRoutes } from "./control.js";
import { DROPPED_HEADER } from "./faults.js";
import { type AppEnv, errorForPath, formDecode, isApiPath, limitBody, sleep } from "./http.js";
import { IMAGES_PREFIX, imageRoutes } from "./images.js";
import { authorizeRoutes } from "./oauth/authorize.js";
import { signOutRoutes } from "./oauth/sign-out.js";
import { tokenRoutes } from "./oauth/token.js";
import type { EmulatorOptions } from "./options.js";
import { EmulatorState } from "./state.js";

export interface Emulator {
  app: Hono<AppEnv>;
  state: EmulatorState;
}

/** The emulator as a Hono app, for in-process use (`app.fetch(request)`). */
export function createEmulatorApp(options: EmulatorOptions = {}): Hono<AppEnv> {
  return buildEmulator(options).app;
}

/** Builds the app and keeps its state reachable (the server needs it to release hung requests). */
export function buildEmulator(options: EmulatorOptions = {}): Emulator {
  const state = new EmulatorState(options);
  const app = new Hono<AppEnv>();

  app.onError((_error, c) =>
    // Never the error itself: it could carry request data.
    errorForPath(c.req.path, 500, "server_error", "the emulator failed to handle this request"),
  );
  app.notFound((c) => errorForPath(c.req.path, 404, "not_found", "no such endpoint"));

  // With a state file, whatever may have changed state is saved before the answer goes
  // out, so a client that saw a write succeed finds it after a restart.
  if (state.stateFile !== undefined) {
    app.use("*", async (c, next) => {
      await next();
      if (!mayChangeState(c.req.method, c.req.path)) return;
      try {
        state.save();
      } catch {
        // The change stays in memory and the next save retries; the client must not
        // believe it was kept.
        c.res = errorForPath(
          c.req.path,
          500,
          "state_not_saved",
          "the emulator could not write its state file",
        );
      }
    });
  }

  // Every API request counts, before anything can answer it: 401s, faults, 405s and
  // paths with no route included (a client calling a wrong path shows up here).
  app.use("*", async (c, next) => {
    const counted = c.req.method !== "OPTIONS" && isCountedApiPath(c.req.path);
    if (counted) state.stats.api_requests += 1;
    await next();
    if (counted && c.res.status === 404) state.stats.api_not_found += 1;
  });

  app.use(
    "*",
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, methods) => {
        const res = errorForPath(
          c.req.path,
          405,
          "method_not_allowed",
          `use ${methods.join(", ")} for this path`,
        );
        res.headers.set("allow", methods.join(", "));
        return res;
      },
    }),
  );

  // Malformed percent-encoding (or encoded bytes that are not UTF-8) is the
  // client's mistake: answer 400 before any route tries to read it.
  app.use("*", async (c, next) => {
    const url = new URL(c.req.url);
    const components = [url.pathname, ...url.search.slice(1).split(/[&=]/)];
    if (components.some((part) => formDecode(part) === null)) {
      return errorForPath(
        url.pathname,
        400,
        "invalid_request",
        "malformed percent-encoding in the URL",
      );
    }
    await next();
  });

  app.use("*", limitBody);

  // Latency applies to what SoundCloud would serve, never to the control surface.
  app.use("*", async (c, next) => {
    const delay = state.settings.latency_ms;
    if (delay > 0 && !c.req.path.startsWith("/_emulator")) await sleep(delay);
    await next();
  });

  app.route("/", controlRoutes(state));
  app.route("/", authorizeRoutes(state));
  app.route("/", tokenRoutes(state));
  app.route("/", signOutRoutes(state));
  app.route("/", imageRoutes());
  app.route("/", apiRoutes(state));

  // In-process, a `drop` fault cannot cut a socket; make app.fetch reject the way
  // fetch() does when the server closes the connection.
  const honoFetch = app.fetch;
  app.fetch = async (request, env, executionCtx) => {
    const response = await honoFetch(request, env, executionCtx);
    if (response.headers.has(DROPPED_HEADER)) {
      throw new TypeError("fetch failed: the emulator dropped the connection");
    }
    return response;
  };

  return { app, state };
}

/** API paths, less the emulated image CDN (which SoundCloud serves from another host). */
function isCountedApiPath(path: string): boolean {
  return isApiPath(path) && !path.startsWith(IMAGES_PREFIX);
}

const STREAMS_PATH = /^\/tracks\/[^/]+\/streams$/;

/**
 * Every write is a POST, PUT or DELETE; two GETs change state too: /authorize (a
 * consent transaction, or a code when auto-approving) and a track's streams (a play).
 */
function mayChangeState(method: string, path: string): boolean {
  if (method !== "GET" && method !== "HEAD" && method !== "OPTIONS") return true;
  return path === "/authorize" || STREAMS_PATH.test(path);
}
