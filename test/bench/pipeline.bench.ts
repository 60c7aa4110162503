// `npm run bench`: how many WhatsApp messages a real n8n with the full support pipeline answers per
// second, and how fast. A benchmark, not a test: it prints figures and judges nothing but the goal line.
//
// What runs
// - This process: the Graph API sandbox (sandbox/graph-sandbox.ts), which records every send and,
//   like Meta, posts signed `sent` and `delivered` status webhooks back for every reply (BENCH_STATUSES=off
//   turns that off). With statuses on, n8n gets three webhook POSTs per customer message and runs one
//   execution (the shipped trigger logs the charge itself and starts one only for a failed status).
// - A real n8n (scripts/lib/n8n-server.ts) with workflows/whatsapp-ai-support.json imported as shipped
//   (plus the sub-workflow it calls on a handoff, agent-desk-bridge.json): embedded PGlite store, offline
//   classifier and knowledge-base answers, no LLM; the demo credentials with the WhatsApp base URL
//   pointed at the sandbox. n8n runs with its defaults (SQLite, regular mode, all executions saved, no
//   concurrency limit, the `vm` expression engine) unless BENCH_N8N_ENV says otherwise.
// - A separate process, test/bench/load-generator.ts, POSTs signed inbound text webhooks at a fixed rate
//   (open loop) for each rate in BENCH_RATES, each for BENCH_SECONDS; every message comes from a new
//   customer, so each reply can be matched to its message by recipient.
// - The ceiling: a fresh n8n with a bare workflow (Webhook answering at once → HTTP Request POSTing a
//   WhatsApp text to the sandbox), driven by the same generator at the same rates (no status webhooks:
//   it has nothing to do with them). Our figures are printed as a ratio to it.
//
// Figures per rate: sustained throughput (answered messages per second from the first POST to the last
// reply), latency from the webhook POST's start to the reply reaching the sandbox (p50/p95/p99; a
// message never answered counts as infinitely late), webhook acknowledgement time, errors (non-2xx,
// transport errors, unanswered, failed n8n executions, Graph errors, failed status deliveries), the
// route mix (knowledge-base answer / clarify / handoff), the RSS of n8n and its task runner (peak and
// end of the step) and the CPU time they used per answered message.
//
// Safety valve (the machine is shared): a step stops sending when n8n's RSS passes BENCH_MAX_RSS_MB or
// more than BENCH_MAX_BACKLOG_SECONDS of messages are unanswered, and once a rate is beyond capacity
// (under half of it answered per second, or stopped) the higher rates of that target are skipped.
//
// Environment
//   BENCH_SECONDS=60            seconds per rate
//   BENCH_RATES=20,40,80,160    messages per second
//   BENCH_TARGETS=pipeline,ceiling
//   BENCH_STATUSES=on|off       status webhooks for the pipeline's replies (default on, as Meta does)
//   BENCH_DRAIN_SECONDS=30      how long to wait for late replies after the last POST
//   BENCH_N8N_ENV='{"K":"V"}'   extra environment for both n8n servers, printed with the results, e.g.
//                               '{"N8N_EXPRESSION_ENGINE":"legacy"}' (see BENCHMARKS.md for why)
//   BENCH_MAX_RSS_MB=3072       BENCH_MAX_BACKLOG_SECONDS=30     BENCH_SKIP_SATURATED=1 (0 runs every rate)
//   BENCH_CEILING_EXTRA_NODES=N N No Operation nodes inside the ceiling's workflow: n8n's own cost per node
//   BENCH_CPU_PROF=<dir>        run n8n with --cpu-prof, writing .cpuprofile files to <dir>
//   BENCH_KEEP_LOGS=1           write n8n's output to test-artifacts/bench/n8n-<target>.log
// Results also go to test-artifacts/bench/pipeline-<date>.json.
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { holdingMessage } from '../../nodes/domain/handoff/context';
import {
	type CredentialJson,
	createTempUserFolder,
	importCredentials,
	importWorkflows,
	type N8nServer,
	repoRoot,
	startN8n,
	unflattenExecutionData,
	type WorkflowJson,
} from '../../scripts/lib/n8n-server';
import { type GraphSandbox, startGraphSandbox } from '../../sandbox/graph-sandbox';
import { inboundTextWebhook, postSignedWebhook } from '../../sandbox/webhook-signer';
import { DEMO_ACCESS_TOKEN, DEMO_APP_SECRET, DEMO_PHONE_NUMBER_ID, demoCredentials, demoWebhookUrl } from '../../scripts/demo';
import {
	BENCH_TEXTS,
	correlateReplies,
	formatBytes,
	formatMs,
	formatTable,
	machineInfo,
	nowMs,
	percentile,
	postgresServerCpuSince,
	readPostgresServerCpu,
	type ReceivedReply,
	ResourceSampler,
	type ResourceFigures,
	type StepFigures,
	summarizeStep,
	THREAD_GROUPS,
	writeResultsJson,
} from './bench-lib';
import type { PostgresConnection } from '../../nodes/domain/store';
import { QUEUE_STORE_CREDENTIAL, queueModeWorkflows } from '../helpers/n8n-queue';
import { createTestDatabase } from '../helpers/store-backends';
import { type FrontLimiter, startFrontLimiter } from './front-limiter';
import { type LoadOptions, type PostRecord, runLoad } from './load-generator';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const RATES = (process.env.BENCH_RATES ?? '20,40,80,160').split(',').map(Number).filter((rate) => rate > 0);
const TARGETS = (process.env.BENCH_TARGETS ?? 'pipeline,ceiling').split(',').map((target) => target.trim()) as Target[];
const STATUSES = (process.env.BENCH_STATUSES ?? 'on') !== 'off';
const DRAIN_MS = Number(process.env.BENCH_DRAIN_SECONDS ?? 30) * 1000;
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF ? path.resolve(process.env.BENCH_CPU_PROF) : undefined;
const EXTRA_N8N_ENV = JSON.parse(process.env.BENCH_N8N_ENV ?? '{}') as Record<string, string>;
const KEEP_LOGS = Boolean(process.env.BENCH_KEEP_LOGS);
const GOAL = { rate: 80, p99Ms: 500 };
const MAX_RSS_MB = Number(process.env.BENCH_MAX_RSS_MB ?? 3072);
const MAX_BACKLOG_SECONDS = Number(process.env.BENCH_MAX_BACKLOG_SECONDS ?? 30);
/** Skip higher rates once a rate is clearly beyond capacity (under half of it answered per second, or stopped early). */
const SKIP_SATURATED = (process.env.BENCH_SKIP_SATURATED ?? '1') !== '0';
/**
 * Like Meta ("we will keep trying with decreasing frequency"): a message whose POST got no 2xx (503 under a
 * backlog, a timeout) is POSTed again after 5 s, 10 s, 20 s … (each ±20 %), for at most this long.
 */
