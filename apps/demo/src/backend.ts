/**
 * How the page reaches SoundCloud. The page talks only to this interface, so a mode can
 * be swapped without touching the UI: the token mode (Starlib-compatible: the browser
 * SDK keeps tokens in localStorage and calls the API itself) and the BFF mode (an
 * HttpOnly session cookie, API calls through the gateway's /api/soundcloud/*; the page
 * holds no token, so `tokenExpiresAt()` is null and `gatewaySession()` says what the
 * gateway reports instead).
 */
export interface DemoBackend {
  /** Shown in the footer, e.g. "Token mode". */
  readonly label: string;
  /** Finishes a login if SoundCloud just sent the browser back here. */
  init(): Promise<void>;
  isConnected(): boolean;
  /** What is known without a request (for a fast first paint), or null. */
  cachedUser(): { username: string; avatar_url: string | null } | null;
  /** Starts a login; the page navigates away. */
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  me(): Promise<Me>;
  /** A page of the user's tracks: the first, or the one at `next`. */
  tracks(next?: string): Promise<Page<Track>>;
  likes(next?: string): Promise<Page<Track>>;
  /** When the access token held by the page expires (ms), or null if the page holds none. */
  tokenExpiresAt(): number | null;
  /** BFF: what the gateway last said about the session it holds; null in token mode. */
  gatewaySession(): GatewaySession | null;
  /**
   * Renews what the page knows: the token (token mode, when it expired while the page
   * was open), or the gateway's report on the session (BFF).
   */
  renew(): Promise<void>;
  /** Called when the session changes, in this tab or another. */
  onChange(listener: () => void): void;
}

/** What `GET /auth/session` reports of a signed-in session (times in ms since the epoch). */
export interface GatewaySession {
  /** When the session (its cookie) ends. */
  expiresAt: number;
  /** When the gateway last wrote the grant's tokens: the sign-in, or the latest refresh. */
  /** null until the gateway's first refresh after the login. */
  refreshedAt: number | null;
  /** Which gateway instance answered. */
  instance: string;
  /** When the page asked. */
  checkedAt: number;
}

/** Items per page; SoundCloud allows up to 200. */
export const PAGE_SIZE = 50;

export interface Page<T> {
  items: T[];
  next: string | null;
}

/** The fields of SoundCloud's Me the page shows. */
export interface Me {
  username: string;
  full_name?: string | null;
  avatar_url?: string | null;
  city?: string | null;
  country?: string | null;
  followers_count?: number;
  followings_count?: number;
  track_count?: number;
  public_favorites_count?: number;
  permalink_url?: string;
}

export interface Track {
  urn: string;
  title: string;
  duration: number;
  artwork_url?: string | null;
  genre?: string | null;
  playback_count?: number;
  permalink_url?: string;
  user?: { username: string; avatar_url?: string | null };
}

/** A failed API call, with what the UI needs to word it. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
