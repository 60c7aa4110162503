// The servers the tests talk to: PostgreSQL (the Postgres store, n8n's database in queue mode) and Redis
// (n8n's queue mode). When one answers where the tests look (TEST_PG_HOST/TEST_PG_PORT, default
// 127.0.0.1:5432; TEST_REDIS_HOST/TEST_REDIS_PORT, default 127.0.0.1:6379) it is used as it is.
// When nothing answers, a throwaway server of our own is started from the system's binaries on a free
// port and a temporary folder, and the TEST_* variables are pointed at it, so every suite and every child
// process (n8n servers, workers) uses it. test/global-setup.ts runs this once per `jest` run.
//
// Each started server has a watchdog: a small detached process that stops the server and deletes its
// folder when the process that started it is gone without stopping it (a crash, SIGKILL, Ctrl-C).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { Client } from 'pg';

import { findFreePort } from '../../scripts/lib/n8n-server';

export interface ServiceAddress {
	host: string;
	port: number;
}

export interface StartedServer extends ServiceAddress {
	name: 'PostgreSQL' | 'Redis';
	pid: number;
	/** The temporary folder (data, socket, log); deleted by stop(). */
	folder: string;
	/** Stops the server, waits for it to exit and deletes its folder; idempotent. */
	stop(): Promise<void>;
}

type Env = Record<string, string | undefined>;

export function postgresAddress(env: Env = process.env): ServiceAddress {
	return { host: env.TEST_PG_HOST ?? '127.0.0.1', port: Number(env.TEST_PG_PORT ?? 5432) };
}

export function redisAddress(env: Env = process.env): ServiceAddress {
	return { host: env.TEST_REDIS_HOST ?? '127.0.0.1', port: Number(env.TEST_REDIS_PORT ?? 6379) };
}

/** Whether something accepts a TCP connection at the address. */
export function portAnswers(address: ServiceAddress, timeoutMs = 2000): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = net.connect({ host: address.host, port: address.port });
		const done = (answers: boolean) => {
			socket.destroy();
			resolve(answers);
		};
		socket.setTimeout(timeoutMs, () => done(false));
		socket.once('connect', () => done(true));
		socket.once('error', () => done(false));
	});
}

export function postgresMissingMessage(address: ServiceAddress): string {
	return (
		`PostgreSQL is required by the Postgres store tests and n8n queue mode, but nothing answers on ${address.host}:${address.port} ` +
		'and no PostgreSQL binaries (initdb, postgres) were found to start one (looked in TEST_PG_BINDIR, `pg_config --bindir`, ' +
		'/usr/lib/postgresql/*/bin and PATH). Install them with `apt-get install postgresql` (the tests then start a server of ' +
		'their own), or start a server and point TEST_PG_HOST / TEST_PG_PORT at it.'
	);
}

export function redisMissingMessage(address: ServiceAddress): string {
	return (
		`Redis is required by the n8n queue-mode tests, but nothing answers on ${address.host}:${address.port} and redis-server ` +
		'is not installed. Install it with `apt-get install redis-server` (the tests then start a server of their own), ' +
		'or start one and point TEST_REDIS_HOST / TEST_REDIS_PORT at it.'
	);
}

/** Where PostgreSQL's server binaries may be, most likely first. */
export function defaultPostgresBinDirs(env: Env = process.env): string[] {
	const dirs: string[] = [];
	if (env.TEST_PG_BINDIR) dirs.push(env.TEST_PG_BINDIR);
	try {
		dirs.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
	} catch {
		// no pg_config (it comes with libpq-dev or the server package)
	}
	// Debian and Ubuntu keep the server binaries outside PATH, one folder per major version.
	const debian = '/usr/lib/postgresql';
	if (existsSync(debian)) {
		const versions = readdirSync(debian).sort((left, right) => Number(right) - Number(left) || right.localeCompare(left));
		for (const version of versions) dirs.push(path.join(debian, version, 'bin'));
	}
	dirs.push('/usr/local/pgsql/bin');
	for (const dir of (env.PATH ?? '').split(path.delimiter)) if (dir) dirs.push(dir);
	return dirs;
}

/** The first folder that holds both `initdb` and `postgres`. */
export function findPostgresBinDir(candidates: string[] = defaultPostgresBinDirs()): string | undefined {
	return candidates.find((dir) => existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'postgres')));
}

