const FLOWS = ["result", "session"] as const;
/**
 * Why a login that came back from SoundCloud did not end signed in. OAuth error words
 * from SoundCloud's redirect are open-ended, so anything not listed is counted as
 * `other` (see loginFailureReason).
 */
export const LOGIN_FAILURES = [
  "access_denied",
  "invalid_request",
  "invalid_grant",
  "invalid_state",
  "login_not_started_here",
  "return_to_not_allowed",
  "rate_limited",
  "upstream_unavailable",
  "gateway_misconfigured",
  "other",
] as const;
/** What a call to SoundCloud was for: the token grant, the API, or the sign-out. */
export const UPSTREAM_OPERATIONS = [
  "authorization_code",
  "refresh_token",
  "client_credentials",
  "sign_out",
  "api",
  "other",
] as const;

/**
 * Counts of what the gateway does, kept per gateway process and exported at `/metrics`
 * (metrics/metrics.ts reads them at each scrape).
 * Every label takes its values from the fixed list beside it, never a token, an
 * address, a user or anything else a request chose: a value outside the list is
 * counted as `other`, so no caller can grow the series.
 */
export const COUNTERS = {
  soundgate_logins_started_total: {
    help: "Logins started (a SoundCloud authorize URL handed out), by flow: result (tokens to the front end) or session (BFF cookie)",
    labels: { flow: FLOWS },
  },
  soundgate_logins_completed_total: {
    help: "Logins that came back from SoundCloud and ended with tokens or a session, by flow",
    labels: { flow: FLOWS },
  },
  soundgate_logins_failed_total: {
    help: "Logins that came back from SoundCloud and failed, by flow and reason",
    labels: { flow: FLOWS, reason: LOGIN_FAILURES },
  },
  soundgate_refreshes_total: {
    help: "Refreshes answered, by who holds the tokens (browser: POST /refresh; gateway: BFF sessions) and how: upstream (this caller refreshed at SoundCloud), shared (joined another caller's refresh), grace (a repeat answered from the grace window)",
    labels: { held_by: ["browser", "gateway"], outcome: ["upstream", "shared", "grace"] },
  },
  soundgate_refresh_grace_hits_total: {
    help: "Repeated refreshes of a just-spent refresh token by the same client, answered with the new pair from the grace window",
    labels: {},
  },
  soundgate_refresh_replays_refused_total: {
    help: "Spent refresh tokens presented again and refused (by another client, or after the grace window), by reason",
    labels: { reason: ["other_client", "after_grace"] },
  },
  soundgate_dpop_proofs_refused_total: {
    help: "Requests refused for a missing or invalid DPoP proof, by reason",
    labels: {
      reason: [
        "missing",
        "malformed",
        "header",
        "signature",
        "htm",
        "htu",
        "iat",
        "replayed",
        "wrong_key",
        "unbound",
      ],
    },
  },
  soundgate_upstream_errors_total: {
    help: "Calls to SoundCloud that failed on SoundCloud's side, by operation and reason: network (no answer), timeout, rate_limited (429), server_error (5xx)",
    labels: {
      operation: UPSTREAM_OPERATIONS,
      reason: ["network", "timeout", "rate_limited", "server_error"],
    },
  },
  soundgate_rate_limited_total: {
    help: "Requests refused by the gateway's own limits: auth (SOUNDGATE_RATE_LIMIT_PER_MINUTE on /auth/*) or connections (SOUNDGATE_MAX_CONNECTIONS_PER_IP)",
    labels: { limit: ["auth", "connections"] },
  },
} as const satisfies Record<string, { help: string; labels: Record<string, readonly string[]> }>;

type Spec = typeof COUNTERS;
export type CounterName = keyof Spec;
/** The labels of `N`, each one of its listed values. */
export type CounterLabels<N extends CounterName> = {
  -readonly [K in keyof Spec[N]["labels"]]: Spec[N]["labels"][K] extends readonly (infer V)[]
    ? V
    : never;
};
type LabelArgs<N extends CounterName> = keyof Spec[N]["labels"] extends never
  ? []
  : [labels: CounterLabels<N>];

export interface CounterSample {
  name: CounterName;
  help: string;
  labels: Readonly<Record<string, string>>;
  value: number;
}

export type LoginFailure = (typeof LOGIN_FAILURES)[number];

/** A login error code as a label value: itself when listed, else `other`. */
export function loginFailureReason(code: string): LoginFailure {
  return (LOGIN_FAILURES as readonly string[]).includes(code) ? (code as LoginFailure) : "other";
}

export class Counters {
  readonly #values = new Map<
    string,
    { name: CounterName; labels: Record<string, string>; value: number }
  >();

  increment<N extends CounterName>(name: N, ...args: LabelArgs<N>): void {
    const labels = bounded(name, (args[0] ?? {}) as Record<string, string>);
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    const entry = this.#values.get(key) ?? { name, labels, value: 0 };
    entry.value += 1;
    this.#values.set(key, entry);
  }

  /** The total of `name`, over the samples whose labels include `labels`. */
  value<N extends CounterName>(name: N, labels: Partial<CounterLabels<N>> = {}): number {
    let total = 0;
    for (const entry of this.#values.values()) {
      if (entry.name !== name) continue;
      if (Object.entries(labels).every(([k, v]) => entry.labels[k] === v)) total += entry.value;
    }
    return total;
  }

  /** Every sample counted so far. */
  snapshot(): CounterSample[] {
    return [...this.#values.values()].map((entry) => ({
      name: entry.name,
      help: COUNTERS[entry.name].help,
      labels: { ...entry.labels },
      value: entry.value,
    }));
  }
}

/** Only the declared labels, each with a listed value (else `other`): bounded whatever is passed. */
function bounded(name: CounterName, labels: Record<string, string>): Record<string, string> {
  const allowed = COUNTERS[name].labels as Record<string, readonly string[]>;
  const out: Record<string, string> = {};
  for (const [label, values] of Object.entries(allowed)) {
    const value = labels[label];
    out[label] = value !== undefined && values.includes(value) ? value : "other";
  }
  return out;
}

/** Every combination of a counter's listed label values (not `other`): its series from the start. */
export function listedSeries(name: CounterName): Record<string, string>[] {
  return combinations(COUNTERS[name].labels as Record<string, readonly string[]>);
}

function combinations(labels: Record<string, readonly string[]>): Record<string, string>[] {
  let out: Record<string, string>[] = [{}];
  for (const [label, values] of Object.entries(labels)) {
    out = out.flatMap((partial) =>
      values.filter((v) => v !== "other").map((v) => ({ ...partial, [label]: v })),
    );
  }
  return out;
}
