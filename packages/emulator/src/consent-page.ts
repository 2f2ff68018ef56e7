/**
 * The emulator's HTML: the consent page of /authorize and its error page. They
 * look like a product page (SoundCloud-orange accent, responsive, labelled
 * controls) yet need no JavaScript and load nothing from anywhere: all CSS is
 * inline, avatars are initials.
 */

export interface ConsentAccount {
  username: string;
  full_name: string;
  city: string;
  track_count: number;
  followers_count: number;
}

export interface ConsentPageInput {
  appName: string;
  clientId: string;
  redirectUri: string;
  transactionId: string;
  accounts: readonly ConsentAccount[];
}

/** Headers for every emulator HTML page: never cached, never framed, nothing external. */
export const HTML_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  // No form-action: Chromium applies it to the redirect after the POST, and the
  // redirect goes to the app's own origin.
  "content-security-policy":
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; frame-ancestors 'none'",
});

export function renderConsentPage(input: ConsentPageInput): string {
  const app = escapeHtml(input.appName);
  const destination = escapeHtml(displayDestination(input.redirectUri));
  const txn = escapeHtml(input.transactionId);
  const accounts = input.accounts
    .map((account, index) => {
      const name = escapeHtml(account.username);
      const detailId = `account-${index}-details`;
      return `<li class="account">
  <span class="avatar" aria-hidden="true" style="background:${avatarColor(account.username)}">${escapeHtml(initials(account.full_name || account.username))}</span>
  <span class="who">
    <span class="username">${name}</span>
    <span class="details" id="${detailId}">${escapeHtml(account.full_name)}${account.city ? ` · ${escapeHtml(account.city)}` : ""} · ${account.track_count} tracks · ${account.followers_count} followers</span>
  </span>
  <form method="post" action="/authorize">
    <input type="hidden" name="transaction_id" value="${txn}">
    <button type="submit" class="connect" name="user" value="${name}" aria-describedby="${detailId}">Connect as ${name}</button>
  </form>
</li>`;
    })
    .join("\n");
  return page(
    `${app} wants to connect`,
    `<p class="eyebrow">Authorize access</p>
<h1><span class="app">${app}</span> wants to access your SoundCloud account</h1>
<p class="client">Client ID <code>${escapeHtml(input.clientId)}</code></p>
<section aria-labelledby="perms-title" class="perms">
  <h2 id="perms-title">This app will be able to</h2>
  <ul>
    <li>See your profile, tracks, playlists and likes</li>
    <li>Like and unlike tracks and playlists for you</li>
  </ul>
  <p class="dest">After you connect, you will be sent to <strong>${destination}</strong>.</p>
</section>
<section aria-labelledby="accounts-title">
  <h2 id="accounts-title">Choose an account</h2>
  <ul class="accounts">
${accounts}
  </ul>
</section>
<form method="post" action="/authorize" class="cancel-form">
  <input type="hidden" name="transaction_id" value="${txn}">
  <button type="submit" class="cancel" name="decision" value="cancel">Cancel</button>
</form>`,
  );
}

/** What to do next, by default about the request the app sent (most errors are the app's). */
const REQUEST_HINT =
  "Check the client_id and redirect_uri the app sent; the redirect URI must exactly match one registered for the app. You can close this page.";

export function renderErrorPage(title: string, message: string, hint = REQUEST_HINT): string {
  return page(
    title,
    `<p class="eyebrow">Something went wrong</p>
<h1>${escapeHtml(title)}</h1>
<p class="error-message" role="alert">${escapeHtml(message)}</p>
<p class="hint">${escapeHtml(hint)}</p>`,
  );
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title} · SoundCloud (emulator)</title>
<style>${STYLES}</style>
</head>
<body>
<header class="bar">
  <span class="logo" aria-hidden="true">${CLOUD_SVG}</span>
  <span class="brand">SoundCloud</span>
  <span class="badge">emulator</span>
