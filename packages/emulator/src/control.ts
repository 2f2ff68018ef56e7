import { Hono } from "hono";
import { urnOf } from "./api/urn.js";
import { validateConfigPatch } from "./config.js";
import { type AppEnv, json, plainError, readJson } from "./http.js";
import { clientProblem, copyClient, type EmulatorClient } from "./options.js";
import type { EmulatorState } from "./state.js";
import { isPlainObject, unknownKey } from "./validate.js";

/**
 * `/_emulator/*`: the control surface for tests and benchmarks. Never delayed,
 * faulted or counted, always JSON; bad input is a 400 `{error, message}`.
 */
export function controlRoutes(state: EmulatorState): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/_emulator/stats", () => json(state.stats));

  app.get("/_emulator/config", () => json(state.config()));

  app.post("/_emulator/config", async (c) => {
    const body = await readJson(c);
    if (!body.ok) return plainError(400, "invalid_json", body.message);
    const result = validateConfigPatch(state.settings, body.value, (name) =>
      Boolean(state.catalog.signInUser(name)),
    );
    if (!result.ok) return plainError(400, "invalid_config", result.message);
    state.applyConfig(result.patch);
    return json(state.config());
  });

  app.get("/_emulator/clients", () => json([...state.clients.values()].map(publicView)));

  app.post("/_emulator/clients", async (c) => {
    const body = await readJson(c);
    if (!body.ok) return plainError(400, "invalid_json", body.message);
    const problem = clientProblem(body.value);
    if (problem) return plainError(400, "invalid_client", problem);
    const client = copyClient(body.value as EmulatorClient);
    const approve = state.clientApproveProblem(client);
    if (approve) return plainError(400, "invalid_client", approve);
    // Re-registering an id replaces it, like editing the app on the developer portal.
    state.clients.set(client.client_id, client);
    return json(publicView(client), 201);
  });

  app.post("/_emulator/reset", () => {
    state.reset();
    return json({ status: "reset" });
  });

  app.post("/_emulator/tokens/expire", async (c) => {
    // No body (or {}) expires every access token.
    const body = await readJson(c, {});
    if (!body.ok) return plainError(400, "invalid_json", body.message);
    const value = body.value;
    if (!isPlainObject(value) || unknownKey(value, ["access_token"]) !== undefined) {
      return plainError(400, "invalid_request", 'send {} or {"access_token": "..."}');
    }
    const token = value.access_token;
    if (token !== undefined && (typeof token !== "string" || token === "")) {
      return plainError(400, "invalid_request", "access_token must be a non-empty string");
    }
    const expired = state.grants.expireAccessTokens(token);
    if (token !== undefined && expired === 0) {
      return plainError(404, "not_found", "no such access token");
    }
    return json({ expired });
  });

  app.get("/_emulator/uploads", () => json(state.uploads));

  app.get("/_emulator/users", () =>
    json(
      state.catalog.signInUsers.map((user) => ({
        id: user.id,
        urn: urnOf("users", user.id),
        username: user.username,
        permalink: user.permalink,
      })),
    ),
  );

  return app;
}

/** A client as the control surface shows it: never with its secret. */
function publicView(client: EmulatorClient) {
  return {
    client_id: client.client_id,
    redirect_uris: [...client.redirect_uris],
    ...(client.name === undefined ? {} : { name: client.name }),
    ...(client.auto_approve === undefined ? {} : { auto_approve: client.auto_approve }),
  };
}
