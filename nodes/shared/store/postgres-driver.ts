import { Client, Pool, types, type PoolClient, type PoolConfig } from 'pg';

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

/**
 * Connects once and checks that the store can live there: the server answers, and the user may create
 * the schema or already has it. Returns a message for the credential's Test button.
 */
export async function checkPostgresConnection(
	connection: PostgresConnection,
	schema: string,
): Promise<{ ok: boolean; message: string }> {
	const client = new Client({
		host: connection.host,
		port: connection.port,
		database: connection.database,
		user: connection.user,
		password: connection.password,
		ssl: connection.ssl,
		connectionTimeoutMillis: 10_000,
	});
	try {
		await client.connect();
		const rows = (
			await client.query<{ version: string; can_create: boolean; schema_exists: boolean }>(
				`SELECT current_setting('server_version') AS version,
					has_database_privilege(current_user, current_database(), 'CREATE') AS can_create,
					EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS schema_exists`,
				[schema],
			)
		).rows;
		const { version, can_create: canCreate, schema_exists: schemaExists } = rows[0];
		if (!canCreate && !schemaExists) {
			return {
				ok: false,
				message: `Connected to PostgreSQL ${version}, but user "${connection.user}" may not create schema "${schema}". Grant CREATE on the database or create the schema for this user.`,
			};
		}
		return { ok: true, message: `Connected to PostgreSQL ${version}` };
	} catch (error) {
		return { ok: false, message: `Could not connect to PostgreSQL: ${error.message}` };
	} finally {
		await client.end().catch(() => undefined);
	}
}
