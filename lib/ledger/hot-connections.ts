import postgres from "postgres";

/**
 * The ledger's calls on the most recently used connection (LIFO), instead of postgres.js's
 * round-robin over the whole pool.
 *
 * Why: postgres.js hands each query to the connection that has been idle longest, so at low
 * concurrency the two ledger calls of one gateway request (hold, capture) land on two different
 * backends out of the pool's 20, each one cold (its process asleep, its caches gone). Measured on
 * this project's 2-core machine, alternating in one run: a reserve+capture pair took p50 2.45–7.9
 * ms / p99 24–31 ms on one hot connection against 4.0–12.0 ms / 57–141 ms rotating over 20.
 *
 * Up to `size` single-connection clients with the pool's own options (so drizzle's serializers
 * and parsers apply), opened on demand and handed out last-used-first. Each is an ordinary
 * postgres.js pool of one: a connection the server drops is reconnected by the next query. When
 * all are busy a call runs on the shared pool rather than waiting. Ending the shared pool ends
 * these too. They are extra connections: `size` more per app process than DATABASE_POOL_MAX.
 */
export class HotConnections {
  private readonly idle: postgres.Sql[] = [];
  private readonly opened: postgres.Sql[] = [];

  constructor(
    private readonly pool: postgres.Sql,
    private readonly size: number,
  ) {
    const endPool = pool.end.bind(pool);
    pool.end = async (options) => {
      await Promise.all(this.opened.map((c) => c.end(options)));
      return endPool(options);
    };
  }

  async run<T>(work: (sql: postgres.Sql) => Promise<T>): Promise<T> {
    const conn = this.idle.pop() ?? this.open();
    if (!conn) return work(this.pool);
    try {
      return await work(conn);
    } finally {
      this.idle.push(conn);
    }
  }

  private open(): postgres.Sql | undefined {
    if (this.opened.length >= this.size) return undefined;
    // Parsed options (they carry `shared`) are taken as they are; each client gets its own state.
    const options = { ...this.pool.options, max: 1, shared: { retries: 0, typeArrayMap: {} } };
    const conn = postgres(options as unknown as postgres.Options<Record<string, postgres.PostgresType>>);
    this.opened.push(conn);
    return conn;
  }
}
