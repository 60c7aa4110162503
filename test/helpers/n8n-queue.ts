// n8n in queue mode, as in a scaled production set-up: one main process, webhook processes and
// workers, sharing a PostgreSQL database (n8n's own) and Redis (n8n's Bull queue and pub/sub).
// Nothing here is a queue of ours: webhook processes answer the webhooks and put executions on n8n's
// Bull queue, workers take them off and run them, the main process serves the editor and REST API.
//
// Every cluster is isolated: a fresh n8n database (dropped in stop()) and one Redis key prefix for
// both the Bull queue (`QUEUE_BULL_PREFIX`) and n8n's own keys and pub/sub channels
// (`N8N_REDIS_KEY_PREFIX`), whose keys stop() deletes. Runs on the same Redis never see each other's
// jobs or commands.
//
// Webhooks in queue mode (n8n 2.39): publishing a workflow on the main process writes its production
// webhooks to the `webhook_entity` table; webhook processes look each request's path up there (and
// in n8n's Redis cache) and load the published version of the workflow from the database, so they
// can start before or after the workflow is published. The main process is told not to serve
// production webhooks (`N8N_DISABLE_PRODUCTION_MAIN_PROCESS`), so every webhook goes through a
// webhook process, as behind a load balancer that sends /webhook/* there.
//
// Also here: `queueModeWorkflows` (a shipped workflow with its sub-workflows, on the PostgreSQL store)
// and `queueModeCredentials` (the credentials those need, pointed at the Graph sandbox and a test
// database), shared by test/e2e/queue-mode.test.ts and test/bench/queue.bench.ts.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Redis } from 'ioredis';

import type { PostgresConnection } from '../../nodes/domain/store';
import { createTestDatabase } from './store-backends';
import { portAnswers } from './test-services';
import {
	findFreePort,
	readPackageJson,
	repoRoot,
	importCredentials,
	importWorkflows,
	startN8n,
	type CredentialJson,
	type ImportedWorkflow,
	type N8nServer,
	type WorkflowJson,
} from '../../scripts/lib/n8n-server';

export interface RedisServer {
	host: string;
	port: number;
}

/**
 * The Redis the tests use: 127.0.0.1:6379 (overridable with TEST_REDIS_HOST / TEST_REDIS_PORT). When
 * nothing answers there, the global set-up starts a server of its own and points these variables at it.
 */
export function testRedisServer(): RedisServer {
	return { host: process.env.TEST_REDIS_HOST ?? '127.0.0.1', port: Number(process.env.TEST_REDIS_PORT ?? 6379) };
}

export interface QueueClusterOptions {
	/** Webhook processes (`n8n webhook`). Default 2. */
	webhookProcesses?: number;
	/** Workers (`n8n worker`). Default 2. */
	workers?: number;
	/** Jobs each worker runs at once (`n8n worker --concurrency`). Default 10, n8n's default. */
	workerConcurrency?: number;
	/** Imported with n8n's CLI into the new database before anything starts. */
	credentials?: CredentialJson[];
	/** Imported with n8n's CLI (files or objects, see `importWorkflows`). */
	workflows?: Array<string | WorkflowJson>;
	/** Which imported workflows to publish on the main process: `all` (default) or ids. */
	publish?: 'all' | string[];
	/** Extra variables for every process (and the CLI), applied last. */
	env?: Record<string, string | undefined>;
	/** Write each process's output to `<logDir>/<name>.log` too. */
	logDir?: string;
	/** Default: testRedisServer(). */
	redis?: RedisServer;
	/** Per process. Default 120 s. */
	startupTimeoutMs?: number;
	/** Called with every line any process prints, prefixed by the process name. */
	onLine?: (processName: string, line: string) => void;
}

export interface QueueProcess {
	/** `main`, `webhook-1`, `webhook-2`, `worker-1`, … */
	name: string;
	role: 'main' | 'webhook' | 'worker';
	server: N8nServer;
}