const REDELIVER_MS = Number(process.env.BENCH_REDELIVER_SECONDS ?? 300) * 1000;
const REDELIVER_FIRST_MS = 5000;
/**
 * The longest pause between two deliveries of one message. Meta keeps trying for up to 7 days and does not
 * publish its schedule; a bench run cannot wait that long, so its pauses stop growing here. Only redelivery
 * windows longer than the default 300 s (BENCH_REDELIVER_SECONDS) ever reach the cap.
 */
const REDELIVER_MAX_PAUSE_MS = Number(process.env.BENCH_REDELIVER_MAX_PAUSE_SECONDS ?? 300) * 1000;
/**
 * BENCH_FRONT_LIMIT=N puts a stand-in for the production recipe's reverse proxy in front of n8n: at most N
 * webhook requests in flight at n8n, the rest answered 503 at once (nginx `limit_conn`), for Meta to deliver again.
 */
const FRONT_LIMIT = process.env.BENCH_FRONT_LIMIT ? Number(process.env.BENCH_FRONT_LIMIT) : undefined;
/**
 * The pipeline's support store: `embedded` (PGlite inside n8n, as shipped) or `postgres` (every store node
 * on the PostgreSQL server of the tests, a fresh database per run). With `postgres` the store's SQL runs in
 * the server's processes: the bench reports their CPU next to n8n's, so the split between n8n and our store
 * can be read off one run.
 */
const STORE = (process.env.BENCH_STORE ?? 'embedded').trim() as 'embedded' | 'postgres';
if (STORE !== 'embedded' && STORE !== 'postgres') throw new Error(`BENCH_STORE must be embedded or postgres, not "${String(STORE)}"`);
/** Every bench customer's wa_id starts with this (then two digits per step, then seven per message). */
const SENDER_PREFIX = '3197';
const PIPELINE_WORKFLOW = path.join(repoRoot, 'workflows', 'whatsapp-ai-support.json');
const CEILING_WEBHOOK_PATH = 'bench-ceiling';

type Target = 'pipeline' | 'ceiling';
type Route = 'answer' | 'clarify' | 'handoff' | 'template' | 'other';


const HOLDING_TEXTS = new Set(['en', 'nl', 'de', 'fr', 'es'].map((language) => holdingMessage(language).text));

interface CapturedSend extends ReceivedReply {
	detail: { type: string; route: Route; status: number };
}

interface StepResult {
	target: Target;
	rate: number;
	figures: StepFigures;
	routes: Record<string, number>;
	typingIndicators: number;
	/** Sends to other recipients than the bench customers (the duty manager's handoff alerts). */
	otherSends: number;
	graphErrors: number;
	/** Status webhook POSTs, those refused (no 2xx), and statuses never acknowledged in the end (after redelivery). */
	statusWebhooks: { posted: number; refused: number; failed: number };
	failedExecutions: number | null;
	n8nErrorLogLines: number;
	/** Why the sender stopped before rate × seconds messages, if it did. */
	stoppedEarly?: string;
	/** Messages not sent because the sender stopped early. */
	unsent: number;
	/** CPU seconds of the bench's own processes in the step: this one (Graph sandbox, status webhooks) and the sender. */
	benchCpuSeconds: { orchestrator: number; generator: number };
	resources: ResourceFigures;
	/** BENCH_STORE=postgres: CPU seconds of the PostgreSQL server's processes in the step (our store's SQL). */
	storeServerCpuSeconds?: number;
	drainMs: number;
	/** BENCH_FRONT_LIMIT's limiter in the step: requests passed to n8n, answered 503, most in flight at n8n at once. */
	frontLimiter?: { forwarded: number; refused: number; peakInFlight: number };
	/** Refused first deliveries (no 2xx), and the POSTs it took to get them all acknowledged (or give up). */
	redelivery: { refused: number; posts: number; neverAcknowledged: number };
	/** Executions of the pipeline workflow in the step (all of them, not only failed); null when n8n could not say. */
	executions: number | null;
	/**
	 * The Intent Classifier node's own time inside the pipeline (n8n's per-node `executionTime`, whole
	 * milliseconds) over the step's newest executions: the embedded classifier under the step's load.
	 */
	classifyNodeMs?: { sampled: number; p50: number; p99: number; max: number };
}

