import { expect, it } from "vitest";
import { COUNTERS, Counters } from "./counters.js";

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
        help: COUNTERS.soundgate_dpop_proofs_refused_total,
        labels: { reason: "iat" },
        value: 2,
      },
      {
        name: "soundgate_refresh_grace_hits_total",
        help: COUNTERS.soundgate_refresh_grace_hits_total,
        labels: {},
        value: 1,
      },
    ]),
  );
  expect(counters.snapshot()).toHaveLength(3);
});
