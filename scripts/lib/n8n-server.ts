// Starts a real n8n server (the `n8n` devDependency) with this pack loaded. Used by `npm start`
// (scripts/start.ts) and by the end-to-end tests (test/e2e).
//
// How the pack is loaded: by default the repository is symlinked into the user folder's community
// package folder, `<userFolder>/.n8n/nodes/node_modules/<package name>`. n8n 2.39 scans that folder at
// start-up and loads the package from the `n8n` section of its package.json, so node types get their
// real names, `n8n-nodes-whatsapp-ai-support.<name>`, exactly as after an install from npm. The other
// mode, `N8N_CUSTOM_EXTENSIONS=<repo>/dist`, loads the same files but names every node `CUSTOM.<name>`,
// so shipped workflows would show unknown nodes; it is kept as an option only. In the third mode,
// `installed`, the package is already in that folder as an admin installs it by hand (`npm pack`, then
// `npm install --omit=peer --ignore-scripts <tarball>`, see installPackedPackage) and nothing is linked.
//
// Workflows and credentials are imported with n8n's own CLI before the server starts (the CLI and a
// running server must not share the SQLite database), and everything else goes through the REST API
// the editor uses, authenticated with the owner's cookie.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
	createWriteStream,
	existsSync,
	lstatSync,
	mkdirSync,
	mkdtempSync,
	readFileSync,
	readlinkSync,
	rmSync,
	symlinkSync,
	unlinkSync,
	writeFileSync,
	type WriteStream,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..');
const n8nEntryPoint = path.join(repoRoot, 'node_modules', 'n8n', 'bin', 'n8n');

/** The task broker's default port; never give it to the HTTP server. */
const TASK_BROKER_DEFAULT_PORT = 5679;
/**
 * What each n8n command prints once it is ready (at log level info or debug):
 * - `start` (main process) prints this after it has started the published workflows, which it does
 *   after /healthz/readiness already answers 200;
 * - `webhook` (queue mode) prints it right after its HTTP server listens and is marked ready;
 * - `worker` (queue mode) prints it after it has connected to the Bull queue and started taking jobs.
 */
const READY_LOG_MARKERS: Record<N8nCommand, RegExp> = {
	start: /Editor is now accessible via/,
	webhook: /Webhook listener waiting for requests/,
	worker: /n8n worker is now ready/,
};
const LOG_LINES_KEPT = 5000;

export type PackageMode = 'community-folder' | 'custom-extensions' | 'installed';

/**
 * Which n8n process to run: `start` is the usual (main) server; `webhook` and `worker` are the extra
 * process types of queue mode (`EXECUTIONS_MODE=queue`, see test/helpers/n8n-queue.ts).
 */
export type N8nCommand = 'start' | 'webhook' | 'worker';

export interface N8nEnvironmentOptions {
	/** Where n8n keeps its data (`N8N_USER_FOLDER`; n8n itself writes into `<userFolder>/.n8n`). */
	userFolder: string;
	/** How the pack is loaded, see the top of this file. Default `community-folder`. */
	packageMode?: PackageMode;
	/** The package to load. Default: this repository (its package.json and dist/). */
	packageDir?: string;
	/** Only for a new user folder; an existing one keeps the key n8n saved in `.n8n/config`. */
	encryptionKey?: string;
	/** Extra variables, applied last. `undefined` removes a variable. */
	env?: Record<string, string | undefined>;
}

export interface StartN8nOptions extends Partial<N8nEnvironmentOptions> {
	/** HTTP port. Default: a free port. */
	port?: number;
	/** Task broker port (`N8N_RUNNERS_BROKER_PORT`). Default: a free port, so servers can run side by side. */
	brokerPort?: number;
	/** Default `127.0.0.1`. */
	listenAddress?: string;
	/** Default 120 s. */
	startupTimeoutMs?: number;
	/** Also write n8n's output to this file. */
	logFile?: string;
	/** Called with every line n8n prints (stdout and stderr). */
	onLine?: (line: string) => void;
	/**
	 * Delete the user folder in stop(). Default: true when startN8n created a temp folder itself.
	 * KEEP_N8N_USER_FOLDER=1 in the environment keeps it anyway, for debugging.
	 */
	removeUserFolderOnStop?: boolean;
	/**
	 * The n8n command. Default `start`. `webhook` serves production webhooks on `port`. `worker` has
	 * no HTTP server of its own: the launcher turns on its health server (`QUEUE_HEALTH_CHECK_ACTIVE`)
	 * on `port`, so `baseUrl` is that server (`/healthz`, `/healthz/readiness`). Both need queue mode.
	 */
	command?: N8nCommand;
	/** Extra command-line arguments after the command, e.g. `['--concurrency=5']` for a worker. */
	args?: string[];
}

