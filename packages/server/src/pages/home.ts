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
const json64 = (value) => b64url(new TextEncoder().encode(JSON.stringify(value)));
// The gateway hands out tokens only with a DPoP proof (RFC 9449). This page keeps no
// tokens, so a key made for the one request is enough.
async function dpop(method, path) {
  const keys = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign"]);
  const { kty, crv, x, y } = await crypto.subtle.exportKey("jwk", keys.publicKey);
  const input = json64({ typ: "dpop+jwt", alg: "ES256", jwk: { kty, crv, x, y } }) + "." +
    json64({ htm: method, htu: location.origin + path, iat: Math.floor(Date.now() / 1000), jti: b64url(crypto.getRandomValues(new Uint8Array(16))) });
  const signature = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, keys.privateKey, new TextEncoder().encode(input));
  return input + "." + b64url(new Uint8Array(signature));
}
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
  if (params.get("error")) return say(params.get("error") === "access_denied" ? "You cancelled the connection." : "Login failed: " + params.get("error"), true);
  const headers = { "X-Soundgate-Result-Verifier": saved.verifier };
  if (params.get("result_key")) headers["X-Soundgate-Result-Key"] = params.get("result_key");
  const code = params.get("code");
  const response = code
    ? await fetch("/auth/soundcloud/callback", { method: "POST", headers: { ...headers, "Content-Type": "application/json", DPoP: await dpop("POST", "/auth/soundcloud/callback") }, body: JSON.stringify({ code, state }) })
    : await fetch("/auth/soundcloud/result?state=" + encodeURIComponent(state), { headers: { ...headers, DPoP: await dpop("GET", "/auth/soundcloud/result") } });
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
