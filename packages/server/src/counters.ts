/**
 * Counts of security-relevant events, kept per gateway process. Named and described the
 * way Prometheus counters are, so a `/metrics` endpoint can render them as they are;
 * labels are small fixed vocabularies (never a token, an address or a user).
 */
export const COUNTERS = {
  soundgate_refresh_grace_hits_total:
    "Repeated refreshes of a just-spent refresh token by the same client, answered with the new pair from the grace window",
  soundgate_refresh_replays_refused_total:
    "Spent refresh tokens presented again and refused (by another client, or after the grace window), by reason",
  soundgate_dpop_proofs_refused_total:
    "Requests refused for a missing or invalid DPoP proof, by reason",
} as const;

export type CounterName = keyof typeof COUNTERS;

export interface CounterSample {
  name: CounterName;
  help: string;
  labels: Readonly<Record<string, string>>;
  value: number;
}

export class Counters {
  readonly #values = new Map<
    string,
    { name: CounterName; labels: Record<string, string>; value: number }
  >();

  increment(name: CounterName, labels: Record<string, string> = {}): void {
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    const entry = this.#values.get(key) ?? { name, labels: { ...labels }, value: 0 };
    entry.value += 1;
    this.#values.set(key, entry);
  }

  /** The total of `name`, over the samples whose labels include `labels`. */
  value(name: CounterName, labels: Record<string, string> = {}): number {
    let total = 0;
    for (const entry of this.#values.values()) {
      if (entry.name !== name) continue;
      if (Object.entries(labels).every(([k, v]) => entry.labels[k] === v)) total += entry.value;
    }
    return total;
  }

  /** Every sample, for an exporter. */
  snapshot(): CounterSample[] {
    return [...this.#values.values()].map((entry) => ({
      name: entry.name,
      help: COUNTERS[entry.name],
      labels: { ...entry.labels },
      value: entry.value,
    }));
  }
}
