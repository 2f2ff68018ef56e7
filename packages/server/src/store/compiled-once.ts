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
 * Runs compiled SQL at once on SQLite's single connection (better-sqlite3 is synchronous),
 * skipping Kysely's connection mutex, its promise hops and the row-mapping plugin.
 */
export interface DirectSql {
  /**
   * Rows as arrays of column values, in the order of `columns` (the same array on every
   * call of one statement: the store maps its names once).
   */
  run(
    sql: string,
    parameters: readonly unknown[],
  ): { columns: readonly string[]; rows: readonly unknown[][] };
}

export interface CompiledOnce<R> {
  /** Through Kysely, on whatever connection or transaction `db` is. */
  (db: Kysely<Database>, dialect: Dialect, ...values: unknown[]): Promise<QueryResult<R>>;
  /**
   * On `direct`, outside any transaction (the caller's to know); rows get the camelCase
   * keys the CamelCasePlugin would give them. `db` only builds the statement, once.
   */
  direct(
    direct: DirectSql,
    db: Kysely<Database>,
    dialect: Dialect,
    values: readonly unknown[],
  ): QueryResult<R>;
}

/**
 * A hot statement built and compiled once per dialect instead of on every call. Building
 * a query (immutable nodes, frozen at every step), running the CamelCasePlugin over it and
 * compiling it cost more than SQLite's own work on an indexed row (bench/PROFILE.md,
 * findings 6 and 7). The statement is built with `slot(i)` in place of each value; a call
 * binds its values in their places and runs the compiled SQL: through Kysely (so the
 * plugin still maps the rows, and on whatever connection or transaction it is given), or
 * straight on SQLite's connection (`direct`).
 */
export function compiledOnce<R>(
  build: (db: Kysely<Database>, slot: SlotOf) => Compilable<R>,
): CompiledOnce<R> {
  const compiled: Partial<Record<Dialect, CompiledQuery<R>>> = {};
  const compile = (db: Kysely<Database>, dialect: Dialect): CompiledQuery<R> => {
    let query = compiled[dialect];
    if (!query) {
      query = build(db, slot).compile();
      compiled[dialect] = query;
    }
    return query;
  };
  const bind = (query: CompiledQuery<R>, values: readonly unknown[]) =>
    query.parameters.map((value) => (value instanceof Slot ? values[value.index] : value));
  const run = (db: Kysely<Database>, dialect: Dialect, ...values: unknown[]) => {
    const query = compile(db, dialect);
    return db.executeQuery<R>({ ...query, parameters: bind(query, values) });
  };
  return Object.assign(run, {
    direct(direct: DirectSql, db: Kysely<Database>, dialect: Dialect, values: readonly unknown[]) {
      const query = compile(db, dialect);
      const { columns, rows } = direct.run(query.sql, bind(query, values));
      if (rows.length === 0) return { rows: [] };
      const names = camelNamesOf(columns);
      return { rows: rows.map((row) => rowObject(names, row)) as R[] };
    },
  });
}

const camelNames = new WeakMap<readonly string[], readonly string[]>();

/** snake_case column names in camelCase, as Kysely's CamelCasePlugin maps them. */
function camelNamesOf(columns: readonly string[]): readonly string[] {
  let names = camelNames.get(columns);
  if (names === undefined) {
    names = columns.map((name) =>
      name.replace(/_+([^_])/g, (_, char: string) => char.toUpperCase()),
    );
    camelNames.set(columns, names);
  }
  return names;
}

/** One row as an object: the same keys in the same order every time, so one shape. */
function rowObject(names: readonly string[], values: readonly unknown[]): unknown {
  const row: Record<string, unknown> = {};
  for (let i = 0; i < names.length; i++) row[names[i] as string] = values[i];
  return row;
}
