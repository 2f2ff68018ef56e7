import { describe, expect, it } from "vitest";
import { LockSlots } from "./lock-slots.js";

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** A piece of work that finishes when told to. */
function gate<T>(value: T) {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, work: () => opened.then(() => value) };
}

describe("LockSlots", () => {
  it("runs at most `size` at once and hands freed places out in arrival order", async () => {
    const slots = new LockSlots(2, 10_000);
    const started: number[] = [];
    const gates = [0, 1, 2, 3].map((i) => gate(i));
    const runs = gates.map((g, i) =>
      slots.run(
        () => {
          started.push(i);
          return g.work();
        },
        () => new Error("timeout"),
      ),
    );
    await tick();
    expect(started).toEqual([0, 1]);
    expect(slots.waiting).toBe(2);
    gates[1]?.open();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    gates[0]?.open();
    gates[2]?.open();
    gates[3]?.open();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
    expect(slots.waiting).toBe(0);
  });

  it("frees the place when the work throws", async () => {
    const slots = new LockSlots(1, 10_000);
    const failed = slots.run(
      () => Promise.reject(new Error("work failed")),
      () => new Error("timeout"),
    );
    await expect(failed).rejects.toThrow("work failed");
    expect(
      await slots.run(
        async () => "next",
        () => new Error("timeout"),
      ),
    ).toBe("next");
  });

  it("gives up a wait after waitMs with the caller's error, without running the work, and leaves the queue intact", async () => {
    const slots = new LockSlots(1, 50);
    const holder = gate("held");
    const held = slots.run(holder.work, () => new Error("timeout"));
    let ran = false;
    const late = slots.run(
      async () => {
        ran = true;
      },
      () => new Error("no place within 50 ms"),
    );
    await expect(late).rejects.toThrow("no place within 50 ms");
    expect(ran).toBe(false);
    expect(slots.waiting).toBe(0);
    holder.open();
    expect(await held).toBe("held");
    // The place went back: the next caller runs at once.
    expect(
      await slots.run(
        async () => "after",
        () => new Error("timeout"),
      ),
    ).toBe("after");
  });

  it("with stallMs, keeps waiting while places come free and gives up once none has for stallMs", async () => {
    const slots = new LockSlots(1, { waitMs: 10_000, stallMs: 80 });
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    // Ten holders of 40 ms each: the queue moves, so the last waits ~400 ms, five times
    // stallMs, and runs.
    const started = Date.now();
    const moving = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        slots.run(
          () => sleep(40).then(() => i),
          () => new Error("stalled"),
        ),
      ),
    );
    expect(moving).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    // A holder that keeps its place: the waiter behind it gives up after stallMs.
    const holder = gate("stuck");
    const held = slots.run(holder.work, () => new Error("timeout"));
    const waitStarted = Date.now();
    await expect(
      slots.run(
        async () => "never",
        () => new Error("stalled"),
      ),
    ).rejects.toThrow("stalled");
    expect(Date.now() - waitStarted).toBeLessThan(1_000);
    holder.open();
    expect(await held).toBe("stuck");
  });

  it("refuses a size below one", () => {
    expect(() => new LockSlots(0, 1_000)).toThrow(RangeError);
  });
});