export function findExecutable(name: string, dirs: string[] = (process.env.PATH ?? '').split(path.delimiter)): string | undefined {
	for (const dir of ['/usr/bin', '/usr/sbin', '/usr/local/bin', ...dirs]) {
		const candidate = path.join(dir, name);
		if (dir && existsSync(candidate)) return candidate;
	}
	return undefined;
}

// ---------------------------------------------------------------------------------------------
// Starting servers

/** PostgreSQL refuses to run as root: as root, the server runs as the `postgres` system user. */
function postgresUser(): { uid: number; gid: number } | undefined {
	if (process.getuid?.() !== 0) return undefined;
	try {
		const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
		const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
		return { uid, gid };
	} catch {
		throw new Error(
			'PostgreSQL refuses to run as root and there is no `postgres` system user to run it as. Install the server package ' +
				'(`apt-get install postgresql`, which creates the user), or run the tests as an ordinary user.',
		);
	}
}

/** C.UTF-8 where the system has it (as Debian's clusters), else C. */
function clusterLocale(): string {
	try {
		const locales = execFileSync('locale', ['-a'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
		return /^c\.utf-?8$/im.test(locales) ? 'C.UTF-8' : 'C';
	} catch {
		return 'C';
	}
}

/** The variables a child server gets: the caller's, less the libpq ones that would redirect its tools. */
function childEnv(): NodeJS.ProcessEnv {
	const env: NodeJS.ProcessEnv = {};
	for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('PG')) env[key] = value;
	return env;
}

function tail(file: string, lines = 20): string {
	try {
		return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
	} catch {
		return '(no log)';
	}
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A detached process that, once `parentPid` is gone, signals the server, waits a moment, kills it and
 * deletes its folder. Killed by stop() when the server is stopped the ordinary way.
 */
function startWatchdog(serverPid: number, signal: NodeJS.Signals, folder: string): ChildProcess {
	const script = `
const [parent, server, signal, folder] = process.argv.slice(1);
const alive = (pid) => { try { process.kill(Number(pid), 0); return true; } catch { return false; } };
const timer = setInterval(() => {
	if (alive(parent)) return;
	clearInterval(timer);
	try { process.kill(Number(server), signal); } catch {}
	setTimeout(() => {
		try { process.kill(Number(server), 'SIGKILL'); } catch {}
		require('node:fs').rmSync(folder, { recursive: true, force: true });
		process.exit(0);
	}, 3000);
}, 1000);`;
	const watchdog = spawn(process.execPath, ['-e', script, String(process.pid), String(serverPid), signal, folder], {
		detached: true,
		stdio: 'ignore',
	});
	watchdog.unref();
	return watchdog;
}

interface ServerProcessOptions {
	name: StartedServer['name'];
	host: string;
	port: number;
	folder: string;
	child: ChildProcess;
	/** The signal for a quick, clean shutdown. */
	stopSignal: NodeJS.Signals;
}

function managedServer(options: ServerProcessOptions): StartedServer {
	const { child, folder, stopSignal } = options;
	const exited = new Promise<void>((resolve) => {
		if (child.exitCode !== null || child.signalCode !== null) resolve();
		else child.once('exit', () => resolve());
	});
	const watchdog = startWatchdog(child.pid!, stopSignal, folder);
	// On an ordinary exit of this process without stop(), at least ask the server to go; the watchdog deletes the folder.
	const onExit = () => {
		child.kill(stopSignal);
	};
	process.once('exit', onExit);
	let stopping: Promise<void> | undefined;
	return {
		name: options.name,
		host: options.host,
		port: options.port,
		pid: child.pid!,
		folder,
		stop: () => {
			stopping ??= (async () => {
				process.removeListener('exit', onExit);
				child.kill(stopSignal);
				let timer: NodeJS.Timeout | undefined;
				const slow = await Promise.race([exited.then(() => false), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), 15_000)))]);
				clearTimeout(timer);
				if (slow) {
					child.kill('SIGKILL');
					await exited;
				}
				watchdog.kill('SIGKILL');
				rmSync(folder, { recursive: true, force: true });
			})();
			return stopping;
		},
	};
}

