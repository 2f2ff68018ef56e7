import type { DemoBackend } from "./backend.js";
import { createBffMode } from "./bff-mode.js";
import { createTokenMode } from "./token-mode.js";

export type Mode = "bff" | "tokens";
const KEY = "soundgate_demo_mode";

/**
 * BFF is the default: the page never sees a token. `?mode=tokens` (remembered in this
 * browser) switches to the Starlib-compatible token mode. BFF needs the gateway to
 * receive SoundCloud's redirect (the backend-redirect flow); in the direct flow the page
 * itself receives the code, so token mode is used.
 */
export async function chooseBackend(
  gatewayUrl: string,
): Promise<{ backend: DemoBackend; mode: Mode; other: Mode | null }> {
  const asked = new URLSearchParams(location.search).get("mode");
  if (asked === "bff" || asked === "tokens") {
    localStorage.setItem(KEY, asked);
    const url = new URL(location.href);
    url.searchParams.delete("mode");
    history.replaceState(history.state, "", url);
  }
  const config = await gatewayConfig(gatewayUrl);
  const bffPossible = config.bff === true;
  const wanted: Mode = localStorage.getItem(KEY) === "tokens" ? "tokens" : "bff";
  const mode: Mode = wanted === "bff" && bffPossible ? "bff" : "tokens";
  const backend =
    mode === "bff"
      ? await createBffMode(gatewayUrl)
      : await createTokenMode(
          gatewayUrl,
          typeof config.api_url === "string" ? config.api_url : undefined,
        );
  return { backend, mode, other: bffPossible ? (mode === "bff" ? "tokens" : "bff") : null };
}

/** What the gateway tells pages: which API it uses (SoundCloud, or the emulator) and whether BFF works. */
async function gatewayConfig(gatewayUrl: string): Promise<{ api_url?: unknown; bff?: unknown }> {
  try {
    const response = await fetch(`${gatewayUrl}/auth/soundcloud/config`);
    return response.ok ? ((await response.json()) as { api_url?: unknown; bff?: unknown }) : {};
  } catch {
    return {};
  }
}