export interface N8nServer {
	/** For requests from this process, e.g. `http://127.0.0.1:40123`. */
	readonly baseUrl: string;
	/** What to open in a browser, e.g. `http://localhost:40123`. */
	readonly editorUrl: string;
	readonly port: number;
	readonly brokerPort: number;
	readonly userFolder: string;
	/** The n8n process id (also its process group id: the task runner, if any, is in the group). */
	readonly pid: number;
	/** The n8n command this process runs. */
	readonly command: N8nCommand;
	/** Prefix of our node types on this server: the package name, or `CUSTOM`. */
	readonly nodeTypePrefix: string;
	/** Milliseconds from spawn to ready (health check passes and active workflows are started). */
	readonly startupMs: number;
	/** REST client for this server; call `ensureOwner()` or `login()` before authenticated calls. */
	readonly rest: N8nRestClient;
	/** Everything n8n printed so far (the last 5000 lines). */
	logs(): string;
	logTail(lines?: number): string;
	/** Resolves with the first log line (already printed or future) that matches. */
	waitForLog(pattern: RegExp, timeoutMs?: number): Promise<string>;
	/** Whether the n8n process is still running. */
	isRunning(): boolean;
	/** Resolves when the n8n process has exited (for whatever reason). */
	waitForExit(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
	/** SIGTERM, then SIGKILL after the grace period; idempotent. */
	stop(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Environment, node binary, ports
// ---------------------------------------------------------------------------------------------

/** n8n 2.37+ needs Node 24: this process's Node if new enough, else the project's (`node` devDependency). */
export function projectNodeBinary(): string {
	const major = Number(process.versions.node.split('.')[0]);
	if (major >= 24) return process.execPath;
	const binary = path.join(repoRoot, 'node_modules', '.bin', 'node');
	if (!existsSync(binary)) {
		throw new Error(`Node ${process.versions.node} is too old for n8n and ${binary} is missing: run \`npm run bootstrap\``);
	}
	return binary;
}

export interface PackageJson {
	name: string;
	n8n?: { nodes?: string[]; credentials?: string[] };
	dependencies?: Record<string, string>;
}

export function readPackageJson(packageDir = repoRoot): PackageJson {
	return JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as PackageJson;
}

/** The node type prefix n8n gives our nodes in the chosen mode. */
export function nodeTypePrefixFor(packageMode: PackageMode = 'community-folder', packageDir = repoRoot): string {
	return packageMode === 'custom-extensions' ? 'CUSTOM' : readPackageJson(packageDir).name;
}

/** A fresh, empty user folder under the OS temp dir. */
export function createTempUserFolder(prefix = 'n8n-e2e-'): string {
	return mkdtempSync(path.join(os.tmpdir(), prefix));
}

function settingsFile(userFolder: string): string {
	return path.join(userFolder, '.n8n', 'config');
}

/**
 * The key n8n encrypts credentials with in this user folder. n8n saves the key in `.n8n/config` on first
 * use and refuses to start if `N8N_ENCRYPTION_KEY` differs later, so an existing folder keeps its key.
 */
export function resolveEncryptionKey(userFolder: string, requested?: string): string {
	const file = settingsFile(userFolder);
	if (existsSync(file)) {
		const saved = (JSON.parse(readFileSync(file, 'utf8')) as { encryptionKey?: string }).encryptionKey;
		if (saved) {
			if (requested && requested !== saved) {
				throw new Error(`${file} holds a different encryption key than requested; use a new user folder`);
			}
			return saved;
		}
	}
	return requested ?? randomBytes(24).toString('base64');
}

/** Symlinks the package into n8n's community package folder (idempotent). */
export function linkPackageIntoUserFolder(userFolder: string, packageDir = repoRoot): string {
	const { name } = readPackageJson(packageDir);
	const link = path.join(userFolder, '.n8n', 'nodes', 'node_modules', ...name.split('/'));
	mkdirSync(path.dirname(link), { recursive: true });
	const stat = lstatSync(link, { throwIfNoEntry: false });
	if (stat?.isSymbolicLink()) {
		if (path.resolve(path.dirname(link), readlinkSync(link)) === path.resolve(packageDir)) return link;
		unlinkSync(link);
	} else if (stat) {
		throw new Error(`${link} exists and is not our symlink (installed from the editor?); remove it`);
	}
	symlinkSync(path.resolve(packageDir), link, 'dir');
	return link;
}

/** The environment for npm as an admin's shell has it: without the `npm_config_*` an npm script passes on. */
function plainNpmEnvironment(): Record<string, string> {
	const env: Record<string, string> = {};
	for (const [key, value] of Object.entries(process.env)) {
		if (value !== undefined && !/^npm_/i.test(key)) env[key] = value;
	}
	return env;
}

async function runNpm(args: string[], cwd: string, timeoutMs = 300_000): Promise<string> {
	const child = spawn('npm', args, { cwd, env: plainNpmEnvironment(), stdio: ['ignore', 'pipe', 'pipe'] });
	let output = '';
	child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
	child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
	const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
	const exitCode = await new Promise<number | null>((resolve, reject) => {
		child.once('error', reject);
		child.once('close', (code) => resolve(code));
	}).finally(() => clearTimeout(timer));
	if (exitCode !== 0) throw new Error(`\`npm ${args.join(' ')}\` failed (exit ${exitCode}):\n${tail(output, 40)}`);
	return output;
}

/** `npm pack` of the package (it must be built) into `destination`; returns the tarball's path. */
export async function packPackage(destination: string, packageDir = repoRoot): Promise<string> {
	mkdirSync(destination, { recursive: true });
	const output = await runNpm(['pack', '--json', '--pack-destination', destination], packageDir);
	const [packed] = JSON.parse(output.slice(output.indexOf('['))) as Array<{ filename: string }>;
	return path.join(destination, packed.filename);
}

/**
 * Installs a packed tarball into `<userFolder>/.n8n/nodes` the way README's manual path does:
 * `--omit=peer` leaves out `n8n-workflow` (n8n provides it; installing it would also pull the native
 * `isolated-vm`) and `--ignore-scripts` runs no install script, as n8n's own installer does. With
 * `--prefer-offline` the dependencies come from the local npm cache when it has them.
 */
export async function installPackedPackage(userFolder: string, tarball: string): Promise<string> {
	const nodesFolder = path.join(userFolder, '.n8n', 'nodes');
	mkdirSync(nodesFolder, { recursive: true });
	await runNpm(['install', '--omit=peer', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', tarball], nodesFolder);
	return nodesFolder;
}

/** Variables a caller's shell may hold that would change how the child n8n (or our nodes) behave. */
const INHERITED_VARIABLE_DENYLIST = /^(N8N_|DB_|EXECUTIONS_|QUEUE_|WHATSAPP_SUPPORT_|WEBHOOK_URL$|GENERIC_TIMEZONE$|NODE_ENV$|NODE_OPTIONS$|E2E_TESTS$)/;

/**
 * The environment for any n8n command on this user folder (server and CLI). Prepares the folder:
 * creates it, links the pack (community-folder mode) and fixes the encryption key.
 */
export function n8nEnvironment(options: N8nEnvironmentOptions): Record<string, string> {
	const { userFolder, packageMode = 'community-folder', packageDir = repoRoot } = options;
	mkdirSync(userFolder, { recursive: true });
	const env: Record<string, string> = {};
	for (const [key, value] of Object.entries(process.env)) {
		// NODE_ENV=test (set by jest) makes n8n refuse to load nodes; production turns on rate limits.
		if (value !== undefined && !INHERITED_VARIABLE_DENYLIST.test(key)) env[key] = value;
	}
	Object.assign(env, {
		N8N_USER_FOLDER: userFolder,
		N8N_ENCRYPTION_KEY: resolveEncryptionKey(userFolder, options.encryptionKey),
		DB_TYPE: 'sqlite',
		N8N_LOG_LEVEL: 'info',
		N8N_LOG_OUTPUT: 'console',
		N8N_SECURE_COOKIE: 'false',
		// Quiet and offline: no telemetry, no calls to n8n.io hosts, no onboarding.
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_WHATS_NEW_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_DYNAMIC_BANNERS_ENABLED: 'false',
		N8N_HIRING_BANNER_ENABLED: 'false',
		// The vetted community-node list comes from api.n8n.io; loading our package does not need it.
		N8N_VERIFIED_PACKAGES_ENABLED: 'false',
		// This module refreshes an MCP server list from api.n8n.io right after start-up and logs errors offline.
		// Keep `community-packages` enabled: it is the module that loads packages from `.n8n/nodes`.
		N8N_DISABLED_MODULES: 'mcp-registry',
		// Tests count executions, so keep them all.
		EXECUTIONS_DATA_SAVE_ON_SUCCESS: 'all',
		EXECUTIONS_DATA_SAVE_ON_ERROR: 'all',
	});
	if (packageMode === 'custom-extensions') {
		env.N8N_CUSTOM_EXTENSIONS = path.join(packageDir, 'dist');
	} else if (packageMode === 'community-folder') {
		linkPackageIntoUserFolder(userFolder, packageDir);
	}
	for (const [key, value] of Object.entries(options.env ?? {})) {
		if (value === undefined) delete env[key];
		else env[key] = value;
	}
	return env;
}

function listenOnce(port: number, host: string): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.unref();
		server.once('error', reject);
		server.listen({ port, host, exclusive: true }, () => {
			const address = server.address();
			const chosen = typeof address === 'object' && address ? address.port : port;
			server.close(() => resolve(chosen));
		});
	});
}

/** Whether `port` can be bound on `host` right now. */
export async function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
	try {
		await listenOnce(port, host);
		return true;
	} catch {
		return false;
	}
}

/** A port the OS reports free (never n8n's default 5678/5679, which a dev server may take later). */
export async function findFreePort(exclude: number[] = []): Promise<number> {
	for (let attempt = 0; attempt < 20; attempt++) {
		const port = await listenOnce(0, '127.0.0.1');
		if (![5678, TASK_BROKER_DEFAULT_PORT, ...exclude].includes(port)) return port;
	}
	throw new Error('no free port found');
}

// ---------------------------------------------------------------------------------------------
// n8n CLI (run before the server starts)
// ---------------------------------------------------------------------------------------------

export interface CommandResult {
	exitCode: number | null;
	output: string;
}

export type CliOptions = Omit<N8nEnvironmentOptions, 'userFolder'> & { timeoutMs?: number };

/** Runs `n8n <args>` on the user folder; throws with the output when it fails. */
export async function runN8nCommand(userFolder: string, args: string[], options: CliOptions = {}): Promise<CommandResult> {
	const env = n8nEnvironment({ ...options, userFolder });
	const timeoutMs = options.timeoutMs ?? 120_000;
	const child = spawn(projectNodeBinary(), [n8nEntryPoint, ...args], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
	let output = '';
	child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
	child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
	const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
	const exitCode = await new Promise<number | null>((resolve, reject) => {
		child.once('error', reject);
		child.once('close', (code) => resolve(code));
	}).finally(() => clearTimeout(timer));
	if (exitCode !== 0) {
		throw new Error(`\`n8n ${args.join(' ')}\` failed (exit ${exitCode}):\n${tail(output, 40)}`);
	}
	return { exitCode, output };
}

/** A workflow as n8n exports and imports it (only the fields these helpers use). */
export interface WorkflowJson {
	id?: string;
	name: string;
	nodes: WorkflowNodeJson[];
	connections: Record<string, unknown>;
	active?: boolean;
	tags?: Array<string | { name: string }>;
	[key: string]: unknown;
}

export interface WorkflowNodeJson {
	id?: string;
	name: string;
	type: string;
	typeVersion: number;
	position: [number, number];
	parameters: Record<string, unknown>;
	webhookId?: string;
	credentials?: Record<string, { id: string; name: string }>;
	[key: string]: unknown;
}

export interface ImportedWorkflow {
	id: string;
	name: string;
	/** The file it came from, or `inline[<index>]`. */
	source: string;
	tags: string[];
	workflow: WorkflowJson;
}

/** An id n8n accepts (16 characters of [0-9A-Za-z]) that is the same on every run for the same seed. */
export function stableId(seed: string): string {
	const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
	const digest = createHash('sha256').update(seed).digest();
	return Array.from(digest.subarray(0, 16), (byte) => alphabet[byte % alphabet.length]).join('');
}

function readWorkflowSource(source: string | WorkflowJson, index: number): Array<{ source: string; workflow: WorkflowJson }> {
	if (typeof source !== 'string') return [{ source: `inline[${index}]`, workflow: source }];
	const parsed = JSON.parse(readFileSync(source, 'utf8')) as WorkflowJson | WorkflowJson[];
	const list = Array.isArray(parsed) ? parsed : [parsed];
	return list.map((workflow, position) => ({ source: list.length > 1 ? `${source}[${position}]` : source, workflow }));
}

/**
 * Reads workflow files (or takes workflow objects) and gives each the id it will have in n8n: its own
 * id, else a stable one derived from its file path (or name, for inline workflows), so importing again
 * updates the workflow instead of adding a copy.
 */
export function describeWorkflows(sources: Array<string | WorkflowJson>): ImportedWorkflow[] {
	return sources
		.flatMap((source, index) => readWorkflowSource(source, index))
		.map(({ source, workflow }): ImportedWorkflow => {
			const seed = source.startsWith('inline[') ? workflow.name : path.relative(repoRoot, source);
			const id = workflow.id || stableId(`workflow:${seed}`);
			// n8n's importer needs tag objects; a plain string would fail with a NOT NULL constraint.
			const tagObjects = (workflow.tags ?? []).map((tag) => (typeof tag === 'string' ? { name: tag } : tag));
			const stamped: WorkflowJson = { ...workflow, id, ...(workflow.tags ? { tags: tagObjects } : {}) };
			return { id, name: workflow.name, source, tags: tagObjects.map((tag) => tag.name), workflow: stamped };
		});
}

/**
 * Imports workflows with `n8n import:workflow` (the server must not be running on this folder), with
 * the ids `describeWorkflows` gives them. Imported workflows are inactive (n8n 2.x deactivates on
 * import); publish them with `publishWorkflows` before start, or activate them over REST afterwards
 * (`N8nRestClient.activateWorkflow`).
 */
export async function importWorkflows(
	userFolder: string,
	sources: Array<string | WorkflowJson>,
	options: CliOptions = {},
): Promise<ImportedWorkflow[]> {
	const workflows = describeWorkflows(sources);
	if (workflows.length === 0) return [];
	const staging = mkdtempSync(path.join(os.tmpdir(), 'n8n-import-'));
	try {
		workflows.forEach(({ workflow }, index) => {
			writeFileSync(path.join(staging, `${String(index).padStart(3, '0')}.json`), JSON.stringify(workflow));
		});
		await runN8nCommand(userFolder, ['import:workflow', '--separate', `--input=${staging}`], options);
		return workflows;
	} finally {
		rmSync(staging, { recursive: true, force: true });
	}
}

/** A credential as `n8n import:credentials` reads it. `data` may be plain: n8n 2.39 encrypts it on import. */
export interface CredentialJson {
	id?: string;
	name: string;
	type: string;
	data: Record<string, unknown> | string;
	[key: string]: unknown;
}

/**
 * Imports credentials with `n8n import:credentials` from a JSON file (an array) or a list. n8n 2.39
 * encrypts a plain-object `data` with the folder's key (commands/import/credentials.ts, `encryptV2`), so
 * plain secrets are fine here. Credentials without an id get a stable one from type and name.
 */
export async function importCredentials(
	userFolder: string,
	source: string | CredentialJson[],
	options: CliOptions = {},
): Promise<CredentialJson[]> {
	const list = typeof source === 'string' ? (JSON.parse(readFileSync(source, 'utf8')) as CredentialJson[]) : source;
	if (!Array.isArray(list)) throw new Error('credentials must be a JSON array');
	if (list.length === 0) return [];
	const stamped = list.map((credential) => ({ ...credential, id: credential.id || stableId(`credential:${credential.type}:${credential.name}`) }));
	const staging = mkdtempSync(path.join(os.tmpdir(), 'n8n-import-'));
	try {
		const file = path.join(staging, 'credentials.json');
		writeFileSync(file, JSON.stringify(stamped), { mode: 0o600 });
		await runN8nCommand(userFolder, ['import:credentials', `--input=${file}`], options);
		return stamped;
	} finally {
		rmSync(staging, { recursive: true, force: true });
	}
}

/**
 * Publishes (activates) workflows with `n8n publish:workflow --id=<id>`, which replaced
 * `update:workflow --active=true` in n8n 2.x. Takes effect when the server next starts.
 */
export async function publishWorkflows(userFolder: string, ids: string[], options: CliOptions = {}): Promise<void> {
	for (const id of ids) await runN8nCommand(userFolder, ['publish:workflow', `--id=${id}`], options);
}

// ---------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------

const runningServers = new Set<ChildProcess>();
let exitHookInstalled = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
	if (child.pid === undefined) return;
	try {
		process.kill(-child.pid, signal);
	} catch {
		// The group is gone already.
	}
}

function installExitHook(): void {
	if (exitHookInstalled) return;
	exitHookInstalled = true;
	// A test run that crashes must not leave n8n servers behind.
	process.on('exit', () => {
		for (const child of runningServers) killGroup(child, 'SIGKILL');
	});
}

function tail(text: string, lines: number): string {
	return text.split('\n').slice(-lines).join('\n');
}

function hostForRequests(listenAddress: string): string {
	if (['', '::', '0.0.0.0'].includes(listenAddress)) return '127.0.0.1';
	return listenAddress.includes(':') ? `[${listenAddress}]` : listenAddress;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** For races: an unref'd timer does not keep the process alive after the other side has won. */
const sleepUnref = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** Starts n8n and resolves once it serves requests and has started its active workflows. */
export async function startN8n(options: StartN8nOptions = {}): Promise<N8nServer> {
	const createdFolder = options.userFolder === undefined;
	const userFolder = options.userFolder ?? createTempUserFolder();
	const removeUserFolderOnStop = options.removeUserFolderOnStop ?? createdFolder;
	const packageMode = options.packageMode ?? 'community-folder';
	const packageDir = options.packageDir ?? repoRoot;
	const listenAddress = options.listenAddress ?? '127.0.0.1';
	const port = options.port ?? (await findFreePort());
	const brokerPort = options.brokerPort ?? (await findFreePort([port]));
	if (port === TASK_BROKER_DEFAULT_PORT) throw new Error('port 5679 is the task broker\'s; choose another');
	const startupTimeoutMs = options.startupTimeoutMs ?? 120_000;
	const command = options.command ?? 'start';

	const env = n8nEnvironment({
		userFolder,
		packageMode,
		packageDir,
		encryptionKey: options.encryptionKey,
		env: {
			N8N_PORT: String(port),
			N8N_LISTEN_ADDRESS: listenAddress,
			N8N_RUNNERS_BROKER_PORT: String(brokerPort),
			// A worker's only HTTP server is its health server; its default port is 5678.
			...(command === 'worker'
				? { QUEUE_HEALTH_CHECK_ACTIVE: 'true', QUEUE_HEALTH_CHECK_PORT: String(port), N8N_WORKER_SERVER_ADDRESS: listenAddress }
				: {}),
			...options.env,
		},
	});
	const waitForMarker = ['info', 'debug'].includes(env.N8N_LOG_LEVEL ?? 'info');
	const readyLogMarker = READY_LOG_MARKERS[command];
	// A worker started with its health server turned off can only be watched through its log.
	const hasHealthEndpoint = command !== 'worker' || env.QUEUE_HEALTH_CHECK_ACTIVE === 'true';
	if (!hasHealthEndpoint && !waitForMarker) {
		throw new Error('a worker without QUEUE_HEALTH_CHECK_ACTIVE=true needs N8N_LOG_LEVEL info or debug, else its readiness cannot be seen');
	}

	const lines: string[] = [];
	const lineWaiters = new Set<{ pattern: RegExp; resolve: (line: string) => void }>();
	const logStream: WriteStream | undefined = options.logFile ? createWriteStream(options.logFile, { flags: 'a' }) : undefined;
	const onLine = (line: string) => {
		lines.push(line);
		if (lines.length > LOG_LINES_KEPT) lines.splice(0, lines.length - LOG_LINES_KEPT);
		logStream?.write(`${line}\n`);
		options.onLine?.(line);
		for (const waiter of lineWaiters) {
			if (waiter.pattern.test(line)) {
				lineWaiters.delete(waiter);
				waiter.resolve(line);
			}
		}
	};

	const startedAt = Date.now();
	// Its own process group: Ctrl-C in a terminal reaches only us (we stop n8n once, cleanly), and
	// stop() can kill n8n together with its task runner.
	const child = spawn(projectNodeBinary(), [n8nEntryPoint, command, ...(options.args ?? [])], {
		cwd: repoRoot,
		env,
		stdio: ['ignore', 'pipe', 'pipe'],
		detached: true,
	});
	installExitHook();
	runningServers.add(child);
	for (const stream of [child.stdout, child.stderr]) {
		let pending = '';
		stream.setEncoding('utf8');
		stream.on('data', (chunk: string) => {
			pending += chunk;
			const parts = pending.split('\n');
			pending = parts.pop() ?? '';
			parts.forEach(onLine);
		});
		stream.on('end', () => {
			if (pending) onLine(pending);
			pending = '';
		});
	}
	let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
	const exited = new Promise<void>((resolve) => {
		child.once('exit', (code, signal) => {
			exitInfo = { code, signal };
			runningServers.delete(child);
			resolve();
		});
		child.once('error', (error) => {
			onLine(`[launcher] could not spawn n8n: ${error.message}`);
			exitInfo = { code: null, signal: null };
			runningServers.delete(child);
			resolve();
		});
	});

	const baseUrl = `http://${hostForRequests(listenAddress)}:${port}`;
	const logs = () => lines.join('\n');
	const logTail = (count = 60) => lines.slice(-count).join('\n');

	let stopping: Promise<void> | undefined;
	const stop = (): Promise<void> => {
		stopping ??= (async () => {
			if (!exitInfo && child.pid !== undefined) {
				try {
					process.kill(child.pid, 'SIGTERM');
				} catch {
					// Exited meanwhile.
				}
				const graceful = await Promise.race([exited.then(() => true), sleepUnref(20_000).then(() => false)]);
				if (!graceful) onLine('[launcher] n8n did not stop within 20 s; killing it');
			}
			// Also takes the task runner (and anything else left in the group) down.
			killGroup(child, 'SIGKILL');
			await Promise.race([exited, sleepUnref(5_000)]);
			child.stdout?.destroy();
			child.stderr?.destroy();
			await new Promise<void>((resolve) => (logStream ? logStream.end(resolve) : resolve()));
			if (removeUserFolderOnStop && !process.env.KEEP_N8N_USER_FOLDER) {
				rmSync(userFolder, { recursive: true, force: true });
			}
		})();
		return stopping;
	};

	const waitForLog = (pattern: RegExp, timeoutMs = 30_000): Promise<string> => {
		const seen = lines.find((line) => pattern.test(line));
		if (seen !== undefined) return Promise.resolve(seen);
		return new Promise<string>((resolve, reject) => {
			const waiter = { pattern, resolve: (line: string) => (clearTimeout(timer), resolve(line)) };
			const timer = setTimeout(() => {
				lineWaiters.delete(waiter);
				reject(new Error(`n8n did not log ${pattern} within ${timeoutMs} ms. Last lines:\n${logTail(40)}`));
			}, timeoutMs);
			lineWaiters.add(waiter);
		});
	};

	const fail = async (reason: string): Promise<never> => {
		await stop();
		throw new Error(
			`n8n failed to start: ${reason}\n` +
				`command: ${command}, user folder: ${userFolder}, port ${port}, broker port ${brokerPort}\n` +
				`--- last lines of n8n output ---\n${logTail(60)}`,
		);
	};

	// Ready = /healthz/readiness answers 200 (DB migrated, server up) and, because n8n marks itself
	// ready before it starts the published workflows, the "Editor is now accessible" line that follows.
	// Webhook processes and workers: the same endpoint (a worker's on its health server, 200 once it
	// takes jobs) and their own ready line (READY_LOG_MARKERS).
	const deadline = startedAt + startupTimeoutMs;
	let healthy = !hasHealthEndpoint;
	while (true) {
		if (exitInfo) {
			await fail(`the process exited (code ${exitInfo.code}, signal ${exitInfo.signal})`);
		}
		if (Date.now() > deadline) {
			await fail(`not ready within ${Math.round(startupTimeoutMs / 1000)} s (health check ${healthy ? 'passed' : 'not passing'})`);
		}
		if (!healthy) {
			try {
				const response = await fetch(`${baseUrl}/healthz/readiness`, { signal: AbortSignal.timeout(2_000) });
				healthy = response.status === 200;
				await response.body?.cancel();
			} catch {
				// Not listening yet.
			}
		}
		if (healthy && (!waitForMarker || lines.some((line) => readyLogMarker.test(line)))) break;
		await Promise.race([sleepUnref(250), exited]);
	}

	return {
		baseUrl,
		editorUrl: `http://localhost:${port}`,
		port,
		brokerPort,
		userFolder,
		pid: child.pid ?? -1,
		command,
		nodeTypePrefix: nodeTypePrefixFor(packageMode, packageDir),
		startupMs: Date.now() - startedAt,
		rest: new N8nRestClient(baseUrl),
		logs,
		logTail,
		waitForLog,
		isRunning: () => !exitInfo,
		waitForExit: async () => {
			await exited;
			return exitInfo ?? { code: null, signal: null };
		},
		stop,
	};
}

// ---------------------------------------------------------------------------------------------
// REST API (the editor's internal API under /rest, authenticated by the `n8n-auth` cookie)
// ---------------------------------------------------------------------------------------------

export interface OwnerAccount {
	email: string;
	password: string;
	firstName: string;
	lastName: string;
}

export const DEFAULT_TEST_OWNER: OwnerAccount = {
	email: 'owner@example.com',
	// n8n wants 8+ characters with a digit and an upper-case letter.
	password: 'E2e-Owner-2026',
	firstName: 'Test',
	lastName: 'Owner',
};

/** The parts of a node type description the helpers read; n8n serves the full description. */
export interface NodeTypeSummary {
	name: string;
	displayName: string;
	version: number | number[];
	group?: string[];
	inputs?: unknown;
	outputs?: unknown;
	credentials?: Array<{ name: string; required?: boolean }>;
	webhooks?: Array<{ name: string; httpMethod: string; path: string; isFullPath?: boolean | string }>;
	[key: string]: unknown;
}

export interface CredentialTypeSummary {
	name: string;
	displayName: string;
	[key: string]: unknown;
}

export interface WorkflowRecord extends WorkflowJson {
	id: string;
	active: boolean;
	versionId: string;
	activeVersionId: string | null;
}

export interface ExecutionSummary {
	id: string;
	workflowId: string;
	mode: string;
	status: string;
	startedAt: string | null;
	stoppedAt: string | null;
	[key: string]: unknown;
}

export class N8nRequestError extends Error {
	/** n8n's own explanation (the `message` of its JSON error body), else the raw body. */
	readonly serverMessage: string;

	constructor(
		readonly method: string,
		readonly path: string,
		readonly status: number,
		readonly body: string,
	) {
		let serverMessage = body;
		try {
			const parsed = JSON.parse(body) as { message?: unknown };
			if (typeof parsed.message === 'string') serverMessage = parsed.message;
		} catch {
			// Not JSON.
		}
		super(`${method} ${path} → HTTP ${status}: ${serverMessage.slice(0, 500)}`);
		this.name = 'N8nRequestError';
		this.serverMessage = serverMessage;
	}
}

export class N8nRestClient {
	private cookie: string | undefined;

	constructor(readonly baseUrl: string) {}

	get authCookie(): string | undefined {
		return this.cookie;
	}

	/** A JSON request; returns the parsed body (REST answers are wrapped in `{ data }`). */
	async request<T = unknown>(method: string, urlPath: string, body?: unknown, options: { timeoutMs?: number } = {}): Promise<T> {
		const headers: Record<string, string> = { accept: 'application/json' };
		if (body !== undefined) headers['content-type'] = 'application/json';
		if (this.cookie) headers.cookie = this.cookie;
		const send = async () =>
			await fetch(`${this.baseUrl}${urlPath}`, {
				method,
				headers,
				body: body === undefined ? undefined : JSON.stringify(body),
				signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
			});
		let response: Response;
		try {
			response = await send();
		} catch (error) {
			// A kept-alive connection n8n closed just as this request went out: safe to send a GET again.
			const code = (error as { cause?: { code?: string } }).cause?.code;
			if (method !== 'GET' || (code !== 'ECONNRESET' && code !== 'UND_ERR_SOCKET')) throw error;
			response = await send();
		}
		const authCookie = response.headers.getSetCookie().find((cookie) => cookie.startsWith('n8n-auth='));
		if (authCookie) this.cookie = authCookie.split(';')[0];
		const text = await response.text();
		if (!response.ok) throw new N8nRequestError(method, urlPath, response.status, text);
		return (text ? JSON.parse(text) : undefined) as T;
	}

	/** A `/rest` call, unwrapped from `{ data }`. */
	async rest<T = unknown>(method: string, urlPath: string, body?: unknown, options: { timeoutMs?: number } = {}): Promise<T> {
		const result = await this.request<{ data: T }>(method, `/rest${urlPath}`, body, options);
		return result.data;
	}

	async isOwnerSetUp(): Promise<boolean> {
		const settings = await this.rest<{ userManagement: { showSetupOnFirstLoad?: boolean } }>('GET', '/settings');
		return settings.userManagement.showSetupOnFirstLoad === false;
	}

	/** `POST /rest/owner/setup`; signs in as the owner. */
	async setupOwner(owner: OwnerAccount = DEFAULT_TEST_OWNER): Promise<void> {
		await this.rest('POST', '/owner/setup', owner);
	}

	async login(email: string, password: string): Promise<void> {
		await this.rest('POST', '/login', { emailOrLdapLoginId: email, password });
	}

	/** Sets the owner up on a new instance, else logs in. Returns whether it was created now. */
	async ensureOwner(owner: OwnerAccount = DEFAULT_TEST_OWNER): Promise<{ created: boolean }> {
		if (!(await this.isOwnerSetUp())) {
			await this.setupOwner(owner);
			return { created: true };
		}
		await this.login(owner.email, owner.password);
		return { created: false };
	}

	/** Every node type the server knows (what the editor loads), from `GET /types/nodes.json`. */
	async nodeTypes(): Promise<NodeTypeSummary[]> {
		return await this.request<NodeTypeSummary[]>('GET', '/types/nodes.json');
	}

	async credentialTypes(): Promise<CredentialTypeSummary[]> {
		return await this.request<CredentialTypeSummary[]>('GET', '/types/credentials.json');
	}

	async getWorkflow(id: string): Promise<WorkflowRecord> {
		return await this.rest<WorkflowRecord>('GET', `/workflows/${id}`);
	}

	/**
	 * Publishes the workflow's current version (`POST /rest/workflows/:id/activate` with its versionId,
	 * the editor's "Publish"). Throws with n8n's reason when activation fails (unknown node, missing
	 * credential, webhook path taken, ...).
	 */
	async activateWorkflow(id: string, options: { timeoutMs?: number; attempts?: number } = {}): Promise<WorkflowRecord> {
		// On a loaded machine publishing (which loads every node and registers webhooks) can take well over
		// 30 s: wait up to two minutes per attempt, and try again after a timeout or a 5xx unless it went live.
		const attempts = options.attempts ?? 3;
		for (let attempt = 1; ; attempt++) {
			const { versionId, activeVersionId } = await this.getWorkflow(id);
			if (activeVersionId === versionId) return await this.getWorkflow(id);
			try {
				return await this.rest<WorkflowRecord>('POST', `/workflows/${id}/activate`, { versionId }, { timeoutMs: options.timeoutMs ?? 120_000 });
			} catch (error) {
				const retryable = error instanceof N8nRequestError ? error.status >= 500 : (error as Error).name === 'TimeoutError';
				if (!retryable || attempt >= attempts) throw error;
				await sleep(2_000 * attempt);
			}
		}
	}

	async deactivateWorkflow(id: string): Promise<WorkflowRecord> {
		return await this.rest<WorkflowRecord>('POST', `/workflows/${id}/deactivate`, {});
	}

	async activeWorkflowIds(): Promise<string[]> {
		return await this.rest<string[]>('GET', '/active-workflows');
	}

	/** Newest first; n8n returns at most 100 per call. */
	async executions(workflowId: string, limit = 100): Promise<ExecutionSummary[]> {
		const query = new URLSearchParams({ filter: JSON.stringify({ workflowId }), limit: String(limit) });
		const result = await this.rest<{ results: ExecutionSummary[]; count: number }>('GET', `/executions?${query}`);
		return result.results;
	}

	/** Without `status`, counts finished executions (n8n leaves out new and running ones). */
	async countExecutions(workflowId: string, status?: string): Promise<number> {
		const query = new URLSearchParams({ filter: JSON.stringify(status ? { workflowId, status: [status] } : { workflowId }) });
		const result = await this.rest<{ count: number }>('GET', `/executions?${query}`);
		return result.count;
	}

	/** Polls until the workflow has at least `count` finished executions; returns them (newest first). */
	async waitForExecutions(workflowId: string, count: number, timeoutMs = 30_000): Promise<ExecutionSummary[]> {
		const deadline = Date.now() + timeoutMs;
		let latest: ExecutionSummary[] = [];
		while (Date.now() < deadline) {
			latest = (await this.executions(workflowId)).filter((execution) => execution.stoppedAt);
			if (latest.length >= count) return latest;
			await sleep(250);
		}
		throw new Error(`workflow ${workflowId} has ${latest.length} finished executions after ${timeoutMs} ms, expected ${count}`);
	}
}

/** n8n keeps execution data in the `flatted` format: every string and object is an entry referenced by index. */
export function unflattenExecutionData(text: string): unknown {
	const entries = JSON.parse(text) as unknown[];
	const built = new Map<number, unknown>();
	const resolve = (index: number): unknown => {
		const entry = entries[index];
		if (typeof entry !== 'object' || entry === null) return entry;
		if (built.has(index)) return built.get(index);
		const copy: Record<string, unknown> | unknown[] = Array.isArray(entry) ? [] : {};
		built.set(index, copy);
		for (const [key, value] of Object.entries(entry)) (copy as Record<string, unknown>)[key] = typeof value === 'string' ? resolve(Number(value)) : value;
		return copy;
	};
	return resolve(0);
}
