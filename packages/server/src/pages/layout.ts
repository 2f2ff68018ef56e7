/**
 * The shell of the gateway's few HTML pages: self-contained, no external assets. White
 * text sits on #cc4400 (4.7:1; SoundCloud's #ff5500 would give 3.2:1).
 */
export function page(title: string, body: string, script = ""): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)}</title>
<style>
  :root { color-scheme: light dark; --accent: #cc4400; --error: #b3261e; --fg: #1a1a1a; --muted: #5f5f5f; --bg: #f6f6f6; --card: #fff; }
  @media (prefers-color-scheme: dark) { :root { --fg: #f2f2f2; --muted: #b0b0b0; --bg: #111; --card: #1c1c1c; --error: #ff8a80; } }
  * { box-sizing: border-box; }
  body { margin: 0; min-height: 100vh; display: grid; place-items: center; padding: 1.5rem;
    font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--fg); }
  .card { width: min(100%, 28rem); background: var(--card); border-radius: 12px; padding: 2rem;
    box-shadow: 0 1px 3px rgba(0,0,0,.12), 0 8px 24px rgba(0,0,0,.06); }
  h1 { margin: 0 0 .5rem; font-size: 1.4rem; }
  p { margin: .5rem 0; color: var(--muted); }
  .button { display: inline-block; margin-top: 1rem; padding: .75rem 1.25rem; border: 0; border-radius: 6px;
    background: var(--accent); color: #fff; font-weight: 600; text-decoration: none; cursor: pointer; font-size: 1rem; }
  .button:focus-visible { outline: 3px solid #1a73e8; outline-offset: 2px; }
  .user { display: flex; gap: 1rem; align-items: center; margin-top: 1rem; }
  .user img { width: 64px; height: 64px; border-radius: 50%; }
  .error { color: var(--error); }
</style>
</head>
<body>
${body}
${script ? `<script type="module">${script}</script>` : ""}
</body>
</html>`;
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
