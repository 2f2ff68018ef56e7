import { Hono } from "hono";
import type { UserRecord } from "../catalog.js";
import { HTML_HEADERS, renderConsentPage, renderErrorPage, unnamedApp } from "../consent-page.js";
import { serveFault } from "../faults.js";
import { type AppEnv, mediaType, parseForm, readBodyText } from "../http.js";
import type { EmulatorState } from "../state.js";
import { isS256Challenge } from "./pkce.js";

/**
 * secure.soundcloud.com/authorize: validates the authorization request, shows
 * the consent page and turns the decision into a redirect with a code or an
 * error. Until the client and its exact redirect URI are known good, errors are
 * an HTML page and never a redirect, so this can't become an open redirector.
 */
export function authorizeRoutes(state: EmulatorState): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/authorize", async (c) => {
    state.stats.authorize_requests += 1;
    const fault = state.faults.take("authorize");
    if (fault) {
      state.stats.faults_injected.authorize += 1;
      return serveFault(c, fault, state);
    }
    const query = new URL(c.req.url).searchParams;
    const repeated = REQUEST_PARAMS.find((name) => query.getAll(name).length > 1);
    const clientId = query.get("client_id");
    const client = clientId === null ? undefined : state.clients.get(clientId);
    if (!client) {
      return errorPage("Unknown application", "This app's client_id is not registered.");
    }
    const redirectUri = query.get("redirect_uri");
    if (redirectUri === null || !client.redirect_uris.includes(redirectUri)) {
      return errorPage(
        "Invalid redirect URI",
        "The redirect_uri is missing or does not exactly match a URI registered for this app.",
      );
    }
    if (repeated === "client_id" || repeated === "redirect_uri") {
      return errorPage("Invalid request", `The ${repeated} parameter is repeated.`);
    }

    // From here on the redirect URI is trusted, so errors go back to the app.
    const appState = query.get("state");
    const back = (params: Record<string, string>) => redirectTo(redirectUri, params, appState);
    if (repeated) {
      return back({ error: "invalid_request", error_description: `${repeated} is repeated` });
    }
    const responseType = query.get("response_type");
    if (responseType === null) {
      return back({ error: "invalid_request", error_description: "response_type is required" });
    }
    if (responseType !== "code") {
      return back({
        error: "unsupported_response_type",
        error_description: "only response_type=code is supported",
      });
    }
    const challenge = query.get("code_challenge");
    if (challenge === null || challenge === "") {
      return back({ error: "invalid_request", error_description: "code_challenge is required" });
    }
    if (query.get("code_challenge_method") !== "S256") {
      return back({
        error: "invalid_request",
        error_description: "code_challenge_method must be S256",
      });
    }
    if (!isS256Challenge(challenge)) {
      return back({
        error: "invalid_request",
        error_description: "code_challenge must be 43 base64url characters",
      });
    }

    const request = { client_id: client.client_id, redirect_uri: redirectUri };
    const autoUser = state.autoApproveUser(client);
    if (autoUser) {
      const code = issueCode(state, { ...request, code_challenge: challenge }, autoUser);
      return back({ code });
    }
    const transactionId = state.grants.createPending({
      ...request,
      code_challenge: challenge,
      state: appState,
    });
    const catalog = state.catalog;
    const html = renderConsentPage({
      appName: client.name ?? unnamedApp(redirectUri),
      clientId: client.client_id,
      redirectUri,
      transactionId,
      accounts: catalog.signInUsers.map((user) => ({
        username: user.username,
        full_name: `${user.first_name} ${user.last_name}`,
        city: user.city,
        track_count: catalog.trackIdsOf(user.id).length,
        followers_count: catalog.followerIdsOf(user.id).length,
      })),
    });
    return new Response(html, { status: 200, headers: HTML_HEADERS });
  });

  app.post("/authorize", async (c) => {
    state.stats.consent_decisions += 1;
    const fault = state.faults.take("authorize");
    if (fault) {
      state.stats.faults_injected.authorize += 1;
      return serveFault(c, fault, state);
    }
    if (mediaType(c.req.header("content-type")) !== "application/x-www-form-urlencoded") {
      return errorPage("Invalid request", "The consent form must be posted as a form.");
    }
    const body = await readBodyText(c);
    const form = body.ok ? parseForm(body.text) : body;
    if (!form.ok) return errorPage("Invalid request", form.message);
    const transactionId = form.params.get("transaction_id") ?? "";
    const cancelled = form.params.get("decision") === "cancel";
    const username = form.params.get("user");
    const user = username === undefined ? undefined : state.catalog.signInUser(username);
    if (!cancelled && !user) {
      return errorPage("Invalid request", "Choose an account to connect, or cancel.");
    }
    const pending = state.grants.takePending(transactionId);
    if (!pending) {
      // Nothing is wrong with the app's request: the emulator no longer has it.
      return errorPage(
        "This request has expired",
        "This authorization request has expired or was already answered. Start again from the app.",
        "Requests left open for 10 minutes are forgotten, and a restart of the emulator forgets them all. Go back to the app and connect again; you can close this page.",
      );
    }
    if (cancelled || !user) {
      return redirectTo(
        pending.redirect_uri,
        { error: "access_denied", error_description: "the user denied access" },
        pending.state,
      );
    }
    const code = issueCode(state, pending, user);
    return redirectTo(pending.redirect_uri, { code }, pending.state);
  });

  return app;
}

const REQUEST_PARAMS = [
  "client_id",
  "redirect_uri",
  "response_type",
  "code_challenge",
  "code_challenge_method",
  "state",
] as const;

function issueCode(
  state: EmulatorState,
  request: { client_id: string; redirect_uri: string; code_challenge: string },
  user: UserRecord,
): string {
  return state.grants.issueCode({ ...request, user_id: user.id }, state.settings.code_ttl_s);
}

/**
 * A 302 to the registered redirect URI with the result appended to whatever
 * query it already has (RFC 6749 §3.1.2 keeps it). `state` is added only when
 * the app sent one.
 */
function redirectTo(
  redirectUri: string,
  params: Record<string, string>,
  appState: string | null,
): Response {
  const url = new URL(redirectUri);
  const added = new URLSearchParams(params);
  if (appState !== null) added.set("state", appState);
  url.search = url.search ? `${url.search}&${added}` : `?${added}`;
  return new Response(null, {
    status: 302,
    headers: { location: url.href, "cache-control": "no-store", "referrer-policy": "no-referrer" },
  });
}

function errorPage(title: string, message: string, hint?: string): Response {
  return new Response(renderErrorPage(title, message, hint), {
    status: 400,
    headers: HTML_HEADERS,
  });
}
