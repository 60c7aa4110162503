import { Client, Pool, types, type PoolClient, type PoolConfig } from 'pg';

import { backoffDelay, type BackoffPolicy } from '../backoff';
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
	ssl?: boolean | { rejectUnauthorized: boolean; ca?: string; servername?: string };
	maxConnections?: number;
}

/** TLS to the server: `disable`, `require` (encrypted, certificate not checked) or `verify-full`. */
export type PostgresSslMode = 'disable' | 'require' | 'verify-full';

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/**
 * The credential's SSL setting → the mode in force. Automatic (empty) means `require` for any host
 * other than localhost; the older values `verify` and `allow-self-signed` map to `verify-full` and
 * `require`.
 */
export function resolveSslMode(setting: string | undefined, host: string): PostgresSslMode {
	const value = (setting ?? '').trim().toLowerCase();
	if (value === 'disable') return 'disable';
	if (value === 'require' || value === 'allow-self-signed') return 'require';
	if (value === 'verify-full' || value === 'verify') return 'verify-full';
	return LOCAL_HOSTS.has(host.trim().toLowerCase()) ? 'disable' : 'require';
}

/** The `pg` ssl option of a mode; `verify-full` checks the chain (against `ca` if given) and the host name. */
export function sslOptionFor(mode: PostgresSslMode, host: string, ca?: string): PostgresConnection['ssl'] {
	if (mode === 'disable') return false;
	if (mode === 'require') return { rejectUnauthorized: false };
	return { rejectUnauthorized: true, servername: host, ...(ca?.trim() ? { ca: ca.trim() } : {}) };
}

function executorOf(client: Pick<PoolClient, 'query'>): SqlExecutor {
	return {
		async query<Row>(sql: string, params: unknown[] = []) {
			const result = await client.query(sql, params);
			return result.rows as Row[];
		},
	};
}

/** How long, and how often, the driver retries while the server is away (restart, failover). */
export interface ReconnectPolicy extends BackoffPolicy {
	/** Give up (and throw the last error) once this much time has passed since the first attempt. */
	budgetMs: number;
}

export const DEFAULT_RECONNECT: ReconnectPolicy = { budgetMs: 15_000, baseDelayMs: 100, maxDelayMs: 2_000 };

// SQLSTATEs of a server that is shutting down, crashed, starting up or full. When one of them answers a
// statement, the server has ended the session and rolled back whatever the statement was doing.
const SERVER_GONE_CODES = new Set(['57P01', '57P02', '57P03', '53300']);
// Socket-level failures: the server is unreachable, or the connection broke.
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
// pg's own messages for a connection that died under it, or one the pool could not open in time.
const LOST_CONNECTION = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/;
// The client refused the query before sending it (its connection had already failed).
const NOT_SENT = /not queryable$/;

export type FailureKind =
	/** The statement did not run, or the server rolled it back: retrying is always safe. */
	| 'not-applied'
	/** The connection broke while the statement ran: it may or may not have been committed. */
	| 'ambiguous'
	/** Anything else (a SQL error, bad credentials, a missing database): retrying cannot help. */
	| 'permanent';

/** Sorts a pg error for the retry decision. `phase` says whether the statement had been sent yet. */
export function classifyFailure(error: unknown, phase: 'connect' | 'statement'): FailureKind {
	const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
	const text = typeof message === 'string' ? message : '';
	const transient =
		(typeof code === 'string' && (SERVER_GONE_CODES.has(code) || NETWORK_CODES.has(code))) || LOST_CONNECTION.test(text) || NOT_SENT.test(text);
	if (!transient) return 'permanent';
	if (phase === 'connect' || NOT_SENT.test(text)) return 'not-applied';
	return typeof code === 'string' && SERVER_GONE_CODES.has(code) ? 'not-applied' : 'ambiguous';
}

/** A statement that cannot change data, so running it twice is harmless. */
export function isReadOnlyStatement(sql: string): boolean {
	const text = sql.replace(/--[^\n]*/g, ' ').trim();
	return /^(SELECT|SHOW|VALUES)\b/i.test(text) || (/^WITH\b/i.test(text) && !/\b(INSERT|UPDATE|DELETE|MERGE)\b/i.test(text));
}

