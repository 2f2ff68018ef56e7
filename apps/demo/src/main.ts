import type { DemoBackend, Me, Page, Track } from "./backend.js";
import { clock, count, plays, spoken } from "./format.js";
import { describe, type Notice } from "./messages.js";
import { chooseBackend } from "./mode.js";

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

/** After a failed renewal, wait this long before trying again (the countdown keeps ticking). */
const RENEW_RETRY_MS = 10_000;

async function main(): Promise<void> {
  const { backend, other } = await chooseBackend("");
  $("mode").textContent = backend.label;
  if (other) {
    const link = $<HTMLAnchorElement>("mode-switch");
    link.href = `?mode=${other}`;
    link.textContent = other === "tokens" ? "Try the token mode" : "Try the BFF mode";
    link.hidden = false;
  }

  const notice = noticeArea();
  const status = (text: string) => {
    $("status").textContent = text;
  };
  const fail = (error: unknown, doing: string) => {
    const message = describe(error, doing);
    notice.show(message);
    if (message.signedOut) sync();
  };

  const tracks = trackList("tracks", "your tracks", (next) => backend.tracks(next), fail, status);
  const likes = trackList("likes", "liked tracks", (next) => backend.likes(next), fail, status);
  const session = sessionPanel(backend, fail);

  let shown: "connected" | "signed-out" | undefined;
  function sync(): void {
    $("loading").hidden = true;
    if (backend.isConnected()) {
      if (shown === "connected") return;
      shown = "connected";
      showConnected();
    } else {
      if (shown === "signed-out") return;
      const wasConnected = shown === "connected";
      shown = "signed-out";
      showSignedOut(wasConnected);
    }
  }

  function showConnected(): void {
    $("signed-out").hidden = true;
    $("connected").hidden = false;
    const cached = backend.cachedUser();
    if (cached) showAccount(cached.username, cached.avatar_url);
    tracks.reset();
    likes.reset();
    backend.me().then(showProfile, (error) => fail(error, "load your profile"));
    void tracks.load();
    void likes.load();
    session.start();
  }

  function showSignedOut(wasConnected: boolean): void {
    session.stop();
    $("connected").hidden = true;
    $("account").hidden = true;
    $("signed-out").hidden = false;
    document.title = "Soundgate · Connect with SoundCloud";
    if (wasConnected) {
      status("You're disconnected from SoundCloud.");
      $("connect").focus();
    }
  }

  function showAccount(username: string, avatar: string | null | undefined): void {
    $("account").hidden = false;
    $("account-name").textContent = username;
    setImage($<HTMLImageElement>("account-avatar"), avatar);
  }

  function showProfile(me: Me): void {
    const name = me.full_name || me.username;
    document.title = `${name} · Soundgate`;
    showAccount(me.username, me.avatar_url);
    $("profile-name").textContent = name;
    const place = [me.city, me.country].filter(Boolean).join(", ");
    $("profile-handle").textContent = [`@${me.username}`, place].filter(Boolean).join(" · ");
    setImage($<HTMLImageElement>("profile-avatar"), me.avatar_url);
    $("stat-followers").textContent = count(me.followers_count);
    $("stat-followings").textContent = count(me.followings_count);
    $("stat-tracks").textContent = count(me.track_count);
    $("stat-likes").textContent = count(me.public_favorites_count);
    tracks.total(me.track_count);
    likes.total(me.public_favorites_count);
  }

  $("connect").addEventListener("click", async () => {
    const button = $<HTMLButtonElement>("connect");
    notice.hide();
    button.disabled = true;
    $("connect-label").textContent = "Connecting…";
    try {
      await backend.connect(); // navigates to SoundCloud
    } catch (error) {
      fail(error, "start the connection");
      button.disabled = false;
      $("connect-label").textContent = "Connect with SoundCloud";
    }
  });

  $("disconnect").addEventListener("click", async () => {
    const button = $<HTMLButtonElement>("disconnect");
    button.disabled = true;
    notice.hide();
    try {
      await backend.disconnect();
    } catch {
      notice.show({
        title: "Disconnected on this device",
        text: "SoundCloud could not be reached to end the session there too. It ends on its own when the token expires.",
      });
    } finally {
      button.disabled = false;
      sync();
    }
  });

  backend.onChange(sync);

  try {
    await backend.init();
  } catch (error) {
    fail(error, "finish connecting");
  }
  sync();
}

function noticeArea() {
  const area = $("notice");
  $("notice-close").addEventListener("click", () => {
    area.hidden = true;
  });
  return {
    show(notice: Notice) {
      $("notice-title").textContent = notice.title;
      $("notice-text").textContent = notice.text;
      area.hidden = false;
    },
    hide() {
      area.hidden = true;
    },
  };
}

