import type { Context } from "hono";
import { Hono } from "hono";
import { serveFault } from "../faults.js";
import {
  type AppEnv,
  clientIp,
  json,
  mediaType,
  oauthError,
  parseForm,
  readBodyText,
} from "../http.js";
import type { EmulatorClient } from "../options.js";
import type { EmulatorState } from "../state.js";
import { GRANT_TYPES, type GrantType, type TokenErrorCode } from "../stats.js";
import { authenticateClient } from "./client-auth.js";
import type { CodeExchange, IssuedTokens } from "./grants.js";

/**
 * secure.soundcloud.com/oauth/token. Every request is counted under its
 * grant_type first (failed and faulted ones too); then a pending fault may
 * answer instead, before anything is read from or written to the grant store.
 */
export function tokenRoutes(state: EmulatorState): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post("/oauth/token", async (c) => {
    const form = await readForm(c);
    const grantType = form.ok ? form.params.get("grant_type") : undefined;
    const counted = GRANT_TYPES.find((g) => g === grantType) ?? "unknown";
    state.stats.token_requests[counted] += 1;

    const fault = state.faults.take("token");
    if (fault) {
      state.stats.faults_injected.token += 1;
      return serveFault(c, fault, state);
    }

    const error = (
      code: TokenErrorCode,
      description?: string,
      headers?: Record<string, string>,
    ) => {
      state.stats.token_errors[code] += 1;
      return oauthError(code, description, headers);
    };
    if (!form.ok) return error("invalid_request", form.message);
    const params = form.params;
    if (grantType === undefined || grantType === "") {
      return error("invalid_request", "grant_type is required");
    }
    if (counted === "unknown") {
      return error(
        "unsupported_grant_type",
        "use authorization_code, refresh_token or client_credentials",
      );
    }
    const auth = authenticateClient(c.req.header("authorization"), params, state.clients);
    if (!auth.ok) {
      const challenge: Record<string, string> =
        auth.usedBasic && auth.error === "invalid_client"
          ? { "www-authenticate": 'Basic realm="SoundCloud"' }
          : {};
      return error(auth.error, auth.description, challenge);
    }
    const grant: GrantContext = { state, client: auth.client, params, ip: clientIp(c), error };
    return GRANT_HANDLERS[counted](grant);
  });

  return app;
}

interface GrantContext {
  state: EmulatorState;
  client: EmulatorClient;
  params: ReadonlyMap<string, string>;
  ip: string;
  error: (code: TokenErrorCode, description?: string, headers?: Record<string, string>) => Response;
}

const GRANT_HANDLERS: Record<GrantType, (grant: GrantContext) => Response> = {
  authorization_code({ state, client, params, error }) {
    const code = params.get("code");
    const redirectUri = params.get("redirect_uri");
    const verifier = params.get("code_verifier");
    if (!code || !redirectUri || !verifier) {
      return error("invalid_request", "code, redirect_uri and code_verifier are required");
    }
    const result = state.grants.exchangeCode(
      { code, client_id: client.client_id, redirect_uri: redirectUri, code_verifier: verifier },
      state.settings.access_token_ttl_s,
    );
    if (!result.ok) return error("invalid_grant", CODE_FAILURES[result.reason]);
    return tokenResponse(result.tokens);
  },

  refresh_token({ state, client, params, error }) {
    const refreshToken = params.get("refresh_token");
    if (!refreshToken) return error("invalid_request", "refresh_token is required");
    const result = state.grants.refresh(
      { refresh_token: refreshToken, client_id: client.client_id },
      state.settings.access_token_ttl_s,
      state.settings.revoke_on_refresh_reuse,
    );
    if (result.ok) return tokenResponse(result.tokens);
    if (result.reason === "reused") {
      state.stats.refresh_reuse += 1;
      return error(
        "invalid_grant",
        result.revoked
          ? "refresh token already used; the grant has been revoked"
          : "refresh token already used",
      );
    }
    return error("invalid_grant", "refresh token is invalid or revoked");
  },

  client_credentials({ state, client, ip, error }) {
    const limits = state.settings.rate_limits;
    const limiter = state.clientCredentialsLimiter;
    const now = state.now();
    const clientKey = `client:${client.client_id}`;
    const ipKey = `ip:${ip}`;
    const waitMs = Math.max(
      limiter.waitMs(
        clientKey,
        limits.client_credentials_per_client,
        limits.client_credentials_per_client_window_s * 1000,
        now,
      ),
      limiter.waitMs(
        ipKey,
        limits.client_credentials_per_ip,
        limits.client_credentials_per_ip_window_s * 1000,
        now,
      ),
    );
    if (waitMs > 0) {
      return error("rate_limit_exceeded", "too many client_credentials requests; cache the token", {
        "retry-after": String(Math.ceil(waitMs / 1000)),
      });
    }
    limiter.record(clientKey, now);
    limiter.record(ipKey, now);
    return tokenResponse(
      state.grants.issueClientCredentials(client.client_id, state.settings.access_token_ttl_s),
    );
  },
};

const CODE_FAILURES: Record<Extract<CodeExchange, { ok: false }>["reason"], string> = {
  unknown: "authorization code is invalid",
  other_client: "authorization code is invalid",
  expired: "authorization code has expired",
  redirect_uri: "redirect_uri does not match the authorization request",
  verifier: "code_verifier does not match the code_challenge",
  reused: "authorization code was already used; tokens issued from it are revoked",
};

function tokenResponse(tokens: IssuedTokens): Response {
  // Key order and values as SoundCloud answers them.
  return json(
    {
      access_token: tokens.access_token,
      expires_in: tokens.expires_in,
      scope: "",
      refresh_token: tokens.refresh_token,
      token_type: "bearer",
    },
    200,
    { "cache-control": "no-store", pragma: "no-cache" },
  );
}

type FormRead = { ok: true; params: Map<string, string> } | { ok: false; message: string };

async function readForm(c: Context): Promise<FormRead> {
  if (mediaType(c.req.header("content-type")) !== "application/x-www-form-urlencoded") {
    return { ok: false, message: "the body must be application/x-www-form-urlencoded" };
  }
  const body = await readBodyText(c);
  if (!body.ok) return body;
  return parseForm(body.text);
}
