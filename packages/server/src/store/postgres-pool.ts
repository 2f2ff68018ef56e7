import { LockSlots, type SlotWaits } from "./lock-slots.js";
import { StoreUnavailableError } from "./store-errors.js";

/** The part of pg's Pool and PoolClient that Kysely's PostgresDialect uses. */
export interface PgClient {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
  release(destroy?: boolean | Error): void;
}
export interface PgPool {
  connect(): Promise<PgClient>;
  end(): Promise<void>;
}

/**
 * One pg pool seen as two by Kysely: `queries` for the short reads and writes of every
 * request, `locks` for the lock holders, who keep a connection while SoundCloud answers a
 * refresh. Each side has its own places, so a lock holder never queues behind a burst of
 * short queries (and times out there) and short queries always have connections of their
 * own. The pool itself is sized to both, so its own queue stays empty and its
 * connect timeout bounds only the opening of a new connection.
 */
export function splitPool(
  pool: PgPool,
  queryPlaces: number,
  waits: SlotWaits,
): { queries: PgPool; locks: PgPool } {
  let ended: Promise<void> | undefined;
  // Both sides end the one pool, once (Kysely destroys each side on close).
  const end = () => {
    ended ??= pool.end();
    return ended;
  };
  const places = new LockSlots(queryPlaces, waits);
  const queryClients = new Wrappers(() => places.release());
  const lockClients = new Wrappers(() => {});
  return {
    queries: {
      async connect() {
        await places.acquire(() => new StoreUnavailableError("pool_timeout"));
        let client: PgClient;
        try {
          client = await pool.connect();
        } catch (error) {
          places.release();
          throw error;
        }
        return queryClients.of(client);
      },
      end,
    },
    // The lock holders are counted before they ask (KyselyStore's lock slots).
    locks: {
      connect: async () => lockClients.of(await pool.connect()),
      end,
    },
  };
}

/**
 * Clients whose multi-statement queries (`begin; …; select …`, one round trip) answer
 * with their last statement's result, the one Kysely reads rows from; pg answers those
 * with an array of results, in which Kysely would find no rows. One wrapper per pg client,
 * kept for the client's life, so Kysely's own per-client cache of connections still hits.
 */
class Wrappers {
  readonly #byClient = new WeakMap<PgClient, Wrapped>();

  constructor(private readonly onRelease: () => void) {}

  of(client: PgClient): PgClient {
    let wrapped = this.#byClient.get(client);
    if (!wrapped) {
      wrapped = new Wrapped(client, this.onRelease);
      this.#byClient.set(client, wrapped);
    }
    wrapped.checkedOut = true;
    return wrapped;
  }
}

class Wrapped implements PgClient {
  checkedOut = false;

  constructor(
    private readonly client: PgClient,
    private readonly onRelease: () => void,
  ) {}

  async query(sql: string, parameters?: unknown[]): Promise<unknown> {
    const result = await this.client.query(sql, parameters);
    return Array.isArray(result) ? result[result.length - 1] : result;
  }

  release(destroy?: boolean | Error): void {
    // A second release would free a place twice.
    if (!this.checkedOut) return;
    this.checkedOut = false;
    this.client.release(destroy);
    this.onRelease();
  }
}