</header>
<main class="card">
${body}
</main>
<footer class="foot">Soundgate emulator: a local stand-in for secure.soundcloud.com. Nothing leaves this machine.</footer>
</body>
</html>
`;
}

/**
 * What the consent page calls a client registered without a name: the app at its
 * redirect URI's host ("the app at localhost:8787"), which says more than a client id.
 */
export function unnamedApp(redirectUri: string): string {
  try {
    return `The app at ${new URL(redirectUri).host}`;
  } catch {
    return "An unnamed app";
  }
}

function displayDestination(redirectUri: string): string {
  try {
    const url = new URL(redirectUri);
    return `${url.origin}${url.pathname}`;
  } catch {
    return redirectUri;
  }
}

function initials(name: string): string {
  const parts = name.split(/[\s\-_.]+/).filter(Boolean);
  return parts
    .slice(0, 2)
    .map((p) => p[0]?.toUpperCase() ?? "")
    .join("");
}

function avatarColor(seed: string): string {
  let hash = 0;
  for (const ch of seed) hash = (hash * 31 + (ch.codePointAt(0) ?? 0)) >>> 0;
  return `hsl(${hash % 360} 45% 38%)`;
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

const CLOUD_SVG =
  '<svg width="34" height="18" viewBox="0 0 34 18" focusable="false"><path fill="#fff" d="M27.5 6.2A6.6 6.6 0 0 0 16.2 2v16h11.2a6 6 0 0 0 .1-11.8zM13.6 3.4h1.2V18h-1.2zM11 5.4h1.2V18H11zM8.4 6.8h1.2V18H8.4zM5.8 8.6H7V18H5.8zM3.2 10.4h1.2V18H3.2zM.6 12.6h1.2V18H.6z"/></svg>';

// White text sits on #cc4400 (4.7:1 contrast): the bar and the buttons; #ff5500 would
// give 3.2:1, so it is kept for accents only.
const STYLES = `
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1a1a1a;background:#f2f2f2;min-height:100vh;display:flex;flex-direction:column;align-items:center}
.bar{width:100%;display:flex;align-items:center;gap:.6rem;padding:.7rem 1.25rem;background:#cc4400;color:#fff}
.brand{font-weight:700;letter-spacing:.01em}
.badge{margin-left:auto;font-size:.75rem;text-transform:uppercase;letter-spacing:.08em;background:rgba(0,0,0,.22);padding:.15rem .55rem;border-radius:999px}
.card{width:min(34rem,100% - 2rem);margin:2rem 0 1rem;background:#fff;border-radius:12px;box-shadow:0 1px 3px rgba(0,0,0,.12),0 8px 24px rgba(0,0,0,.06);padding:1.75rem}
.eyebrow{margin:0 0 .25rem;font-size:.8rem;text-transform:uppercase;letter-spacing:.08em;color:#666}
h1{margin:0 0 .5rem;font-size:1.45rem;line-height:1.3}
.app{color:#cc4400}
h2{font-size:1rem;margin:1.25rem 0 .5rem}
.client{margin:0;color:#555;font-size:.9rem}
code{font:.85rem ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f5f5f5;padding:.1rem .35rem;border-radius:4px;word-break:break-all}
.perms ul{margin:0;padding-left:1.2rem}
.dest{font-size:.9rem;color:#555;word-break:break-all}
.accounts{list-style:none;margin:0;padding:0;display:grid;gap:.6rem}
.account{display:flex;align-items:center;gap:.8rem;padding:.7rem;border:1px solid #e5e5e5;border-radius:10px}
.avatar{flex:none;width:2.6rem;height:2.6rem;border-radius:50%;display:grid;place-items:center;color:#fff;font-weight:700}
.who{flex:1;min-width:0;display:flex;flex-direction:column}
.username{font-weight:600;overflow-wrap:anywhere}
.details{font-size:.8rem;color:#595959}
form{margin:0}
button{font:inherit;cursor:pointer;border-radius:6px;padding:.5rem .9rem;min-height:2.75rem}
.connect{background:#cc4400;color:#fff;border:1px solid #cc4400;font-weight:600;white-space:nowrap}
.connect:hover{background:#b33c00}
.cancel-form{margin-top:1.25rem;display:flex;justify-content:flex-end}
.cancel{background:#fff;color:#333;border:1px solid #bbb}
.cancel:hover{background:#f5f5f5}
button:focus-visible{outline:3px solid #1a73e8;outline-offset:2px}
.error-message{padding:.75rem 1rem;border-left:4px solid #cc4400;background:#fff4ee}
.hint{color:#555;font-size:.9rem}
.foot{color:#666;font-size:.8rem;padding:0 1rem 2rem;text-align:center}
@media (max-width:30rem){.account{flex-wrap:wrap}.account form{width:100%}.connect{width:100%}}
@media (prefers-color-scheme:dark){body{background:#121212;color:#eee}.card{background:#1e1e1e;box-shadow:none}.eyebrow,.client,.dest,.details,.hint,.foot{color:#b3b3b3}.app{color:#ff7a33}.account{border-color:#333}code{background:#2a2a2a}.cancel{background:#1e1e1e;color:#eee;border-color:#555}.error-message{background:#2a1a12}}
`;
