import {
  Catalog,
  type CatalogData,
  type CommentRecord,
  type PlaylistRecord,
  type TrackAccess,
  type TrackRecord,
  type UserPlan,
  type UserRecord,
} from "./catalog.js";
import { imagePath } from "./images.js";
import { createPrng, type Prng } from "./random.js";

/**
 * Seeded, deterministic data: a fixed-seed PRNG and fixed lists give the same
 * world on every start and after every reset, so tests can name users, count
 * likes and page through lists without fixtures.
 */

const SEED = 0x5eed_50c6;
/** "Now" inside the seeded world; every seeded date is before it. */
const WORLD_NOW = Date.UTC(2025, 5, 1, 12, 0, 0);
const DAY_MS = 24 * 60 * 60 * 1000;

export const FIRST_USER_ID = 1_000_001;
export const FIRST_TRACK_ID = 2_000_001;
export const FIRST_PLAYLIST_ID = 3_000_001;
export const FIRST_COMMENT_ID = 4_000_001;

interface AccountPlan {
  username: string;
  first_name: string;
  last_name: string;
  city: string;
  country: string;
  plan: UserPlan;
  description: string;
  tracks: number;
  likedTracks: number;
  playlists: number;
  likedPlaylists: number;
  followings: number;
  /** How many background artists follow this account. */
  followers: number;
  /** Background artists' tracks and playlists this account has reposted. */
  repostedTracks: number;
  repostedPlaylists: number;
}

/**
 * The accounts people can sign in as. The first is the default (auto-approve
 * `true`) and is big enough to exercise pagination past the 200 limit; the last
 * uploads nothing, so empty lists get exercised too.
 */
const SIGN_IN_ACCOUNTS: readonly AccountPlan[] = [
  {
    username: "nightjar-audio",
    first_name: "Mara",
    last_name: "Lindqvist",
    city: "Stockholm",
    country: "Sweden",
    plan: "Pro Unlimited",
    description: "Late-night electronics and field recordings from the Baltic coast.",
    tracks: 60,
    likedTracks: 450,
    playlists: 4,
    likedPlaylists: 6,
    followings: 40,
    followers: 25,
    repostedTracks: 12,
    repostedPlaylists: 2,
  },
  {
    username: "copperline",
    first_name: "Theo",
    last_name: "Okafor",
    city: "Lagos",
    country: "Nigeria",
    plan: "Next Pro",
    description: "Afro-house edits and percussion loops. Bookings via DM.",
    tracks: 18,
    likedTracks: 35,
    playlists: 2,
    likedPlaylists: 2,
    followings: 12,
    followers: 9,
    repostedTracks: 4,
    repostedPlaylists: 1,
  },
  {
    username: "saltmarsh",
    first_name: "Inês",
    last_name: "Duarte",
    city: "Porto",
    country: "Portugal",
    plan: "Free",
    description: "Folk songs recorded in a kitchen.",
    tracks: 9,
    likedTracks: 60,
    playlists: 1,
    likedPlaylists: 1,
    followings: 8,
    followers: 4,
    repostedTracks: 3,
    repostedPlaylists: 0,
  },
  {
    username: "velvet-transit",
    first_name: "Kenji",
    last_name: "Arai",
    city: "Osaka",
    country: "Japan",
    plan: "Free",
    description: "City pop revival, one train ride at a time.",
    tracks: 14,
    likedTracks: 20,
    playlists: 2,
    likedPlaylists: 0,
    followings: 15,
    followers: 6,
    repostedTracks: 2,
    repostedPlaylists: 1,
  },
  {
    username: "hollow-oak",
    first_name: "Priya",
    last_name: "Raman",
    city: "Toronto",
    country: "Canada",
    plan: "Pro Unlimited",
    description: "Ambient drones for long winters.",
    tracks: 6,
    likedTracks: 12,
    playlists: 1,
    likedPlaylists: 3,
    followings: 6,
    followers: 3,
    repostedTracks: 1,
    repostedPlaylists: 0,
  },
  {
    username: "blue-hour-fm",
    first_name: "Lucas",
    last_name: "Meyer",
    city: "Berlin",
    country: "Germany",
    plan: "Free",
    description: "Just listening.",
    tracks: 0,
    likedTracks: 5,
    playlists: 0,
    likedPlaylists: 0,
    followings: 3,
    followers: 0,
    repostedTracks: 2,
    repostedPlaylists: 0,
  },
];

