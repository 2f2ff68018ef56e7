import { describe, expect, it } from "vitest";
import { WebHeaders } from "./headers.js";
import { realWeb } from "./real.js";

// WebHeaders stands in for undici's Headers on the gateway's every answer: it must give
// the same results and refuse the same input. Each case runs on both and compares.

const Real = realWeb().Headers;

type Op =
  | ["append" | "set", string, string]
  | ["get" | "has" | "delete", string]
  | ["getSetCookie"]
  | ["entries"];

/** Run the operations on one class: what each returned, or that it threw a TypeError. */
function run(make: () => Headers, ops: Op[]): unknown[] {
  const out: unknown[] = [];
  let headers: Headers;
  try {
    headers = make();
  } catch (error) {
    return [`throws ${(error as Error).constructor.name}`];
  }
  for (const op of ops) {
    try {
      switch (op[0]) {
        case "append":
        case "set":
          headers[op[0]](op[1], op[2]);
          out.push("ok");
          break;
        case "get":
        case "has":
          out.push(headers[op[0]](op[1]));
          break;
        case "delete":
          headers.delete(op[1]);
          out.push("ok");
          break;
        case "getSetCookie":
          out.push(headers.getSetCookie());
          break;
        case "entries":
          out.push([...headers], [...headers.keys()], [...headers.values()]);
          break;
      }
    } catch (error) {
      out.push(`throws ${(error as Error).constructor.name}`);
    }
  }
  const forEach: unknown[] = [];
  headers.forEach((value, name) => {
    forEach.push([name, value]);
  });
  out.push(forEach);
  return out;
}

const NAMES = [
  "a",
  "A",
  "b",
  "x-y",
  "set-cookie",
  "Set-Cookie",
  "content-type",
  "bad name",
  "",
  "é",
  "z{",
];
const VALUES = [
  "v",
  " v ",
  "a, b",
  "\tq\t",
  "x\ny",
  "x\ry",
  "x\0y",
  "é",
  "€",
  "",
  "  ",
  "w=1; Path=/",
];

/** A small deterministic generator, so a failure names a case that can be run again. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

function pick<T>(next: () => number, list: readonly T[]): T {
  return list[Math.floor(next() * list.length)] as T;
}

function randomOps(next: () => number): Op[] {
  const ops: Op[] = [];
  const count = 1 + Math.floor(next() * 8);
  for (let i = 0; i < count; i++) {
    const kind = pick(next, [
      "append",
      "set",
      "get",
      "has",
      "delete",
      "getSetCookie",
      "entries",
    ] as const);
    if (kind === "append" || kind === "set")
      ops.push([kind, pick(next, NAMES), pick(next, VALUES)]);
    else if (kind === "get" || kind === "has" || kind === "delete")
      ops.push([kind, pick(next, NAMES)]);
    else ops.push([kind]);
  }
  ops.push(["entries"]);
  return ops;
}

describe("WebHeaders", () => {
  it("is not undici's Headers (the comparison below compares two classes)", () => {
    expect(Real).not.toBe(WebHeaders);
    expect(new Real()).toBeInstanceOf(WebHeaders);
    expect(new WebHeaders()).toBeInstanceOf(WebHeaders);
    expect(Object.prototype.toString.call(new WebHeaders())).toBe("[object Headers]");
  });

  it("answers 2,000 random sequences of operations exactly as undici's Headers does", () => {
    const next = random(20261205);
    for (let n = 0; n < 2_000; n++) {
      const ops = randomOps(next);
      const ours = run(() => new WebHeaders() as unknown as Headers, ops);
      const theirs = run(() => new Real(), ops);
      expect({ n, ops, result: ours }).toEqual({ n, ops, result: theirs });
    }
  });

  it("is built from the same inits, and refuses the same ones", () => {
    const inits: unknown[] = [
      undefined,
      { a: "1", B: " 2 ", "Set-Cookie": "c=1" },
      [
        ["a", "1"],
        ["A", "2"],
        ["set-cookie", "x=1"],
        ["set-cookie", "y=2"],
      ],
      [["a", "1", "extra"]],
      [["a"]],
      ["ab"],
      { "bad name": "1" },
      { a: "x\ny" },
      { a: "€" },
      new Real([
        ["set-cookie", "a=1"],
        ["set-cookie", "b=2"],
        ["x", "y"],
      ]),
      new WebHeaders({ q: "1", "set-cookie": "s=1" }),
      new Map([["m", "1"]]),
    ];
    for (const init of inits) {
      const ops: Op[] = [["entries"], ["getSetCookie"], ["get", "set-cookie"]];
      const ours = run(() => new WebHeaders(init as HeadersInit) as unknown as Headers, ops);
      const theirs = run(
        () => new Real(init instanceof WebHeaders ? [...init] : (init as HeadersInit)),
        ops,
      );
      expect({ init, result: ours }).toEqual({ init, result: theirs });
    }
  });

  it("reads Node's raw header list, repeated names joined and every Set-Cookie kept apart", () => {
    const headers = WebHeaders.fromRaw([
      "Host",
      "x",
      "Accept",
      "a",
      "accept",
      "b",
      "Set-Cookie",
      "1",
      "set-cookie",
      "2",
    ]);
    expect([...headers]).toEqual([
      ["accept", "a, b"],
      ["host", "x"],
      ["set-cookie", "1"],
      ["set-cookie", "2"],
    ]);
    expect(headers.toRaw()).toEqual([
      "host",
      "x",
      "accept",
      "a, b",
      "set-cookie",
      "1",
      "set-cookie",
      "2",
    ]);
  });
});
