// The Postgres driver across server restarts: which failures it retries, and that it never runs a write
// twice. The server is reached through a TCP proxy this test can stop and start (a restart as the driver
// sees it: refused connections, then broken ones), and sessions are ended with pg_terminate_backend, which
// answers exactly like a fast shutdown (57P01). The shared server itself is never restarted.
import net from 'node:net';

import { Client } from 'pg';

import {
	classifyFailure,
	createPostgresDriver,
	isReadOnlyStatement,
} from '../../../nodes/domain/store/postgres-driver';
import type { SqlDriver } from '../../../nodes/domain/store/driver';
import { createTestDatabase, testPostgresServer } from '../../helpers/store-backends';

const APPLICATION = 'n8n-nodes-whatsapp-ai-support';

/** A TCP proxy to the test server that can be taken down (refusing, cutting every connection) and up again. */
async function startProxy(target: { host: string; port: number }) {
	const sockets = new Set<net.Socket>();
	let server: net.Server | undefined;
	let port = 0;
	const up = async () => {
		server = net.createServer((downstream) => {
			const upstream = net.connect(target.port, target.host);
			for (const socket of [downstream, upstream]) {
				sockets.add(socket);
				socket.on('close', () => sockets.delete(socket));
				socket.on('error', () => undefined);
			}
			downstream.pipe(upstream);
			upstream.pipe(downstream);
			downstream.on('close', () => upstream.destroy());
			upstream.on('close', () => downstream.destroy());
		});
		await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
		port = (server!.address() as net.AddressInfo).port;
	};
	const down = async () => {
		const closing = new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
		for (const socket of sockets) socket.destroy();
		await closing;
		server = undefined;
	};
	await up();
	return { port: () => port, up, down, cut: () => sockets.forEach((socket) => socket.destroy()) };
}

