// `npm start`: a local n8n with this pack, the shipped workflows and a demo owner account.
//
// - Data lives in `<repo>/.n8n-dev` (git-ignored); delete it to start over. n8n's log: `.n8n-dev/n8n.log`.
// - Port 5678, or PORT / N8N_PORT. Listens on 127.0.0.1 unless N8N_LISTEN_ADDRESS says otherwise.
//   Other N8N_* variables in your shell (e.g. WEBHOOK_URL for a tunnel) are passed on to n8n.
// - Every `workflows/*.json` is imported with n8n's CLI before the server starts: on the first run,
//   then whenever the file changes (an edit you made in the editor is kept until then). REIMPORT=1
//   imports all again; WORKFLOWS_DIR=<folder> imports another folder. Workflows listed in
//   ACTIVATE_ON_START, or tagged `autostart`, are published.
// - Demo credentials (DEMO_CREDENTIALS below) are written to `.n8n-dev/demo-credentials.json` and
//   imported the same way.
// - Owner account: demo@example.com with the password printed at start (N8N_DEMO_PASSWORD overrides).
// - The WhatsApp Graph API sandbox runs in this process on 127.0.0.1:5690 (GRAPH_SANDBOX_PORT), so the
//   demo credentials work with no Meta account; it posts signed delivery statuses back to the trigger.
//   `npm run chat -- "Hello"` plays the guest.
// - The booking-system sandbox (a small PMS and table book, demo data relative to today) runs in this
//   process on 127.0.0.1:5691 (BOOKING_SANDBOX_PORT; BOOKING_SANDBOX_SEED=<file.json> starts it from
//   your own seed); the shipped workflows reach it with the "Booking System (demo sandbox)" credential.
// - The demo hotel website (sandbox/hotel-page.ts) with the web chat widget of whatsapp-ai-support runs on
//   127.0.0.1:5693 (HOTEL_PAGE_PORT), the origin that workflow's Web Chat Trigger allows.
// Ctrl-C stops n8n cleanly.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import {
	type CredentialJson,
	describeWorkflows,
	findFreePort,
	importCredentials,
	importWorkflows,
	type ImportedWorkflow,
	isPortFree,
	N8nRequestError,
	type N8nServer,
	type NodeTypeSummary,
	type OwnerAccount,
	readPackageJson,
	repoRoot,
	startN8n,
	type WorkflowNodeJson,
} from './lib/n8n-server';
import { readBookingSeedFile } from '../sandbox/booking-serve';
import { type BookingSandbox, startBookingSandbox } from '../sandbox/booking-sandbox';
import { conciergeResponder } from '../sandbox/concierge-model';
import { type OpenAiServer, startOpenAiServer } from '../sandbox/openai-server';
import { startGraphSandbox, type GraphSandbox } from '../sandbox/graph-sandbox';
import {
	DEMO_APP_SECRET,
	DEMO_BOOKING_SYSTEM,
	DEMO_DASHBOARD_ADMIN,
	DEMO_HEADER_KEYS,
	DEMO_SURVEY_TIMING,
	DEMO_TEMPLATES,
	demoBookingSandboxPort,
	demoLlmSandboxPort,
	DEMO_LLM,
	demoBookingSandboxUrl,
	demoCredentials,
	demoGraphSandboxPort,
	demoHotelPagePort,
	demoWebhookUrl,
	demoWidgetUrl,
	withBookingSystemUrl,
	withDemoSurveyTiming,
} from './demo';
import { startHotelPage, type HotelPage } from '../sandbox/hotel-page';

/**
 * Workflow files (in workflows/) published on every start: the bots you can chat with, the agent desk
 * (the bots call it on every handoff), privacy (DSAR webhook), the dashboard and the satisfaction survey
 * (with the demo timing, withDemoSurveyTiming). re-engagement-templates stays unpublished: its sample rows
 * would message sample numbers every morning.
 */
