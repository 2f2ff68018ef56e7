import type { Compilable, CompiledQuery, Kysely, QueryResult } from "kysely";
import type { Dialect } from "./migrations.js";
import type { Database } from "./schema.js";

/** Stands where a call's own value goes in a statement compiled once. */
class Slot {
  constructor(readonly index: number) {}
}

/** `slot(i)` in a built query is replaced by the i-th value of each call. */
export type SlotOf = (index: number) => never;

const slot: SlotOf = (index) => new Slot(index) as never;

/**
 * A hot statement built and compiled once per dialect instead of on every call. Building
 * a query (immutable nodes, frozen at every step), running the CamelCasePlugin over it and
 * compiling it cost more than SQLite's own work on an indexed row (bench/PROFILE.md,
 * findings 6 and 7). The statement is built with `slot(i)` in place of each value; a call
 * binds its values in their places and runs the compiled SQL (through Kysely, so the
 * plugin still maps the rows, and on whatever connection or transaction it is given).
 */
export function compiledOnce<R>(
  build: (db: Kysely<Database>, slot: SlotOf) => Compilable<R>,
): (db: Kysely<Database>, dialect: Dialect, ...values: unknown[]) => Promise<QueryResult<R>> {
  const compiled: Partial<Record<Dialect, CompiledQuery<R>>> = {};
  return (db, dialect, ...values) => {
    let query = compiled[dialect];
    if (!query) {
      query = build(db, slot).compile();
      compiled[dialect] = query;
    }
    const parameters = query.parameters.map((value) =>
      value instanceof Slot ? values[value.index] : value,
    );
    return db.executeQuery<R>({ ...query, parameters });
  };
}
