// The global set-up's service starter (test/helpers/test-services.ts): it uses a server that answers,
// starts real throwaway PostgreSQL and Redis servers where nothing does, and says how to install what is missing.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { Redis } from 'ioredis';
import { Client } from 'pg';

import { findFreePort, repoRoot } from '../../../scripts/lib/n8n-server';
import { ensureTestServices, findPostgresBinDir, portAnswers, type TestServices } from '../../helpers/test-services';

jest.setTimeout(120_000);

function listen(): Promise<net.Server & { port: number }> {
	return new Promise((resolve) => {
		const server = net.createServer((socket) => socket.end());
		server.listen(0, '127.0.0.1', () => resolve(Object.assign(server, { port: (server.address() as net.AddressInfo).port })));
	});
}

const close = (server: net.Server) => new Promise<void>((resolve) => server.close(() => resolve()));

function processAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

describe('portAnswers', () => {
	it('tells a listening port from one where nothing listens', async () => {
		const server = await listen();
		expect(await portAnswers({ host: '127.0.0.1', port: server.port })).toBe(true);
		await close(server);
		expect(await portAnswers({ host: '127.0.0.1', port: server.port })).toBe(false);
	});
});

describe('findPostgresBinDir', () => {
	let folder: string;
	beforeEach(() => (folder = mkdtempSync(path.join(os.tmpdir(), 'pg-bindir-test-'))));
	afterEach(() => rmSync(folder, { recursive: true, force: true }));

	it('takes the first folder with both initdb and postgres', () => {
		const onlyInitdb = path.join(folder, 'a');
		const both = path.join(folder, 'b');
		mkdirSync(onlyInitdb);
		mkdirSync(both);
		writeFileSync(path.join(onlyInitdb, 'initdb'), '');
		writeFileSync(path.join(both, 'initdb'), '');
		writeFileSync(path.join(both, 'postgres'), '');
		expect(findPostgresBinDir([path.join(folder, 'missing'), onlyInitdb, both])).toBe(both);
		expect(findPostgresBinDir([onlyInitdb])).toBeUndefined();
	});
});