const ACTIVATE_ON_START: string[] = [
	'whatsapp-ai-support.json',
	'hotel-concierge.json',
	'hotel-concierge-llm.json',
	'restaurant-reservations.json',
	'travel-agency.json',
	'agent-desk-bridge.json',
	'privacy-retention.json',
	'chats-dashboard.json',
	'satisfaction-survey.json',
];
/** Workflows carrying this tag are published on every start, too. */
const AUTOSTART_TAG = 'autostart';
/** `npm start`'s N8N_CONCURRENCY_PRODUCTION_LIMIT unless the environment sets one (README, production recipe). */
const DEFAULT_CONCURRENCY_PRODUCTION_LIMIT = '10';

/**
 * Credentials the demo workflows use (see demo.ts). `data` is plain; n8n encrypts it on import. Each has a
 * fixed `id` the workflows reference (`"credentials": { "<type>": { "id": "...", "name": "..." } }`).
 */
const DEMO_CREDENTIALS: CredentialJson[] = demoCredentials();

const devFolder = path.join(repoRoot, '.n8n-dev');
const workflowsFolder = process.env.WORKFLOWS_DIR ? path.resolve(process.env.WORKFLOWS_DIR) : path.join(repoRoot, 'workflows');
const stateFile = path.join(devFolder, 'start-state.json');
const credentialsFile = path.join(devFolder, 'demo-credentials.json');
const logFile = path.join(devFolder, 'n8n.log');

const owner: OwnerAccount = {
	email: process.env.N8N_DEMO_EMAIL ?? 'demo@example.com',
	password: process.env.N8N_DEMO_PASSWORD ?? 'WhatsApp-Demo-2026',
	firstName: 'Demo',
	lastName: 'Owner',
};

interface StartState {
	/** Content hash of what was imported, per workflow file and for the credentials. */
	workflows: Record<string, string>;
	credentials?: string;
}

function say(message: string): void {
	process.stdout.write(`[start] ${message}\n`);
}

