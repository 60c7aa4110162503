// Shared helpers for the load benchmarks (`npm run bench`, `npm run bench:queue`). No n8n in here.
//
// API
//   Time
//     nowMs(): number                                  wall-clock epoch milliseconds with sub-ms precision;
//                                                      comparable between processes on one machine.
//   Statistics
//     percentile(values, p): number                    nearest-rank percentile (p in 0..100); Infinity counts
//                                                      as a value (a message that never got a reply).
//     summarize(values): Summary                       count, min, mean, p50, p95, p99, max.
//   Processes (/proc, Linux only)
//     processTree(rootPid): number[]                   the pid and all its descendants.
//     readProcessInfo(pid): ProcessInfo | undefined    name, command line, RSS and CPU time of one process.
//     class ResourceSampler(rootPid, intervalMs)       samples RSS (and CPU time) of the tree until stop():
//                                                      peak and end RSS of the tree and per process, CPU seconds;
//                                                      currentRssBytes is the tree's RSS at the latest sample.
//   Correlation
//     correlateReplies(inbound, replies): Correlation  matches each reply the Graph sandbox received to the
//                                                      inbound message that caused it: per recipient, in order
//                                                      (a unique sender per message makes this exact).
//   Step figures
//     summarizeStep(input): StepFigures                throughput, latency percentiles and error counts of one
//                                                      fixed-rate step from the generator's records and the
//                                                      correlation.
//   Output
//     formatTable(headers, rows, align?): string       a plain-text table.
//     formatMs(ms) / formatBytes(bytes)                compact figures for tables.
//     machineInfo(): MachineInfo                       CPU model, core count, load, memory, Node version.
//     writeResultsJson(name, data): string             writes test-artifacts/bench/<name>-<date>.json, returns the path.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { CHARGEABLE_STATUSES } from '../../nodes/domain/costs/whatsapp-pricing';
import type { WebhookDelivery } from '../../sandbox/graph-sandbox';

// ---------------------------------------------------------------------------------------------
// Time

/** Epoch milliseconds with sub-millisecond precision. */
/**
 * Counts the status webhooks that start an execution under the trigger's *Statuses to Output*: with
 * *Charges and Failures*, per message the first delivered status that carries the charge (delivered, read or
 * played), and every failure; with *Failures Only* (the trigger logs the charge), every failure alone. For
 * the expected execution count of a step.
 */
export class ChargedStatusCounter {
	private readonly charged = new Set<string>();
	count = 0;

	constructor(private readonly mode: 'charges' | 'failures' = 'charges') {}

	/** For the sandbox's `onWebhookDelivery`; copies and deliveries n8n did not accept start nothing. */
	add(delivery: Pick<WebhookDelivery, 'messageId' | 'status' | 'copy' | 'ok'>): void {
		if (delivery.copy !== 1 || !delivery.ok) return;
		if (delivery.status === 'failed') this.count += 1;
		else if (this.mode === 'charges' && CHARGEABLE_STATUSES.includes(delivery.status) && !this.charged.has(delivery.messageId)) {
			this.charged.add(delivery.messageId);
			this.count += 1;
		}
	}

	/** Starts a new step: the count only (a message charged earlier stays charged). */
	resetCount(): void {
		this.count = 0;
	}
}

export function nowMs(): number {
	return performance.timeOrigin + performance.now();
}

// ---------------------------------------------------------------------------------------------
// Statistics

