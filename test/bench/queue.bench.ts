// `npm run bench:queue`: the throughput benchmark (test/bench/pipeline.bench.ts) repeated with n8n in
// queue mode, and every message delivered three times, as Meta's at-least-once delivery does. A
// benchmark, not a test: it prints figures; exactly-once is proven by test/e2e/queue-mode.test.ts, and
// here lost messages and duplicate replies are counted under load.
//
// What runs
// - n8n in queue mode (test/helpers/n8n-queue.ts): a main process, BENCH_WEBHOOKS webhook processes and
//   BENCH_WORKERS workers, with n8n's database in PostgreSQL and its Bull queue in Redis; nothing of ours
//   queues anything. workflows/whatsapp-ai-support.json (and the Agent Desk Bridge it calls) as shipped,
//   except that every store-using node is on the PostgreSQL store (required in queue mode).
// - This process: the Graph API sandbox, which records every send and (BENCH_STATUSES=on, the default)
//   posts signed `sent` and `delivered` status webhooks back for every reply, like Meta; and a small
//   router standing in for the load balancer in front of the webhook processes. It sends the first
//   delivery of each webhook round-robin and every further delivery of the same webhook (same wamid) to
//   the next process, so copies that arrive together are processed by different processes at once.
// - A separate process, test/bench/load-generator.ts, POSTs signed inbound text webhooks at a fixed rate
//   (open loop) for each rate in BENCH_RATES, each for BENCH_SECONDS, every message from a new customer.
//   Each message is POSTed BENCH_COPIES times (default 3): copies 1 and 2 at the same moment, copy 3 one
//   second later (BENCH_COPY_DELAYS, ms after copy 1 for copies 2, 3, …).
//
// Figures per rate: throughput (answered messages per second, first POST to last reply), webhook →
// reply latency p50/p95/p99 (an unanswered message counts as infinitely late), acknowledgement time,
// errors (non-2xx, transport errors, failed executions, Graph errors), messages unanswered when the
// step ended and how many of them were refused (no delivery got 2xx, so Meta would deliver them again),
// duplicate replies, inbound rows stored for the step's messages, executions started, and the RSS
// (peak/end) and CPU seconds of every n8n process (a worker and the main process with their task
// runners). After the last step and a final drain, an exactly-once account per rate: messages answered
// in the end, messages acknowledged with 2xx but never answered (lost for real), duplicate replies.
//
// Environment
//   BENCH_SECONDS=60                  seconds per rate
//   BENCH_RATES=20,40,80,160          messages per second
//   BENCH_COPIES=3                    deliveries per message
//   BENCH_COPY_DELAYS=0,1000          ms after copy 1 for copies 2, 3, …
//   BENCH_WEBHOOKS=2 BENCH_WORKERS=2  process counts
//   BENCH_WORKER_CONCURRENCY=10       jobs per worker at once (n8n's default)
//   BENCH_STATUSES=on|off             status webhooks for every reply (default on)
//   BENCH_DRAIN_SECONDS=30            how long to wait for late replies after the last POST
//   BENCH_N8N_ENV='{"K":"V"}'         extra environment for every n8n process; reported
//   BENCH_KEEP_LOGS=1                 write each process's output to test-artifacts/bench/queue-logs/<process>.log
// Results also go to test-artifacts/bench/queue-<date>.json.
import { readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';

import { Client } from 'pg';

import { createTestDatabase } from '../helpers/store-backends';
import { queueModeCredentials, queueModeWorkflows, startQueueCluster, type QueueCluster } from '../helpers/n8n-queue';
import { findFreePort, repoRoot } from '../../scripts/lib/n8n-server';
import { type GraphSandbox, startGraphSandbox } from '../../sandbox/graph-sandbox';
import {
	BENCH_TEXTS,
	ChargedStatusCounter,
	correlateReplies,
	formatBytes,
	formatMs,
	formatTable,
	machineInfo,
	nowMs,
	type ReceivedReply,
	ResourceSampler,
	type ResourceFigures,
	type StepFigures,
	summarizeStep,
	writeResultsJson,
} from './bench-lib';
import { type LoadOptions, runLoad } from './load-generator';
import { inboundTextWebhook, postSignedWebhook } from '../../sandbox/webhook-signer';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const RATES = (process.env.BENCH_RATES ?? '20,40,80,160').split(',').map(Number).filter((rate) => rate > 0);
const COPIES = Number(process.env.BENCH_COPIES ?? 3);
const COPY_DELAYS = (process.env.BENCH_COPY_DELAYS ?? '0,1000').split(',').map(Number);
const WEBHOOK_PROCESSES = Number(process.env.BENCH_WEBHOOKS ?? 2);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 2);
const WORKER_CONCURRENCY = Number(process.env.BENCH_WORKER_CONCURRENCY ?? 10);
const STATUSES = (process.env.BENCH_STATUSES ?? 'on') !== 'off';
const DRAIN_MS = Number(process.env.BENCH_DRAIN_SECONDS ?? 30) * 1000;
const EXTRA_N8N_ENV = JSON.parse(process.env.BENCH_N8N_ENV ?? '{}') as Record<string, string>;
const LOG_DIR = process.env.BENCH_KEEP_LOGS ? path.join(repoRoot, 'test-artifacts', 'bench', 'queue-logs') : undefined;
const APP_SECRET = 'bench-queue-app-secret';
const PHONE_NUMBER_ID = '1065000000001';
const WORKFLOW_FILE = path.join(repoRoot, 'workflows', 'whatsapp-ai-support.json');
/** Every customer's wa_id starts with this (then a run number and the sender number). */
const CUSTOMER_PREFIX = '318';


