// @ts-check
// A Next.js App Router route handler: app/soundcloud/[action]/route.js
// GET /soundcloud/connect, GET /soundcloud/callback, GET /soundcloud/me, POST /soundcloud/disconnect
import { appUserFrom, errorBody, soundgateFromEnv } from "../../../../soundgate-from-env.js";

// One Soundgate per server process (Next keeps modules alive between requests).
/** @type {Promise<import("@soundgate/server").Soundgate> | undefined} */
let instance;
export function soundgate() {
  instance ??= soundgateFromEnv();
  return instance;
}

/**
 * @param {Request} request
 * @param {{ params: Promise<{ action: string }> }} context
 */
export async function GET(request, context) {
  return handle(request, (await context.params).action, "GET");
}

/**
 * @param {Request} request
 * @param {{ params: Promise<{ action: string }> }} context
 */
export async function POST(request, context) {
  return handle(request, (await context.params).action, "POST");
}

/**
 * @param {Request} request
 * @param {string} action
 * @param {"GET" | "POST"} method
 */
async function handle(request, action, method) {
  const user = appUserFrom(request.headers.get("cookie"));
  if (!user) return Response.json({ error: "not_signed_in" }, { status: 401 });
  try {
    const sg = await soundgate();
    if (method === "GET" && action === "connect") {
      return Response.redirect((await sg.startConnection(user)).url, 302);
    }
    if (method === "GET" && action === "callback") {
      const connection = await sg.completeConnection(user, request.url);
      return Response.json({ connected: connection.user });
    }
    if (method === "GET" && action === "me") return Response.json(await sg.forUser(user).me());
    if (method === "POST" && action === "disconnect") {
      return Response.json({ disconnected: await sg.disconnect(user) });
    }
    return Response.json({ error: "not_found" }, { status: 404 });
  } catch (error) {
    const { status, body } = errorBody(error);
    return Response.json(body, { status });
  }
}
