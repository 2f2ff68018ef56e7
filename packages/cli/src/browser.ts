import { spawn } from "node:child_process";

/**
 * Opens `url` in the default browser ($BROWSER when set). Best effort: the URL is
 * printed anyway, so a machine without a browser still works. The URL is passed as
 * one argument, never through a shell, and ends up in the opener's argv, which every
 * local account can read: never pass a secret (see Loopback.launchUrl).
 */
export function openBrowser(url: string): void {
  const [command, args] = browserCommand(url);
  try {
    const child = spawn(command, args, { stdio: "ignore", detached: true });
    child.on("error", () => {});
    child.unref();
  } catch {
    // No opener on this machine: the printed URL is the fallback.
  }
}

function browserCommand(url: string): [string, string[]] {
  const custom = process.env.BROWSER;
  if (custom) return [custom, [url]];
  if (process.platform === "darwin") return ["open", [url]];
  // rundll32 takes the URL verbatim; `cmd /c start` would parse its & and ^.
  if (process.platform === "win32") return ["rundll32", ["url.dll,FileProtocolHandler", url]];
  return ["xdg-open", [url]];
}