const BACKGROUND_ARTISTS = 60;

const NAME_A = [
  "static",
  "amber",
  "glass",
  "lunar",
  "paper",
  "ember",
  "quiet",
  "neon",
  "cobalt",
  "silver",
  "wild",
  "hazel",
] as const;
const NAME_B = [
  "gardens",
  "harbor",
  "signal",
  "orchard",
  "tides",
  "atlas",
  "motel",
  "choir",
  "engine",
  "meadow",
  "relay",
  "canyon",
] as const;
const FIRST_NAMES = [
  "Ada",
  "Bruno",
  "Chloé",
  "Dmitri",
  "Elif",
  "Farah",
  "Gus",
  "Hana",
  "Ivo",
  "Jae",
  "Kofi",
  "Lena",
  "Mateo",
  "Nia",
  "Oskar",
  "Pia",
] as const;
const LAST_NAMES = [
  "Adeyemi",
  "Berg",
  "Castillo",
  "Dubois",
  "Eriksen",
  "Fischer",
  "García",
  "Horvat",
  "Ito",
  "Jansen",
  "Kowalski",
  "Laine",
] as const;
const PLACES: readonly (readonly [string, string])[] = [
  ["London", "United Kingdom"],
  ["Paris", "France"],
  ["Melbourne", "Australia"],
  ["Brooklyn", "United States"],
  ["Montréal", "Canada"],
  ["Mexico City", "Mexico"],
  ["Seoul", "South Korea"],
  ["Cape Town", "South Africa"],
  ["Reykjavík", "Iceland"],
  ["São Paulo", "Brazil"],
  ["Warsaw", "Poland"],
  ["Amsterdam", "Netherlands"],
];
const GENRES = [
  "Electronic",
  "House",
  "Techno",
  "Ambient",
  "Hip-hop & Rap",
  "Indie",
  "Jazz & Blues",
  "Drum & Bass",
  "Pop",
  "Folk & Singer-Songwriter",
  "Classical",
  "Deep House",
] as const;
const TAGS = [
  "chill",
  "lofi",
  "night drive",
  "field recording",
  "analog",
  "modular",
  "vocal",
  "live",
  "remix",
  "instrumental",
  "summer",
  "rainy day",
] as const;
const TITLE_A = [
  "Midnight",
  "Velvet",
  "Hollow",
  "Golden",
  "Northern",
  "Paper",
  "Slow",
  "Electric",
  "Distant",
  "Quiet",
  "Salt",
  "Copper",
  "Borrowed",
  "Winter",
  "Last",
  "Neon",
] as const;
const TITLE_B = [
  "Harbor",
  "Static",
  "Lanterns",
  "Satellites",
  "Tide",
  "Rooms",
  "Motorway",
  "Echoes",
  "Orchard",
  "Signals",
  "Weather",
  "Stairwell",
  "Parade",
  "Bloom",
  "Fever",
  "Transit",
] as const;
const TITLE_SUFFIX = ["", "", "", "", " (Live)", " (Demo)", " (Edit)", " - Reprise"] as const;
const KEYS = ["C major", "A minor", "F# minor", "D major", "Bb minor", "E major"] as const;
const LICENSES = ["all-rights-reserved", "all-rights-reserved", "cc-by", "cc-by-nc"] as const;
const COMMENT_BODIES = [
  "this drop though",
  "on repeat all week",
  "love the texture here",
  "what synth is this?",
  "perfect for the night bus",
  "🔥🔥🔥",
  "that bassline!!",
  "goosebumps at this part",
  "need this on vinyl",
  "beautiful mix, thank you",
] as const;
const PLAYLIST_TITLES = [
  "Night Bus",
  "Sunday Morning",
  "Deep Focus",
  "Warehouse Memories",
  "Rainy Window",
  "Heavy Rotation",
] as const;