function hashOf(value: unknown): string {
	return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

function readState(): StartState {
	// Without n8n's database (a fresh or wiped .n8n-dev) nothing counts as imported.
	const database = path.join(devFolder, '.n8n', 'database.sqlite');
	if (!existsSync(stateFile) || !existsSync(database)) return { workflows: {} };
	return JSON.parse(readFileSync(stateFile, 'utf8')) as StartState;
}

/** Your variables for n8n: N8N_*, the few others n8n reads and our own, minus what this script decides. */
function passThroughEnvironment(): Record<string, string> {
	const env: Record<string, string> = {};
	for (const [key, value] of Object.entries(process.env)) {
		if (value === undefined) continue;
		if (/^(N8N_|DB_|EXECUTIONS_|WHATSAPP_SUPPORT_|WEBHOOK_URL$|GENERIC_TIMEZONE$)/.test(key)) env[key] = value;
	}
	for (const owned of ['N8N_USER_FOLDER', 'N8N_PORT', 'N8N_RUNNERS_BROKER_PORT', 'N8N_LISTEN_ADDRESS', 'N8N_DEMO_EMAIL', 'N8N_DEMO_PASSWORD']) {
		delete env[owned];
	}
	return env;
}

/**
 * The demo's store is encrypted at rest, with a key made once and kept in .n8n-dev (a demo: in production keep
 * the key apart from the data, README "Encryption at rest"). Yours wins: WHATSAPP_SUPPORT_ENCRYPTION_KEY.
 */
function demoEncryptionKey(): string {
	const file = path.join(devFolder, 'store-encryption.key');
	if (!existsSync(file)) {
		mkdirSync(devFolder, { recursive: true });
		writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
	}
	return readFileSync(file, 'utf8').trim();
}

function checkBuild(): { nodes: string[]; credentials: string[] } {
	const { n8n } = readPackageJson();
	const nodes = n8n?.nodes ?? [];
	const credentials = n8n?.credentials ?? [];
	const missing = [...nodes, ...credentials].filter((file) => !existsSync(path.join(repoRoot, file)));
	if (missing.length > 0) {
		throw new Error(`package.json lists files that are not built: ${missing.join(', ')}. Run \`npm run build\` (npm start does).`);
	}
	return { nodes, credentials };
}

function workflowFiles(): string[] {
	if (!existsSync(workflowsFolder)) return [];
	return readdirSync(workflowsFolder)
		.filter((name) => name.endsWith('.json'))
		.sort()
		.map((name) => path.join(workflowsFolder, name));
}

function shouldActivate(workflow: ImportedWorkflow): boolean {
	return ACTIVATE_ON_START.includes(path.basename(workflow.source)) || workflow.tags.includes(AUTOSTART_TAG);
}

// ---- Webhook URLs to print --------------------------------------------------------------------

/** Resolves the simple expressions node descriptions use, e.g. `={{$parameter["path"]}}`. */
function resolveDescriptionValue(value: unknown, parameters: Record<string, unknown>): unknown {
	if (typeof value !== 'string' || !value.startsWith('=')) return value;
	const match = /^=\{\{\s*\$parameter\[["'](\w+)["']\]\s*(?:\|\|\s*["']([^"']*)["'])?\s*\}\}$/.exec(value);
	if (!match) return undefined;
	return parameters[match[1]] ?? match[2];
}

function descriptionFor(node: WorkflowNodeJson, nodeTypes: NodeTypeSummary[]): NodeTypeSummary | undefined {
	const candidates = nodeTypes.filter((type) => type.name === node.type);
	return (
		candidates.find((type) => (Array.isArray(type.version) ? type.version : [type.version]).includes(node.typeVersion)) ??
		candidates[0]
	);
}

/** Same rule as n8n-workflow's NodeHelpers.getNodeWebhookPath for production webhooks. */
function webhookLines(workflow: ImportedWorkflow, nodeTypes: NodeTypeSummary[], webhookBase: string): string[] {
	const lines: string[] = [];
	for (const node of workflow.workflow.nodes) {
		if (node.disabled === true) continue;
		for (const webhook of descriptionFor(node, nodeTypes)?.webhooks ?? []) {
			const rawPath = resolveDescriptionValue(webhook.path, node.parameters);
			const method = resolveDescriptionValue(webhook.httpMethod, node.parameters);
			const isFullPath = resolveDescriptionValue(webhook.isFullPath, node.parameters) === true;
			if (typeof rawPath !== 'string') continue;
			const webhookPath = rawPath.replace(/^\//, '');
			let urlPath: string;
			if (node.webhookId === undefined) {
				urlPath = `${workflow.id}/${encodeURIComponent(node.name.toLowerCase())}/${webhookPath}`;
			} else if (isFullPath && !webhookPath.startsWith(':') && !webhookPath.includes('/:')) {
				urlPath = webhookPath || node.webhookId;
			} else {
				urlPath = `${node.webhookId}/${webhookPath}`;
			}
			const line = `${String(typeof method === 'string' ? method : 'GET').padEnd(6)} ${webhookBase}${urlPath}   (${node.name})`;
			if (!lines.includes(line)) lines.push(line);
		}
	}
	return lines;
}

// ---- Main -------------------------------------------------------------------------------------

let server: N8nServer | undefined;
let sandbox: GraphSandbox | undefined;
let bookingSandbox: BookingSandbox | undefined;
let llmSandbox: OpenAiServer | undefined;
let hotelPage: HotelPage | undefined;

async function main(): Promise<void> {
	const built = checkBuild();
	const { name: packageName } = readPackageJson();
	mkdirSync(devFolder, { recursive: true });

	const port = Number(process.env.PORT ?? process.env.N8N_PORT ?? 5678);
	const listenAddress = process.env.N8N_LISTEN_ADDRESS ?? '127.0.0.1';
	if (!(await isPortFree(port, listenAddress))) {
		throw new Error(`port ${port} is in use (another n8n? \`npm start\` already running?). Stop it, or run with PORT=<port>.`);
	}
	const brokerPort = process.env.N8N_RUNNERS_BROKER_PORT
		? Number(process.env.N8N_RUNNERS_BROKER_PORT)
		: await findFreePort([port]);
	const env = passThroughEnvironment();
	// Executions past the limit wait in n8n's queue without a V8 isolate: a burst cannot run n8n out of
	// memory through executions (README, production recipe). Yours wins when set.
	env.N8N_CONCURRENCY_PRODUCTION_LIMIT ??= DEFAULT_CONCURRENCY_PRODUCTION_LIMIT;
	if (!env.WHATSAPP_SUPPORT_ENCRYPTION_KEY) {
		env.WHATSAPP_SUPPORT_ENCRYPTION_KEY = demoEncryptionKey();
		say('support store encrypted at rest with the demo key in .n8n-dev/store-encryption.key (WHATSAPP_SUPPORT_ENCRYPTION_KEY for your own)');
	}

	const sandboxPort = demoGraphSandboxPort();
	if (!(await isPortFree(sandboxPort))) {
		throw new Error(`port ${sandboxPort} (Graph API sandbox) is in use. Stop what uses it, or set GRAPH_SANDBOX_PORT.`);
	}
	sandbox = await startGraphSandbox({ port: sandboxPort, templates: DEMO_TEMPLATES });
	say(`Graph API sandbox on ${sandbox.baseUrl}`);

	const bookingPort = demoBookingSandboxPort();
	if (!(await isPortFree(bookingPort))) {
		throw new Error(`port ${bookingPort} (booking-system sandbox) is in use. Stop what uses it, or set BOOKING_SANDBOX_PORT.`);
	}
	const bookingSeedFile = process.env.BOOKING_SANDBOX_SEED ? path.resolve(process.env.BOOKING_SANDBOX_SEED) : undefined;
	bookingSandbox = await startBookingSandbox({
		port: bookingPort,
		apiKeys: [DEMO_BOOKING_SYSTEM.key],
		seed: bookingSeedFile ? readBookingSeedFile(bookingSeedFile) : undefined,
		// The demo reservations and the full weekend stay weeks ahead when the clock moves on under a running demo.
		followClock: true,
	});
	say(`booking-system sandbox on ${bookingSandbox.baseUrl} (${bookingSeedFile ? `seed ${bookingSeedFile}` : 'demo data'} from ${bookingSandbox.today()})`);

	const llmPort = demoLlmSandboxPort();
	if (!(await isPortFree(llmPort))) {
		throw new Error(`port ${llmPort} (LLM sandbox) is in use. Stop what uses it, or set LLM_SANDBOX_PORT.`);
	}
	llmSandbox = await startOpenAiServer({ port: llmPort, apiKeys: [DEMO_LLM.apiKey], models: ['concierge-demo'], responder: conciergeResponder() });
	say(`LLM sandbox (OpenAI-compatible, scripted concierge) on ${llmSandbox.baseUrl}`);

	// Imports run before the server: the n8n CLI and a running server must not share the SQLite file.
	const state = readState();
	const reimportAll = Boolean(process.env.REIMPORT);
	const nextState: StartState = { workflows: {} };

	const credentialsHash = hashOf(DEMO_CREDENTIALS);
	if (DEMO_CREDENTIALS.length > 0 && (reimportAll || state.credentials !== credentialsHash)) {
		writeFileSync(credentialsFile, `${JSON.stringify(DEMO_CREDENTIALS, null, '\t')}\n`, { mode: 0o600 });
		say(`importing ${DEMO_CREDENTIALS.length} demo credential(s)…`);
		await importCredentials(devFolder, credentialsFile, { env });
	}
	nextState.credentials = credentialsHash;

	// The shipped HTTP Request nodes call the booking system on its default port; follow BOOKING_SANDBOX_PORT.
	const workflows = describeWorkflows(workflowFiles()).map((workflow) => ({
		...workflow,
		workflow: withDemoSurveyTiming(withBookingSystemUrl(workflow.workflow, demoBookingSandboxUrl())),
	}));
	const toImport = workflows.filter((workflow) => {
		const key = path.relative(repoRoot, workflow.source);
		const hash = hashOf(workflow.workflow);
		nextState.workflows[key] = hash;
		return reimportAll || state.workflows[key] !== hash;
	});
	if (workflows.length === 0) say('workflows/ has no workflow files yet; nothing to import');
	if (toImport.length > 0) {
		say(`importing ${toImport.length} workflow(s): ${toImport.map((workflow) => workflow.name).join(', ')}…`);
		await importWorkflows(devFolder, toImport.map((workflow) => workflow.workflow), { env });
	}
	writeFileSync(stateFile, `${JSON.stringify(nextState, null, '\t')}\n`);

	say(`starting n8n on port ${port} (first start takes ~20 s)…`);
	let echo = false;
	server = await startN8n({
		userFolder: devFolder,
		port,
		brokerPort,
		listenAddress,
		env,
		logFile,
		startupTimeoutMs: 180_000,
		onLine: (line) => {
			if (echo) process.stdout.write(`  n8n │ ${line}\n`);
		},
	});

	const running = server;
	let stopping = false;
	const shutdown = (signal: string) => {
		if (stopping) {
			say('stopping anyway');
			process.exit(130);
		}
		stopping = true;
		say(`${signal}: stopping n8n…`);
		void Promise.all([running.stop(), sandbox?.close(), bookingSandbox?.close(), llmSandbox?.close(), hotelPage?.close()]).then(() => process.exit(0));
	};
	process.on('SIGINT', () => shutdown('SIGINT'));
	process.on('SIGTERM', () => shutdown('SIGTERM'));
	void running.waitForExit().then(({ code, signal }) => {
		if (stopping) return;
		process.stderr.write(`[start] n8n exited unexpectedly (code ${code}, signal ${signal}). Last lines:\n${running.logTail(40)}\n`);
		process.exit(1);
	});

	let loggedIn = true;
	try {
		const { created } = await running.rest.ensureOwner(owner);
		if (created) say(`created the owner account ${owner.email}`);
	} catch (error) {
		if (!(error instanceof N8nRequestError && error.status === 401)) throw error;
		loggedIn = false;
		say(`could not log in as ${owner.email} with the demo password (changed in the editor?); skipping activation`);
	}

	const nodeTypes = loggedIn ? await running.rest.nodeTypes() : [];
	const ourNodeTypes = nodeTypes.filter((type) => type.name.startsWith(`${packageName}.`));
	const loadedNodeNames = new Set(ourNodeTypes.map((type) => type.name));
	if (loggedIn && loadedNodeNames.size < built.nodes.length) {
		say(`warning: package.json lists ${built.nodes.length} node(s) but n8n loaded ${loadedNodeNames.size}; see ${logFile}`);
	}

	const activationErrors = new Map<string, string>();
	for (const workflow of workflows) {
		if (!loggedIn || !shouldActivate(workflow)) continue;
		try {
			await running.rest.activateWorkflow(workflow.id);
		} catch (error) {
			activationErrors.set(workflow.id, error instanceof N8nRequestError ? error.serverMessage : String(error));
		}
	}
	const activeIds = loggedIn ? new Set(await running.rest.activeWorkflowIds()) : new Set<string>();

	// Delivery statuses of what the bot sends come back to the trigger, signed, as Meta would send them.
	sandbox?.configureWebhook({ url: demoWebhookUrl(running.baseUrl), appSecret: DEMO_APP_SECRET, statuses: ['sent', 'delivered', 'read'] });

	// The demo hotel website with the chat widget, on the origin the Web Chat Trigger allows.
	const hotelPagePort = demoHotelPagePort();
	if (await isPortFree(hotelPagePort)) hotelPage = await startHotelPage({ widgetUrl: demoWidgetUrl(running.baseUrl), port: hotelPagePort });
	else say(`port ${hotelPagePort} (demo hotel page) is in use; set HOTEL_PAGE_PORT and add its origin to the Web Chat Trigger's Allowed Origins`);

	const webhookBase = `${(process.env.WEBHOOK_URL ?? `${running.editorUrl}/`).replace(/\/?$/, '/')}${process.env.N8N_ENDPOINT_WEBHOOK ?? 'webhook'}/`;
	const out: string[] = [
		'',
		`n8n is running with ${packageName} (${loadedNodeNames.size} node type(s) loaded), started in ${(running.startupMs / 1000).toFixed(1)} s`,
		`  Editor:    ${running.editorUrl}`,
		`  Log in:    ${owner.email} / ${owner.password}`,
		`  Data:      ${devFolder}   (delete it to start over)`,
		`  n8n log:   ${logFile}`,
	];
	if (workflows.length > 0) out.push('  Workflows:');
	for (const workflow of workflows) {
		const active = activeIds.has(workflow.id);
		out.push(`    ${active ? '●' : '○'} ${workflow.name}   ${running.editorUrl}/workflow/${workflow.id}`);
		const activationError = activationErrors.get(workflow.id);
		if (activationError) out.push(`        could not activate: ${activationError}`);
		if (active) for (const line of webhookLines(workflow, nodeTypes, webhookBase)) out.push(`        ${line}`);
	}
	out.push(
		'',
		...(hotelPage ? [`Demo hotel website with the web chat: ${hotelPage.url}   (ask in any of the five languages; a complaint is handed to a person)`, ''] : []),
		`Chats dashboard: ${webhookBase}chats   (sign in as ${DEMO_DASHBOARD_ADMIN.username} / ${DEMO_DASHBOARD_ADMIN.password}, the admin)`,
		'',
		'Chat with the hotel bot as a guest (another terminal), in English, Dutch, German, French or Spanish:',
		'  npm run chat -- "Hoe laat is het ontbijt?"',
		'  npm run chat -- "Das Zimmer ist schmutzig, ich bin sehr enttäuscht!"     (handed to a person)',
		'  npm run chat -- "BAJA"                                                  (STOP in Spanish)',
		'  (signed WhatsApp webhooks to hotel-concierge; --bot support|restaurant|travel for the others,',
		'   --from <number> to be another guest; the duty-manager alert goes to +15550100001 in the sandbox)',
		'',
		`A minute or so after the bot's last answer the guest gets a satisfaction survey (CSAT 1–5; demo timing:`,
		`every ${DEMO_SURVEY_TIMING.everySeconds} s after ${DEMO_SURVEY_TIMING.quietMinutes} quiet minute, once per guest in 30 days; the Chats dashboard shows it under Value):`,
		'  npm run chat -- --listen 150        (wait for it)',
		'  npm run chat -- --tap 2             (answer "4 – Satisfied"; a low score asks why, just type)',
		'',
		'Keys for the webhooks other systems call (demo values, in the credentials):',
		...Object.values(DEMO_HEADER_KEYS).map((key) => `  ${key.credentialName.padEnd(16)} header ${key.name}: ${key.value}`),
		'',
		`Booking-system sandbox: ${bookingSandbox?.baseUrl ?? ''}   (header ${DEMO_BOOKING_SYSTEM.header}: ${DEMO_BOOKING_SYSTEM.key}; credential "${DEMO_BOOKING_SYSTEM.credentialName}")`,
		`  curl -H '${DEMO_BOOKING_SYSTEM.header}: ${DEMO_BOOKING_SYSTEM.key}' '${bookingSandbox?.baseUrl ?? ''}/admin/reservations'`,
		'  Demo reservations BK-48213, BK-51762, BK-30958 (a few weeks ahead); one weekend three weeks out is fully booked.',
		'',
		`LLM sandbox: ${llmSandbox?.baseUrl ?? ''}   (credential "${DEMO_LLM.credentialName}", used by Hotel Concierge (LLM); put a real key or Base URL in it for a real model)`,
		'',
		'Press Ctrl-C to stop. n8n output follows.',
		'',
	);
	process.stdout.write(out.join('\n'));
	echo = true;
}

main().catch(async (error: unknown) => {
	process.stderr.write(`[start] ${error instanceof Error ? error.message : String(error)}\n`);
	await server?.stop();
	await sandbox?.close();
	await bookingSandbox?.close();
	await hotelPage?.close();
	process.exit(1);
});
