import { type Context, Hono } from "hono";
import { getCookie } from "hono/cookie";
import { signOut } from "soundgate";
import { type GatewayContext, oauthClient } from "../auth/context.js";
import type { GatewayServices } from "../auth/services.js";
import { GatewayError } from "../errors.js";
import { clientAddress } from "../http/client-address.js";
import { clearCookie, cookieNames, writeCookie } from "../http/cookies.js";
import { HttpError } from "../http/errors.js";
import { preparedResponse } from "../http/prepared-response.js";
import {
  AUTH_RESPONSE_HEADERS,
  builtInPageCsp,
  headerObject,
  securityHeaderList,
} from "../http/security-headers.js";
import { object, optional, text } from "../http/shapes.js";
import { jsonBodyLimit, parseHeaders, parseJsonBody, parseQuery } from "../http/validation.js";
import { donePage } from "../pages/done.js";
import { loginExpiredPage } from "../pages/login-expired.js";

const RESULT_VERIFIER_HEADER = "x-soundgate-result-verifier";
const RESULT_KEY_HEADER = "x-soundgate-result-key";
const DPOP_HEADER = "dpop";
const JSON_CONTENT = [["Content-Type", "application/json"]] as const;

// Generous bounds: real values are far shorter; anything longer is not ours.
const authorizeQuery = object({
  return_to: optional(text(2048)),
  result_challenge: optional(text(128)),
});
const redirectQuery = object({
  state: text(512),
  code: optional(text(1024)),
  error: optional(text(256)),
  error_description: optional(text(2048, 0)),
});
const resultQuery = object({ state: text(512) });
const resultHeaders = object({
  [RESULT_VERIFIER_HEADER]: optional(text(256)),
  [RESULT_KEY_HEADER]: optional(text(128)),
});
const doneQuery = object({ error: optional(text(256, 0)) });
const callbackBody = object({ code: text(1024), state: text(512) });
const refreshBody = object({ refresh_token: text(2048) });
const loginQuery = object({ return_to: optional(text(2048)) });
const signOutBody = object({ access_token: text(2048) });

/** The Starlib-compatible endpoints under /auth/soundcloud. */
export function authRoutes(ctx: GatewayContext, services: GatewayServices): Hono {
  const { starlibHandoff, loginRedirect, refresher, bffSessions, dpop } = services;
  const cookies = cookieNames(ctx.config);
  // The Starlib profile takes requests without proofs (its front end sends none); a proof
  // that is sent is checked all the same, and a token bound to a key stays bound.
  const proofRequired = ctx.config.compat !== "starlib";
  const proof = (c: Context, method: "GET" | "POST", path: string, required = proofRequired) =>
    dpop.check(c.req.header(DPOP_HEADER), { method, path: `/auth/soundcloud${path}`, required });
  const app = new Hono();

  // The busiest auth endpoint answers whole, with every header already in place.
  const authorizeHeaders = headerObject(
    securityHeaderList(ctx.config),
    AUTH_RESPONSE_HEADERS,
    JSON_CONTENT,
  );
  app.get("/authorize", async (c) => {
    const query = parseQuery(c, authorizeQuery);
    const started = await starlibHandoff.start({
      returnTo: query.return_to,
      resultChallenge: query.result_challenge,
    });
    return preparedResponse(JSON.stringify(started), 200, authorizeHeaders);
  });

  // How a redirect's outcome looks: a 303, or for a login the gateway does not know a page
  // that says what happened (a browser) or the JSON error (an API client).
  const pageCsp = builtInPageCsp(ctx.soundcloud.apiUrl);
  app.get("/redirect", async (c) => {
    const query = parseQuery(c, redirectQuery);
    const outcome = await loginRedirect.finish(query, getCookie(c, cookies.login));
    if (outcome.kind === "page") {
      if (c.req.header("accept")?.includes("text/html")) {
        c.header("Content-Security-Policy", pageCsp);
        return c.html(loginExpiredPage(outcome.home), 400);
      }
      throw new GatewayError(
        "invalid_state",
        "This login link is unknown, expired or already used; start again",
      );
    }
    if (outcome.endsBrowserLogin) clearCookie(c, ctx.config, cookies.login);
    if (outcome.session) {
      writeCookie(c, ctx.config, cookies.session, outcome.session, ctx.config.sessionTtlMs / 1000);
    }
    return c.redirect(outcome.location, 303);
  });

  // BFF login: straight to SoundCloud; the session cookie is set when it sends the user back.
  app.get("/login", async (c) => {
    const query = parseQuery(c, loginQuery);
    const { url, binding } = await bffSessions.start(query.return_to);
    writeCookie(c, ctx.config, cookies.login, binding, 600);
    return c.redirect(url, 302);
  });

  app.get("/result", async (c) => {
    const query = parseQuery(c, resultQuery);
    const headers = parseHeaders(c, resultHeaders);
    const jkt = await proof(c, "GET", "/result");
    const outcome = await starlibHandoff.takeResult(query.state, {
      verifier: headers[RESULT_VERIFIER_HEADER],
      key: headers[RESULT_KEY_HEADER],
      jkt,
    });
    return outcome.status === "pending" ? c.json({ status: "pending" }, 202) : c.json(outcome.body);
  });

  app.post("/callback", jsonBodyLimit(), async (c) => {
    const headers = parseHeaders(c, resultHeaders);
    const body = await parseJsonBody(c, callbackBody);
    const jkt = await proof(c, "POST", "/callback");
    return c.json(
      await starlibHandoff.finishCallback({
        code: body.code,
        state: body.state,
        verifier: headers[RESULT_VERIFIER_HEADER],
        jkt,
      }),
    );
  });

  app.post("/refresh", jsonBodyLimit(), async (c) => {
    const body = await parseJsonBody(c, refreshBody);
    // Whether a proof was needed is the refresher's to say: it looks the token up first,
    // so a spent one presented without a proof is still counted as a replay.
    const jkt = await proof(c, "POST", "/refresh", false);
    return c.json(
      await refresher.refresh(body.refresh_token, {
        jkt,
        origin: c.req.header("origin"),
        address: clientAddress(c, ctx.config.trustProxy),
      }),
    );
  });

  // SoundCloud's sign-out does not answer browsers (no CORS), so a page signs out through here.
  app.post("/sign-out", jsonBodyLimit(), async (c) => {
    const body = await parseJsonBody(c, signOutBody);
    try {
      await signOut(oauthClient(ctx), { accessToken: body.access_token });
    } catch {
      throw new HttpError(
        502,
        "upstream_unavailable",
        "SoundCloud's sign-out could not be reached",
      );
    }
    return c.body(null, 204);
  });

  // What a front end needs to call the API itself; public facts only, the same for everyone.
  // `bff`: whether BFF logins can complete here (SoundCloud must redirect to the gateway).
  const publicConfig = JSON.stringify({
    api_url: ctx.soundcloud.apiUrl,
    bff: ctx.config.flowMode === "backend-redirect",
  });
  app.get("/config", (c) => {
    c.header("Cache-Control", "public, max-age=300");
    c.header("Pragma", undefined);
    return c.body(publicConfig, 200, { "Content-Type": "application/json" });
  });

  // Where desktop apps send the browser back (the default return_to). Apps read the
  // state and result_key from this URL; the page only tells the person what happened.
  app.get("/done", (c) => {
    const { error } = parseQuery(c, doneQuery);
    return c.html(donePage({ error, bound: ctx.config.resultBinding === "both" }));
  });

  return app;
}
