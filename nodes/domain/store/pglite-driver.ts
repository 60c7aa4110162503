import { mkdirSync } from 'node:fs';

import { PGlite } from '@electric-sql/pglite';

import type { SqlDriver, SqlExecutor } from './driver';

/** Embedded PostgreSQL (WASM) in this process. `dataDir` of `memory://` keeps everything in memory. */
export async function createPgliteDriver(dataDir: string): Promise<SqlDriver> {
	if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
	const database = await PGlite.create(dataDir);

	const executorOf = (target: Pick<PGlite, 'query'>): SqlExecutor => ({
		async query<Row>(sql: string, params: unknown[] = []) {
			const result = await target.query<Row>(sql, params);
			return result.rows;
		},
	});
	const main = executorOf(database);

	return {
		kind: 'pglite',
		query: main.query,
		transaction: async (work) => await database.transaction(async (tx) => await work(executorOf(tx))),
		// PGlite is a single session already; every caller shares it.
		withSession: async (work) => await work(main),
		execScript: async (_executor, sql) => {
			await database.exec(sql);
		},
		close: async () => await database.close(),
	};
}
