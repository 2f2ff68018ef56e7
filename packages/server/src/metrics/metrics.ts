import { collectDefaultMetrics, Histogram, Registry } from "prom-client";
import { Counters, type UPSTREAM_OPERATIONS } from "../counters.js";

/** Seconds: from a cache hit on a LAN to SoundCloud's slowest answers and our 30 s cut-off. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Seconds: a store call is a row or two; a lock wait is bounded by the refresh it waits for. */
const STORE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5];

export type UpstreamOperation = (typeof UPSTREAM_OPERATIONS)[number];

/**
 * Everything `/metrics` shows, in one registry per gateway (no global one): the counters
 * of counters.ts, the latency histograms below and, when exported, the process's own
 * (CPU, memory, event loop, GC). Label values come from the functions in labels.ts, so
 * they stay a small, fixed set.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly counters = new Counters(this.registry);

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

  #processMetrics = false;

  /** Also export the process's own metrics (once; they cost a GC observer and a timer). */
  withProcessMetrics(): this {
    if (!this.#processMetrics) collectDefaultMetrics({ register: this.registry });
    this.#processMetrics = true;
    return this;
  }

  /** The Prometheus text exposition format. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
