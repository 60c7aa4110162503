/** One SQL dialect (PostgreSQL), two drivers: PGlite in-process and a real server through `pg`. */
export interface SqlExecutor {
	query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
}

export interface SqlDriver extends SqlExecutor {
	readonly kind: 'pglite' | 'postgres';
	/** Runs `work` inside BEGIN … COMMIT on one connection; rolls back when it throws. */
	transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
	/**
	 * Runs one statement that writes, with a transaction's retry: on a server it is sent inside BEGIN …
	 * COMMIT, so a connection lost before COMMIT runs it again; on PGlite, where no connection can be
	 * lost, it is one auto-committed statement (one commit, one call).
	 */
	write<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
	/** Runs `work` on one dedicated connection (needed for session-level advisory locks). */
	withSession<T>(work: (session: SqlExecutor) => Promise<T>): Promise<T>;
	/** Runs a script of several statements without parameters. */
	execScript(executor: SqlExecutor, sql: string): Promise<void>;
	close(): Promise<void>;
}
