import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";
import {
  COUNTERS,
  type CounterName,
  type Counters,
  listedSeries,
  type UPSTREAM_OPERATIONS,
} from "../counters.js";

/** Seconds: from a cache hit on a LAN to SoundCloud's slowest answers and our 30 s cut-off. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Seconds: a store call is a row or two; a lock wait is bounded by the refresh it waits for. */
const STORE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5];

export type UpstreamOperation = (typeof UPSTREAM_OPERATIONS)[number];

/**
 * Everything `/metrics` shows, in one registry per gateway (no global one): the counters
 * of counters.ts (read at each scrape), the latency histograms below and the process's
 * own (CPU, memory, event loop, GC). Label values come from counters.ts' lists and the
 * functions in labels.ts, so they stay a small, fixed set. Only a gateway with /metrics
 * on builds one (and loads prom-client): the others pay nothing for it.
 */
export class Metrics {
  readonly registry = new Registry();

  /** Time to response headers of /api/soundcloud/*; its _count is the number of requests. */
  readonly proxyDuration = new Histogram({
    name: "soundgate_proxy_request_duration_seconds",
    help: "API proxy requests (/api/soundcloud/*) until response headers, by method and status code",
    labelNames: ["method", "code"],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly upstreamDuration = new Histogram({
    name: "soundgate_upstream_request_duration_seconds",
    help: "Calls to SoundCloud until response headers, by operation and status class (error: no answer)",
    labelNames: ["operation", "code"],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly storeDuration = new Histogram({
    name: "soundgate_store_operation_duration_seconds",
    help: "Database calls of the gateway's store, by operation and outcome (ok, error)",
    labelNames: ["operation", "outcome"],
    buckets: STORE_BUCKETS,
    registers: [this.registry],
  });

  readonly lockWait = new Histogram({
    name: "soundgate_store_lock_wait_seconds",
    help: "Time to acquire a refresh lock (per grant; across instances on Postgres)",
    buckets: STORE_BUCKETS,
    registers: [this.registry],
  });

  constructor(readonly counters: Counters) {
    for (const name of Object.keys(COUNTERS) as CounterName[]) {
      const zero = listedSeries(name);
      new Counter({
        name,
        help: COUNTERS[name].help,
        labelNames: Object.keys(COUNTERS[name].labels),
        registers: [this.registry],
        // The counts live in Counters; a scrape copies them. Every listed series shows
        // from the start at 0, so rate() over the first event works and a dashboard
        // says "none yet" rather than "no data".
        collect() {
          this.reset();
          for (const labels of zero) this.inc(labels, 0);
          for (const sample of counters.snapshot()) {
            if (sample.name === name) this.inc(sample.labels, sample.value);
          }
        },
      });
    }
    collectDefaultMetrics({ register: this.registry });
  }

  /** The Prometheus text exposition format. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
