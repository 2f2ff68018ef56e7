import type { Command } from "./command.js";

/** A `soundgate <name>` subcommand as the help lists it; its code is loaded only to run it. */
export interface CommandSpec {
  name: string;
  /** `[--port N]`-style argument synopsis for the help screen. */
  synopsis: string;
  summary: string;
  load(): Promise<Command>;
}

/**
 * Every subcommand, in the order `soundgate help` lists them. Add new ones here. Each is
 * imported when it runs, so `soundgate token` does not load the login server, the
 * upload code or the gateway.
 */
export const COMMANDS: readonly CommandSpec[] = [
  {
    name: "login",
    synopsis: "[--no-browser] [--port N] [--emulator]",
    summary:
      "Connect to SoundCloud in your browser (authorization code + PKCE on a\nloopback redirect); tokens are kept in your config directory (0600).",
    load: async () => (await import("./login.js")).loginCommand,
  },
  {
    name: "token",
    synopsis: "",
    summary:
      'Print a valid access token (refreshed when due), for\ncurl -H "Authorization: OAuth $(soundgate token)" ...',
    load: async () => (await import("./token.js")).tokenCommand,
  },
  {
    name: "whoami",
    synopsis: "[--json]",
    summary: "Show the logged-in SoundCloud user (GET /me).",
    load: async () => (await import("./whoami.js")).whoamiCommand,
  },
  {
    name: "api",
    synopsis: "<METHOD> <path> [-f k=v] [--paginate]",
    summary: "Call any SoundCloud API endpoint as the logged-in user; JSON out.",
    load: async () => (await import("./api.js")).apiCommand,
  },
  {
    name: "upload",
    synopsis: "<file> --title TITLE [options]",
    summary: "Upload a track (streamed, with a progress bar on a terminal).",
    load: async () => (await import("./upload.js")).uploadCommand,
  },
  {
    name: "logout",
    synopsis: "[--local]",
    summary: "End the session at SoundCloud and delete the stored tokens.",
    load: async () => (await import("./logout.js")).logoutCommand,
  },
  {
    name: "serve",
    synopsis: "[--port N] [--static DIR]",
    summary:
      "Start the gateway (@soundgate/server). With no SOUNDCLOUD_CLIENT_ID/SECRET\nset it also starts the built-in SoundCloud emulator and uses it.",
    load: async () => (await import("./serve.js")).serveCommand,
  },
  {
    name: "emulator",
    synopsis: "[--port N] [options]",
    summary: "Start the SoundCloud emulator (@soundgate/emulator).",
    load: async () => (await import("./emulator.js")).emulatorCommand,
  },
  {
    name: "keys",
    synopsis: "generate|rotate",
    summary:
      "generate: print a new key for SOUNDGATE_ENCRYPTION_KEYS.\nrotate: re-encrypt every stored secret with the first key of SOUNDGATE_ENCRYPTION_KEYS.",
    load: async () => (await import("./keys.js")).keysCommand,
  },
];