export function seedCatalog(): Catalog {
  return new Catalog(seedData());
}

export function seedData(): CatalogData {
  const rng = createPrng(SEED);
  const users: UserRecord[] = [];
  const tracks: TrackRecord[] = [];
  const playlists: PlaylistRecord[] = [];
  const comments: CommentRecord[] = [];
  const trackLikes = new Map<number, number[]>();
  const playlistLikes = new Map<number, number[]>();
  const followings = new Map<number, number[]>();

  // Users: the sign-in accounts first, then background artists who make most of the music.
  for (const plan of SIGN_IN_ACCOUNTS) {
    users.push(
      makeUser(rng, users.length, {
        username: plan.username,
        first_name: plan.first_name,
        last_name: plan.last_name,
        city: plan.city,
        country: plan.country,
        plan: plan.plan,
        description: plan.description,
        can_sign_in: true,
      }),
    );
  }
  const artistNames = rng.sample(
    NAME_A.flatMap((a) => NAME_B.map((b) => `${a}-${b}`)),
    BACKGROUND_ARTISTS,
  );
  for (const username of artistNames) {
    const [city, country] = rng.pick(PLACES);
    users.push(
      makeUser(rng, users.length, {
        username,
        first_name: rng.pick(FIRST_NAMES),
        last_name: rng.pick(LAST_NAMES),
        city,
        country,
        plan: rng.chance(0.3) ? "Pro Unlimited" : "Free",
        description: rng.chance(0.7) ? `Music by ${username.replace("-", " ")}.` : null,
        can_sign_in: false,
      }),
    );
  }

  // Tracks.
  const accountUsers = users.slice(0, SIGN_IN_ACCOUNTS.length);
  const artists = users.slice(SIGN_IN_ACCOUNTS.length);
  SIGN_IN_ACCOUNTS.forEach((plan, i) => {
    const user = accountUsers[i] as UserRecord;
    for (let n = 0; n < plan.tracks; n++) tracks.push(makeTrack(rng, tracks, user, "playable"));
  });
  for (const artist of artists) {
    const count = rng.int(7, 11);
    for (let n = 0; n < count; n++) {
      const roll = rng.next();
      const access: TrackAccess = roll < 0.04 ? "blocked" : roll < 0.1 ? "preview" : "playable";
      tracks.push(makeTrack(rng, tracks, artist, access));
    }
  }

  // Playlists: the default account's are fixed sizes so playlist paging is predictable.
  const tracksBy = (userId: number) => tracks.filter((t) => t.user_id === userId).map((t) => t.id);
  const othersTracks = (userId: number) =>
    tracks.filter((t) => t.user_id !== userId).map((t) => t.id);
  const defaultUser = accountUsers[0] as UserRecord;
  const defaultPlaylists: readonly [string, number, "playlist" | "album", boolean][] = [
    ["Late Night Drives", 24, "playlist", false],
    ["Warmup Selects", 48, "playlist", false],
    ["Baltic Field Notes", 12, "album", true],
    ["Everything I Liked This Year", 120, "playlist", false],
  ];
  for (const [title, size, setType, own] of defaultPlaylists) {
    const pool = own ? tracksBy(defaultUser.id) : othersTracks(defaultUser.id);
    playlists.push(
      makePlaylist(rng, playlists, defaultUser, title, setType, rng.sample(pool, size)),
    );
  }
  SIGN_IN_ACCOUNTS.forEach((plan, i) => {
    if (i === 0) return;
    const user = accountUsers[i] as UserRecord;
    for (let n = 0; n < plan.playlists; n++) {
      const title = rng.pick(PLAYLIST_TITLES);
      playlists.push(
        makePlaylist(rng, playlists, user, title, "playlist", rng.sample(tracks, 20).map(toId)),
      );
    }
  });
  for (const artist of artists) {
    if (!rng.chance(0.4)) continue;
    const own = tracksBy(artist.id);
    playlists.push(
      makePlaylist(rng, playlists, artist, `${artist.username} EP`, "album", own.slice(0, 5)),
    );
  }

  // Likes and followings of the sign-in accounts (most recent first).
  SIGN_IN_ACCOUNTS.forEach((plan, i) => {
    const user = accountUsers[i] as UserRecord;
    trackLikes.set(user.id, rng.sample(othersTracks(user.id), plan.likedTracks));
    const otherPlaylists = playlists.filter((p) => p.user_id !== user.id).map(toId);
    playlistLikes.set(user.id, rng.sample(otherPlaylists, plan.likedPlaylists));
    const candidates = users.filter((u) => u.id !== user.id).map(toId);
    followings.set(user.id, rng.sample(candidates, plan.followings));
  });
  // Background artists follow sign-in accounts, so those accounts have followers.
  SIGN_IN_ACCOUNTS.forEach((plan, i) => {
    const user = accountUsers[i] as UserRecord;
    for (const fan of rng.sample(artists, plan.followers)) {
      const list = followings.get(fan.id);
      if (list) list.push(user.id);
      else followings.set(fan.id, [user.id]);
    }
  });

  // Comments: a few on most tracks, and many on the default account's newest track.
  const newestDefaultTrack = tracks
    .filter((t) => t.user_id === defaultUser.id)
    .reduce((a, b) => (b.created_at > a.created_at ? b : a));
  for (const track of tracks) {
    const count = track.id === newestDefaultTrack.id ? 75 : rng.chance(0.6) ? rng.int(1, 5) : 0;
    for (let n = 0; n < count; n++) {
      const author = rng.pick(users);
      comments.push({
        id: FIRST_COMMENT_ID + comments.length,
        track_id: track.id,
        user_id: author.id,
        body: rng.pick(COMMENT_BODIES),
        timestamp: rng.int(0, track.duration - 1),
        created_at: between(rng, track.created_at, WORLD_NOW),
      });
    }
  }

  // Reposts, drawn last so everything above stays as it was before reposts were seeded.
  // Only background artists' work is reposted: every sign-in account's own tracks and
  // playlists start with no reposters, and most artists' tracks are left to repost.
  const trackReposts = new Map<number, number[]>();
  const playlistReposts = new Map<number, number[]>();
  const artistIds = new Set(artists.map(toId));
  const artistTracks = tracks.filter((t) => artistIds.has(t.user_id)).map(toId);
  const artistPlaylists = playlists.filter((p) => artistIds.has(p.user_id)).map(toId);
  SIGN_IN_ACCOUNTS.forEach((plan, i) => {
    const user = accountUsers[i] as UserRecord;
    trackReposts.set(user.id, rng.sample(artistTracks, plan.repostedTracks));
    playlistReposts.set(user.id, rng.sample(artistPlaylists, plan.repostedPlaylists));
  });

  return {
    users,
    tracks,
    playlists,
    comments,
    trackLikes,
    playlistLikes,
    followings,
    trackReposts,
    playlistReposts,
  };
}

