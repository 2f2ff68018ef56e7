import { describe, expect, it } from "vitest";
import { DeadlineError, withDeadline } from "./deadline.js";

describe("withDeadline", () => {
  it("passes a value or an error on when it comes in time", async () => {
    await expect(withDeadline(Promise.resolve(1), 1_000)).resolves.toBe(1);
    await expect(withDeadline(Promise.reject(new Error("no")), 1_000)).rejects.toThrow("no");
  });

  it("gives up after the deadline, and cancels the body of a Response that comes late", async () => {
    let answer: (response: Response) => void = () => {};
    const pending = new Promise<Response>((resolve) => {
      answer = resolve;
    });
    await expect(withDeadline(pending, 20)).rejects.toBeInstanceOf(DeadlineError);
    let cancelled = false;
    const body = new ReadableStream({
      cancel() {
        cancelled = true;
      },
    });
    answer(new Response(body));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(cancelled).toBe(true);
  });
});

describe("withDeadline's one timer per length", () => {
  it("expires each call at its own time, past calls answered before or after it", async () => {
    const never = new Promise<string>(() => {});
    let answerSecond: (value: string) => void = () => {};
    const second = new Promise<string>((resolve) => {
      answerSecond = resolve;
    });
    const started = Date.now();
    const first = withDeadline(never, 40).catch((error: unknown) => [error, Date.now() - started]);
    await new Promise((resolve) => setTimeout(resolve, 15));
    const secondResult = withDeadline(second, 40);
    const third = withDeadline(never, 40).catch((error: unknown) => [error, Date.now() - started]);
    // An answer after an older call that still waits, and a call of another length.
    answerSecond("in time");
    await expect(secondResult).resolves.toBe("in time");
    await expect(withDeadline(Promise.resolve(2), 5)).resolves.toBe(2);
    const [firstError, firstAt] = (await first) as [unknown, number];
    const [thirdError, thirdAt] = (await third) as [unknown, number];
    expect(firstError).toBeInstanceOf(DeadlineError);
    expect(thirdError).toBeInstanceOf(DeadlineError);
    // Each at its own deadline (timers may fire late, never early).
    expect(firstAt).toBeGreaterThanOrEqual(39);
    expect(thirdAt).toBeGreaterThanOrEqual(54);
  });

  it("keeps working after its queue has emptied", async () => {
    for (let round = 0; round < 3; round++) {
      await expect(withDeadline(new Promise(() => {}), 10)).rejects.toBeInstanceOf(DeadlineError);
      await expect(withDeadline(Promise.resolve(round), 10)).resolves.toBe(round);
    }
  });
});
