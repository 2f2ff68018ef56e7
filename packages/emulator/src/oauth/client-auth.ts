import { createHash, timingSafeEqual } from "node:crypto";
import { formDecode } from "../http.js";
import type { EmulatorClient } from "../options.js";

export type ClientAuth =
  | { ok: true; client: EmulatorClient }
  | {
      ok: false;
      error: "invalid_client" | "invalid_request";
      description: string;
      /** The client tried HTTP Basic, so a 401 must carry a Basic challenge (RFC 6749 §5.2). */
      usedBasic: boolean;
    };

/**
 * Authenticates the client of a token request: HTTP Basic or client_id +
 * client_secret in the body (RFC 6749 §2.3.1). SoundCloud treats every client
 * as confidential, so the secret is required for every grant.
 */
export function authenticateClient(
  authorization: string | undefined,
  params: ReadonlyMap<string, string>,
  clients: ReadonlyMap<string, EmulatorClient>,
): ClientAuth {
  const bodyId = params.get("client_id");
  const bodySecret = params.get("client_secret");
  const basic = parseBasic(authorization);
  if (basic === "malformed") {
    return fail("invalid_client", "malformed HTTP Basic credentials", true);
  }
  if (basic) {
    // Two authentication methods in one request is an error (RFC 6749 §2.3).
    if (bodySecret !== undefined) {
      return fail("invalid_request", "use either HTTP Basic or body credentials, not both", true);
    }
    if (bodyId !== undefined && bodyId !== basic.id) {
      return fail("invalid_request", "client_id in the body differs from HTTP Basic", true);
    }
    return check(basic.id, basic.secret, clients, true);
  }
  if (bodyId === undefined || bodyId === "") {
    return fail("invalid_client", "client authentication is required", false);
  }
  return check(bodyId, bodySecret, clients, false);
}

function check(
  id: string,
  secret: string | undefined,
  clients: ReadonlyMap<string, EmulatorClient>,
  usedBasic: boolean,
): ClientAuth {
  const client = clients.get(id);
  // Same message for every failure: the answer must not reveal which client ids exist.
  if (!client || secret === undefined || !secretsEqual(secret, client.client_secret)) {
    return fail("invalid_client", "client authentication failed", usedBasic);
  }
  return { ok: true, client };
}

/** Constant-time comparison: hashing first makes the inputs equal length. */
function secretsEqual(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

function parseBasic(
  header: string | undefined,
): { id: string; secret: string } | "malformed" | null {
  if (!header) return null;
  const match = /^basic\s+(\S*)\s*$/i.exec(header);
  if (!match) return null;
  const encoded = match[1] ?? "";
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return "malformed";
  const decoded = Buffer.from(encoded, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return "malformed";
  // RFC 6749 §2.3.1 form-encodes both parts before Base64; plain values decode to themselves.
  const id = formDecode(decoded.slice(0, colon)) ?? decoded.slice(0, colon);
  const secret = formDecode(decoded.slice(colon + 1)) ?? decoded.slice(colon + 1);
  return { id, secret };
}

function fail(
  error: "invalid_client" | "invalid_request",
  description: string,
  usedBasic: boolean,
) {
  return { ok: false, error, description, usedBasic } as const;
}