export interface QueueClusterStartup {
	/** From the call to a cluster that takes webhooks (database, imports, processes, publishing). */
	totalMs: number;
	/** Creating the database and the CLI imports (which run while the processes start). */
	prepareMs: number;
	/** Each process from spawn to ready. */
	processMs: Record<string, number>;
}

export interface QueueCluster {
	readonly main: N8nServer;
	readonly webhooks: N8nServer[];
	readonly workers: N8nServer[];
	/** Every process, main first. */
	readonly processes: QueueProcess[];
	/** The webhook processes' base URLs (`http://127.0.0.1:<port>`); production webhooks are `<url>/webhook/…`. */
	readonly webhookUrls: string[];
	readonly workflows: ImportedWorkflow[];
	/** n8n's database. */
	readonly database: { host: string; port: number; user: string; database: string };
	/** The Redis key prefix of this cluster (Bull queue and n8n keys). */
	readonly redisPrefix: string;
	readonly startup: QueueClusterStartup;
	/** pid of every process by name, e.g. for RSS sampling (test/bench/bench-lib.ts ResourceSampler; a worker's task runner is its child). */
	pids(): Record<string, number>;
	/** Everything each process printed so far, by name. */
	logs(): Record<string, string>;
	/** Stops every process, drops n8n's database, deletes the Redis keys and the user folders; idempotent. */
	stop(): Promise<void>;
}

/** Deletes every Redis key that starts with `<prefix>:`; returns how many. */
export async function deleteRedisKeys(prefix: string, redis: RedisServer = testRedisServer()): Promise<number> {
	if (!/^[A-Za-z0-9_.-]{8,}$/.test(prefix)) throw new Error(`refusing to delete Redis keys for the prefix "${prefix}"`);
	const client = new Redis({ host: redis.host, port: redis.port, lazyConnect: true, maxRetriesPerRequest: 1 });
	await client.connect();
	try {
		let deleted = 0;
		// n8n may wrap the prefix in braces (Redis Cluster hash tags); match both forms.
		for (const pattern of [`${prefix}:*`, `{${prefix}}:*`]) {
			let cursor = '0';
			do {
				const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
				cursor = next;
				if (keys.length > 0) deleted += await client.unlink(...keys);
			} while (cursor !== '0');
		}
		return deleted;
	} finally {
		client.disconnect();
	}
}

/** Counts the Redis keys that start with `<prefix>:`. */
export async function countRedisKeys(prefix: string, redis: RedisServer = testRedisServer()): Promise<number> {
	const client = new Redis({ host: redis.host, port: redis.port, lazyConnect: true, maxRetriesPerRequest: 1 });
	await client.connect();
	try {
		let count = 0;
		let cursor = '0';
		do {
			const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
			cursor = next;
			count += keys.length;
		} while (cursor !== '0');
		return count;
	} finally {
		client.disconnect();
	}
}

// ---------------------------------------------------------------------------------------------
// Workflows and credentials for queue mode

/** Node types of this pack that have the Support Store parameter, read from the built nodes. */
export function nodeTypesWithSupportStore(): Set<string> {
	const pack = readPackageJson();
	const types = new Set<string>();
	for (const file of pack.n8n?.nodes ?? []) {
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const exports = require(path.join(repoRoot, file)) as Record<string, new () => { description: { name: string; properties: Array<{ name: string }> } }>;
		for (const NodeClass of Object.values(exports)) {
			const { description } = new NodeClass();
			if (description.properties.some((property) => property.name === 'supportStore')) types.add(`${pack.name}.${description.name}`);
		}
	}
	return types;
}

interface ShippedWorkflow {
	file: string;
	workflow: WorkflowJson;
}

function readShippedWorkflows(): ShippedWorkflow[] {
	const folder = path.join(repoRoot, 'workflows');
	return readdirSync(folder)
		.filter((name) => name.endsWith('.json'))
		.map((name) => ({ file: path.join(folder, name), workflow: JSON.parse(readFileSync(path.join(folder, name), 'utf8')) as WorkflowJson }));
}

