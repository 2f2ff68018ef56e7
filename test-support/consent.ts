// The emulator's consent page, answered the way a person would: load it, then press
// "Connect as <user>" or "Cancel". Returns SoundCloud's redirect back to the app.
export async function consentAtEmulator(
  authorizeUrl: string,
  choice: { user: string } | { cancel: true },
): Promise<URL> {
  const page = await fetch(authorizeUrl, { redirect: "manual" });
  const html = await page.text();
  if (page.status !== 200)
    throw new Error(`consent page: HTTP ${page.status} ${html.slice(0, 200)}`);
  const transaction = /name="transaction_id" value="([^"]+)"/.exec(html)?.[1];
  if (!transaction) throw new Error("consent page: no transaction_id");
  const form = new URLSearchParams({ transaction_id: transaction });
  if ("user" in choice) form.set("user", choice.user);
  else form.set("decision", "cancel");
  const decided = await fetch(new URL("/authorize", authorizeUrl), {
    method: "POST",
    body: form,
    redirect: "manual",
  });
  const location = decided.headers.get("location");
  if (decided.status !== 302 || !location) throw new Error(`consent: HTTP ${decided.status}`);
  return new URL(location);
}