interface UserSeed {
  username: string;
  first_name: string;
  last_name: string;
  city: string;
  country: string;
  plan: UserPlan;
  description: string | null;
  can_sign_in: boolean;
}

function makeUser(rng: Prng, index: number, seed: UserSeed): UserRecord {
  const created = between(rng, Date.UTC(2011, 0, 1), Date.UTC(2021, 0, 1));
  const hasWebsite = rng.chance(0.5);
  return {
    id: FIRST_USER_ID + index,
    username: seed.username,
    permalink: seed.username,
    first_name: seed.first_name,
    last_name: seed.last_name,
    city: seed.city,
    country: seed.country,
    description: seed.description,
    avatar_url: imagePath("avatars", rng.hex(16)),
    website: hasWebsite ? `https://${seed.username}.example.com` : null,
    website_title: hasWebsite ? "Website" : null,
    discogs_name: null,
    plan: seed.plan,
    reposts_count: rng.int(0, 40),
    created_at: created,
    last_modified: between(rng, created, WORLD_NOW),
    can_sign_in: seed.can_sign_in,
  };
}

function makeTrack(
  rng: Prng,
  existing: readonly TrackRecord[],
  user: UserRecord,
  access: TrackAccess,
): TrackRecord {
  const title = `${rng.pick(TITLE_A)} ${rng.pick(TITLE_B)}${rng.pick(TITLE_SUFFIX)}`;
  const taken = new Set(existing.filter((t) => t.user_id === user.id).map((t) => t.permalink));
  const permalink = uniqueSlug(slugify(title), taken);
  const created = between(rng, user.created_at, WORLD_NOW - DAY_MS);
  const tags = rng.sample(TAGS, rng.int(0, 3)).map((tag) => (tag.includes(" ") ? `"${tag}"` : tag));
  const released = rng.chance(0.5) ? new Date(created) : null;
  const plays = rng.int(40, 250_000);
  return {
    id: FIRST_TRACK_ID + existing.length,
    user_id: user.id,
    title,
    permalink,
    description: rng.chance(0.5) ? `${title}, recorded in ${user.city}.` : null,
    genre: rng.pick(GENRES),
    tag_list: tags.join(" "),
    duration: rng.int(90, 420) * 1000 + rng.int(0, 999),
    bpm: rng.chance(0.6) ? rng.int(70, 175) : null,
    key_signature: rng.chance(0.4) ? rng.pick(KEYS) : null,
    label_name: rng.chance(0.2) ? "Soundgate Records" : null,
    license: rng.pick(LICENSES),
    artwork_url: rng.chance(0.85) ? imagePath("artworks", rng.hex(16)) : null,
    waveform_url: `https://wave.sndcdn.com/${rng.hex(12)}_m.png`,
    access,
    sharing: "public",
    secret_token: null,
    embeddable_by: "all",
    purchase_url: null,
    release: null,
    isrc: null,
    // Derived, not drawn, so the seeded world stays the same: live takes credit a band.
    metadata_artist: title.endsWith(" (Live)") ? `${user.first_name} ${user.last_name} Band` : null,
    streamable: access !== "blocked",
    reveal_stats: true,
    reveal_comments: true,
    storefront: null,
    downloadable: rng.chance(0.2),
    commentable: true,
    playback_count: plays,
    download_count: rng.int(0, Math.floor(plays / 100)),
    reposts_count: rng.int(0, Math.floor(plays / 500)),
    outside_favoritings_count: rng.int(0, Math.floor(plays / 40)),
    created_at: created,
    last_modified: between(rng, created, WORLD_NOW),
    release_date: released
      ? {
          year: released.getUTCFullYear(),
          month: released.getUTCMonth() + 1,
          day: released.getUTCDate(),
        }
      : null,
  };
}