interface Capture {
	/** Sends to the benchmark's customers (recipients starting with CUSTOMER_PREFIX) since the step began. */
	sends: ReceivedReply[];
	/** Replies per customer over the whole run (never reset): every customer writes once, so more than one is a duplicate. */
	repliesByRecipient: Map<string, number>;
	/** Other sends, e.g. the Agent Desk Bridge's alert to the duty manager on a handoff. */
	otherSends: number;
	typing: number;
	graphErrors: number;
	statusPosted: number;
	/** Status webhooks that start an execution (the shipped trigger's Statuses to Output). */
	statusCharged: ChargedStatusCounter;
	statusFailed: number;
}

interface StepResult {
	rate: number;
	figures: StepFigures;
	/** Messages without a reply when the step ended (late or lost). */
	unanswered: number;
	/** Messages none of whose deliveries was acknowledged with 2xx (Meta would deliver them again later). */
	refused: number;
	/** Extra replies to this step's customers (a customer with n > 1 replies counts n − 1). */
	duplicateReplies: number;
	/** Replies during this step to customers of earlier steps (their messages were still queued). */
	lateRepliesFromEarlierSteps: number;
	/** For the final account after the last drain: each message's customer and whether any delivery got 2xx. */
	messages: Array<{ id: string; sender: string; text: string; acknowledged: boolean }>;
	final?: { answered: number; acknowledgedNeverAnswered: number; duplicateReplies: number; redelivered: number; neverAcknowledged: number };
	storedInbound: number;
	executions: { started: number | null; failed: number | null; expected: number };
	typingIndicators: number;
	otherSends: number;
	graphErrors: number;
	statusWebhooks: { posted: number; failed: number };
	router: number[];
	resources: Record<string, ResourceFigures>;
	drainMs: number;
}

function say(message: string): void {
	process.stdout.write(`[bench:queue] ${message}\n`);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// The router in front of the webhook processes

interface Router {
	url: string;
	/** Requests sent to each webhook process since the last reset. */
	counts: number[];
	reset(): void;
	close(): Promise<void>;
}

const WAMID_PATTERN = /"id"\s*:\s*"(wamid\.[^"]+)"/;