describe('ensureTestServices', () => {
	let services: TestServices | undefined;
	afterEach(async () => {
		await services?.stop();
		services = undefined;
	});

	it('uses servers that answer and starts nothing', async () => {
		const postgres = await listen();
		const redis = await listen();
		try {
			const env: Record<string, string | undefined> = { TEST_PG_PORT: String(postgres.port), TEST_REDIS_PORT: String(redis.port), PATH: process.env.PATH };
			services = await ensureTestServices({ env });
			expect(services.started).toEqual([]);
			expect(env).toEqual({ TEST_PG_PORT: String(postgres.port), TEST_REDIS_PORT: String(redis.port), PATH: process.env.PATH });
			expect(services.notes).toEqual([
				`PostgreSQL: using the server on 127.0.0.1:${postgres.port}`,
				`Redis: using the server on 127.0.0.1:${redis.port}`,
			]);
		} finally {
			await close(postgres);
			await close(redis);
		}
	});

	it('starts PostgreSQL and Redis on free ports where nothing answers, points the variables at them and removes them on stop', async () => {
		const silentPostgresPort = await findFreePort();
		const silentRedisPort = await findFreePort([silentPostgresPort]);
		const env: Record<string, string | undefined> = {
			TEST_PG_PORT: String(silentPostgresPort),
			TEST_PG_USER: 'someone',
			TEST_PG_PASSWORD: 'secret',
			TEST_REDIS_PORT: String(silentRedisPort),
			PATH: process.env.PATH,
		};
		services = await ensureTestServices({ env });
		const [postgres, redis] = services.started;
		expect(services.started.map((server) => server.name)).toEqual(['PostgreSQL', 'Redis']);
		expect(env.TEST_PG_HOST).toBe('127.0.0.1');
		expect(Number(env.TEST_PG_PORT)).toBe(postgres.port);
		expect(postgres.port).not.toBe(silentPostgresPort);
		expect(env.TEST_PG_USER).toBe('postgres');
		expect(env.TEST_PG_PASSWORD).toBeUndefined();
		expect(Number(env.TEST_REDIS_PORT)).toBe(redis.port);
		expect(redis.port).not.toBe(silentRedisPort);

		// A real PostgreSQL, superuser postgres without a password, where tests can create databases.
		const client = new Client({ host: env.TEST_PG_HOST, port: postgres.port, user: 'postgres', database: 'postgres' });
		await client.connect();
		try {
			expect((await client.query('SELECT current_user AS name')).rows[0].name).toBe('postgres');
			await client.query('CREATE DATABASE starter_check');
			await client.query('DROP DATABASE starter_check');
		} finally {
			await client.end();
		}
		// A real Redis.
		const redisClient = new Redis({ host: '127.0.0.1', port: redis.port, lazyConnect: true, maxRetriesPerRequest: 1 });
		await redisClient.connect();
		try {
			await redisClient.set('starter-check', 'yes');
			expect(await redisClient.get('starter-check')).toBe('yes');
		} finally {
			redisClient.disconnect();
		}

		await services.stop();
		for (const server of [postgres, redis]) {
			expect(await portAnswers(server)).toBe(false);
			expect(processAlive(server.pid)).toBe(false);
			expect(existsSync(server.folder)).toBe(false);
		}
	});

	it('says how to install PostgreSQL and Redis when nothing answers and neither is installed', async () => {
		const emptyBinDir = mkdtempSync(path.join(os.tmpdir(), 'pg-bindir-test-'));
		try {
			const env: Record<string, string | undefined> = { TEST_PG_PORT: String(await findFreePort()), TEST_REDIS_PORT: String(await findFreePort()) };
			services = await ensureTestServices({ env, postgresBinDirs: [emptyBinDir], redisExecutable: path.join(emptyBinDir, 'redis-server') });
			expect(services.started).toEqual([]);
			expect(env.TEST_PG_UNAVAILABLE).toContain('apt-get install postgresql');
			expect(env.TEST_PG_UNAVAILABLE).toContain(`127.0.0.1:${env.TEST_PG_PORT}`);
			expect(env.TEST_REDIS_UNAVAILABLE).toContain('apt-get install redis-server');
			expect(env.TEST_REDIS_UNAVAILABLE).toContain(`127.0.0.1:${env.TEST_REDIS_PORT}`);
		} finally {
			rmSync(emptyBinDir, { recursive: true, force: true });
		}
	});
});

describe('a started server whose starter dies', () => {
	it('is stopped and its folder deleted by the watchdog', async () => {
		const scriptFolder = mkdtempSync(path.join(os.tmpdir(), 'starter-crash-'));
		const script = path.join(scriptFolder, 'start-and-hang.ts');
		writeFileSync(
			script,
			`import { startRedis } from ${JSON.stringify(path.join(repoRoot, 'test/helpers/test-services'))};\n` +
				`startRedis().then((server) => { console.log(JSON.stringify({ pid: server.pid, port: server.port, folder: server.folder })); setInterval(() => undefined, 1000); });\n`,
		);
		const starter = spawn(process.execPath, [path.join(repoRoot, 'scripts/run-ts.js'), script], { stdio: ['ignore', 'pipe', 'inherit'] });
		try {
			const line = await new Promise<string>((resolve, reject) => {
				let output = '';
				starter.stdout.on('data', (chunk: Buffer) => {
					output += chunk.toString();
					if (output.includes('\n')) resolve(output.split('\n')[0]);
				});
				starter.once('exit', (code) => reject(new Error(`the starter exited (${code}) before it printed the server`)));
			});
			const server = JSON.parse(line) as { pid: number; port: number; folder: string };
			expect(await portAnswers({ host: '127.0.0.1', port: server.port })).toBe(true);
			expect(existsSync(server.folder)).toBe(true);

			starter.kill('SIGKILL');
			// The watchdog looks once a second and gives the server 3 s to go before it deletes the folder.
			for (let waited = 0; waited < 30_000 && (processAlive(server.pid) || existsSync(server.folder)); waited += 250) {
				await new Promise((resolve) => setTimeout(resolve, 250));
			}
			expect(processAlive(server.pid)).toBe(false);
			expect(existsSync(server.folder)).toBe(false);
		} finally {
			starter.kill('SIGKILL');
			rmSync(scriptFolder, { recursive: true, force: true });
		}
	});
});
