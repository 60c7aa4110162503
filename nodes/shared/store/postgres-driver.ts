import { Pool, types, type PoolClient, type PoolConfig } from 'pg';

import type { SqlDriver, SqlExecutor } from './driver';

// bigint (int8) comes back as a string by default; our ids and counts fit in a double. Set per pool,
// never globally, so other pg users in the same n8n process keep their own behaviour.
const INT8_OID = 20;
const storeTypes = {
	getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
		oid === INT8_OID ? (value: string) => Number(value) : types.getTypeParser(oid, format)) as typeof types.getTypeParser,
};

export interface PostgresConnection {
	host: string;
	port: number;
	database: string;
	user: string;
	password?: string;
	ssl?: boolean | { rejectUnauthorized: boolean };
	maxConnections?: number;
}

function executorOf(client: Pick<PoolClient, 'query'>): SqlExecutor {
	return {
		async query<Row>(sql: string, params: unknown[] = []) {
			const result = await client.query(sql, params);
			return result.rows as Row[];
		},
	};
}

/** A pooled connection to a PostgreSQL server; `searchPath` puts our schema first on every connection. */
export function createPostgresDriver(connection: PostgresConnection, searchPath: string): SqlDriver {
	const config: PoolConfig = {
		host: connection.host,
		port: connection.port,
		database: connection.database,
		user: connection.user,
		password: connection.password,
		ssl: connection.ssl,
		max: connection.maxConnections ?? 10,
		idleTimeoutMillis: 30_000,
		connectionTimeoutMillis: 10_000,
		options: `-c search_path=${searchPath}`,
		application_name: 'n8n-nodes-whatsapp-ai-support',
		types: storeTypes,
	};
	const pool = new Pool(config);
	// An idle client that loses its connection (server restart) must not crash n8n.
	pool.on('error', () => undefined);

	const withClient = async <T>(work: (client: PoolClient) => Promise<T>): Promise<T> => {
		const client = await pool.connect();
		try {
			return await work(client);
		} finally {
			client.release();
		}
	};

	return {
		kind: 'postgres',
		query: executorOf(pool).query,
		transaction: async (work) =>
			await withClient(async (client) => {
				await client.query('BEGIN');
				try {
					const result = await work(executorOf(client));
					await client.query('COMMIT');
					return result;
				} catch (error) {
					await client.query('ROLLBACK').catch(() => undefined);
					throw error;
				}
			}),
		withSession: async (work) => await withClient(async (client) => await work(executorOf(client))),
		execScript: async (executor, sql) => {
			await executor.query(sql);
		},
		close: async () => await pool.end(),
	};
}
