import { mkdirSync } from 'node:fs';

import { parse, PGlite, protocol, type Results, type Transaction } from '@electric-sql/pglite';

import type { SqlDriver, SqlExecutor } from './driver';

/**
 * How many prepared statements are kept. Our SQL is a fixed set of texts; the limit only guards against a
 * caller that builds SQL text per call (the oldest is closed to make room).
 */
const MAX_KEPT_STATEMENTS = 1000;

/** SQLSTATE 0A000 with this message: a kept statement's `SELECT *` no longer matches its table (a migration). */
const STALE_PLAN = /cached plan must not change result type/;

interface PreparedStatement {
	name: string;
	types: number[];
}

/**
 * Prepared statements in one call into PostgreSQL each (issue O). PGlite's own `query` makes six calls into
 * its WASM PostgreSQL per statement (parse, describe the statement, bind, describe the portal, execute, sync),
 * each with its own message parsing, and PostgreSQL parses and plans the text again every time. Here each
 * SQL text is prepared once under a name (parse and describe, which also gives its parameter types); each
 * run then sends bind, describe, execute and sync together, and PostgreSQL reuses the parsed statement and,
 * once it judges a generic plan good enough, the plan. Parameters are turned into text and rows into values
 * by PGlite's own serializers and parsers, so results are the same as `query`'s. Prepared statements are
 * not transactional in PostgreSQL: a rollback keeps them.
 */
class OneCallStatements {
	private readonly prepared = new Map<string, PreparedStatement>();
	private nextName = 1;

	constructor(private readonly database: PGlite) {}

	/** Runs `sql`; the caller holds PGlite's query lock (and its transaction lock outside a transaction). */
	async run<Row>(sql: string, params: unknown[], inTransaction: boolean): Promise<Row[]> {
		try {
			return await this.runPrepared<Row>(sql, params, inTransaction);
		} catch (error) {
			if (!STALE_PLAN.test(String((error as Error).message))) throw error;
			// The table changed under a kept `SELECT *`: prepare it again. In a transaction the error has
			// aborted it already, so only a statement on its own is run again.
			await this.forget(sql);
			if (inTransaction) throw error;
			return await this.runPrepared<Row>(sql, params, inTransaction);
		}
	}

	private async runPrepared<Row>(sql: string, params: unknown[], inTransaction: boolean): Promise<Row[]> {
		const statement = await this.prepare(sql);
		const values = params.map((value, index) => this.serialize(value, statement.types[index]));
		const batch = concat([
			protocol.serialize.bind({ statement: statement.name, values }),
			protocol.serialize.describe({ type: 'P' }),
			protocol.serialize.execute({}),
			protocol.serialize.sync(),
		]);
		const { messages } = await this.database.execProtocol(batch, { syncToFs: !inTransaction });
		const results = parse.parseResults(messages, this.database.parsers) as Array<Results<Row>>;
		return results[0]?.rows ?? [];
	}

	private async prepare(sql: string): Promise<PreparedStatement> {
		const known = this.prepared.get(sql);
		if (known) return known;
		const parts: Uint8Array[] = [];
		if (this.prepared.size >= MAX_KEPT_STATEMENTS) {
			const [oldestSql, oldest] = this.prepared.entries().next().value as [string, PreparedStatement];
			this.prepared.delete(oldestSql);
			parts.push(protocol.serialize.close({ type: 'S', name: oldest.name }));
		}
		const name = `whatsapp_support_${this.nextName++}`;
		parts.push(protocol.serialize.parse({ name, text: sql }), protocol.serialize.describe({ type: 'S', name }), protocol.serialize.sync());
		const { messages } = await this.database.execProtocol(concat(parts), { syncToFs: false });
		const statement = { name, types: parse.parseDescribeStatementResults(messages) };
		this.prepared.set(sql, statement);
		return statement;
	}

	private async forget(sql: string): Promise<void> {
		const statement = this.prepared.get(sql);
		if (!statement) return;
		this.prepared.delete(sql);
		await this.database.execProtocol(concat([protocol.serialize.close({ type: 'S', name: statement.name }), protocol.serialize.sync()]), {
			syncToFs: false,
		});
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