function makePlaylist(
  rng: Prng,
  existing: readonly PlaylistRecord[],
  user: UserRecord,
  title: string,
  setType: "playlist" | "album",
  trackIds: number[],
): PlaylistRecord {
  const taken = new Set(existing.filter((p) => p.user_id === user.id).map((p) => p.permalink));
  const created = between(rng, user.created_at, WORLD_NOW - DAY_MS);
  return {
    id: FIRST_PLAYLIST_ID + existing.length,
    user_id: user.id,
    title,
    permalink: uniqueSlug(slugify(title), taken),
    description: rng.chance(0.5) ? `${title} by ${user.username}` : null,
    genre: rng.pick(GENRES),
    tag_list: "",
    set_type: setType,
    sharing: "public",
    secret_token: null,
    label_name: null,
    license: "all-rights-reserved",
    ean: null,
    purchase_title: null,
    purchase_url: null,
    release: null,
    release_date: null,
    artwork_url: rng.chance(0.7) ? imagePath("artworks", rng.hex(16)) : null,
    track_ids: trackIds,
    outside_likes_count: rng.int(0, 900),
    created_at: created,
    last_modified: between(rng, created, WORLD_NOW),
  };
}

function between(rng: Prng, from: number, to: number): number {
  // Whole seconds: SoundCloud's timestamps have no milliseconds.
  return Math.floor((from + rng.next() * Math.max(0, to - from)) / 1000) * 1000;
}

function slugify(text: string): string {
  return text
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

function uniqueSlug(base: string, taken: ReadonlySet<string>): string {
  let slug = base;
  for (let n = 2; taken.has(slug); n++) slug = `${base}-${n}`;
  return slug;
}

function toId(item: { id: number }): number {
  return item.id;
}