/** Resolves once `ready()` is true; rejects when the process exits first or after `timeoutMs`. */
async function waitUntilReady(child: ChildProcess, ready: () => Promise<boolean>, describe: () => string, timeoutMs = 60_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${describe()}`);
		if (await ready()) return;
		await sleep(100);
	}
	child.kill('SIGKILL');
	throw new Error(`not ready after ${timeoutMs / 1000} s:\n${describe()}`);
}

function runAs(file: string, args: string[], options: { cwd: string; user?: { uid: number; gid: number } }): Promise<string> {
	return new Promise((resolve, reject) => {
		const child = spawn(file, args, { cwd: options.cwd, env: childEnv(), uid: options.user?.uid, gid: options.user?.gid, stdio: ['ignore', 'pipe', 'pipe'] });
		let output = '';
		child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
		child.once('error', reject);
		child.once('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`${path.basename(file)} ${args.join(' ')} failed (${code}):\n${output}`))));
	});
}

async function postgresAccepts(port: number): Promise<boolean> {
	const client = new Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 2000 });
	try {
		await client.connect();
		await client.query('SELECT 1');
		return true;
	} catch {
		return false;
	} finally {
		await client.end().catch(() => undefined);
	}
}

/**
 * A throwaway PostgreSQL: initdb on a temporary folder (superuser `postgres`, trust auth), then the
 * server on 127.0.0.1 and a free port, its socket in the same folder. Durability is off (test data only).
 */
export async function startPostgres(options: { binDir?: string } = {}): Promise<StartedServer> {
	const binDir = options.binDir ?? findPostgresBinDir();
	if (!binDir) throw new Error(postgresMissingMessage({ host: '127.0.0.1', port: 0 }));
	const user = postgresUser();
	// The postgres user must reach the folder: under root, a private TMPDIR (say /root/tmp) would not do.
	const folder = mkdtempSync(path.join(user ? '/tmp' : os.tmpdir(), 'test-postgres-'));
	try {
		if (user) chownSync(folder, user.uid, user.gid);
		const dataDir = path.join(folder, 'data');
		await runAs(
			path.join(binDir, 'initdb'),
			['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', `--locale=${clusterLocale()}`, '--no-sync', '--no-instructions'],
			{ cwd: folder, user },
		);
		const logFile = path.join(folder, 'server.log');
		// A free port can be taken between choosing and binding it: then choose again.
		for (let attempt = 1; ; attempt++) {
			const port = await findFreePort();
			const log = openSync(logFile, 'a');
			const child = spawn(
				path.join(binDir, 'postgres'),
				[
					'-D', dataDir,
					'-p', String(port),
					'-k', folder,
					'-c', 'listen_addresses=127.0.0.1',
					'-c', 'max_connections=200',
					'-c', 'fsync=off',
					'-c', 'synchronous_commit=off',
					'-c', 'full_page_writes=off',
				],
				{ cwd: folder, env: childEnv(), uid: user?.uid, gid: user?.gid, stdio: ['ignore', log, log] },
			);
			closeSync(log);
			try {
				await waitUntilReady(child, () => postgresAccepts(port), () => tail(logFile));
			} catch (error) {
				if (attempt < 3 && /could not bind|already in use/i.test(tail(logFile))) continue;
				throw new Error(`PostgreSQL (${path.join(binDir, 'postgres')}, port ${port}) ${error.message}`);
			}
			return managedServer({ name: 'PostgreSQL', host: '127.0.0.1', port, folder, child, stopSignal: 'SIGINT' });
		}
	} catch (error) {
		rmSync(folder, { recursive: true, force: true });
		throw error;
	}
}

function redisAnswersPing(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = net.connect({ host: '127.0.0.1', port });
		let reply = '';
		const done = (ok: boolean) => {
			socket.destroy();
			resolve(ok);
		};
		socket.setTimeout(2000, () => done(false));
		socket.once('error', () => done(false));
		socket.once('connect', () => socket.write('PING\r\n'));
		socket.on('data', (chunk: Buffer) => {
			reply += chunk.toString();
			if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
		});
	});
}

/** A throwaway Redis on 127.0.0.1 and a free port; keeps nothing on disk. */
export async function startRedis(options: { executable?: string } = {}): Promise<StartedServer> {
	const executable = options.executable ?? findExecutable('redis-server');
	if (!executable || !existsSync(executable)) throw new Error(redisMissingMessage({ host: '127.0.0.1', port: 0 }));
	const folder = mkdtempSync(path.join(os.tmpdir(), 'test-redis-'));
	try {
		const logFile = path.join(folder, 'server.log');
		for (let attempt = 1; ; attempt++) {
			const port = await findFreePort();
			const log = openSync(logFile, 'a');
			const child = spawn(
				executable,
				['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', folder, '--daemonize', 'no', '--protected-mode', 'no'],
				{ cwd: folder, env: childEnv(), stdio: ['ignore', log, log] },
			);
			closeSync(log);
			try {
				await waitUntilReady(child, () => redisAnswersPing(port), () => tail(logFile));
			} catch (error) {
				if (attempt < 3 && /address already in use/i.test(tail(logFile))) continue;
				throw new Error(`Redis (${executable}, port ${port}) ${error.message}`);
			}
			return managedServer({ name: 'Redis', host: '127.0.0.1', port, folder, child, stopSignal: 'SIGTERM' });
		}
	} catch (error) {
		rmSync(folder, { recursive: true, force: true });
		throw error;
	}
}

// ---------------------------------------------------------------------------------------------
// What the global set-up calls

export interface TestServices {
	/** Servers this call started (none when both answered already). */
	started: StartedServer[];
	/** One line per service: what is used and why. */
	notes: string[];
	/** Stops the started servers. */
	stop(): Promise<void>;
}

export interface EnsureTestServicesOptions {
	/** Read and updated: TEST_PG_* and TEST_REDIS_*. Default process.env. */
	env?: Env;
	/** Default: defaultPostgresBinDirs(). */
	postgresBinDirs?: string[];
	/** Default: redis-server on PATH. */
	redisExecutable?: string;
}

/**
 * Makes sure PostgreSQL and Redis answer where env says, starting servers of our own where nothing does,
 * and points env at them. A missing installation is not an error here (most suites need neither): it
 * is written to TEST_PG_UNAVAILABLE / TEST_REDIS_UNAVAILABLE, and the suites that need the server
 * fail with that message.
 */
export async function ensureTestServices(options: EnsureTestServicesOptions = {}): Promise<TestServices> {
	const env = options.env ?? process.env;
	const started: StartedServer[] = [];
	const notes: string[] = [];
	const stop = async () => {
		const stopping = started.splice(0).reverse();
		await Promise.all(stopping.map((server) => server.stop()));
	};
	try {
		const postgres = postgresAddress(env);
		if (await portAnswers(postgres)) {
			notes.push(`PostgreSQL: using the server on ${postgres.host}:${postgres.port}`);
		} else {
			const binDir = findPostgresBinDir(options.postgresBinDirs ?? defaultPostgresBinDirs(env));
			if (binDir) {
				const server = await startPostgres({ binDir });
				started.push(server);
				Object.assign(env, { TEST_PG_HOST: server.host, TEST_PG_PORT: String(server.port), TEST_PG_USER: 'postgres' });
				delete env.TEST_PG_PASSWORD;
				notes.push(`PostgreSQL: nothing answered on ${postgres.host}:${postgres.port}; started ${binDir}/postgres on ${server.host}:${server.port}`);
			} else {
				env.TEST_PG_UNAVAILABLE = postgresMissingMessage(postgres);
				notes.push(env.TEST_PG_UNAVAILABLE);
			}
		}

		const redis = redisAddress(env);
		if (await portAnswers(redis)) {
			notes.push(`Redis: using the server on ${redis.host}:${redis.port}`);
		} else {
			const executable = options.redisExecutable ?? findExecutable('redis-server', (env.PATH ?? '').split(path.delimiter));
			if (executable && existsSync(executable)) {
				const server = await startRedis({ executable });
				started.push(server);
				Object.assign(env, { TEST_REDIS_HOST: server.host, TEST_REDIS_PORT: String(server.port) });
				notes.push(`Redis: nothing answered on ${redis.host}:${redis.port}; started ${executable} on ${server.host}:${server.port}`);
			} else {
				env.TEST_REDIS_UNAVAILABLE = redisMissingMessage(redis);
				notes.push(env.TEST_REDIS_UNAVAILABLE);
			}
		}
	} catch (error) {
		await stop().catch(() => undefined);
		throw error;
	}
	return { started, notes, stop };
}
