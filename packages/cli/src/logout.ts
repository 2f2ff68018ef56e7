import { parseArgs } from "node:util";
import { createSoundCloud } from "soundgate";
import { type Command, EXIT } from "./command.js";
import { configDir } from "./config-dir.js";
import { describeError } from "./describe-error.js";
import { FileTokenStore } from "./file-token-store.js";
import { deleteSavedLogin, loadSavedLogin, TOKEN_KEY } from "./saved-login.js";

const HELP = `Usage: soundgate logout [--local]

Signs the stored login out at SoundCloud (POST /sign-out), then deletes the
stored tokens. With --local, only deletes them. Logging out twice is fine.
`;

export const logoutCommand: Command = {
  help: () => HELP,
  async run(args) {
    const { values } = parseArgs({
      args,
      options: { local: { type: "boolean" }, help: { type: "boolean", short: "h" } },
      strict: true,
    });
    if (values.help) {
      process.stdout.write(HELP);
      return EXIT.ok;
    }
    const dir = configDir();
    const store = new FileTokenStore(dir);
    const login = await loadSavedLogin(dir);
    const tokens = await store.get(TOKEN_KEY);
    let remote: { code: number; message: string } | undefined;
    if (login && tokens && !values.local) {
      // Sign-out takes the access token even when it has expired: no refresh needed.
      const sc = createSoundCloud({
        auth: tokens.accessToken,
        apiBaseUrl: login.endpoints.apiBaseUrl,
        signOutUrl: login.endpoints.signOutUrl,
      });
      try {
        await sc.signOut();
      } catch (error) {
        remote = describeError(error) ?? { code: EXIT.failure, message: String(error) };
      }
    }
    // Local state goes whatever SoundCloud said: the person asked to be logged out here.
    await store.delete(TOKEN_KEY);
    await deleteSavedLogin(dir);
    if (!login && !tokens) {
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
      `Logged out${login ? ` ${login.user.username}` : ""}${values.local ? " (locally)" : ""}.\n`,
    );
    return EXIT.ok;
  },
};
