import { expect, it } from "vitest";
import { COUNTERS, Counters, loginFailureReason } from "./counters.js";
import { Metrics } from "./metrics/metrics.js";

it("counts per name and labels, sums over labels, and lists every sample with its help", () => {
  const counters = new Counters();
  expect(counters.value("soundgate_dpop_proofs_refused_total")).toBe(0);
  counters.increment("soundgate_dpop_proofs_refused_total", { reason: "iat" });
  counters.increment("soundgate_dpop_proofs_refused_total", { reason: "iat" });
  counters.increment("soundgate_dpop_proofs_refused_total", { reason: "replayed" });
  counters.increment("soundgate_refresh_grace_hits_total");
  expect(counters.value("soundgate_dpop_proofs_refused_total")).toBe(3);
  expect(counters.value("soundgate_dpop_proofs_refused_total", { reason: "iat" })).toBe(2);
  expect(counters.value("soundgate_refresh_grace_hits_total")).toBe(1);
  expect(counters.value("soundgate_refresh_replays_refused_total")).toBe(0);
  expect(counters.snapshot()).toEqual(
    expect.arrayContaining([
      {
        name: "soundgate_dpop_proofs_refused_total",
        help: COUNTERS.soundgate_dpop_proofs_refused_total.help,
        labels: { reason: "iat" },
        value: 2,
      },
      {
        name: "soundgate_refresh_grace_hits_total",
        help: COUNTERS.soundgate_refresh_grace_hits_total.help,
        labels: {},
        value: 1,
      },
    ]),
  );
  expect(counters.snapshot()).toHaveLength(3);
});

it("keeps labels to their lists: another value counts as other, an undeclared label is dropped", async () => {
  const counters = new Counters();
  const secret = "a-refresh-token-that-must-never-become-a-label";
  // What a cast or a JavaScript caller could pass despite the types.
  const loose = counters as unknown as { increment(name: string, labels: object): void };
  loose.increment("soundgate_logins_failed_total", { flow: "result", reason: secret });
  loose.increment("soundgate_rate_limited_total", { limit: "auth", user: secret });
  expect(counters.value("soundgate_logins_failed_total", { reason: "other" })).toBe(1);
  expect(
    counters.snapshot().find((s) => s.name === "soundgate_rate_limited_total")?.labels,
  ).toEqual({ limit: "auth" });
  const text = await new Metrics(counters).render();
  expect(text).not.toContain(secret);
  expect(text).toContain('soundgate_logins_failed_total{flow="result",reason="other"} 1');
});

it("exports every listed series from 0, so the first event shows as a change", async () => {
  const counters = new Counters();
  const text = await new Metrics(counters).render();
  expect(text).toContain('soundgate_logins_started_total{flow="session"} 0');
  expect(text).toContain(
    'soundgate_upstream_errors_total{operation="refresh_token",reason="timeout"} 0',
  );
  expect(text).toContain("soundgate_refresh_grace_hits_total 0");
  // `other` appears only once something is counted under it.
  expect(text).not.toContain('reason="other"');
  // A scrape copies the counts as they are now.
  counters.increment("soundgate_logins_started_total", { flow: "session" });
  counters.increment("soundgate_logins_started_total", { flow: "session" });
  const metrics = new Metrics(counters);
  expect(await metrics.render()).toContain('soundgate_logins_started_total{flow="session"} 2');
  counters.increment("soundgate_logins_started_total", { flow: "session" });
  expect(await metrics.render()).toContain('soundgate_logins_started_total{flow="session"} 3');
});

it("maps login error codes onto its list", () => {
  expect(loginFailureReason("access_denied")).toBe("access_denied");
  expect(loginFailureReason("temporarily_unavailable")).toBe("other");
});
