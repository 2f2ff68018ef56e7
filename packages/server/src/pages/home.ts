import { page } from "./layout.js";

/**
 * A minimal page that completes a login in either flow, so `npm start` proves the
 * gateway works end to end. The full demo (apps/demo) replaces it when present.
 */
export function homePage(): string {
  return page(
    "Soundgate",
    `<main class="card">
  <h1>Soundgate</h1>
  <p>Connect with SoundCloud through this gateway. Tokens are fetched once and shown as a user card only.</p>
  <button class="button" id="connect" type="button">Connect with SoundCloud</button>
  <div id="out" role="status" aria-live="polite"></div>
</main>`,
    HOME_SCRIPT,
  );
}

const HOME_SCRIPT = `
const out = document.getElementById("out");
const b64url = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
const say = (text, isError) => { out.textContent = text; out.className = isError ? "error" : ""; };
function showUser(user) {
  out.replaceChildren();
  const row = document.createElement("div"); row.className = "user";
  if (user.avatar_url) { const img = document.createElement("img"); img.src = user.avatar_url; img.alt = ""; row.append(img); }
  const name = document.createElement("div");
  name.innerHTML = "<strong></strong><br><span></span>";
  name.querySelector("strong").textContent = user.username;
  name.querySelector("span").textContent = "Connected as " + user.urn;
  row.append(name); out.append(row);
}
async function finish() {
  const params = new URLSearchParams(location.search);
  const state = params.get("state");
  if (!state) return;
  history.replaceState(null, "", location.pathname);
  const saved = JSON.parse(sessionStorage.getItem("soundgate.flow") || "null");
  sessionStorage.removeItem("soundgate.flow");
  if (!saved || saved.state !== state) return say("This login was not started here, so it was not completed. Nothing was shared.", true);
  if (params.get("error")) return say(params.get("error") === "access_denied" ? "Access was denied." : "Login failed: " + params.get("error"), true);
  const headers = { "X-Soundgate-Result-Verifier": saved.verifier };
  if (params.get("result_key")) headers["X-Soundgate-Result-Key"] = params.get("result_key");
  const code = params.get("code");
  const response = code
    ? await fetch("/auth/soundcloud/callback", { method: "POST", headers: { ...headers, "Content-Type": "application/json" }, body: JSON.stringify({ code, state }) })
    : await fetch("/auth/soundcloud/result?state=" + encodeURIComponent(state), { headers });
  const body = await response.json();
  if (!response.ok) return say(body.message || "Login failed.", true);
  showUser(body.user);
}
document.getElementById("connect").addEventListener("click", async () => {
  const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
  const challenge = b64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
  const query = new URLSearchParams({ return_to: location.origin + "/", result_challenge: challenge });
  const response = await fetch("/auth/soundcloud/authorize?" + query);
  const body = await response.json();
  if (!response.ok) return say(body.message, true);
  sessionStorage.setItem("soundgate.flow", JSON.stringify({ state: body.state, verifier }));
  location.assign(body.authorization_url);
});
finish().catch(() => say("Login failed.", true));
`;