/** Marks where a failure happened, so the retry loop knows whether the statement was sent. */
class PhaseError extends Error {
	constructor(
		readonly original: unknown,
		readonly phase: 'connect' | 'statement',
	) {
		super('phase');
	}
}

const defaultSleep = async (ms: number) => await new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A pooled connection to a PostgreSQL server; `searchPath` puts our schema first on every connection.
 *
 * A server restart must not lose work, so transient failures are retried with backoff for up to
 * `reconnect.budgetMs`: always when the statement surely did not apply (no connection yet, the server
 * refused it or reported its own shutdown, which rolls the statement back); when the connection broke
 * mid-statement, only for read-only statements and for transactions before their COMMIT was sent.
 */
export function createPostgresDriver(
	connection: PostgresConnection,
	searchPath: string,
	options: { reconnect?: Partial<ReconnectPolicy>; sleep?: (ms: number) => Promise<void> } = {},
): SqlDriver {
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
	const policy: ReconnectPolicy = { ...DEFAULT_RECONNECT, ...options.reconnect };
	const sleep = options.sleep ?? defaultSleep;

	/** Runs `work` on its own pooled client; a client whose connection failed is destroyed, not reused. */
	const onClient = async <T>(work: (client: PoolClient) => Promise<T>): Promise<T> => {
		let client: PoolClient;
		try {
			client = await pool.connect();
		} catch (error) {
			throw new PhaseError(error, 'connect');
		}
		let broken: Error | undefined;
		// While a client is checked out the pool does not listen for its errors, and pg emits 'error' on a
		// connection that dies mid-query: without a listener that would be an uncaught exception in n8n.
		const onConnectionError = (error: Error) => {
			broken = error;
		};
		client.on('error', onConnectionError);
		try {
			return await work(client);
		} catch (error) {
			if (classifyFailure(error, 'statement') !== 'permanent') broken ??= error as Error;
			throw error;
		} finally {
			client.removeListener('error', onConnectionError);
			client.release(broken);
		}
	};

	/** Retries `attempt` while failures are transient and `retryable` allows, within the budget. */
	const withRetry = async <T>(
		attempt: () => Promise<T>,
		retryable: (kind: FailureKind, phase: 'connect' | 'statement') => boolean,
	): Promise<T> => {
		const started = Date.now();
		for (let retry = 1; ; retry++) {
			try {
				return await attempt();
			} catch (caught) {
				const phase = caught instanceof PhaseError ? caught.phase : 'statement';
				const error = caught instanceof PhaseError ? caught.original : caught;
				const kind = classifyFailure(error, phase);
				const jittered = backoffDelay(retry, policy);
				if (kind === 'permanent' || !retryable(kind, phase) || Date.now() - started + jittered > policy.budgetMs) throw error;
				await sleep(jittered);
			}
		}
	};

	const driver: SqlDriver = {
		kind: 'postgres',
		query: async <Row>(sql: string, params: unknown[] = []) =>
			await withRetry(
				async () => await onClient(async (client) => await executorOf(client).query<Row>(sql, params)),
				(kind) => kind === 'not-applied' || isReadOnlyStatement(sql),
			),
		transaction: async (work) => {
			let commitSent = false;
			return await withRetry(
				async () => {
					commitSent = false;
					return await onClient(async (client) => {
						await client.query('BEGIN');
						try {
							const result = await work(executorOf(client));
							commitSent = true;
							await client.query('COMMIT');
							return result;
						} catch (error) {
							if (!commitSent) await client.query('ROLLBACK').catch(() => undefined);
							throw error;
						}
					});
				},
				// Before COMMIT, a broken connection means the server rolls the transaction back: run it again.
				(kind) => kind === 'not-applied' || !commitSent,
			);
		},
		write: async <Row>(sql: string, params: unknown[] = []) => await driver.transaction(async (tx) => await tx.query<Row>(sql, params)),
		withSession: async (work) =>
			await withRetry(
				async () => await onClient(async (client) => await work(executorOf(client))),
				// A session's work (migrations under an advisory lock) is only redone when it never started.
				(_kind, phase) => phase === 'connect',
			),
		execScript: async (executor, sql) => {
			await executor.query(sql);
		},
		close: async () => await pool.end(),
	};
	return driver;
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
