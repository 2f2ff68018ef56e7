// Every value the store takes from Kysely, through this one module. `npm run build`
// replaces its output (dist/store/kysely.js) with Kysely bundled into a single file
// (scripts/bundle.js): Kysely ships as 262 small ES modules, and resolving,
// reading and compiling them was the largest share of the gateway's start-up (a third
// of a second and ~17 MiB on this machine). Types are imported from "kysely" directly.
export {
  CamelCasePlugin,
  Kysely,
  Migrator,
  PostgresDialect,
  SqliteDialect,
  sql,
} from "kysely";
