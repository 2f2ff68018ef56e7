// Vitest fixtures over the start/stop helpers beside this file. A test names what it needs
// (`emulator`, `gateway`, `postgres`, ...) in its context and gets it started, shared for
// the file where that is safe, and closed afterwards; the same dozen lines of
// let/beforeAll/afterAll no longer sit at the top of every test file.
//
// Fixtures start lazily: a file that never asks for `postgres` never connects to it.
import type { RunningGateway } from "@soundgate/server";
import { test as base } from "vitest";
import { startTestEmulator } from "./emulator.js";
import { startTestGateway, type TestGatewayOptions } from "./gateway.js";
import { createTestDatabase, postgresSkipReason } from "./postgres.js";

export const test = base
  // What the file's emulator is started with; a file changes it with a top-level
  // `test.override("emulatorOptions", { scope: "file" }, { ... })`.
  .extend("emulatorOptions", { scope: "file" }, {} as Parameters<typeof startTestEmulator>[0])
  // One emulator per file, with TEST_CLIENT registered. Its state carries over from test
  // to test; files that want a clean one reset it in a `test.beforeEach`.
  .extend("emulator", { scope: "file" }, async ({ emulatorOptions }, { onCleanup }) => {
    const emulator = await startTestEmulator(emulatorOptions);
    onCleanup(() => emulator.close());
    return emulator;
  })
  // Starts in-process gateways on the file's emulator (each with a fresh in-memory
  // SQLite store unless `env` says otherwise); all of them are closed when the test ends.
  // A test may close one itself (a restart): close() runs once however often it is called.
  .extend("startGateway", async ({ emulator }, { onCleanup }) => {
    const started: RunningGateway[] = [];
    onCleanup(async () => {
      await Promise.all(started.splice(0).map((gateway) => gateway.close()));
    });
    return async (options: TestGatewayOptions = {}): Promise<RunningGateway> => {
      const gateway = await startTestGateway(emulator, options);
      const close = gateway.close;
      let closing: Promise<void> | undefined;
      gateway.close = () => {
        closing ??= close();
        return closing;
      };
      started.push(gateway);
      return gateway;
    };
  })
  // A gateway with the default test configuration, new for each test.
  .extend("gateway", async ({ startGateway }) => startGateway())
  // The file's throwaway Postgres database, dropped after its last test; undefined when
  // the server is unreachable outside CI (under CI=true that fails instead). For set-up
  // in `test.beforeAll`, where a test cannot be skipped.
  // biome-ignore lint/correctness/noEmptyPattern: Vitest reads a fixture's dependencies from this pattern and requires one.
  .extend("maybePostgres", { scope: "file" }, async ({}, { onCleanup }) => {
    const database = await createTestDatabase();
    onCleanup(async () => {
      await database?.drop();
    });
    return database;
  })
  // The same database, for a test that cannot run without it: the test is skipped, with
  // the reason, when there is none.
  .extend("postgres", async ({ maybePostgres, skip }) => {
    return maybePostgres ?? skip(postgresSkipReason() ?? "PostgreSQL is not reachable");
  });

/** The same as `test`, for files written with `it`. */
export const it = test;
