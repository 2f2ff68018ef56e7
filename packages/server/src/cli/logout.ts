import { parseArgs } from "node:util";
import { createSoundCloud } from "soundgate";
import { type Command, EXIT } from "./command.js";
import { configDir } from "./config-dir.js";
import { describeError } from "./connection.js";
import { FileTokenStore } from "./file-token-store.js";
import { deleteSession, loadSession, TOKEN_KEY } from "./session.js";

export const logoutCommand: Command = {
  name: "logout",
  synopsis: "[--local]",
  summary: "End the session at SoundCloud and delete the stored tokens.",
  async run(args) {
    const { values } = parseArgs({
      args,
      options: { local: { type: "boolean" }, help: { type: "boolean", short: "h" } },
      strict: true,
    });
    if (values.help) {
      process.stdout.write(
        "Usage: soundgate logout [--local]\n\nSigns the stored login out at SoundCloud (POST /sign-out), then deletes the\nstored tokens. With --local, only deletes them. Logging out twice is fine.\n",
      );
      return EXIT.ok;
    }
    const dir = configDir();
    const store = new FileTokenStore(dir);
    const session = await loadSession(dir);
    const tokens = await store.get(TOKEN_KEY);
    let remote: { code: number; message: string } | undefined;
    if (session && tokens && !values.local) {
      // Sign-out takes the access token even when it has expired: no refresh needed.
      const sc = createSoundCloud({
        auth: tokens.accessToken,
        apiBaseUrl: session.endpoints.apiBaseUrl,
        signOutUrl: session.endpoints.signOutUrl,
      });
      try {
        await sc.signOut();
      } catch (error) {
        remote = describeError(error) ?? { code: EXIT.failure, message: String(error) };
      }
    }
    // Local state goes whatever SoundCloud said: the person asked to be logged out here.
    await store.delete(TOKEN_KEY);
    await deleteSession(dir);
    if (!session && !tokens) {
      process.stderr.write("Not logged in.\n");
      return EXIT.ok;
    }
    if (remote) {
      process.stderr.write(
        `soundgate: removed the stored tokens, but SoundCloud did not confirm the sign-out: ${remote.message}\n`,
      );
      return remote.code;
    }
    process.stderr.write(
      `Logged out${session ? ` ${session.user.username}` : ""}${values.local ? " (locally)" : ""}.\n`,
    );
    return EXIT.ok;
  },
};
