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