/** Nearest-rank percentile of `values` (unsorted is fine); NaN for an empty list. */
export function percentile(values: readonly number[], p: number): number {
	if (values.length === 0) return Number.NaN;
	const sorted = [...values].sort((left, right) => left - right);
	const rank = Math.ceil((p / 100) * sorted.length);
	return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export interface Summary {
	count: number;
	min: number;
	mean: number;
	p50: number;
	p95: number;
	p99: number;
	max: number;
}

export function summarize(values: readonly number[]): Summary {
	if (values.length === 0) return { count: 0, min: NaN, mean: NaN, p50: NaN, p95: NaN, p99: NaN, max: NaN };
	const sorted = [...values].sort((left, right) => left - right);
	const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
	const finite = sorted.filter(Number.isFinite);
	return {
		count: sorted.length,
		min: sorted[0],
		mean: finite.length === sorted.length ? finite.reduce((sum, value) => sum + value, 0) / finite.length : Infinity,
		p50: at(50),
		p95: at(95),
		p99: at(99),
		max: sorted[sorted.length - 1],
	};
}

// ---------------------------------------------------------------------------------------------
// Processes

const PAGE_SIZE = 4096;
const CLOCK_TICKS_PER_SECOND = 100;

export interface ProcessInfo {
	pid: number;
	parentPid: number;
	/** The kernel's short name (`comm`), e.g. `node`. */
	name: string;
	/** The command line, shortened to 200 characters. */
	command: string;
	rssBytes: number;
	/** User + system CPU time so far. */
	cpuSeconds: number;
}

function parseStat(pid: number, statPath = `/proc/${pid}/stat`): { parentPid: number; name: string; cpuSeconds: number; rssBytes: number } | undefined {
	let text: string;
	try {
		text = readFileSync(statPath, 'utf8');
	} catch {
		return undefined;
	}
	// The name is in parentheses and may contain spaces or parentheses itself.
	const open = text.indexOf('(');
	const close = text.lastIndexOf(')');
	const fields = text.slice(close + 2).split(' ');
	// After the name: state(0) ppid(1) … utime(11) stime(12) … rss(21) in pages.
	return {
		name: text.slice(open + 1, close),
		parentPid: Number(fields[1]),
		cpuSeconds: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND,
		rssBytes: Number(fields[21]) * PAGE_SIZE,
	};
}

/**
 * Where a process's CPU time goes, by thread kind (Linux thread names, Node 24): its JS main thread, the
 * threads isolated-vm runs expression isolates on (they inherit the name `MainThread` from the thread that
 * started them), V8's platform workers (garbage collection, compilation), libuv's pool (files, crypto,
 * sqlite3's queries) and anything else.
 */
export const THREAD_GROUPS = ['JS main thread', 'isolated-vm threads', 'V8 workers (GC, compiler)', 'libuv pool (files, crypto, sqlite3)', 'other threads'] as const;
export type ThreadGroup = (typeof THREAD_GROUPS)[number];

/** CPU seconds so far of each live thread of `pid`, with its group. */
export function readThreadCpu(pid: number): Map<number, { group: ThreadGroup; cpuSeconds: number }> {
	const threads = new Map<number, { group: ThreadGroup; cpuSeconds: number }>();
	let tids: string[];
	try {
		tids = readdirSync(`/proc/${pid}/task`);
	} catch {
		return threads;
	}
	for (const entry of tids) {
		const tid = Number(entry);
		const stat = parseStat(tid, `/proc/${pid}/task/${entry}/stat`);
		if (!stat) continue;
		const group: ThreadGroup =
			tid === pid
				? 'JS main thread'
				: stat.name === 'MainThread'
					? 'isolated-vm threads'
					: stat.name === 'V8Worker'
						? 'V8 workers (GC, compiler)'
						: stat.name === 'libuv-worker'
							? 'libuv pool (files, crypto, sqlite3)'
							: 'other threads';
		threads.set(tid, { group, cpuSeconds: stat.cpuSeconds });
	}
	return threads;
}

/**
 * CPU seconds so far of every PostgreSQL server process on this machine (the postmaster and its backends,
 * by process name), keyed by pid. With BENCH_STORE=postgres our store's SQL runs there, outside n8n; the
 * bench charges the difference over a step (a backend started meanwhile with all its time) to the step.
 */
export function readPostgresServerCpu(): Map<number, number> {
	const cpu = new Map<number, number>();
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		const stat = parseStat(Number(entry));
		if (stat && (stat.name === 'postgres' || stat.name === 'postmaster')) cpu.set(Number(entry), stat.cpuSeconds);
	}
	return cpu;
}

/** PostgreSQL server CPU seconds used since `before` (a reading of readPostgresServerCpu). */
export function postgresServerCpuSince(before: Map<number, number>): number {
	let seconds = 0;
	for (const [pid, now] of readPostgresServerCpu()) seconds += now - (before.get(pid) ?? 0);
	return seconds;
}

export function readProcessInfo(pid: number): ProcessInfo | undefined {
	const stat = parseStat(pid);
	if (!stat) return undefined;
	let command = stat.name;
	try {
		command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ').slice(0, 200) || stat.name;
	} catch {
		// Gone meanwhile.
	}
	return { pid, ...stat, command };
}

