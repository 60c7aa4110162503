import { mkdirSync } from 'node:fs';

import { parse, PGlite, protocol, type Results, type Transaction } from '@electric-sql/pglite';

import type { SqlDriver, SqlExecutor } from './driver';

/**
 * How many statements' parameter types are kept. Our SQL is a fixed set of texts; the limit only
 * guards against a caller that builds SQL text per call.
 */
const MAX_KEPT_STATEMENTS = 1000;

/**
 * One statement in one call into PostgreSQL (issue O). PGlite's own `query` makes six calls into its WASM
 * PostgreSQL per statement (parse, describe the statement, bind, describe the portal, execute, sync), each
 * with its own message parsing: measured 0.28 ms for a primary-key SELECT against 0.17 ms for the same work
 * in one call. The statement's parameter types are asked once per SQL text (a describe) and kept; each run
 * then sends parse (with those types), bind, describe, execute and sync together. Parameters are turned
 * into text and rows into values by PGlite's own serializers and parsers, so results are the same as
 * `query`'s.
 */
class OneCallStatements {
	private readonly parameterTypes = new Map<string, number[]>();

	constructor(private readonly database: PGlite) {}

	/** Runs `sql`; the caller holds PGlite's query lock (and its transaction lock outside a transaction). */
	async run<Row>(sql: string, params: unknown[], inTransaction: boolean): Promise<Row[]> {
		const types = await this.typesOf(sql);
		const values = params.map((value, index) => this.serialize(value, types[index]));
		const batch = concat([
			protocol.serialize.parse({ text: sql, types }),
			protocol.serialize.bind({ values }),
			protocol.serialize.describe({ type: 'P' }),
			protocol.serialize.execute({}),
			protocol.serialize.sync(),
		]);
		const { messages } = await this.database.execProtocol(batch, { syncToFs: !inTransaction });
		const results = parse.parseResults(messages, this.database.parsers) as Array<Results<Row>>;
		return results[0]?.rows ?? [];
	}

	private async typesOf(sql: string): Promise<number[]> {
		const known = this.parameterTypes.get(sql);
		if (known) return known;
		const batch = concat([protocol.serialize.parse({ text: sql }), protocol.serialize.describe({ type: 'S' }), protocol.serialize.sync()]);
		const { messages } = await this.database.execProtocol(batch, { syncToFs: false });
		const types = parse.parseDescribeStatementResults(messages);
		if (this.parameterTypes.size >= MAX_KEPT_STATEMENTS) this.parameterTypes.clear();
		this.parameterTypes.set(sql, types);
		return types;
	}

	/** As PGlite's `query` does: null stays null, a known type uses PGlite's serializer, anything else its text. */
	private serialize(value: unknown, type: number | undefined): string | null {
		if (value === null || value === undefined) return null;
		const serializer = type === undefined ? undefined : this.database.serializers[type];
		return serializer ? serializer(value) : String(value);
	}
}

function concat(parts: Uint8Array[]): Uint8Array {
	const out = new Uint8Array(parts.reduce((size, part) => size + part.length, 0));
	let offset = 0;
	for (const part of parts) {
		out.set(part, offset);
		offset += part.length;
	}
	return out;
}

/** Embedded PostgreSQL (WASM) in this process. `dataDir` of `memory://` keeps everything in memory. */
export async function createPgliteDriver(dataDir: string): Promise<SqlDriver> {
	if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
	const database = await PGlite.create(dataDir);
	const statements = new OneCallStatements(database);

	// Outside a transaction: wait for any transaction to end, as PGlite's `query` does, then take the query lock.
	// `_runExclusiveTransaction` is the lock PGlite's own `query` takes (declared in its types, not documented);
	// test/unit/store/pglite-driver.test.ts fails if a PGlite update changes how it behaves.
	const main: SqlExecutor = {
		async query<Row>(sql: string, params: unknown[] = []) {
			return await database._runExclusiveTransaction(
				async () => await database.runExclusive(async () => await statements.run<Row>(sql, params, false)),
			);
		},
	};
	// Inside `transaction`: PGlite holds the transaction lock for us; each statement takes the query lock.
	const inside = (tx: Transaction): SqlExecutor => ({
		async query<Row>(sql: string, params: unknown[] = []) {
			if (tx.closed) throw new Error('Transaction is closed');
			return await database.runExclusive(async () => await statements.run<Row>(sql, params, true));
		},
	});

	return {
		kind: 'pglite',
		query: main.query,
		write: main.query,
		transaction: async (work) => await database.transaction(async (tx) => await work(inside(tx))),
		// PGlite is a single session already; every caller shares it.
		withSession: async (work) => await work(main),
		execScript: async (_executor, sql) => {
			await database.exec(sql);
		},
		close: async () => await database.close(),
	};
}
