import { page } from "./layout.js";

/** A return_to for desktop apps that poll /result: the browser tab just says it is done. */
export function donePage(): string {
  return page(
    "Connected — Soundgate",
    `<main class="card">
  <h1>You're connected</h1>
  <p>SoundCloud sent you back to Soundgate. You can close this tab and return to the app.</p>
</main>`,
  );
}