export const QUEUE_STORE_CREDENTIAL = { id: 'pgQueueStore00001', name: 'Support store (PostgreSQL)' };

/**
 * A shipped workflow (a file in workflows/) ready for queue mode: with the shipped sub-workflows it
 * calls (Execute Workflow nodes, e.g. Notify Agents → Agent Desk Bridge), sub-workflows first (n8n
 * publishes a caller only after its callees), and every node that has the Support Store parameter on
 * the PostgreSQL store with `storeCredential` (the embedded PGlite store refuses queue mode).
 */
export function queueModeWorkflows(file: string, storeCredential = QUEUE_STORE_CREDENTIAL): WorkflowJson[] {
	const shipped = readShippedWorkflows();
	const storeTypes = nodeTypesWithSupportStore();
	const ordered: WorkflowJson[] = [];
	const visit = (workflow: WorkflowJson) => {
		if (ordered.includes(workflow)) return;
		for (const node of workflow.nodes) {
			if (node.type !== 'n8n-nodes-base.executeWorkflow') continue;
			const reference = node.parameters.workflowId as { value?: string } | string | undefined;
			const id = typeof reference === 'string' ? reference : reference?.value;
			const callee = shipped.find((candidate) => candidate.workflow.id === id);
			if (!callee) throw new Error(`${path.basename(file)}: node "${node.name}" calls workflow ${id}, which is not in workflows/`);
			visit(callee.workflow);
		}
		ordered.push(workflow);
	};
	visit(shipped.find((candidate) => candidate.file === file)!.workflow);
	for (const workflow of ordered) {
		for (const node of workflow.nodes) {
			if (!storeTypes.has(node.type)) continue;
			node.parameters = { ...node.parameters, supportStore: 'postgres' };
			node.credentials = { ...node.credentials, whatsAppSupportStorePostgresApi: storeCredential };
		}
	}
	return ordered;
}

export interface QueueCredentialTargets {
	/** The Graph API sandbox (`GraphSandbox.baseUrl`). */
	graphBaseUrl: string;
	appSecret: string;
	phoneNumberId: string;
	/** The support store's database. */
	store: PostgresConnection;
}

/**
 * Every credential the workflows use: WhatsApp → the Graph sandbox, support store → `store`, header
 * and basic auth → throwaway random values. Throws for any other type.
 */
export function queueModeCredentials(workflows: WorkflowJson[], targets: QueueCredentialTargets): CredentialJson[] {
	const { store } = targets;
	const references = new Map<string, { id: string; name: string; type: string }>();
	for (const node of workflows.flatMap((workflow) => workflow.nodes)) {
		for (const [type, { id, name }] of Object.entries(node.credentials ?? {})) references.set(id, { id, name, type });
	}
	return [...references.values()].map((reference): CredentialJson => {
		switch (reference.type) {
			case 'whatsAppCloudApi':
				return {
					...reference,
					data: {
						accessToken: 'sandbox-token',
						phoneNumberId: targets.phoneNumberId,
						appSecret: targets.appSecret,
						verifyToken: randomBytes(12).toString('hex'),
						apiVersion: 'v24.0',
						baseUrl: targets.graphBaseUrl,
					},
				};
			case 'whatsAppSupportStorePostgresApi':
				return { ...reference, data: { ...store, password: store.password ?? '', ssl: 'disable', schema: 'whatsapp_support' } };
			case 'httpHeaderAuth':
				return { ...reference, data: { name: 'X-Test-Key', value: randomBytes(12).toString('hex') } };
			case 'httpBasicAuth':
				return { ...reference, data: { user: 'test', password: randomBytes(12).toString('hex') } };
			case 'webhookKeysApi':
				return { ...reference, data: { header: 'X-Test-Key', key: randomBytes(12).toString('hex'), previousKey: '' } };
			case 'chatsDashboardAdminApi':
				return { ...reference, data: { username: 'test', password: randomBytes(12).toString('hex') } };
			case 'webChatApi':
				return { ...reference, data: { sessionSecret: randomBytes(24).toString('hex') } };
			default:
				throw new Error(`queueModeCredentials: no test credential for type ${reference.type} (${reference.name})`);
		}
	});
}