/** One of the two track lists, with its "Load more" button following next_href. */
function trackList(
  id: "tracks" | "likes",
  label: string,
  fetchPage: (next?: string) => Promise<Page<Track>>,
  fail: (error: unknown, doing: string) => void,
  status: (text: string) => void,
) {
  const section = $(id);
  const items = $(`${id}-items`);
  const more = $<HTMLButtonElement>(`${id}-more`);
  const counter = $(`${id}-count`);
  let next: string | null = null;
  let known: number | undefined;
  let generation = 0;

  const updateCount = () => {
    const shown = items.children.length;
    counter.textContent = known === undefined ? `${shown}` : `${shown} of ${count(known)}`;
  };

  async function load(): Promise<void> {
    const mine = generation;
    const first = items.children.length === 0;
    section.setAttribute("aria-busy", "true");
    more.disabled = true;
    more.textContent = "Loading…";
    try {
      const page = await fetchPage(first ? undefined : (next ?? undefined));
      if (mine !== generation) return; // disconnected meanwhile
      const rows = page.items.map((track) => trackRow(track, id === "likes"));
      items.append(...rows);
      next = page.next;
      $(`${id}-empty`).hidden = items.children.length > 0;
      updateCount();
      if (!first) {
        status(`${rows.length} more ${label} loaded.`);
        // The button goes away on the last page: keep focus in the list, on the first new row.
        if (!next) rows[0]?.querySelector("a")?.focus();
      }
    } catch (error) {
      if (mine === generation) fail(error, `load ${label}`);
    } finally {
      if (mine === generation) {
        section.setAttribute("aria-busy", "false");
        more.hidden = next === null;
        more.disabled = false;
        more.textContent = "Load more";
      }
    }
  }

  more.addEventListener("click", () => void load());

  return {
    load,
    reset() {
      generation += 1;
      items.replaceChildren();
      next = null;
      known = undefined;
      more.hidden = true;
      counter.textContent = "";
      $(`${id}-empty`).hidden = true;
    },
    total(n: number | undefined) {
      known = n;
      updateCount();
    },
  };
}

function trackRow(track: Track, showArtist: boolean): HTMLLIElement {
  const row = document.createElement("li");
  row.className = "track";
  const art = document.createElement("img");
  art.className = "artwork";
  art.alt = "";
  art.width = 48;
  art.height = 48;
  art.loading = "lazy";
  setImage(art, track.artwork_url ?? track.user?.avatar_url);

  const main = document.createElement("div");
  main.className = "track-main";
  const title = document.createElement(track.permalink_url ? "a" : "span");
  title.className = "track-title";
  title.textContent = track.title;
  if (title instanceof HTMLAnchorElement && track.permalink_url) {
    title.href = track.permalink_url;
    title.target = "_blank";
    title.rel = "noopener noreferrer";
  }
  const meta = document.createElement("span");
  meta.className = "track-meta";
  meta.textContent = [
    showArtist ? track.user?.username : undefined,
    track.genre || undefined,
    plays(track.playback_count),
  ]
    .filter(Boolean)
    .join(" · ");
  main.append(title, meta);

  const duration = document.createElement("span");
  duration.className = "track-duration";
  duration.textContent = clock(track.duration);
  duration.setAttribute("aria-label", `Duration ${spoken(track.duration)}`);

  row.append(art, main, duration);
  return row;
}

/**
 * The time left on the access token, ticking on whole seconds (so every tab ticks at
 * the same moment). When it runs out while the page is visible, the session is renewed;
 * in several tabs at once, the SDK makes that one refresh.
 */
function sessionPanel(backend: DemoBackend, fail: (error: unknown, doing: string) => void) {
  const countdown = $("countdown");
  const spokenText = $("countdown-spoken");
  const meter = $("meter");
  let timer: ReturnType<typeof setTimeout> | undefined;
  let renewing = false;
  let retryAt = 0;
  let lastExpiry = 0;
  let lifetime = 1;

  function tick(): void {
    clearTimeout(timer);
    const expiresAt = backend.tokenExpiresAt();
    if (expiresAt === null) {
      countdown.textContent = "Held by the gateway";
      $("session-hint").textContent = "This page has a session cookie only.";
      return;
    }
    if (expiresAt !== lastExpiry) {
      lastExpiry = expiresAt;
      lifetime = Math.max(1, expiresAt - Date.now());
    }
    const left = expiresAt - Date.now();
    if (left > 0) {
      countdown.textContent = `${clock(left)} left`;
      spokenText.textContent = `Expires in ${spoken(left)}`;
    } else {
      countdown.textContent = "Renewing…";
      spokenText.textContent = "Renewing";
      if (!renewing && document.visibilityState === "visible" && Date.now() >= retryAt) {
        renewing = true;
        backend
          .renew()
          .catch((error: unknown) => {
            retryAt = Date.now() + RENEW_RETRY_MS;
            fail(error, "renew your session");
          })
          .finally(() => {
            renewing = false;
            if (timer !== undefined) tick();
          });
      }
    }
    meter.style.width = `${Math.min(100, Math.max(0, (left / lifetime) * 100))}%`;
    timer = setTimeout(tick, 1000 - (Date.now() % 1000) + 5);
  }

  document.addEventListener("visibilitychange", () => {
    if (timer !== undefined) tick();
  });
  backend.onChange(() => {
    if (timer !== undefined) tick();
  });

  return {
    start() {
      retryAt = 0;
      tick();
    },
    stop() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}

function setImage(image: HTMLImageElement, src: string | null | undefined): void {
  if (src) {
    image.src = src;
    image.classList.remove("placeholder");
  } else {
    image.removeAttribute("src");
    image.classList.add("placeholder");
  }
}

main().catch(() => {
  $("loading").textContent = "This page could not start. Please reload.";
});