async function startRouter(targets: string[]): Promise<Router> {
	const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
	const deliveries = new Map<string, { first: number; count: number }>();
	const counts = targets.map(() => 0);
	let nextFirst = 0;
	const choose = (body: Buffer): number => {
		const key = WAMID_PATTERN.exec(body.toString('latin1'))?.[1];
		if (!key) return nextFirst++ % targets.length;
		let seen = deliveries.get(key);
		if (!seen) {
			seen = { first: nextFirst++, count: 0 };
			deliveries.set(key, seen);
		}
		return (seen.first + seen.count++) % targets.length;
	};
	const server = http.createServer((request, response) => {
		const chunks: Buffer[] = [];
		request.on('data', (chunk: Buffer) => chunks.push(chunk));
		request.on('end', () => {
			const body = Buffer.concat(chunks);
			const index = choose(body);
			counts[index] += 1;
			const upstream = http.request(
				new URL(request.url ?? '/', targets[index]),
				{ method: request.method, headers: { ...request.headers, host: new URL(targets[index]).host }, agent },
				(answer) => {
					response.writeHead(answer.statusCode ?? 502, answer.headers);
					answer.pipe(response);
				},
			);
			upstream.on('error', (error) => {
				if (!response.headersSent) response.writeHead(502, { 'content-type': 'text/plain' });
				response.end(`router: ${error.message}`);
			});
			upstream.end(body);
		});
	});
	server.keepAliveTimeout = 60_000;
	const port = await findFreePort();
	await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${port}`,
		counts,
		reset: () => counts.fill(0),
		close: async () => {
			agent.destroy();
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}

// ---------------------------------------------------------------------------------------------
// The steps

interface Bench {
	cluster: QueueCluster;
	sandbox: GraphSandbox;
	router: Router;
	capture: Capture;
	webhookUrl: string;
	workflowId: string;
	storeQuery: <T>(sql: string, params?: unknown[]) => Promise<T[]>;
}

let runCounter = 0;

function loadOptions(bench: Bench, rate: number, seconds: number): LoadOptions & { messageIdPrefix: string } {
	runCounter += 1;
	return {
		targets: [bench.webhookUrl],
		rate,
		seconds,
		appSecret: APP_SECRET,
		phoneNumberId: PHONE_NUMBER_ID,
		texts: BENCH_TEXTS,
		messagesPerSender: 1,
		senderPrefix: `${CUSTOMER_PREFIX}${String(runCounter).padStart(2, '0')}`,
		copies: COPIES,
		copyDelaysMs: COPY_DELAYS,
		messageIdPrefix: `wamid.QBENCH${String(runCounter).padStart(2, '0')}`,
		timeoutMs: 30_000,
	};
}

async function executionCount(bench: Bench, status?: string): Promise<number | null> {
	try {
		return await bench.cluster.main.rest.countExecutions(bench.workflowId, status);
	} catch {
		return null;
	}
}

function resetCapture(capture: Capture): void {
	capture.sends = [];
	capture.otherSends = 0;
	capture.typing = 0;
	capture.graphErrors = 0;
	capture.statusPosted = 0;
	capture.statusCharged.resetCount();
	capture.statusFailed = 0;
}

/** A few messages slowly, so one-time work (store migrations, classifier training, JIT) is done in every process. */
async function warmUp(bench: Bench): Promise<void> {
	const started = Date.now();
	resetCapture(bench.capture);
	const result = await runLoad({ ...loadOptions(bench, 4, 3), texts: BENCH_TEXTS.slice(0, 12) });
	const messages = result.records.filter((record) => record.copy === 1).length;
	const deadline = Date.now() + 60_000;
	while (bench.capture.sends.length < messages && Date.now() < deadline) await sleep(100);
	await bench.sandbox.waitForWebhooks();
	await sleep(1000);
	say(`warm-up: ${bench.capture.sends.length}/${messages} answered in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

async function runStep(bench: Bench, rate: number): Promise<StepResult> {
	const { capture } = bench;
	resetCapture(capture);
	bench.router.reset();
	const executionsBefore = await executionCount(bench);
	const failedBefore = await executionCount(bench, 'error');
	const samplers = Object.fromEntries(Object.entries(bench.cluster.pids()).map(([name, pid]) => [name, new ResourceSampler(pid, 500).start()]));
	const options = loadOptions(bench, rate, SECONDS);
	say(`@ ${rate} msg/s for ${SECONDS} s, ${COPIES} deliveries each…`);
	const load = await runLoad(options);
	const accepted = load.records.filter((record) => record.copy === 1 && record.status >= 200 && record.status < 300).length;
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
	await Promise.race([bench.sandbox.waitForWebhooks(), sleep(DRAIN_MS)]);
	// Late duplicates would show up now; and the executions the last status webhooks started finish.
	await sleep(3000);
	const drainMs = Date.now() - drainStarted;
	const resources = Object.fromEntries(Object.entries(samplers).map(([name, sampler]) => [name, sampler.stop()]));
	const executionsAfter = await executionCount(bench);
	const failedAfter = await executionCount(bench, 'error');

	const firstCopies = load.records.filter((record) => record.copy === 1);
	const inbound = firstCopies.map((record) => ({ id: record.id, sender: record.sender, sentAt: record.sentAt }));
	const acknowledged = new Set(load.records.filter((record) => record.status >= 200 && record.status < 300).map((record) => record.sender));
	const messages = firstCopies.map((record) => ({ id: record.id, sender: record.sender, text: record.text, acknowledged: acknowledged.has(record.sender) }));
	const senders = new Set(inbound.map((message) => message.sender));
	// Replies to earlier steps' customers are not this step's (they would look like extra replies).
	const correlation = correlateReplies(
		inbound,
		capture.sends.filter((send) => senders.has(send.to)),
	);
	const figures = summarizeStep({ rate, seconds: SECONDS, posts: load.records, correlation, startedAt: load.startedAt, maxSendLagMs: load.maxSendLagMs });
	const [{ stored }] = await bench.storeQuery<{ stored: number }>(
		`SELECT count(*)::int AS stored FROM whatsapp_support.messages WHERE direction = 'inbound' AND wa_message_id LIKE $1`,
		[`${options.messageIdPrefix}%`],
	);
	const result: StepResult = {
		rate,
		figures,
		unanswered: correlation.unanswered.length,
		refused: messages.filter((message) => !message.acknowledged).length,
		duplicateReplies: duplicatesAmong(capture, messages),
		lateRepliesFromEarlierSteps: capture.sends.filter((send) => !senders.has(send.to)).length,
		messages,
		storedInbound: stored,
		executions: {
			started: executionsBefore === null || executionsAfter === null ? null : executionsAfter - executionsBefore,
			failed: failedBefore === null || failedAfter === null ? null : failedAfter - failedBefore,
			// One per message, and one per message whose charge a status webhook brought (plus one per lease a
			// late copy took over, which stops at Check Consent).
			expected: inbound.length + capture.statusCharged.count,
		},
		typingIndicators: capture.typing,
		otherSends: capture.otherSends,
		graphErrors: capture.graphErrors,
		statusWebhooks: { posted: capture.statusPosted, failed: capture.statusFailed },
		router: [...bench.router.counts],
		resources,
		drainMs,
	};
	const firstError = load.records.find((record) => record.error || record.status < 200 || record.status >= 300);
	say(
		`@ ${rate}: ${figures.answered}/${figures.messages} answered, ${figures.throughput.toFixed(1)} msg/s, ` +
			`p50 ${formatMs(figures.latencyMs.p50)} p99 ${formatMs(figures.latencyMs.p99)}, ack p99 ${formatMs(figures.ackMs.p99)}, ` +
			`unanswered ${result.unanswered} (refused ${result.refused}), duplicate replies ${result.duplicateReplies}, stored inbound ${stored}` +
			(firstError ? `, first error: ${firstError.error ?? `HTTP ${firstError.status}`}` : ''),
	);
	await sleep(3000);
	return result;
}

function duplicatesAmong(capture: Capture, messages: StepResult['messages']): number {
	return messages.reduce((sum, message) => sum + Math.max(0, (capture.repliesByRecipient.get(message.sender) ?? 0) - 1), 0);
}

/**
 * After the last step: waits until no reply has come for 15 s (at most BENCH_DRAIN_SECONDS), then
 * settles each step: answered in the end, acknowledged but never answered (a real loss: Meta does not
 * deliver a message again once it got 2xx), and duplicate replies.
 */
async function finalAccount(bench: Bench, steps: StepResult[]): Promise<void> {
	const { capture } = bench;
	// Meta delivers a message again while it got no 2xx (503: an earlier delivery's execution has not
	// confirmed it yet; 500: n8n could not queue it). Here: every 5 s, at most 12 times, through the router.
	const redelivered = new Map<StepResult, number>();
	const refused = steps.flatMap((step) => step.messages.filter((message) => !message.acknowledged).map((message) => ({ step, message })));
	if (refused.length > 0) say(`redelivering ${refused.length} refused messages like Meta…`);
	await Promise.all(
		refused.map(async ({ step, message }) => {
			const payload = inboundTextWebhook({ from: message.sender, text: message.text, messageId: message.id, phoneNumberId: PHONE_NUMBER_ID });
			for (let attempt = 0; attempt < 12 && !message.acknowledged; attempt++) {
				await sleep(5000);
				redelivered.set(step, (redelivered.get(step) ?? 0) + 1);
				const response = await postSignedWebhook(bench.webhookUrl, payload, APP_SECRET, { timeoutMs: 30_000 }).catch(() => undefined);
				if (response && response.status >= 200 && response.status < 300) message.acknowledged = true;
			}
		}),
	);
	const total = () => [...capture.repliesByRecipient.values()].reduce((sum, count) => sum + count, 0);
	const started = Date.now();
	let last = total();
	let lastChange = Date.now();
	while (Date.now() - started < DRAIN_MS && Date.now() - lastChange < 15_000) {
		await sleep(500);
		if (total() !== last) {
			last = total();
			lastChange = Date.now();
		}
	}
	for (const step of steps) {
		const answered = step.messages.filter((message) => capture.repliesByRecipient.has(message.sender)).length;
		step.final = {
			answered,
			acknowledgedNeverAnswered: step.messages.filter((message) => message.acknowledged && !capture.repliesByRecipient.has(message.sender)).length,
			duplicateReplies: duplicatesAmong(capture, step.messages),
			redelivered: redelivered.get(step) ?? 0,
			neverAcknowledged: step.messages.filter((message) => !message.acknowledged).length,
		};
	}
}

function errorCount(step: StepResult): number {
	const { errors } = step.figures;
	return errors.httpStatus + errors.transport + step.graphErrors + step.statusWebhooks.failed + (step.executions.failed ?? 0);
}

function printResults(steps: StepResult[], processNames: string[]): void {
	const rows = steps.map((step) => {
		const { figures } = step;
		return [
			step.rate,
			`${figures.answered}/${figures.messages}`,
			figures.throughput.toFixed(1),
			formatMs(figures.latencyMs.p50),
			formatMs(figures.latencyMs.p95),
			formatMs(figures.latencyMs.p99),
			formatMs(figures.ackMs.p99),
			errorCount(step),
			`${step.unanswered}/${step.refused}`,
			step.duplicateReplies,
			`${step.storedInbound}/${figures.messages}`,
			`${step.executions.started ?? '?'}/${step.executions.expected}`,
		];
	});
	process.stdout.write(
		`\n${formatTable(
			['msg/s', 'answered', 'thr/s', 'p50', 'p95', 'p99', 'ack p99', 'errors', 'unanswered/refused', 'dup replies', 'stored inbound', 'executions/expected'],
			rows,
		)}\n`,
	);
	const finalRows = steps.map((step) => [
		step.rate,
		step.messages.length,
		step.messages.filter((message) => message.acknowledged).length,
		step.final?.redelivered ?? '?',
		step.final?.neverAcknowledged ?? '?',
		step.final?.answered ?? '?',
		step.final?.acknowledgedNeverAnswered ?? '?',
		step.final?.duplicateReplies ?? '?',
		step.lateRepliesFromEarlierSteps,
	]);
	process.stdout.write(
		`\nIn the end (after a final drain): exactly once?\n${formatTable(
			['msg/s', 'messages', 'acknowledged (2xx, after redelivery)', 'redeliveries', 'never acknowledged', 'answered', 'acked, never answered (lost)', 'duplicate replies', 'late replies seen in later steps'],
			finalRows,
		)}\n`,
	);
	const resourceRows = steps.map((step) => [
		step.rate,
		...processNames.map((name) => {
			const figures = step.resources[name];
			return figures ? `${formatBytes(figures.peakRssBytes)}/${formatBytes(figures.endRssBytes)} ${figures.cpuSeconds.toFixed(0)}s` : '-';
		}),
	]);
	process.stdout.write(
		`\nRSS peak/end and CPU seconds per process (with its task runner, if any)\n${formatTable(['msg/s', ...processNames], resourceRows)}\n`,
	);
	const detailRows = steps.map((step) => [
		step.rate,
		step.figures.posts,
		step.router.join(' / '),
		step.figures.errors.httpStatus,
		step.figures.errors.transport,
		step.executions.failed ?? '?',
		step.graphErrors,
		`${step.statusWebhooks.posted}/${step.statusWebhooks.failed}`,
		step.typingIndicators,
		step.otherSends,
		formatMs(step.figures.maxSendLagMs ?? NaN),
	]);
	process.stdout.write(
		`\nDetail (status webhooks ${STATUSES ? 'on' : 'off'})\n${formatTable(
			['msg/s', 'POSTs', 'per webhook process', 'non-2xx', 'transport', 'failed exec', 'graph errors', 'statuses posted/failed', 'typing', 'agent alerts', 'send lag max'],
			detailRows,
		)}\n`,
	);
}

/** The shipped trigger's Statuses to Output, which decides how many status webhooks start an execution. */
function statusOutputOf(file: string): 'charges' | 'failures' {
	const workflow = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Array<{ type: string; parameters?: { statusEvents?: string } }> };
	const trigger = workflow.nodes.find((node) => node.type.endsWith('.whatsAppAiTrigger'));
	return trigger?.parameters?.statusEvents === 'failures' ? 'failures' : 'charges';
}

