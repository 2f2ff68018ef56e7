import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";

/**
 * Where the CLI keeps the login: `$SOUNDGATE_CONFIG_DIR` when set (tests point it at a
 * temporary directory), else `%APPDATA%\soundgate` on Windows and
 * `$XDG_CONFIG_HOME/soundgate` (default `~/.config/soundgate`) elsewhere.
 */
export function configDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir(),
): string {
  const override = env.SOUNDGATE_CONFIG_DIR;
  if (override) return resolve(override);
  if (platform === "win32") {
    return join(env.APPDATA || join(home, "AppData", "Roaming"), "soundgate");
  }
  // The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
  const xdg = env.XDG_CONFIG_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(home, ".config"), "soundgate");
}