function say(message: string): void {
	process.stdout.write(`[bench] ${message}\n`);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function routeOf(body: Record<string, unknown>): Route {
	if (body.type === 'interactive') return 'clarify';
	if (body.type === 'template') return 'template';
	if (body.type === 'text') {
		const text = (body.text as { body?: string } | undefined)?.body ?? '';
		return HOLDING_TEXTS.has(text) ? 'handoff' : 'answer';
	}
	return 'other';
}

/**
 * The workflow files (from workflows/) that `file` calls through Execute Workflow nodes, recursively,
 * callees first: n8n only publishes a workflow whose sub-workflows are published.
 */
function withSubWorkflows(file: string): string[] {
	const folder = path.dirname(file);
	const byId = new Map<string, string>();
	for (const name of readdirSync(folder).filter((entry) => entry.endsWith('.json'))) {
		const id = (JSON.parse(readFileSync(path.join(folder, name), 'utf8')) as { id?: string }).id;
		if (id) byId.set(id, path.join(folder, name));
	}
	const ordered: string[] = [];
	const visit = (current: string) => {
		if (ordered.includes(current)) return;
		const workflow = JSON.parse(readFileSync(current, 'utf8')) as WorkflowJson;
		for (const node of workflow.nodes) {
			if (node.type !== 'n8n-nodes-base.executeWorkflow') continue;
			const reference = node.parameters.workflowId as { value?: string } | string | undefined;
			const id = typeof reference === 'string' ? reference : reference?.value;
			const callee = id ? byId.get(id) : undefined;
			if (callee && callee !== current) visit(callee);
		}
		ordered.push(current);
	};
	visit(file);
	return ordered;
}

/**
 * BENCH_CEILING_EXTRA_NODES=N puts N No Operation nodes between the ceiling's Webhook and HTTP Request: what
 * n8n itself costs per node of an execution (running it, its hooks and events, its saved run data), with no
 * work of ours in it. The pipeline runs about 12 nodes per message against the ceiling's 2.
 */
const CEILING_EXTRA_NODES = Number(process.env.BENCH_CEILING_EXTRA_NODES ?? 0);

function ceilingWorkflow(sandbox: GraphSandbox): WorkflowJson {
	const extra = Array.from({ length: CEILING_EXTRA_NODES }, (_, index) => ({
		id: `ceiling-noop-${index + 1}`,
		name: `No Operation ${index + 1}`,
		type: 'n8n-nodes-base.noOp',
		typeVersion: 1,
		position: [150 + index * 50, 200] as [number, number],
		parameters: {},
	}));
	const chain = ['Webhook', ...extra.map((node) => node.name), 'Send Text'];
	const connections: WorkflowJson['connections'] = {};
	for (let index = 0; index < chain.length - 1; index++) connections[chain[index]] = { main: [[{ node: chain[index + 1], type: 'main', index: 0 }]] };
	return {
		name: 'Bench ceiling: webhook to Graph send',
		nodes: [
			{
				id: 'ceiling-webhook',
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId: '6a0c1f7e-bench-4c11-9d00-ce111e000001',
				parameters: { httpMethod: 'POST', path: CEILING_WEBHOOK_PATH, responseMode: 'onReceived', options: {} },
			},
			...extra,
			{
				id: 'ceiling-send',
				name: 'Send Text',
				type: 'n8n-nodes-base.httpRequest',
				typeVersion: 4.2,
				position: [300, 0],
				parameters: {
					method: 'POST',
					url: `${sandbox.baseUrl}/v24.0/${DEMO_PHONE_NUMBER_ID}/messages`,
					sendHeaders: true,
					headerParameters: { parameters: [{ name: 'Authorization', value: `Bearer ${DEMO_ACCESS_TOKEN}` }] },
					sendBody: true,
					specifyBody: 'json',
					jsonBody:
						'={{ JSON.stringify({ messaging_product: "whatsapp", recipient_type: "individual", to: $json.body.entry[0].changes[0].value.messages[0].from, type: "text", text: { body: "Thanks, we got your message." } }) }}',
					options: {},
				},
			},
		],
		connections,
		settings: { executionOrder: 'v1' },
	};
}

interface TargetRun {
	server: N8nServer;
	sandbox: GraphSandbox;
	workflowId: string;
	webhookUrl: string;
	/** The webhook URL at n8n itself, not through the front limiter. */
	directWebhookUrl: string;
	frontLimiter?: FrontLimiter;
	n8nEnv: Record<string, string>;
	/** BENCH_STORE=postgres: the store's database, dropped when the target stops. */
	storeDatabase?: { connection: PostgresConnection; drop: () => Promise<void> };
	capture: {
		/** Replies to bench customers (recipient starts with `recipientPrefix`). */
		sends: CapturedSend[];
		/** Other sends, e.g. the duty manager's handoff alert from the agent desk bridge. */
		otherSends: number;
		recipientPrefix: string;
		typing: number;
		graphErrors: number;
		statusPosted: number;
		statusRefused: number;
		/** Per status (message|status|copy): whether its latest POST was acknowledged. */
		statusOutcomes: Map<string, boolean>;
		errorLines: number;
	};
}

async function startTarget(target: Target): Promise<TargetRun> {
	const capture: TargetRun['capture'] = { sends: [], otherSends: 0, recipientPrefix: SENDER_PREFIX, typing: 0, graphErrors: 0, statusPosted: 0, statusRefused: 0, statusOutcomes: new Map(), errorLines: 0 };
	const sandbox = await startGraphSandbox({
		templates: [{ name: 'follow_up', category: 'utility', languages: ['en', 'nl', 'de', 'fr', 'es'] }],
		// Its own lists are not what we read (onRequest below is), but keep a whole step for debugging.
		maxRecorded: 50_000,
		onRequest: (request) => {
			if (request.method !== 'POST' || !request.path.endsWith('/messages')) return;
			const body = (request.body ?? {}) as Record<string, unknown>;
			if (request.response.status !== 200) capture.graphErrors += 1;
			if (body.status === 'read' || body.typing_indicator !== undefined) {
				capture.typing += 1;
				return;
			}
			if (request.response.status !== 200) return;
			const to = String(body.to ?? '').replace(/\D/g, '');
			if (!to.startsWith(capture.recipientPrefix)) {
				capture.otherSends += 1;
				return;
			}
			capture.sends.push({
				to,
				receivedAt: nowMs() - request.durationMs,
				detail: { type: String(body.type ?? 'text'), route: routeOf(body), status: request.response.status },
			});
		},
		onWebhookDelivery: (delivery) => {
			capture.statusPosted += 1;
			if (!delivery.ok) capture.statusRefused += 1;
			capture.statusOutcomes.set(`${delivery.messageId}|${delivery.status}|${delivery.copy}`, delivery.ok);
		},
	});

	const userFolder = createTempUserFolder(`n8n-bench-${target}-`);
	const credentials: CredentialJson[] = demoCredentials().map((credential) =>
		credential.type === 'whatsAppCloudApi' ? { ...credential, data: { ...(credential.data as Record<string, unknown>), baseUrl: sandbox.baseUrl } } : credential,
	);
	const storeDatabase = target === 'pipeline' && STORE === 'postgres' ? await createTestDatabase('wa_bench_store') : undefined;
	if (storeDatabase) {
		const { connection } = storeDatabase;
		credentials.push({
			...QUEUE_STORE_CREDENTIAL,
			type: 'whatsAppSupportStorePostgresApi',
			data: { ...connection, password: connection.password ?? '', ssl: 'disable', schema: 'whatsapp_support' },
		});
	}
	await importCredentials(userFolder, credentials);
	// The pipeline calls the agent desk bridge on a handoff; it is imported and published first.
	const importedWorkflows = await importWorkflows(
		userFolder,
		target === 'ceiling' ? [ceilingWorkflow(sandbox)] : storeDatabase ? queueModeWorkflows(PIPELINE_WORKFLOW) : withSubWorkflows(PIPELINE_WORKFLOW),
	);
	const imported = importedWorkflows[importedWorkflows.length - 1];

	const n8nEnv: Record<string, string> = { ...EXTRA_N8N_ENV };
	if (CPU_PROF_DIR) {
		mkdirSync(CPU_PROF_DIR, { recursive: true });
		n8nEnv.NODE_OPTIONS = `--cpu-prof --cpu-prof-dir=${CPU_PROF_DIR} --cpu-prof-name=${target}-\${pid}.cpuprofile`;
	}
	const logFile = KEEP_LOGS ? path.join(repoRoot, 'test-artifacts', 'bench', `n8n-${target}.log`) : undefined;
	if (logFile) mkdirSync(path.dirname(logFile), { recursive: true });
	const server = await startN8n({
		userFolder,
		// Deleted on stop (KEEP_N8N_USER_FOLDER=1 keeps it): n8n's SQLite and the PGlite store grow by ~100 MB a run.
		removeUserFolderOnStop: true,
		env: n8nEnv,
		logFile,
		onLine: (line) => {
			if (/\berror\b/i.test(line)) capture.errorLines += 1;
		},
	});
	await server.rest.ensureOwner();
	for (const workflow of importedWorkflows) await server.rest.activateWorkflow(workflow.id);
	const frontLimiter = FRONT_LIMIT === undefined ? undefined : await startFrontLimiter(server.baseUrl, FRONT_LIMIT);
	const frontBaseUrl = frontLimiter?.baseUrl ?? server.baseUrl;
	const webhookUrlAt = (baseUrl: string) => (target === 'pipeline' ? demoWebhookUrl(baseUrl) : `${baseUrl}/webhook/${CEILING_WEBHOOK_PATH}`);
	const webhookUrl = webhookUrlAt(frontBaseUrl);
	if (target === 'pipeline' && STATUSES) {
		// Like Meta, a refused status is delivered again (5 s, 10 s, 20 s … for as long as refused messages are).
		sandbox.configureWebhook({
			url: webhookUrl,
			appSecret: DEMO_APP_SECRET,
			statuses: ['sent', 'delivered'],
			timeoutMs: 30_000,
			redeliver: { forMs: REDELIVER_MS, firstPauseMs: REDELIVER_FIRST_MS, maxPauseMs: REDELIVER_MAX_PAUSE_MS },
		});
	}
	say(
		`${target}: n8n ${server.pid} ready in ${(server.startupMs / 1000).toFixed(1)} s, webhook ${webhookUrl}` +
			(frontLimiter ? ` (through a front limiter: at most ${FRONT_LIMIT} requests in flight at n8n, the rest 503)` : ''),
	);
	if (storeDatabase) say(`${target}: support store on PostgreSQL ${storeDatabase.connection.host}:${storeDatabase.connection.port}/${storeDatabase.connection.database}`);
	return { server, sandbox, workflowId: imported.id, webhookUrl, directWebhookUrl: webhookUrlAt(server.baseUrl), frontLimiter, n8nEnv, storeDatabase, capture };
}

let runCounter = 0;

function loadOptions(run: TargetRun, rate: number, seconds: number): LoadOptions {
	runCounter += 1;
	return {
		targets: [run.webhookUrl],
		rate,
		seconds,
		appSecret: DEMO_APP_SECRET,
		phoneNumberId: DEMO_PHONE_NUMBER_ID,
		texts: BENCH_TEXTS,
		// A new customer per message: replies are matched by recipient, and no earlier handoff silences them.
		messagesPerSender: 1,
		senderPrefix: `${SENDER_PREFIX}${String(runCounter).padStart(2, '0')}`,
	};
}

async function countExecutions(run: TargetRun): Promise<number | null> {
	try {
		return await run.server.rest.countExecutions(run.workflowId);
	} catch {
		return null;
	}
}

/**
 * POSTs every refused message again, as Meta does, with growing pauses (REDELIVER_FIRST_MS, doubling)
 * until it gets a 2xx or REDELIVER_MS is over. The record keeps its first sentAt, so a message's latency
 * includes the wait.
 */
async function redeliverRefused(run: TargetRun, records: PostRecord[]): Promise<StepResult['redelivery']> {
	const acknowledged = (status: number) => status >= 200 && status < 300;
	const refused = records.filter((record) => record.copy === 1 && !acknowledged(record.status));
	let posts = 0;
	if (refused.length > 0 && REDELIVER_MS > 0) say(`redelivering ${refused.length} refused messages like Meta…`);
	const giveUpAt = Date.now() + REDELIVER_MS;
	const pending = await Promise.all(
		refused.map(async (record) => {
			const payload = inboundTextWebhook({ from: record.sender, text: record.text, messageId: record.id, phoneNumberId: DEMO_PHONE_NUMBER_ID });
			for (let pause = REDELIVER_FIRST_MS; Date.now() + pause < giveUpAt; pause = Math.min(pause * 2, REDELIVER_MAX_PAUSE_MS)) {
				await sleep(pause * (0.8 + 0.4 * Math.random()));
				posts++;
				const response = await postSignedWebhook(run.webhookUrl, payload, DEMO_APP_SECRET, { timeoutMs: 30_000 }).catch(() => undefined);
				if (response && acknowledged(response.status)) return false;
			}
			return true;
		}),
	);
	return { refused: refused.length, posts, neverAcknowledged: pending.filter(Boolean).length };
}

async function failedExecutions(run: TargetRun): Promise<number | null> {
	try {
		return await run.server.rest.countExecutions(run.workflowId, 'error');
	} catch {
		return null;
	}
}

/** The shipped workflow's Intent Classifier node. */
const CLASSIFY_NODE = 'Classify Intent';
/** n8n lists at most 100 executions per call: the newest 100 of the step are the sample. */
const CLASSIFY_SAMPLE = 100;

/**
 * Per-node time of the Intent Classifier in the step's newest executions (at most the step's own count, so
 * the warm-up, where the pack is trained, stays out); undefined when n8n could not say.
 */
async function classifyNodeTimes(run: TargetRun, stepExecutions: number | null): Promise<StepResult['classifyNodeMs']> {
	const limit = Math.min(CLASSIFY_SAMPLE, stepExecutions ?? CLASSIFY_SAMPLE);
	if (limit <= 0) return undefined;
	try {
		const finished = (await run.server.rest.executions(run.workflowId, limit)).filter((execution) => execution.stoppedAt);
		const times: number[] = [];
		for (const execution of finished) {
			const detail = await run.server.rest.rest<{ data: string }>('GET', `/executions/${execution.id}`);
			const data = unflattenExecutionData(detail.data) as { resultData?: { runData?: Record<string, Array<{ executionTime?: number }>> } };
			const runs = data.resultData?.runData?.[CLASSIFY_NODE] ?? [];
			for (const nodeRun of runs) if (typeof nodeRun.executionTime === 'number') times.push(nodeRun.executionTime);
		}
		if (times.length === 0) return undefined;
		return { sampled: times.length, p50: percentile(times, 50), p99: percentile(times, 99), max: Math.max(...times) };
	} catch {
		return undefined;
	}
}

/** Sends a few messages slowly so that one-time work (store migrations, classifier training, JIT) is done. */
async function warmUp(run: TargetRun): Promise<void> {
	const started = Date.now();
	// Straight to n8n: the front limiter is for the steps, and the warm-up does not deliver refusals again.
	const result = await runLoad({ ...loadOptions(run, 4, 3), targets: [run.directWebhookUrl], texts: BENCH_TEXTS.slice(0, 12) });
	const deadline = Date.now() + 60_000;
	while (run.capture.sends.length < result.records.length && Date.now() < deadline) await sleep(100);
	await run.sandbox.waitForWebhooks();
	await sleep(1000);
	say(`warm-up: ${run.capture.sends.length}/${result.records.length} answered in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

async function runStep(target: Target, run: TargetRun, rate: number): Promise<StepResult> {
	const { capture } = run;
	capture.sends = [];
	capture.otherSends = 0;
	capture.typing = 0;
	capture.graphErrors = 0;
	capture.statusPosted = 0;
	capture.statusRefused = 0;
	capture.statusOutcomes = new Map();
	capture.errorLines = 0;
	const failedBefore = await failedExecutions(run);
	const executionsBefore = await countExecutions(run);
	const limiterBefore = run.frontLimiter?.counts();
	const sampler = new ResourceSampler(run.server.pid, 500).start();
	const storeServerCpuBefore = run.storeDatabase ? readPostgresServerCpu() : undefined;
	const orchestratorCpu = process.cpuUsage();
	const options = loadOptions(run, rate, SECONDS);
	say(`${target} @ ${rate} msg/s for ${SECONDS} s…`);
	// Safety valve: a server far behind queues thousands of executions and its memory grows without bound
	// (this machine is shared). Stop sending when n8n's RSS or the backlog passes a limit.
	const stop = new AbortController();
	let stoppedBecause: string | undefined;
	let sentMessages = 0;
	const watchdog = setInterval(() => {
		const rssMb = sampler.currentRssBytes / (1024 * 1024);
		const backlog = sentMessages - capture.sends.length;
		if (rssMb > MAX_RSS_MB) stoppedBecause = `n8n RSS ${Math.round(rssMb)} MB > ${MAX_RSS_MB} MB`;
		else if (backlog > rate * MAX_BACKLOG_SECONDS) stoppedBecause = `${backlog} messages unanswered (> ${MAX_BACKLOG_SECONDS} s of load)`;
		if (stoppedBecause && !stop.signal.aborted) {
			say(`${target} @ ${rate}: stopping the sender early: ${stoppedBecause}`);
			stop.abort();
		}
	}, 1000);
	const load = await runLoad(options, {
		signal: stop.signal,
		onRecords: (records) => (sentMessages += records.filter((record) => record.copy === 1).length),
	}).finally(() => clearInterval(watchdog));
	const redelivery = await redeliverRefused(run, load.records);
	const accepted = load.records.filter((record) => record.copy === 1).length - redelivery.neverAcknowledged;
	// Drain: wait for replies still on their way (until all arrived or none came for a while).
	const drainStarted = Date.now();
	let lastCount = -1;
	let lastChange = Date.now();
	while (capture.sends.length < accepted && Date.now() - drainStarted < DRAIN_MS) {
		if (capture.sends.length !== lastCount) {
			lastCount = capture.sends.length;
			lastChange = Date.now();
		} else if (Date.now() - lastChange > 10_000) break;
		await sleep(100);
	}
	await Promise.race([run.sandbox.waitForWebhooks(), sleep(DRAIN_MS)]);
	const drainMs = Date.now() - drainStarted;
	// Executions started by the last status webhooks finish within moments.
	await sleep(500);
	const resources = sampler.stop();
	const storeServerCpuSeconds = storeServerCpuBefore ? postgresServerCpuSince(storeServerCpuBefore) : undefined;
	const orchestratorCpuUsed = process.cpuUsage(orchestratorCpu);
	const failedAfter = await failedExecutions(run);
	const executionsAfter = await countExecutions(run);
	const stepExecutions = executionsBefore === null || executionsAfter === null ? null : executionsAfter - executionsBefore;
	const classifyNodeMs = target === 'pipeline' ? await classifyNodeTimes(run, stepExecutions) : undefined;

	const inbound = load.records.filter((record) => record.copy === 1).map((record) => ({ id: record.id, sender: record.sender, sentAt: record.sentAt }));
	const correlation = correlateReplies(inbound, capture.sends);
	const figures = summarizeStep({ rate, seconds: SECONDS, posts: load.records, correlation, startedAt: load.startedAt, maxSendLagMs: load.maxSendLagMs });
	const routes: Record<string, number> = {};
	for (const match of correlation.matches) {
		const route = (match.reply as CapturedSend).detail.route;
		routes[route] = (routes[route] ?? 0) + 1;
	}
	const result: StepResult = {
		target,
		rate,
		figures,
		routes,
		typingIndicators: capture.typing,
		otherSends: capture.otherSends,
		graphErrors: capture.graphErrors,
		statusWebhooks: {
			posted: capture.statusPosted,
			refused: capture.statusRefused,
			failed: [...capture.statusOutcomes.values()].filter((ok) => !ok).length,
		},
		failedExecutions: failedBefore === null || failedAfter === null ? null : failedAfter - failedBefore,
		n8nErrorLogLines: capture.errorLines,
		stoppedEarly: stoppedBecause,
		unsent: load.unsent,
		benchCpuSeconds: { orchestrator: (orchestratorCpuUsed.user + orchestratorCpuUsed.system) / 1e6, generator: load.cpuSeconds },
		resources,
		storeServerCpuSeconds,
		drainMs,
		redelivery,
		executions: stepExecutions,
		classifyNodeMs,
	};
	const limiterAfter = run.frontLimiter?.counts();
	if (limiterBefore && limiterAfter) {
		result.frontLimiter = {
			forwarded: limiterAfter.forwarded - limiterBefore.forwarded,
			refused: limiterAfter.refused - limiterBefore.refused,
			peakInFlight: limiterAfter.peakInFlight,
		};
		say(`${target} @ ${rate}: front limiter passed ${result.frontLimiter.forwarded} requests to n8n and answered ${result.frontLimiter.refused} with 503 (at most ${limiterAfter.peakInFlight} in flight)`);
	}
	say(
		`${target} @ ${rate}: ${figures.answered}/${figures.messages} answered, ${figures.throughput.toFixed(1)} msg/s, ` +
			`p50 ${formatMs(figures.latencyMs.p50)} p99 ${formatMs(figures.latencyMs.p99)}, ack p99 ${formatMs(figures.ackMs.p99)}, ` +
			`RSS peak ${formatBytes(resources.peakRssBytes)}, n8n CPU ${resources.cpuSeconds.toFixed(1)} s ` +
			(storeServerCpuSeconds === undefined ? '' : `+ PostgreSQL server ${storeServerCpuSeconds.toFixed(1)} s `) +
			`(bench: sandbox ${result.benchCpuSeconds.orchestrator.toFixed(1)} s, sender ${result.benchCpuSeconds.generator.toFixed(1)} s)` +
			(firstErrors(load.records) ? `, first error: ${firstErrors(load.records)}` : ''),
	);
	// Let the server settle before the next rate.
	await sleep(3000);
	return result;
}

function firstErrors(records: PostRecord[]): string | undefined {
	const failed = records.find((record) => record.error || record.status < 200 || record.status >= 300);
	return failed ? failed.error ?? `HTTP ${failed.status}` : undefined;
}

function errorCount(step: StepResult): number {
	const { errors } = step.figures;
	return errors.httpStatus + errors.transport + errors.unanswered + step.graphErrors + step.statusWebhooks.failed + (step.failedExecutions ?? 0);
}

function cpuPerAnswered(step: StepResult): number {
	return step.figures.answered > 0 ? step.resources.cpuSeconds / step.figures.answered : NaN;
}

function printResults(steps: StepResult[], skipped: Array<{ target: Target; rate: number; saturatedAt: number }>): void {
	const rows: Array<Array<string | number>> = steps.map((step) => {
		const { figures } = step;
		const main = step.resources.processes[0];
		const runner = step.resources.processes.slice(1).reduce((sum, process) => sum + process.peakRssBytes, 0);
		return [
			step.target,
			`${step.rate}${step.stoppedEarly ? '*' : ''}`,
			`${figures.answered}/${figures.messages}`,
			figures.throughput.toFixed(1),
			formatMs(figures.latencyMs.p50),
			formatMs(figures.latencyMs.p95),
			formatMs(figures.latencyMs.p99),
			formatMs(figures.ackMs.p99),
			errorCount(step),
			figures.answered > 0 ? Math.round((step.resources.cpuSeconds * 1000) / figures.answered) : '-',
			`${formatBytes(main?.peakRssBytes ?? NaN)} / ${formatBytes(main?.endRssBytes ?? NaN)}`,
			formatBytes(runner),
		];
	});
	for (const skip of skipped) rows.push([skip.target, skip.rate, `skipped (saturated at ${skip.saturatedAt})`, '', '', '', '', '', '', '', '', '']);
	process.stdout.write(
		`\n${formatTable(
			['target', 'msg/s', 'answered/sent', 'thr/s', 'p50', 'p95', 'p99', 'ack p99', 'errors', 'CPU ms/msg', 'n8n RSS peak/end', 'runner RSS'],
			rows,
		)}\n`,
	);
	for (const step of steps.filter((candidate) => candidate.stoppedEarly)) {
		process.stdout.write(`* ${step.target} @ ${step.rate}: sender stopped early (${step.stoppedEarly}); ${step.unsent} messages not sent\n`);
	}
	process.stdout.write(
		'thr/s: answered messages per second from the first POST to the last reply. p50/p95/p99: webhook POST start → reply at the\n' +
			'Graph sandbox (unanswered = ∞). ack: POST → HTTP response. CPU ms/msg: CPU time of n8n and its task runner per answered message.\n',
	);

	const pipeline = steps.filter((step) => step.target === 'pipeline');
	if (pipeline.length > 0) {
		const routeRows = pipeline.map((step) => {
			const total = Object.values(step.routes).reduce((sum, count) => sum + count, 0) || 1;
			const share = (route: Route) => `${Math.round(((step.routes[route] ?? 0) / total) * 100)}%`;
			return [
				step.rate,
				share('answer'),
				share('clarify'),
				share('handoff'),
				share('template') === '0%' && share('other') === '0%' ? '0%' : `${share('template')}/${share('other')}`,
				step.typingIndicators,
				step.otherSends,
				`${step.statusWebhooks.posted}/${step.statusWebhooks.refused}/${step.statusWebhooks.failed}`,
				step.failedExecutions ?? '?',
				step.figures.errors.unanswered,
				step.graphErrors,
			];
		});
		process.stdout.write(
			`\nPipeline routes and error detail (status webhooks ${STATUSES ? 'on: sent + delivered per reply' : 'off'})\n${formatTable(
				['msg/s', 'KB answer', 'clarify', 'handoff', 'template/other', 'typing', 'alerts', 'statuses posted/refused/failed', 'failed exec', 'unanswered', 'graph errors'],
				routeRows,
			)}\n`,
		);
	}

	const workRows = steps.map((step) => {
		const answered = step.figures.answered;
		const perMessage = (count: number | null) => (count === null || answered === 0 ? '-' : (count / answered).toFixed(2));
		const webhookPosts = step.figures.messages + step.redelivery.posts + step.statusWebhooks.posted;
		return [
			step.target,
			step.rate,
			step.redelivery.refused,
			step.redelivery.posts,
			step.redelivery.neverAcknowledged,
			perMessage(webhookPosts),
			perMessage(step.executions),
		];
	});
	process.stdout.write(
		`\nRefusals and n8n work per answered message (with the \`vm\` engine, n8n creates one V8 isolate per webhook to a trigger that is\n` +
			`not its own Webhook node, and one per execution)\n${formatTable(
				['target', 'msg/s', 'refused', 'redelivery POSTs', 'never acknowledged', 'webhook POSTs / msg', 'executions / msg'],
				workRows,
			)}\n`,
	);
	const threadRows = steps.map((step) => {
		const answered = step.figures.answered || 1;
		const { rootThreadCpuSeconds, cpuSeconds } = step.resources;
		const inRoot = Object.values(rootThreadCpuSeconds).reduce((sum, seconds) => sum + seconds, 0);
		const perMessage = (seconds: number) => `${Math.round((seconds * 1000) / answered)}`;
		return [
			step.target,
			step.rate,
			...THREAD_GROUPS.map((group) => perMessage(rootThreadCpuSeconds[group])),
			perMessage(Math.max(0, cpuSeconds - inRoot)),
			perMessage(cpuSeconds),
			step.storeServerCpuSeconds === undefined ? '-' : perMessage(step.storeServerCpuSeconds),
		];
	});
	process.stdout.write(
		`\nCPU ms per answered message by thread (n8n's process from /proc/<pid>/task; "other processes" is n8n's task runner;\n` +
			`"store server" is the PostgreSQL server's processes with BENCH_STORE=postgres, not in n8n's total)\n${formatTable(
			['target', 'msg/s', ...THREAD_GROUPS, 'other processes', 'total', 'store server'],
			threadRows,
		)}\n`,
	);
	const classifyRows = pipeline
		.filter((step) => step.classifyNodeMs)
		.map((step) => {
			const times = step.classifyNodeMs as NonNullable<StepResult['classifyNodeMs']>;
			return [step.rate, times.sampled, `${times.p50} ms`, `${times.p99} ms`, `${times.max} ms`];
		});
	if (classifyRows.length > 0) {
		process.stdout.write(
			`\nThe Intent Classifier inside the pipeline (n8n's per-node time, whole ms, the newest ${CLASSIFY_SAMPLE} executions of each step at most;\n` +
				`\`npm run bench:nlu\` times the classifier alone)\n${formatTable(['msg/s', 'sampled', 'p50', 'p99', 'max'], classifyRows)}\n`,
		);
	}

	const ceiling = new Map(steps.filter((step) => step.target === 'ceiling').map((step) => [step.rate, step]));
	const ratioRows = pipeline
		.filter((step) => ceiling.has(step.rate))
		.map((step) => {
			const bare = ceiling.get(step.rate) as StepResult;
			const ratio = (ours: number, theirs: number) => (Number.isFinite(ours) && Number.isFinite(theirs) && theirs > 0 ? `${(ours / theirs).toFixed(2)}×` : '-');
			return [
				step.rate,
				`${step.figures.throughput.toFixed(1)} / ${bare.figures.throughput.toFixed(1)}`,
				ratio(step.figures.throughput, bare.figures.throughput),
				`${formatMs(step.figures.latencyMs.p99)} / ${formatMs(bare.figures.latencyMs.p99)}`,
				ratio(step.figures.latencyMs.p99, bare.figures.latencyMs.p99),
				ratio(cpuPerAnswered(step), cpuPerAnswered(bare)),
			];
		});
	if (ratioRows.length > 0) {
		process.stdout.write(
			`\nPipeline vs bare n8n ceiling (webhook → HTTP Request)\n${formatTable(['msg/s', 'throughput ours/bare', 'ratio', 'p99 ours/bare', 'ratio', 'CPU/msg ratio'], ratioRows)}\n`,
		);
	}
	const atGoal = pipeline.find((step) => step.rate === GOAL.rate);
	if (atGoal) {
		const met = atGoal.figures.throughput >= GOAL.rate * 0.98 && atGoal.figures.latencyMs.p99 < GOAL.p99Ms && errorCount(atGoal) === 0;
		process.stdout.write(
			`\nGoal (${GOAL.rate} msg/s sustained, p99 < ${GOAL.p99Ms} ms, no errors): ${met ? 'MET' : 'NOT MET'} ` +
				`(${atGoal.figures.throughput.toFixed(1)} msg/s, p99 ${formatMs(atGoal.figures.latencyMs.p99)}, ${errorCount(atGoal)} errors)\n`,
		);
	}
}

async function main(): Promise<void> {
	const machine = machineInfo();
	say(`${machine.cores} × ${machine.cpuModel}, load ${machine.loadAverage.join(' ')}, Node ${machine.node}`);
	say(`rates ${RATES.join(', ')} msg/s × ${SECONDS} s; targets ${TARGETS.join(', ')}; status webhooks ${STATUSES ? 'on' : 'off'}; support store ${STORE}`);
	const defaults: Record<string, string> = {
		DB_TYPE: 'sqlite',
		EXECUTIONS_MODE: 'regular',
		N8N_EXPRESSION_ENGINE: 'vm',
		EXECUTIONS_DATA_SAVE_ON_SUCCESS: 'all',
		N8N_CONCURRENCY_PRODUCTION_LIMIT: '-1',
	};
	const changed = Object.entries(EXTRA_N8N_ENV).map(([key, value]) => `${key}=${value}`);
	const kept = Object.entries(defaults)
		.filter(([key]) => !(key in EXTRA_N8N_ENV))
		.map(([key, value]) => `${key}=${value}`);
	say(`n8n settings: ${changed.length ? `${changed.join(' ')} (changed); ` : ''}n8n's defaults ${kept.join(' ')}`);
	const steps: StepResult[] = [];
	const skipped: Array<{ target: Target; rate: number; saturatedAt: number }> = [];
	const settings: Record<string, unknown> = {};
	for (const target of TARGETS) {
		if (target !== 'pipeline' && target !== 'ceiling') throw new Error(`unknown target ${target}`);
		const run = await startTarget(target);
		settings[target] = {
			n8nEnvironment: {
				DB_TYPE: 'sqlite',
				EXECUTIONS_MODE: 'regular',
				EXECUTIONS_DATA_SAVE_ON_SUCCESS: 'all',
				EXECUTIONS_DATA_SAVE_ON_ERROR: 'all',
				N8N_EXPRESSION_ENGINE: 'vm',
				N8N_CONCURRENCY_PRODUCTION_LIMIT: '-1',
				...run.n8nEnv,
			},
			statusWebhooks: target === 'pipeline' && STATUSES,
			supportStore: target === 'pipeline' ? STORE : undefined,
		};
		try {
			await warmUp(run);
			let saturatedAt: number | undefined;
			for (const rate of RATES) {
				if (saturatedAt !== undefined) {
					say(`${target} @ ${rate}: skipped, saturated at ${saturatedAt} msg/s (BENCH_SKIP_SATURATED=0 runs it anyway)`);
					skipped.push({ target, rate, saturatedAt });
					continue;
				}
				const step = await runStep(target, run, rate);
				steps.push(step);
				if (SKIP_SATURATED && (step.stoppedEarly || step.figures.throughput < rate * 0.5)) saturatedAt = rate;
			}
		} finally {
			await run.frontLimiter?.close();
			await run.server.stop();
			await run.sandbox.close();
			await run.storeDatabase?.drop();
		}
	}
	printResults(steps, skipped);
	const file = writeResultsJson('pipeline', {
		benchmark: 'pipeline',
		date: new Date().toISOString(),
		machine,
		seconds: SECONDS,
		rates: RATES,
		statusWebhooks: STATUSES,
		texts: BENCH_TEXTS,
		settings,
		goal: GOAL,
		steps,
		skipped,
	});
	say(`results written to ${path.relative(repoRoot, file)}`);
}

main().catch((error: unknown) => {
	process.stderr.write(`[bench] ${error instanceof Error ? error.stack : String(error)}\n`);
	process.exit(1);
});