describe('classifyFailure and isReadOnlyStatement', () => {
	it.each([
		[{ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:1' }, 'connect', 'not-applied'],
		[{ code: '57P03', message: 'the database system is starting up' }, 'connect', 'not-applied'],
		[{ message: 'timeout exceeded when trying to connect' }, 'connect', 'not-applied'],
		[{ code: '57P01', message: 'terminating connection due to administrator command' }, 'statement', 'not-applied'],
		[{ code: '53300', message: 'sorry, too many clients already' }, 'connect', 'not-applied'],
		[{ message: 'Client has encountered a connection error and is not queryable' }, 'statement', 'not-applied'],
		[{ message: 'Connection terminated unexpectedly' }, 'statement', 'ambiguous'],
		[{ code: 'ECONNRESET', message: 'read ECONNRESET' }, 'statement', 'ambiguous'],
		[{ code: '28P01', message: 'password authentication failed for user "x"' }, 'connect', 'permanent'],
		[{ code: '3D000', message: 'database "x" does not exist' }, 'connect', 'permanent'],
		[{ code: '23505', message: 'duplicate key value violates unique constraint' }, 'statement', 'permanent'],
		[{ code: '42601', message: 'syntax error at or near "SELEC"' }, 'statement', 'permanent'],
		[new Error('something else'), 'statement', 'permanent'],
		[undefined, 'statement', 'permanent'],
	] as const)('%j during %s is %s', (error, phase, kind) => {
		expect(classifyFailure(error, phase)).toBe(kind);
	});

	it.each([
		['SELECT 1', true],
		['  select * from messages where id = $1', true],
		['-- note\nSELECT now()', true],
		['WITH recent AS (SELECT 1) SELECT * FROM recent', true],
		['WITH moved AS (UPDATE handoffs SET status = $1 RETURNING *) SELECT * FROM moved', false],
		['INSERT INTO processed_events (event_key) VALUES ($1) ON CONFLICT DO NOTHING', false],
		['UPDATE conversations SET unanswered_streak = unanswered_streak + 1', false],
		['DELETE FROM messages', false],
	])('%s is read-only: %s', (sql, readOnly) => {
		expect(isReadOnlyStatement(sql)).toBe(readOnly);
	});
});

describe('createPostgresDriver across connection failures', () => {
	let database: Awaited<ReturnType<typeof createTestDatabase>>;
	let proxy: Awaited<ReturnType<typeof startProxy>>;
	let driver: SqlDriver;
	const server = testPostgresServer();

	/** A separate connection (not through the proxy) for checks and for ending the driver's sessions. */
	const admin = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => {
		const client = new Client({ ...database.connection });
		await client.connect();
		try {
			return (await client.query(sql, params)).rows as T[];
		} finally {
			await client.end();
		}
	};
	const terminateDriverSessions = async () =>
		await admin(
			`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`,
			[APPLICATION],
		);
	const waitForActiveQuery = async (pattern: string) => {
		for (let attempt = 0; attempt < 200; attempt++) {
			const rows = await admin(`SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND state = 'active' AND query LIKE $2`, [
				APPLICATION,
				pattern,
			]);
			if (rows.length > 0) return;
			await new Promise((resolve) => setTimeout(resolve, 25));
		}
		throw new Error(`no active query like ${pattern}`);
	};

	beforeAll(async () => {
		database = await createTestDatabase('wa_driver');
		proxy = await startProxy({ host: server.host, port: server.port });
		driver = createPostgresDriver({ ...database.connection, port: proxy.port() }, 'public', {
			reconnect: { budgetMs: 8_000, baseDelayMs: 50, maxDelayMs: 400 },
		});
		await driver.query('CREATE TABLE events (key text PRIMARY KEY, runs int NOT NULL DEFAULT 1)');
	}, 30_000);

	afterAll(async () => {
		await driver?.close();
		await proxy?.down();
		await database?.drop();
	});

	it('waits out a server that refuses connections, then runs the statement', async () => {
		await proxy.down();
		const pending = driver.query<{ answer: number }>('SELECT 41 + 1 AS answer');
		setTimeout(() => void proxy.up(), 600);
		await expect(pending).resolves.toEqual([{ answer: 42 }]);
	});

	it('replaces pooled connections the server ended while they were idle', async () => {
		await driver.query('SELECT 1');
		const [{ count }] = await admin<{ count: string }>(
			`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`,
			[APPLICATION],
		);
		expect(Number(count)).toBeGreaterThan(0);
		await terminateDriverSessions();
		await expect(driver.query('INSERT INTO events (key) VALUES ($1) RETURNING key', ['after-idle-kill'])).resolves.toEqual([
			{ key: 'after-idle-kill' },
		]);
	});

	it('runs a write again when the server ended the session during it (57P01: rolled back)', async () => {
		const write = driver.query(`INSERT INTO events (key) SELECT 'slow-write' FROM pg_sleep(1.5) RETURNING key`);
		await waitForActiveQuery('%slow-write%');
		await terminateDriverSessions();
		await expect(write).resolves.toEqual([{ key: 'slow-write' }]);
		expect(await admin(`SELECT key, runs FROM events WHERE key = 'slow-write'`)).toEqual([{ key: 'slow-write', runs: 1 }]);
	});

	it('does not run a write again when the connection broke without an answer (it may have committed)', async () => {
		const write = driver.query(`INSERT INTO events (key) SELECT 'cut-write' FROM pg_sleep(0.8) RETURNING key`);
		await waitForActiveQuery('%cut-write%');
		proxy.cut();
		await expect(write).rejects.toThrow(/Connection terminated|ECONNRESET/);
		// The server finished the statement on its own: exactly one row, which a retry would have broken.
		await new Promise((resolve) => setTimeout(resolve, 1200));
		expect(await admin(`SELECT runs FROM events WHERE key = 'cut-write'`)).toEqual([{ runs: 1 }]);
	});

	it('runs a read again when the connection broke during it', async () => {
		const read = driver.query<{ marker: string }>(`SELECT 'cut-read' AS marker FROM pg_sleep(0.5)`);
		await waitForActiveQuery('%cut-read%');
		proxy.cut();
		await expect(read).resolves.toEqual([{ marker: 'cut-read' }]);
	});

	it('runs a whole transaction again when the connection broke before COMMIT', async () => {
		let attempts = 0;
		const done = driver.transaction(async (tx) => {
			attempts++;
			await tx.query(`INSERT INTO events (key) VALUES ('in-transaction') ON CONFLICT (key) DO UPDATE SET runs = events.runs + 1`);
			if (attempts === 1) {
				await Promise.all([tx.query(`SELECT 'tx-sleep' FROM pg_sleep(1)`), waitForActiveQuery('%tx-sleep%').then(() => proxy.cut())]);
			}
			return attempts;
		});
		await expect(done).resolves.toBe(2);
		// The first attempt was rolled back, so the row was written once.
		expect(await admin(`SELECT runs FROM events WHERE key = 'in-transaction'`)).toEqual([{ runs: 1 }]);
	});

	it('does not retry SQL errors, and gives up on a server that stays away past the budget', async () => {
		let runs = 0;
		await expect(
			driver.transaction(async (tx) => {
				runs++;
				await tx.query('SELEC 1');
			}),
		).rejects.toThrow(/syntax error/);
		expect(runs).toBe(1);

		const waits: number[] = [];
		const impatient = createPostgresDriver({ ...database.connection, port: proxy.port() }, 'public', {
			reconnect: { budgetMs: 700, baseDelayMs: 50, maxDelayMs: 200 },
			sleep: async (ms) => {
				waits.push(ms);
				await new Promise((resolve) => setTimeout(resolve, ms));
			},
		});
		await proxy.down();
		try {
			await expect(impatient.query('SELECT 1')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
			// It backed off several times, growing up to the cap, and stopped within the budget.
			expect(waits.length).toBeGreaterThan(2);
			expect(Math.max(...waits)).toBeLessThanOrEqual(200);
			expect(waits.reduce((sum, ms) => sum + ms, 0)).toBeLessThanOrEqual(700);
		} finally {
			await proxy.up();
			await impatient.close();
		}
	});
});
