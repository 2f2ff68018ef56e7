// Rows of the gateway's tables written straight into a store with SQL (not through the
// API): the baselines' tables and the scale runs' million rows. This is the one place
// that knows the table layout. It is written against the migrations in KNOWN_MIGRATIONS;
// when a migration adds or changes a column, update the row builder of that table below
// and the list (`checkSchema` warns when the store has migrations this file does not know).
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

/** The key every benchmark's gateway runs with (SOUNDGATE_ENCRYPTION_KEYS format). */
export const BENCH_KEYS = `bench:${Buffer.alloc(32, 9).toString("base64")}`;

export const KNOWN_MIGRATIONS = {
  sqlite: [
    "0001_auth_flows",
    "0002_connections_sessions",
    "0004_result_key",
    "0005_rate_limits_session_seal",
    "0006_dpop_flow_seal",
    "0007_refresh_audit_and_leases",
  ],
  postgres: [
    "0001_initial",
    "0004_result_key",
    "0005_rate_limits_session_seal",
    "0006_dpop_flow_seal",
    "0007_refresh_audit_and_leases",
  ],
};

const HOUR = 3_600_000;

/** The gateway's key format (`id:base64key,…`); the first key seals. */
function primaryKey(keys = BENCH_KEYS) {
  let parsed = primaryKeys.get(keys);
  if (!parsed) {
    const first = keys.split(",")[0];
    const colon = first.indexOf(":");
    parsed = { id: first.slice(0, colon), key: Buffer.from(first.slice(colon + 1), "base64") };
    primaryKeys.set(keys, parsed);
  }
  return parsed;
}
const primaryKeys = new Map();

/**
 * Random bytes cut from a larger block: each randomBytes call is a system call, and a
 * million users need some six million random values (ids, cookies, IVs, tokens).
 */
function random(bytes) {
  if (randomAt + bytes > randomBlock.length) {
    randomBlock = randomBytes(Math.max(bytes, 1 << 20));
    randomAt = 0;
  }
  randomAt += bytes;
  return randomBlock.subarray(randomAt - bytes, randomAt);
}
let randomBlock = Buffer.alloc(0);
let randomAt = 0;

/** Associated data as the gateway binds it: table, column and row. */
export function aad(table, column, rowId) {
  return Buffer.from(`${table}\u0000${column}\u0000${rowId}`, "utf8");
}