/** `rootPid` and every process below it (children, grandchildren, …), root first. */
export function processTree(rootPid: number): number[] {
	const children = new Map<number, number[]>();
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		const stat = parseStat(Number(entry));
		if (!stat) continue;
		const list = children.get(stat.parentPid) ?? [];
		list.push(Number(entry));
		children.set(stat.parentPid, list);
	}
	const tree: number[] = [];
	const queue = [rootPid];
	while (queue.length > 0) {
		const pid = queue.shift() as number;
		if (tree.includes(pid)) continue;
		tree.push(pid);
		queue.push(...(children.get(pid) ?? []));
	}
	return tree.filter((pid) => parseStat(pid) !== undefined);
}

export interface ProcessResources {
	pid: number;
	name: string;
	command: string;
	peakRssBytes: number;
	endRssBytes: number;
	cpuSeconds: number;
}

export interface ResourceFigures {
	samples: number;
	/** Highest sum of RSS over the whole tree at one sample. */
	peakRssBytes: number;
	/** The tree's RSS at the last sample. */
	endRssBytes: number;
	/** CPU seconds the tree used between start and stop (processes that exited meanwhile are not counted). */
	cpuSeconds: number;
	/** The root process's share of it by thread kind (threads that exited meanwhile are not counted). */
	rootThreadCpuSeconds: Record<ThreadGroup, number>;
	processes: ProcessResources[];
}

/** Samples the RSS and CPU time of a process and its descendants every `intervalMs` until stop(). */
export class ResourceSampler {
	private timer: NodeJS.Timeout | undefined;
	private readonly processes = new Map<number, ProcessResources & { cpuAtStart: number }>();
	private samples = 0;
	private peak = 0;
	private end = 0;
	private threadsAtStart = new Map<number, { group: ThreadGroup; cpuSeconds: number }>();

	constructor(
		readonly rootPid: number,
		readonly intervalMs = 500,
	) {}

	/** The tree's RSS at the latest sample. */
	get currentRssBytes(): number {
		return this.end;
	}

	start(): this {
		this.threadsAtStart = readThreadCpu(this.rootPid);
		this.sample();
		this.timer = setInterval(() => this.sample(), this.intervalMs);
		this.timer.unref();
		return this;
	}

	sample(): void {
		let total = 0;
		for (const pid of processTree(this.rootPid)) {
			const info = readProcessInfo(pid);
			if (!info) continue;
			total += info.rssBytes;
			const known = this.processes.get(pid);
			if (known) {
				known.peakRssBytes = Math.max(known.peakRssBytes, info.rssBytes);
				known.endRssBytes = info.rssBytes;
				known.cpuSeconds = info.cpuSeconds - known.cpuAtStart;
			} else {
				// A process that appears after start() is charged all its CPU time.
				const cpuAtStart = this.samples === 0 ? info.cpuSeconds : 0;
				this.processes.set(pid, {
					pid,
					name: info.name,
					command: info.command,
					peakRssBytes: info.rssBytes,
					endRssBytes: info.rssBytes,
					cpuSeconds: info.cpuSeconds - cpuAtStart,
					cpuAtStart,
				});
			}
		}
		this.samples += 1;
		this.peak = Math.max(this.peak, total);
		this.end = total;
	}

	stop(): ResourceFigures {
		if (this.timer) clearInterval(this.timer);
		this.timer = undefined;
		this.sample();
		const rootThreadCpuSeconds = Object.fromEntries(THREAD_GROUPS.map((group) => [group, 0])) as Record<ThreadGroup, number>;
		for (const [tid, thread] of readThreadCpu(this.rootPid)) {
			// A thread started meanwhile is charged all its time.
			rootThreadCpuSeconds[thread.group] += thread.cpuSeconds - (this.threadsAtStart.get(tid)?.cpuSeconds ?? 0);
		}
		const processes = [...this.processes.values()].map(({ cpuAtStart: _cpuAtStart, ...rest }) => rest);
		return {
			samples: this.samples,
			peakRssBytes: this.peak,
			endRssBytes: this.end,
			cpuSeconds: processes.reduce((sum, process) => sum + process.cpuSeconds, 0),
			rootThreadCpuSeconds,
			processes,
		};
	}
}

// ---------------------------------------------------------------------------------------------
// Correlation of replies to inbound messages

export interface InboundMessage {
	/** The inbound wamid. */
	id: string;
	/** The customer's wa_id; replies go `to` it. */
	sender: string;
	/** Epoch ms when the (first) webhook POST of this message started. */
	sentAt: number;
}

