import type { DemoBackend, Me, Page, Track } from "./backend.js";
import { clock, count, moment, plays, relative, spoken } from "./format.js";
import { describe, disconnected, type Notice } from "./messages.js";
import { chooseBackend } from "./mode.js";

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

/** After a failed renewal, wait this long before trying again (the countdown keeps ticking). */
const RENEW_RETRY_MS = 10_000;
/** BFF: ask the gateway about the session this often while the page is visible. */
const SESSION_CHECK_MS = 60_000;

async function main(): Promise<void> {
  const { backend, mode, other } = await chooseBackend("");
  $("mode").textContent = backend.label;
  if (other) {
    const link = $<HTMLAnchorElement>("mode-switch");
    link.href = `?mode=${other}`;
    link.textContent = other === "tokens" ? "Try the token mode" : "Try the BFF mode";
    link.hidden = false;
  }

  const status = (text: string) => {
    $("status").textContent = text;
  };
  const notice = noticeArea(status);
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
    if (wasConnected) $("connect").focus();
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
      notice.show(disconnected(mode));
    } catch (error) {
      if (backend.isConnected()) {
        // Nothing ended (the gateway could not be reached): say so, stay connected.
        notice.show(describe(error, "disconnect"));
      } else {
        notice.show({
          tone: "info",
          title: "Disconnected on this device",
          text: "SoundCloud could not be reached to end the session there too. It ends on its own when the token expires.",
        });
      }
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

/**
 * The message under the header. Errors are announced at once (role=alert); what the
 * person chose or just did (cancelled, disconnected) politely, through the status line.
 */
function noticeArea(status: (text: string) => void) {
  const area = $("notice");
  $("notice-close").addEventListener("click", () => {
    area.hidden = true;
  });
  return {
    show(notice: Notice) {
      const tone = notice.tone ?? "error";
      area.dataset.tone = tone;
      $("notice-title").textContent = notice.title;
      $("notice-text").textContent = notice.text;
      area.hidden = false;
      const spoken = `${notice.title}. ${notice.text}`;
      if (tone === "error") $("alert").textContent = spoken;
      else status(spoken);
    },
    hide() {
      area.hidden = true;
      $("alert").textContent = "";
    },
  };
}

/**
 * One of the two track lists: the first page, then "Load more" (the next page) or
 * "Load all" (every page, with a Stop), following next_href.
 */
function trackList(
  id: "tracks" | "likes",
  label: string,
  fetchPage: (next?: string) => Promise<Page<Track>>,
  fail: (error: unknown, doing: string) => void,
  status: (text: string) => void,
) {
  const section = $(id);
  const items = $(`${id}-items`);
  const paging = $(`${id}-paging`);
  const more = $<HTMLButtonElement>(`${id}-more`);
  const all = $<HTMLButtonElement>(`${id}-all`);
  const allLabel = all.getAttribute("aria-label") ?? "Load all";
  const counter = $(`${id}-count`);
  let next: string | null = null;
  let known: number | undefined;
  let generation = 0;
  let loadingAll = false;
  let stopping = false;

  const updateCount = () => {
    const shown = items.children.length;
    counter.textContent = known === undefined ? `${shown}` : `${shown} of ${count(known)}`;
  };

  /** One page: the first, or the one at next_href. Returns its rows, or null if disconnected meanwhile. */
  async function page(mine: number): Promise<HTMLLIElement[] | null> {
    const first = items.children.length === 0;
    const result = await fetchPage(first ? undefined : (next ?? undefined));
    if (mine !== generation) return null;
    const rows = result.items.map((track) => trackRow(track, id === "likes"));
    items.append(...rows);
    next = result.next;
    $(`${id}-empty`).hidden = items.children.length > 0;
    updateCount();
    return rows;
  }

  async function run(kind: "first" | "more" | "all"): Promise<void> {
    const mine = generation;
    const hadFocus = paging.contains(document.activeElement);
    section.setAttribute("aria-busy", "true");
    more.disabled = true;
    all.disabled = kind !== "all"; // during Load all it is the Stop button
    if (kind === "more") more.textContent = "Loading…";
    if (kind === "all") {
      loadingAll = true;
      stopping = false;
      all.textContent = "Stop";
      all.setAttribute("aria-label", `Stop loading ${label}`);
    }
    const added: HTMLLIElement[] = [];
    try {
      do {
        const rows = await page(mine);
        if (!rows) return;
        added.push(...rows);
      } while (kind === "all" && next && !stopping);
      if (kind === "more") status(`${added.length} more ${label} loaded.`);
      if (kind === "all") {
        status(
          next
            ? `Stopped: ${items.children.length} ${label} loaded.`
            : `All ${items.children.length} ${label} loaded.`,
        );
      }
    } catch (error) {
      if (mine === generation) fail(error, `load ${label}`);
    } finally {
      if (kind === "all") loadingAll = false;
      if (mine === generation) {
        section.setAttribute("aria-busy", "false");
        paging.hidden = next === null;
        more.disabled = false;
        all.disabled = false;
        more.textContent = "Load more";
        all.textContent = "Load all";
        all.setAttribute("aria-label", allLabel);
        // The buttons go away on the last page: keep focus in the list, on the first new row.
        if (hadFocus && paging.hidden) added[0]?.querySelector("a")?.focus();
      }
    }
  }

  more.addEventListener("click", () => void run("more"));
  all.addEventListener("click", () => {
    if (loadingAll) stopping = true;
    else void run("all");
  });

  return {
    load: () => run("first"),
    reset() {
      generation += 1;
      stopping = true;
      items.replaceChildren();
      next = null;
      known = undefined;
      paging.hidden = true;
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
 * The access token panel. Token mode: the time left on the token the page holds,
 * ticking on whole seconds (so every tab ticks at the same moment); when it runs out
 * while the page is visible, the session is renewed (in several tabs at once, the SDK
 * makes that one refresh). BFF mode: the page holds no token, so it shows what the
 * gateway reports: the last refresh, when the session ends, and which instance answered.
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

  const renew = (doing: string) => {
    renewing = true;
    backend
      .renew()
      .catch((error: unknown) => {
        retryAt = Date.now() + RENEW_RETRY_MS;
        fail(error, doing);
      })
      .finally(() => {
        renewing = false;
        if (timer !== undefined) tick();
      });
  };
  const mayRenew = () =>
    !renewing && document.visibilityState === "visible" && Date.now() >= retryAt;

  function showGateway(): void {
    const held = backend.gatewaySession();
    $("token-held").hidden = true;
    $("gateway-held").hidden = false;
    if (!held) return;
    const now = Date.now();
    const when = (at: number) => `${relative(at, now)} · ${moment(at, now)}`;
    $("session-refreshed").textContent =
      held.refreshedAt === null ? "not yet (fresh from sign-in)" : when(held.refreshedAt);
    $("session-ends").textContent = when(held.expiresAt);
    $("session-instance").textContent = held.instance;
    if (now - held.checkedAt >= SESSION_CHECK_MS && mayRenew()) renew("check your session");
  }

  function tick(): void {
    clearTimeout(timer);
    const expiresAt = backend.tokenExpiresAt();
    if (expiresAt === null) {
      showGateway();
      timer = setTimeout(tick, 1000 - (Date.now() % 1000) + 5);
      return;
    }
    $("token-held").hidden = false;
    $("gateway-held").hidden = true;
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
      if (mayRenew()) renew("renew your session");
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