async function main(): Promise<void> {
	const machine = machineInfo();
	say(`${machine.cores} × ${machine.cpuModel}, load ${machine.loadAverage.join(' ')}, Node ${machine.node}`);
	say(
		`rates ${RATES.join(', ')} msg/s × ${SECONDS} s, ${COPIES} deliveries per message (delays ${COPY_DELAYS.join(', ')} ms); ` +
			`${WEBHOOK_PROCESSES} webhook processes, ${WORKERS} workers × concurrency ${WORKER_CONCURRENCY}; status webhooks ${STATUSES ? 'on' : 'off'}`,
	);
	const capture: Capture = { sends: [], repliesByRecipient: new Map(), otherSends: 0, typing: 0, graphErrors: 0, statusPosted: 0, statusCharged: new ChargedStatusCounter(statusOutputOf(WORKFLOW_FILE)), statusFailed: 0 };
	const sandbox = await startGraphSandbox({
		templates: [
			{ name: 'follow_up', category: 'utility', languages: ['en', 'nl', 'de', 'fr', 'es'] },
			{ name: 'agent_handoff_alert', category: 'utility', languages: ['en'] },
		],
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
			if (to.startsWith(CUSTOMER_PREFIX)) {
				capture.sends.push({ to, receivedAt: nowMs() - request.durationMs, detail: { type: body.type } });
				capture.repliesByRecipient.set(to, (capture.repliesByRecipient.get(to) ?? 0) + 1);
			} else capture.otherSends += 1;
		},
		onWebhookDelivery: (delivery) => {
			capture.statusPosted += 1;
			capture.statusCharged.add(delivery);
			if (!delivery.ok) capture.statusFailed += 1;
		},
	});
	// startN8n appends to its log files: start each run with empty ones.
	if (LOG_DIR) rmSync(LOG_DIR, { recursive: true, force: true });
	const store = await createTestDatabase('wa_bench_queue');
	const storeQuery = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => {
		const client = new Client(store.connection);
		await client.connect();
		try {
			return (await client.query(sql, params)).rows as T[];
		} finally {
			await client.end();
		}
	};
	let cluster: QueueCluster | undefined;
	let router: Router | undefined;
	const steps: StepResult[] = [];
	try {
		const workflows = queueModeWorkflows(WORKFLOW_FILE);
		const workflow = workflows[workflows.length - 1];
		const trigger = workflow.nodes.find((node) => node.type.endsWith('.whatsAppAiTrigger'));
		if (!trigger?.webhookId) throw new Error(`${WORKFLOW_FILE} has no WhatsApp AI Trigger with a webhookId`);
		const startedAt = Date.now();
		cluster = await startQueueCluster({
			webhookProcesses: WEBHOOK_PROCESSES,
			workers: WORKERS,
			workerConcurrency: WORKER_CONCURRENCY,
			workflows,
			credentials: queueModeCredentials(workflows, { graphBaseUrl: sandbox.baseUrl, appSecret: APP_SECRET, phoneNumberId: PHONE_NUMBER_ID, store: store.connection }),
			env: EXTRA_N8N_ENV,
			logDir: LOG_DIR,
		});
		say(
			`cluster ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s (imports ${(cluster.startup.prepareMs / 1000).toFixed(1)} s; ` +
				Object.entries(cluster.startup.processMs)
					.map(([name, ms]) => `${name} ${(ms / 1000).toFixed(1)} s`)
					.join(', ') +
				`); pids ${JSON.stringify(cluster.pids())}`,
		);
		router = await startRouter(cluster.webhookUrls);
		const webhookPath = `/webhook/${trigger.webhookId}/webhook`;
		const bench: Bench = {
			cluster,
			sandbox,
			router,
			capture,
			webhookUrl: `${router.url}${webhookPath}`,
			workflowId: cluster.workflows[cluster.workflows.length - 1].id,
			storeQuery,
		};
		if (STATUSES) sandbox.configureWebhook({ url: bench.webhookUrl, appSecret: APP_SECRET, statuses: ['sent', 'delivered'], timeoutMs: 30_000 });
		await warmUp(bench);
		for (const rate of RATES) steps.push(await runStep(bench, rate));
		say('final drain…');
		await finalAccount(bench, steps);
		const processNames = Object.keys(cluster.pids());
		printResults(steps, processNames);
		const file = writeResultsJson('queue', {
			benchmark: 'queue',
			date: new Date().toISOString(),
			machine,
			seconds: SECONDS,
			rates: RATES,
			copies: COPIES,
			copyDelaysMs: COPY_DELAYS,
			statusWebhooks: STATUSES,
			cluster: { webhookProcesses: WEBHOOK_PROCESSES, workers: WORKERS, workerConcurrency: WORKER_CONCURRENCY, startup: cluster.startup, n8nEnvironment: EXTRA_N8N_ENV },
			texts: BENCH_TEXTS,
			steps: steps.map(({ messages: _messages, ...step }) => step),
		});
		say(`results written to ${path.relative(repoRoot, file)}`);
	} finally {
		await router?.close();
		await cluster?.stop();
		await sandbox.close();
		await store.drop();
	}
}

main().then(
	// Everything is written and cleaned up by now (databases dropped, Redis keys deleted, processes gone), but
	// in the reference run the process then stayed idle with no socket or child left: exit explicitly.
	() => process.exit(0),
	(error: unknown) => {
		process.stderr.write(`[bench:queue] ${error instanceof Error ? error.stack : String(error)}\n`);
		process.exit(1);
	},
);