export interface ReceivedReply {
	/** Digits of the recipient (`to`). */
	to: string;
	/** Epoch ms when the Graph sandbox received the send. */
	receivedAt: number;
	/** Anything the caller wants back with the match (message type, text, …). */
	detail?: unknown;
}

export interface ReplyMatch<I extends InboundMessage = InboundMessage, R extends ReceivedReply = ReceivedReply> {
	inbound: I;
	reply: R;
	latencyMs: number;
}

export interface Correlation<I extends InboundMessage = InboundMessage, R extends ReceivedReply = ReceivedReply> {
	matches: Array<ReplyMatch<I, R>>;
	/** Inbound messages with no reply. */
	unanswered: I[];
	/** Replies to recipients with no unmatched inbound message before them (extra sends). */
	unmatchedReplies: R[];
}

/**
 * Pairs replies with inbound messages: per recipient, the first reply goes to the first message sent
 * before it, and so on. Exact when every message has its own sender; with several messages per sender
 * and one reply each it is exact as long as the pipeline answers a sender's messages in order.
 */
export function correlateReplies<I extends InboundMessage, R extends ReceivedReply>(inbound: readonly I[], replies: readonly R[]): Correlation<I, R> {
	const bySender = new Map<string, I[]>();
	for (const message of [...inbound].sort((left, right) => left.sentAt - right.sentAt)) {
		const list = bySender.get(message.sender) ?? [];
		list.push(message);
		bySender.set(message.sender, list);
	}
	const matches: Array<ReplyMatch<I, R>> = [];
	const unmatchedReplies: R[] = [];
	const matched = new Set<I>();
	for (const reply of [...replies].sort((left, right) => left.receivedAt - right.receivedAt)) {
		const waiting = bySender.get(reply.to);
		const message = waiting?.find((candidate) => !matched.has(candidate) && candidate.sentAt <= reply.receivedAt);
		if (!message) {
			unmatchedReplies.push(reply);
			continue;
		}
		matched.add(message);
		matches.push({ inbound: message, reply, latencyMs: reply.receivedAt - message.sentAt });
	}
	return { matches, unanswered: inbound.filter((message) => !matched.has(message)), unmatchedReplies };
}

// ---------------------------------------------------------------------------------------------
// Step figures

/** What the load generator reports per POST (see load-generator.ts, PostRecord). */
export interface PostOutcome {
	index: number;
	copy: number;
	sentAt: number;
	status: number;
	responseMs: number;
	error?: string;
}

export interface StepFigures {
	offeredRate: number;
	seconds: number;
	messages: number;
	posts: number;
	/** Messages whose reply reached the sandbox. */
	answered: number;
	/** Answered messages per second, from the first POST to the last reply. */
	throughput: number;
	/** Answered messages per second counting only replies received within the sending window. */
	throughputInWindow: number;
	/** Webhook POST start → reply received at the sandbox; unanswered messages count as Infinity. */
	latencyMs: Summary;
	/** Webhook POST start → HTTP response (n8n's acknowledgement). */
	ackMs: Summary;
	errors: {
		/** POSTs answered with something else than 2xx. */
		httpStatus: number;
		/** POSTs that failed (connection refused, reset, timeout). */
		transport: number;
		/** Messages without a reply by the end of the drain. */
		unanswered: number;
		/** Replies that matched no message. */
		extraReplies: number;
	};
	/** The largest delay between when a POST was due and when it started (generator lag). */
	maxSendLagMs?: number;
}

export function summarizeStep(input: {
	rate: number;
	seconds: number;
	posts: readonly PostOutcome[];
	correlation: Correlation;
	/** Epoch ms of the first scheduled send (defaults to the earliest POST). */
	startedAt?: number;
	maxSendLagMs?: number;
}): StepFigures {
	const { posts, correlation } = input;
	const firstPosts = posts.filter((post) => post.copy === 1);
	const startedAt = input.startedAt ?? Math.min(...posts.map((post) => post.sentAt));
	const windowEnd = startedAt + input.seconds * 1000;
	const lastReply = Math.max(startedAt, ...correlation.matches.map((match) => match.reply.receivedAt));
	const answered = correlation.matches.length;
	const latencies = [...correlation.matches.map((match) => match.latencyMs), ...correlation.unanswered.map(() => Infinity)];
	return {
		offeredRate: input.rate,
		seconds: input.seconds,
		messages: firstPosts.length,
		posts: posts.length,
		answered,
		throughput: answered / Math.max(0.001, (lastReply - startedAt) / 1000),
		throughputInWindow: correlation.matches.filter((match) => match.reply.receivedAt <= windowEnd).length / input.seconds,
		latencyMs: summarize(latencies),
		ackMs: summarize(posts.filter((post) => post.status > 0).map((post) => post.responseMs)),
		errors: {
			httpStatus: posts.filter((post) => post.status > 0 && (post.status < 200 || post.status >= 300)).length,
			transport: posts.filter((post) => post.status === 0).length,
			unanswered: correlation.unanswered.length,
			extraReplies: correlation.unmatchedReplies.length,
		},
		maxSendLagMs: input.maxSendLagMs,
	};
}

