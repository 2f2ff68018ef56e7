import { escapeHtml, page } from "./layout.js";

/**
 * The gateway's own return_to for desktop apps: the app reads the outcome from this URL
 * (a login webview, or a poller); the page tells the person in the browser what happened.
 * It cannot know who started the login, so when results are bound it also says what it
 * means if nobody here did: the login was not started here, and nothing was shared.
 */
export function donePage(options: { error?: string | undefined; bound: boolean }): string {
  if (options.error === "access_denied") {
    return page(
      "Connection cancelled — Soundgate",
      `<main class="card">
  <h1>You cancelled the connection</h1>
  <p>Your SoundCloud account was not connected, and nothing was shared.</p>
  <p>You can close this tab and return to the app.</p>
</main>`,
    );
  }
  if (options.error !== undefined) {
    return page(
      "Login failed — Soundgate",
      `<main class="card">
  <h1 class="error">The login did not complete</h1>
  <p>SoundCloud or the gateway reported a problem (<code>${escapeHtml(options.error)}</code>).</p>
  <p>Close this tab and start again from the app.</p>
</main>`,
    );
  }
  const notStartedHere = options.bound
    ? `
  <p><strong>Didn't start this from an app on this device?</strong> Then this login was not started here: close this tab. Nothing was shared with whoever sent you the link.</p>`
    : "";
  return page(
    "Almost done — Soundgate",
    `<main class="card">
  <h1>Return to the app</h1>
  <p>SoundCloud sent you back. The app that asked you to connect finishes the login; you can close this tab.</p>${notStartedHere}
</main>`,
  );
}
