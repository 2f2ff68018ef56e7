import { escapeHtml, page } from "./layout.js";

/**
 * What a browser sees when SoundCloud sends it back with a login the gateway does not
 * know: too old, already used, or lost in a restart (an in-memory store, or the
 * ephemeral development key). Nothing went wrong at SoundCloud, so the page does not
 * say it did. `home`: where to start again, when the gateway serves the app itself.
 */
export function loginExpiredPage(home: string | undefined): string {
  const back = home
    ? `\n  <a class="button" href="${escapeHtml(home)}">Start again</a>`
    : "\n  <p>Go back to the app and connect again.</p>";
  return page(
    "Login expired — Soundgate",
    `<main class="card">
  <h1>This login expired</h1>
  <p>It was started more than 10 minutes ago, was already used, or the gateway restarted while you were on SoundCloud. Nothing was shared.</p>${back}
</main>`,
  );
}