// ---------------------------------------------------------------------------------------------
// Output

export function formatMs(ms: number): string {
	if (Number.isNaN(ms)) return '-';
	if (!Number.isFinite(ms)) return '∞';
	if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
	return `${Math.round(ms)} ms`;
}

export function formatBytes(bytes: number): string {
	if (!Number.isFinite(bytes)) return '-';
	return `${Math.round(bytes / (1024 * 1024))} MB`;
}

/** A plain-text table; `align` per column, 'l' (default for the first column) or 'r'. */
export function formatTable(headers: string[], rows: Array<Array<string | number>>, align?: Array<'l' | 'r'>): string {
	const cells = [headers, ...rows.map((row) => row.map(String))];
	const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
	const alignOf = (column: number) => align?.[column] ?? (column === 0 ? 'l' : 'r');
	const line = (row: string[]) =>
		row.map((cell, column) => (alignOf(column) === 'l' ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ').trimEnd();
	return [line(cells[0]), widths.map((width) => '-'.repeat(width)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export interface MachineInfo {
	cpuModel: string;
	cores: number;
	loadAverage: number[];
	totalMemoryBytes: number;
	node: string;
	platform: string;
}

export function machineInfo(): MachineInfo {
	const cpus = os.cpus();
	return {
		cpuModel: cpus[0]?.model ?? 'unknown',
		cores: cpus.length,
		loadAverage: os.loadavg().map((value) => Math.round(value * 100) / 100),
		totalMemoryBytes: os.totalmem(),
		node: process.version,
		platform: `${os.platform()} ${os.release()}`,
	};
}

/** Writes `data` as JSON to test-artifacts/bench/<name>-<YYYY-MM-DDTHH-MM-SS>.json; returns the path. */
export function writeResultsJson(name: string, data: unknown): string {
	const folder = path.resolve(__dirname, '..', '..', 'test-artifacts', 'bench');
	mkdirSync(folder, { recursive: true });
	const stamp = new Date().toISOString().replace(/\..*$/, '').replace(/:/g, '-');
	const file = path.join(folder, `${name}-${stamp}.json`);
	writeFileSync(file, `${JSON.stringify(data, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? String(value) : value), '\t')}\n`);
	return file;
}

/**
 * The customers' messages the load benchmarks send, used round-robin: mostly questions the shipped
 * knowledge base answers (five languages), small talk as real WhatsApp traffic has it (greetings, a
 * greeting with a question, thanks and goodbyes: about a fifth), and some ask for a person or complain
 * (handoff). The route each really took is measured. "ok" and 👍 are left out: they get no reply by
 * design, and the benchmarks measure the time to the reply.
 */
export const BENCH_TEXTS: string[] = [
	'hi',
	'Is breakfast included?',
	'Is er parkeergelegenheid bij het hotel?',
	'What time is check-in?',
	'Wie lautet das WLAN-Passwort?',
	'thanks a lot, that helps!',
	'Are pets allowed?',
	'¿Cuál es la política de cancelación?',
	'Hallo, hoe laat is het ontbijt?',
	'What is the wifi password?',
	'À quelle heure est le petit-déjeuner ?',
	'Can I talk to a real person please?',
	'Hoe laat kan ik uitchecken?',
	'Is there parking at the hotel?',
	'Bonjour !',
	'Die Heizung in Zimmer 214 ist kaputt und das Zimmer ist eiskalt, das ist eine Frechheit!',
	'What is your cancellation policy?',
	'Sind Haustiere erlaubt?',
	'¿A qué hora es el desayuno?',
	'When can I check out?',
	'Quel est le mot de passe du wifi ?',
	'muchas gracias, adiós',
	'Kan ik bij het hotel parkeren?',
	'The room was dirty and nobody helped us, this is unacceptable.',
	'Wann gibt es Frühstück?',
];
