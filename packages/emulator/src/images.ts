import { Hono } from "hono";
import type { AppEnv } from "./http.js";
import { errorForPath } from "./http.js";

// Real SoundCloud hands out i1.sndcdn.com URLs. The emulator must work offline, so its
// avatar_url and artwork_url point here instead: small deterministic SVGs drawn from
// the image's hex id, so every page that shows them renders without a network.
const IMAGE = /^(avatars|artworks)-([0-9a-f]{16})-large\.svg$/;

/** Where the emulated image CDN lives on the emulator's origin. */
export const IMAGES_PREFIX = "/images/";

/** The path (under the emulator's origin) of a seeded image. */
export function imagePath(kind: "avatars" | "artworks", hex: string): string {
  return `${IMAGES_PREFIX}${kind}-${hex}-large.svg`;
}

export function imageRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/images/:name", (c) => {
    const match = IMAGE.exec(c.req.param("name"));
    if (!match) return errorForPath(c.req.path, 404, "not_found", "no such image");
    const [, kind, hex] = match as unknown as [string, "avatars" | "artworks", string];
    return new Response(drawImage(kind, hex), {
      headers: {
        "Content-Type": "image/svg+xml; charset=utf-8",
        "Cache-Control": "public, max-age=86400, immutable",
        "Access-Control-Allow-Origin": "*",
      },
    });
  });
  return app;
}

function drawImage(kind: "avatars" | "artworks", hex: string): string {
  const n = (i: number) => Number.parseInt(hex.slice(i, i + 2), 16);
  const hue = Math.round((n(0) / 255) * 360);
  const hue2 = (hue + 40 + (n(2) % 80)) % 360;
  const a = `hsl(${hue} 62% 46%)`;
  const b = `hsl(${hue2} 70% 30%)`;
  if (kind === "avatars") {
    return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100" width="100" height="100"><defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${a}"/><stop offset="1" stop-color="${b}"/></linearGradient></defs><rect width="100" height="100" fill="url(#g)"/><circle cx="50" cy="40" r="18" fill="rgba(255,255,255,.85)"/><path d="M18 92c4-20 18-30 32-30s28 10 32 30z" fill="rgba(255,255,255,.85)"/></svg>`;
  }
  const bars = Array.from({ length: 12 }, (_, i) => {
    const h = 12 + (n((i % 7) * 2) % 60);
    return `<rect x="${10 + i * 7}" y="${80 - h}" width="4" height="${h}" rx="2" fill="rgba(255,255,255,.8)"/>`;
  }).join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100" width="100" height="100"><defs><linearGradient id="g" x1="0" y1="1" x2="1" y2="0"><stop offset="0" stop-color="${b}"/><stop offset="1" stop-color="${a}"/></linearGradient></defs><rect width="100" height="100" fill="url(#g)"/>${bars}</svg>`;
}