// ---------------------------------------------------------------------------------------------
// The cluster

/**
 * Starts an n8n queue-mode cluster: a new n8n database, the imports, the main process, webhook
 * processes and workers; publishes the workflows. Resolves once webhooks can be POSTed to every
 * webhook process and workers take jobs.
 */
export async function startQueueCluster(options: QueueClusterOptions = {}): Promise<QueueCluster> {
	const startedAt = Date.now();
	const webhookCount = options.webhookProcesses ?? 2;
	const workerCount = options.workers ?? 2;
	const redis = options.redis ?? testRedisServer();
	if (!(await portAnswers(redis))) {
		throw new Error(
			process.env.TEST_REDIS_UNAVAILABLE ??
				`n8n queue mode needs Redis, but nothing answers on ${redis.host}:${redis.port}. Under jest the global set-up starts one when redis-server is installed (\`apt-get install redis-server\`); elsewhere start one and point TEST_REDIS_HOST / TEST_REDIS_PORT at it.`,
		);
	}
	const redisPrefix = `n8nq-${process.pid}-${randomBytes(5).toString('hex')}`;
	const encryptionKey = randomBytes(24).toString('base64');
	const root = mkdtempSync(path.join(os.tmpdir(), 'n8n-queue-'));
	if (options.logDir) mkdirSync(options.logDir, { recursive: true });

	const database = await createTestDatabase('n8n_queue');
	const { connection } = database;
	const sharedEnv: Record<string, string | undefined> = {
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: connection.host,
		DB_POSTGRESDB_PORT: String(connection.port),
		DB_POSTGRESDB_DATABASE: connection.database,
		DB_POSTGRESDB_USER: connection.user,
		DB_POSTGRESDB_PASSWORD: connection.password ?? '',
		EXECUTIONS_MODE: 'queue',
		QUEUE_BULL_REDIS_HOST: redis.host,
		QUEUE_BULL_REDIS_PORT: String(redis.port),
		QUEUE_BULL_PREFIX: redisPrefix,
		N8N_REDIS_KEY_PREFIX: redisPrefix,
		// Webhooks only through webhook processes (see the top of this file).
		N8N_DISABLE_PRODUCTION_MAIN_PROCESS: 'true',
		// n8n's default pool has 2 connections. Under load a webhook process then waits for connections,
		// its 2-second database ping times out, it marks the database down and answers every webhook with
		// 503 "Database is not ready!" until it has reconnected. 5 per process keeps 5 processes plus the
		// support store's pools well below PostgreSQL's default max_connections (100).
		DB_POSTGRESDB_POOL_SIZE: '5',
		...options.env,
	};
	const folder = (name: string) => path.join(root, name);
	const processes: QueueProcess[] = [];
	let stopping: Promise<void> | undefined;

	const stop = (): Promise<void> => {
		stopping ??= (async () => {
			// All at once: the cluster and its queue are thrown away, so no job needs to survive. (A worker
			// still finishes the jobs it is running, within n8n's graceful shutdown timeout.)
			await Promise.all(processes.map((entry) => entry.server.stop()));
			const failures: string[] = [];
			await database.drop().catch((error: Error) => failures.push(`dropping ${connection.database}: ${error.message}`));
			await deleteRedisKeys(redisPrefix, redis).catch((error: Error) => failures.push(`deleting Redis keys ${redisPrefix}:*: ${error.message}`));
			if (!process.env.KEEP_N8N_USER_FOLDER) rmSync(root, { recursive: true, force: true });
			if (failures.length > 0) throw new Error(`queue cluster clean-up failed: ${failures.join('; ')}`);
		})();
		return stopping;
	};

	try {
		// Ports are chosen up front so processes starting side by side never pick the same one.
		const taken: number[] = [];
		const port = async () => {
			const chosen = await findFreePort(taken);
			taken.push(chosen);
			return chosen;
		};
		const plan: Array<{ name: string; role: QueueProcess['role']; port: number; brokerPort: number }> = [];
		plan.push({ name: 'main', role: 'main', port: await port(), brokerPort: await port() });
		for (let index = 1; index <= webhookCount; index++) plan.push({ name: `webhook-${index}`, role: 'webhook', port: await port(), brokerPort: await port() });
		for (let index = 1; index <= workerCount; index++) plan.push({ name: `worker-${index}`, role: 'worker', port: await port(), brokerPort: await port() });

		// Everything runs side by side: the CLI imports (a folder of their own) and every process. n8n
		// takes a database lock for its migrations, and seeds its instance identity race-free
		// (insert-or-ignore, then read the winner); nothing reads the imports before publishing below.
		// On a small machine this is the quickest start.
		let prepareMs = 0;
		const importing = (async () => {
			const cliOptions = { encryptionKey, env: sharedEnv };
			if (options.credentials?.length) await importCredentials(folder('cli'), options.credentials, cliOptions);
			const imported = options.workflows?.length ? await importWorkflows(folder('cli'), options.workflows, cliOptions) : [];
			prepareMs = Date.now() - startedAt;
			return imported;
		})();
		const starting = plan.map(async (entry) => {
			const server = await startN8n({
				command: entry.role === 'main' ? 'start' : entry.role,
				args: entry.role === 'worker' && options.workerConcurrency ? [`--concurrency=${options.workerConcurrency}`] : [],
				userFolder: folder(entry.name),
				removeUserFolderOnStop: false,
				encryptionKey,
				port: entry.port,
				brokerPort: entry.brokerPort,
				startupTimeoutMs: options.startupTimeoutMs,
				logFile: options.logDir ? path.join(options.logDir, `${entry.name}.log`) : undefined,
				onLine: options.onLine ? (line) => options.onLine!(entry.name, line) : undefined,
				env: sharedEnv,
			});
			processes.push({ name: entry.name, role: entry.role, server });
			return server;
		});
		const settled = await Promise.allSettled([importing, ...starting]);
		const failed = settled.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
		if (failed.length > 0) throw new Error(failed.map((result) => (result.reason as Error).message).join('\n\n'));
		const workflows = await importing;
		processes.sort((a, b) => plan.findIndex((entry) => entry.name === a.name) - plan.findIndex((entry) => entry.name === b.name));

		const main = processes[0].server;
		await main.rest.ensureOwner();
		const toPublish = options.publish === undefined || options.publish === 'all' ? workflows.map((workflow) => workflow.id) : options.publish;
		for (const id of toPublish) await main.rest.activateWorkflow(id);

		const servers = (role: QueueProcess['role']) => processes.filter((entry) => entry.role === role).map((entry) => entry.server);
		return {
			main,
			webhooks: servers('webhook'),
			workers: servers('worker'),
			processes,
			webhookUrls: servers('webhook').map((server) => server.baseUrl),
			workflows,
			database: { host: connection.host, port: connection.port, user: connection.user, database: connection.database },
			redisPrefix,
			startup: {
				totalMs: Date.now() - startedAt,
				prepareMs,
				processMs: Object.fromEntries(processes.map((entry) => [entry.name, entry.server.startupMs])),
			},
			pids: () => Object.fromEntries(processes.map((entry) => [entry.name, entry.server.pid])),
			logs: () => Object.fromEntries(processes.map((entry) => [entry.name, entry.server.logs()])),
			stop,
		};
	} catch (error) {
		await stop().catch(() => undefined);
		throw error;
	}
}