/** AES-256-GCM as the gateway seals: `v1.<keyId>.<iv>.<ciphertext+tag>`, base64url parts. */
export function seal(plaintext, table, column, rowId, keys = BENCH_KEYS) {
  const { id, key } = primaryKey(keys);
  const iv = random(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(aad(table, column, rowId));
  const body = Buffer.concat([
    cipher.update(plaintext, "utf8"),
    cipher.final(),
    cipher.getAuthTag(),
  ]);
  return `v1.${id}.${iv.toString("base64url")}.${body.toString("base64url")}`;
}

/** The inverse of seal, for the baseline server. */
export function openSealed(sealed, table, column, rowId, key) {
  const dot = sealed.lastIndexOf(".");
  const ivStart = sealed.lastIndexOf(".", dot - 1) + 1;
  const iv = Buffer.from(sealed.slice(ivStart, dot), "base64url");
  const body = Buffer.from(sealed.slice(dot + 1), "base64url");
  const decipher = createDecipheriv("aes-256-gcm", key, iv);
  decipher.setAAD(aad(table, column, rowId));
  decipher.setAuthTag(body.subarray(body.length - 16));
  return Buffer.concat([
    decipher.update(body.subarray(0, body.length - 16)),
    decipher.final(),
  ]).toString("utf8");
}

export { primaryKey };

/** The lookup key of a secret (cookie, state): SHA-256, base64url, as the gateway stores it. */
export function secretHash(secret) {
  return createHash("sha256").update(secret, "utf8").digest("base64url");
}

const randomId = (bytes = 16) => random(bytes).toString("base64url");

// --- Row builders: one per table, in the column names of the current schema. ---

/** A BFF session's (or an app user's) grant. Tokens are sealed like the gateway's. */
export function connectionRow({
  id = `session:${randomId()}`,
  accessToken = `at-${randomId(24)}`,
  refreshToken = `rt-${randomId(24)}`,
  expiresAt,
  now,
  userId = 1,
}) {
  const user = {
    id: userId,
    urn: `soundcloud:users:${userId}`,
    username: `user${userId}`,
    permalink: `user${userId}`,
    avatar_url: null,
  };
  return {
    id,
    soundcloud_user_id: userId,
    soundcloud_urn: user.urn,
    user_json: JSON.stringify(user),
    access_token: seal(accessToken, "connections", "access_token", id),
    refresh_token:
      refreshToken === null ? null : seal(refreshToken, "connections", "refresh_token", id),
    scope: "",
    expires_at: expiresAt ?? now + HOUR,
    status: "active",
    version: 1,
    created_at: now,
    updated_at: now,
    issued_at: now,
  };
}

/**
 * A session row; `cookie` is the secret the browser would hold (only its hash is stored).
 * The seal binds the row's connection and expiry to its id, as the gateway writes it
 * (auth/sessions.ts): a row without one is refused.
 */
export function sessionRow({ cookie = randomId(32), connectionId, now, expiresAt }) {
  const id = secretHash(cookie);
  const expires = expiresAt ?? now + 168 * HOUR;
  return {
    id,
    connection_id: connectionId,
    created_at: now,
    expires_at: expires,
    seal: seal(
      JSON.stringify({ connection_id: connectionId, expires_at: expires }),
      "sessions",
      "seal",
      id,
    ),
  };
}

/** A pending login flow, as /authorize leaves it. */
export function flowRow({ state = randomId(32), now, expiresAt, resultChallenge = null }) {
  const id = secretHash(state);
  const row = {
    id,
    kind: "result",
    status: "pending",
    app_user_id: null,
    browser_binding: null,
    verifier: seal(randomId(32), "auth_flows", "verifier", id),
    redirect_uri: "http://gateway.bench/auth/soundcloud/redirect",
    return_to: "http://gateway.bench/",
    result_challenge: resultChallenge,
    result_key: null,
    result: null,
    error: null,
    created_at: now - 600_000,
    expires_at: expiresAt ?? now + 600_000,
  };
  // The plain columns the gateway trusts, in auth/flow-seal.ts's order, bound to the id.
  const fields = [
    row.kind,
    row.app_user_id,
    row.browser_binding,
    row.redirect_uri,
    row.return_to,
    row.result_challenge,
    row.result_key,
    row.error,
    row.expires_at,
  ];
  return { ...row, seal: seal(JSON.stringify(fields), "auth_flows", "seal", id) };
}

// --- Stores ---

/** Create the schema the way the gateway does: its own migrations, through its public openStore. */
export async function migrate(databaseUrl) {
  const { openStore } = await import("../packages/server/dist/index.js");
  const store = await openStore(databaseUrl);
  await store.close();
}

/**
 * SQLite: migrate only up to the last migration this file knows (KNOWN_MIGRATIONS), so a
 * store filled here makes a newer gateway run its newer migrations on the big tables at
 * start-up: what an upgrade costs. Returns the names left pending. Falls back to
 * `migrate` (everything) when there is nothing newer or the migration list has moved.
 */
export async function migrateToKnown(databaseUrl) {
  const known = KNOWN_MIGRATIONS.sqlite;
  let migrations;
  try {
    const { migrationsFor } = await import("../packages/server/dist/store/migrations.js");
    migrations = migrationsFor("sqlite");
  } catch {
    await migrate(databaseUrl);
    return [];
  }
  const pending = Object.keys(migrations)
    .filter((name) => !known.includes(name))
    .sort();
  if (pending.length === 0 || !databaseUrl.startsWith("sqlite:")) {
    await migrate(databaseUrl);
    return [];
  }
  const { Kysely, Migrator, SqliteDialect } = await import("kysely");
  const BetterSqlite3 = (await import("better-sqlite3")).default;
  const db = new Kysely({
    dialect: new SqliteDialect({ database: new BetterSqlite3(databaseUrl.slice(7)) }),
  });
  try {
    const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
    const { error } = await migrator.migrateTo(known.at(-1));
    if (error) throw error;
  } finally {
    await db.destroy();
  }
  return pending;
}

/**
 * A writer for one database: `insert(table, rows)` in large batches inside a
 * transaction, `query(sql)` for counts, `close()`. `sqlite:<file>` or `postgres://…`.
 */
export async function openTarget(databaseUrl) {
  if (databaseUrl.startsWith("sqlite:")) return sqliteTarget(databaseUrl.slice("sqlite:".length));
  return postgresTarget(databaseUrl);
}

async function sqliteTarget(file) {
  const BetterSqlite3 = (await import("better-sqlite3")).default;
  const db = new BetterSqlite3(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("busy_timeout = 5000");
  db.pragma("cache_size = -262144");
  const statements = new Map();
  return {
    dialect: "sqlite",
    async insert(table, rows) {
      if (rows.length === 0) return;
      const columns = Object.keys(rows[0]);
      const key = `${table}(${columns})`;
      let statement = statements.get(key);
      if (!statement) {
        statement = db.prepare(
          `insert into ${table} (${columns.join(", ")}) values (${columns.map((c) => `@${c}`).join(", ")})`,
        );
        statements.set(key, statement);
      }
      db.transaction((list) => {
        for (const row of list) statement.run(row);
      })(rows);
    },
    async query(text) {
      const statement = db.prepare(text);
      if (statement.reader) return statement.all();
      statement.run();
      return [];
    },
    async migrations() {
      return db
        .prepare("select name from kysely_migration order by name")
        .all()
        .map((r) => r.name);
    },
    async close() {
      db.close();
    },
  };
}

async function postgresTarget(url) {
  const pg = (await import("pg")).default;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    dialect: "postgres",
    async insert(table, rows) {
      if (rows.length === 0) return;
      const columns = Object.keys(rows[0]);
      // Postgres takes at most 65,535 parameters per statement.
      const perStatement = Math.floor(60_000 / columns.length);
      await client.query("begin");
      try {
        for (let start = 0; start < rows.length; start += perStatement) {
          const slice = rows.slice(start, start + perStatement);
          const values = [];
          const tuples = slice.map((row) => {
            const base = values.length;
            for (const column of columns) values.push(row[column]);
            return `(${columns.map((_, i) => `$${base + i + 1}`).join(", ")})`;
          });
          await client.query(
            `insert into ${table} (${columns.join(", ")}) values ${tuples.join(", ")}`,
            values,
          );
        }
        await client.query("commit");
      } catch (error) {
        await client.query("rollback");
        throw error;
      }
    },
    async query(text) {
      return (await client.query(text)).rows;
    },
    async migrations() {
      return (await client.query("select name from kysely_migration order by name")).rows.map(
        (r) => r.name,
      );
    },
    async close() {
      await client.end();
    },
  };
}

/**
 * Warns (once, on stderr) when the store has migrations this file was not written for:
 * a new column with no default would make the inserts below fail, and the fix is here.
 */
export async function checkSchema(target) {
  const applied = await target.migrations();
  const known = new Set(KNOWN_MIGRATIONS[target.dialect]);
  const unknown = applied.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    process.stderr.write(
      `bench/fill.js was written for migrations ${[...known].join(", ")}; this store also has ${unknown.join(", ")}. If an insert fails, update the row builders in bench/fill.js.\n`,
    );
  }
  return { applied, unknown };
}

/**
 * `count` users, each a connection (sealed tokens, valid for an hour) and a session,
 * inserted in batches; `onProgress(done)` after each batch.
 */
export async function fillUsers(
  target,
  count,
  { now = Date.now(), batch = 10_000, onProgress } = {},
) {
  for (let done = 0; done < count; done += batch) {
    const size = Math.min(batch, count - done);
    const connections = [];
    const sessions = [];
    for (let i = 0; i < size; i++) {
      const connection = connectionRow({ now, userId: 1 + ((done + i) % 50_000) });
      connections.push(connection);
      sessions.push(sessionRow({ connectionId: connection.id, now }));
    }
    await target.insert("connections", connections);
    await target.insert("sessions", sessions);
    onProgress?.(done + size);
  }
}

/** `count` login flows that expired an hour ago: what the clean-up has to remove. */
export async function fillExpiredFlows(target, count, { now = Date.now(), batch = 10_000 } = {}) {
  for (let done = 0; done < count; done += batch) {
    const size = Math.min(batch, count - done);
    const rows = [];
    for (let i = 0; i < size; i++) rows.push(flowRow({ now, expiresAt: now - HOUR }));
    await target.insert("auth_flows", rows);
  }
}
