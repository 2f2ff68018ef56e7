import type { Soundgate } from "@soundgate/server";
import { revalidatePath } from "next/cache";
import { appUser } from "@/lib/app-user";
import { soundgate } from "@/lib/soundgate";

// A server component: it reads the stored connection and calls SoundCloud on the server,
// so no token ever reaches the browser.
export default async function Home() {
  const user = await appUser();
  if (!user) {
    return (
      <main>
        <h1>Soundgate + Next.js</h1>
        <p>
          <a href="/login?user=alice">Sign in to the app as alice</a> (a toy login: a cookie).
        </p>
      </main>
    );
  }
  let sg: Soundgate;
  try {
    sg = await soundgate();
  } catch (error) {
    // By name: the instance may come from another bundle's copy of lib/soundgate.
    if (error instanceof Error && error.name === "SetupError")
      return <p role="alert">{error.message}</p>;
    throw error;
  }
  return (
    <main>
      <h1>Soundgate + Next.js</h1>
      <p>
        Signed in to the app as <strong>{user}</strong> (<a href="/login?user=bob">switch to bob</a>
        ).
      </p>
      <SoundCloudPanel sg={sg} user={user} />
    </main>
  );
}

async function SoundCloudPanel({ sg, user }: { sg: Soundgate; user: string }) {
  const connection = await sg.getConnection(user);
  if (!connection) {
    return (
      <p>
        SoundCloud is not connected. <a href="/soundcloud/connect">Connect SoundCloud</a>
      </p>
    );
  }
  if (connection.status === "reauth_required") {
    return (
      <p role="alert">
        SoundCloud no longer accepts this connection.{" "}
        <a href="/soundcloud/connect">Connect SoundCloud again</a>
      </p>
    );
  }
  const me = await sg.forUser(user).me();
  return (
    <>
      <p>
        Connected to SoundCloud as <strong>{me.full_name || me.username}</strong> ({me.username}):{" "}
        {me.track_count ?? 0} tracks, {me.followers_count ?? 0} followers.{" "}
        <a href="/soundcloud/me">/soundcloud/me</a> shows the profile as JSON.
      </p>
      <form action={disconnect}>
        <button type="submit">Disconnect SoundCloud</button>
      </form>
    </>
  );
}

// A server action: Next checks that it is posted from this app's own pages.
async function disconnect() {
  "use server";
  const user = await appUser();
  if (user) await (await soundgate()).disconnect(user);
  revalidatePath("/");
}
