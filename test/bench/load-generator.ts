// An open-loop, fixed-rate sender of signed WhatsApp webhooks, for the load benchmarks. It runs in its
// own process so that what it costs never counts against the server under test (and vice versa).
//
// Open loop: message i is due at startAt + i / rate seconds, by the wall clock, whether or not earlier
// POSTs have been answered (a closed-loop sender would slow down with the server and hide queueing).
// Every message is an inbound text webhook signed with X-Hub-Signature-256 like Meta's.
//
// API (in the orchestrating process)
//   runLoad(options, { onRecords?, signal? }): Promise<LoadResult>
//     Forks this file as a child process (`node scripts/run-ts.js test/bench/load-generator.ts`),
//     hands it the options over IPC, streams back PostRecords (one per POST, in batches, to onRecords)
//     and resolves with all of them once every POST has been answered or has timed out. Aborting
//     `signal` stops sending new messages (a safety valve for a server that falls too far behind);
//     what was sent is still awaited and reported.
//
//   LoadOptions
//     targets              webhook URLs; message i goes to targets[i % targets.length] (all its copies too)
//     rate, seconds        messages per second and for how long (rate × seconds messages in all)
//     appSecret            signs each body (X-Hub-Signature-256)
//     phoneNumberId        metadata.phone_number_id of every webhook; displayPhoneNumber optional
//     texts                the message text pool, used round-robin (texts[i % texts.length])
//     messagesPerSender    1 (default): a new customer for every message; N: each sender writes N messages
//     senderPrefix         leading digits of the senders' wa_id (default '3197'); sender k is prefix + k (7 digits)
//     copies               deliveries per message, default 1. Meta delivers at least once; 3 simulates retries
//     copyDelaysMs         when copy 2, 3, … is POSTed, in ms after copy 1; 0 = at the same time (concurrent).
//                          Default for copies > 1: [0, 1000, 2000, …] (one concurrent copy, then retries)
//     timeoutMs            per POST, default 30 000
//     keepAlive            reuse connections (default true); false opens one connection per POST
//     startAt              epoch ms of message 0; default: 200 ms after the child is ready
//     messageIdPrefix      prefix of the inbound wamids (default 'wamid.BENCH'); ids are unique per run
//
//   PostRecord (one per POST): index, copy, id (inbound wamid), sender, text, target, scheduledAt,
//     sentAt (epoch ms, sub-ms), status (HTTP status, 0 = no response), responseMs, error?
//   LoadResult: records, startedAt, finishedAt, maxSendLagMs (largest delay between due and sent),
//     planned (rate × seconds), unsent (messages not sent because the run was stopped) and cpuSeconds
//     (what the sending process itself used)
//
// Standalone (prints JSON lines: one per POST, then a summary):
//   node scripts/run-ts.js test/bench/load-generator.ts '<LoadOptions as JSON>'
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';

import { inboundTextWebhook, signWebhookBody } from '../../sandbox/webhook-signer';

export interface LoadOptions {
	targets: string[];
	rate: number;
	seconds: number;
	appSecret: string;
	phoneNumberId: string;
	displayPhoneNumber?: string;
	texts: string[];
	messagesPerSender?: number;
	senderPrefix?: string;
	copies?: number;
	copyDelaysMs?: number[];
	timeoutMs?: number;
	keepAlive?: boolean;
	startAt?: number;
	messageIdPrefix?: string;
}

export interface PostRecord {
	/** Message number, 0-based. */
	index: number;
	/** 1 for the first delivery of a message, 2… for its duplicates. */
	copy: number;
	/** The inbound wamid (the same for every copy). */
	id: string;
	sender: string;
	text: string;
	target: string;
	/** Epoch ms the POST was due. */
	scheduledAt: number;
	/** Epoch ms the POST started (sub-ms precision). */
	sentAt: number;
	/** HTTP status; 0 when there was no response. */
	status: number;
	/** From POST start to the end of the response. */
	responseMs: number;
	error?: string;
}

export interface LoadResult {
	records: PostRecord[];
	startedAt: number;
	finishedAt: number;
	maxSendLagMs: number;
	/** Messages the options asked for (rate × seconds). */
	planned: number;
	/** Messages not sent because the run was stopped early. */
	unsent: number;
	/** CPU time the sending process used during the run (to judge whether the sender kept up). */
	cpuSeconds: number;
}

type ParentMessage = { type: 'start'; options: LoadOptions } | { type: 'stop' };
type ChildMessage =
	| { type: 'ready' }
	| { type: 'records'; records: PostRecord[] }
	| ({ type: 'done' } & Omit<LoadResult, 'records'>)
	| { type: 'error'; message: string };

const RUN_TS = path.resolve(__dirname, '..', '..', 'scripts', 'run-ts.js');

function epochMs(): number {
	return performance.timeOrigin + performance.now();
}

export function copyDelaysFor(options: Pick<LoadOptions, 'copies' | 'copyDelaysMs'>): number[] {
	const copies = Math.max(1, Math.floor(options.copies ?? 1));
	const delays = [0];
	for (let copy = 2; copy <= copies; copy++) delays.push(options.copyDelaysMs?.[copy - 2] ?? (copy - 2) * 1000);
	return delays;
}

export function senderFor(options: Pick<LoadOptions, 'messagesPerSender' | 'senderPrefix'>, index: number): string {
	const perSender = Math.max(1, Math.floor(options.messagesPerSender ?? 1));
	return `${options.senderPrefix ?? '3197'}${String(Math.floor(index / perSender)).padStart(7, '0')}`;
}

/** Runs the sender (in this process). Used by the child; the orchestrator calls runLoad. */
export async function generateLoad(
	options: LoadOptions,
	onRecord: (record: PostRecord) => void,
	signal?: AbortSignal,
): Promise<Omit<LoadResult, 'records'>> {
	if (options.targets.length === 0) throw new Error('load generator: no targets');
	if (!(options.rate > 0) || !(options.seconds > 0)) throw new Error('load generator: rate and seconds must be positive');
	if (options.texts.length === 0) throw new Error('load generator: empty text pool');
	const total = Math.round(options.rate * options.seconds);
	const delays = copyDelaysFor(options);
	const timeoutMs = options.timeoutMs ?? 30_000;
	const keepAlive = options.keepAlive ?? true;
	const agents = {
		http: new http.Agent({ keepAlive, maxSockets: Infinity }),
		https: new https.Agent({ keepAlive, maxSockets: Infinity }),
	};
	const runTag = randomBytes(4).toString('hex').toUpperCase();
	const idPrefix = options.messageIdPrefix ?? 'wamid.BENCH';
	const startAt = options.startAt ?? epochMs() + 200;
	const cpuAtStart = process.cpuUsage();
	let maxSendLagMs = 0;
	const pending = new Set<Promise<void>>();

	const post = (record: PostRecord, body: Buffer, signature: string): Promise<void> => {
		const target = new URL(record.target);
		const transport = target.protocol === 'https:' ? https : http;
		return new Promise<void>((resolve) => {
			let settled = false;
			const finish = (status: number, error?: string) => {
				if (settled) return;
				settled = true;
				record.status = status;
				record.responseMs = epochMs() - record.sentAt;
				if (error) record.error = error;
				onRecord(record);
				resolve();
			};
			record.sentAt = epochMs();
			maxSendLagMs = Math.max(maxSendLagMs, record.sentAt - record.scheduledAt);
			const request = transport.request(
				target,
				{
					method: 'POST',
					agent: target.protocol === 'https:' ? agents.https : agents.http,
					timeout: timeoutMs,
					headers: {
						'content-type': 'application/json',
						'content-length': String(body.length),
						'user-agent': 'facebookexternalua',
						'x-hub-signature-256': signature,
					},
				},
				(response) => {
					response.resume();
					response.on('end', () => finish(response.statusCode ?? 0));
					response.on('error', (error) => finish(0, error.message));
				},
			);
			request.on('timeout', () => request.destroy(new Error(`no response within ${timeoutMs} ms`)));
			request.on('error', (error) => finish(0, error.message));
			request.end(body);
		});
	};

	const send = (index: number) => {
		const scheduledAt = startAt + (index * 1000) / options.rate;
		const sender = senderFor(options, index);
		const text = options.texts[index % options.texts.length];
		const id = `${idPrefix}${runTag}${String(index).padStart(7, '0')}`;
		const target = options.targets[index % options.targets.length];
		const payload = inboundTextWebhook({
			from: sender,
			name: `Bench Guest ${index}`,
			text,
			messageId: id,
			phoneNumberId: options.phoneNumberId,
			displayPhoneNumber: options.displayPhoneNumber,
		});
		const body = Buffer.from(JSON.stringify(payload), 'utf8');
		const signature = signWebhookBody(body, options.appSecret);
		delays.forEach((delay, copyIndex) => {
			const record: PostRecord = { index, copy: copyIndex + 1, id, sender, text, target, scheduledAt: scheduledAt + delay, sentAt: 0, status: 0, responseMs: 0 };
			// Copies with a delay wait on their own timer; copies without one go out right now, together.
			const sending =
				delay <= 0
					? post(record, body, signature)
					: new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, record.scheduledAt - epochMs()))).then(() => post(record, body, signature));
			pending.add(sending);
			void sending.finally(() => pending.delete(sending));
		});
	};

	let next = 0;
	await new Promise<void>((resolve) => {
		const tick = () => {
			if (signal?.aborted) {
				resolve();
				return;
			}
			const now = epochMs();
			// Catch up after a late timer: everything that is due goes out now.
			while (next < total && startAt + (next * 1000) / options.rate <= now) send(next++);
			if (next >= total) {
				resolve();
				return;
			}
			setTimeout(tick, Math.max(0, startAt + (next * 1000) / options.rate - epochMs()));
		};
		setTimeout(tick, Math.max(0, startAt - epochMs()));
	});
	while (pending.size > 0) await Promise.allSettled([...pending]);
	agents.http.destroy();
	agents.https.destroy();
	const cpu = process.cpuUsage(cpuAtStart);
	return { startedAt: startAt, finishedAt: epochMs(), maxSendLagMs, planned: total, unsent: total - next, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

/** Forks the generator as a child process and runs one load; see the top of this file. */
export function runLoad(
	options: LoadOptions,
	hooks: { onRecords?: (records: PostRecord[]) => void; signal?: AbortSignal } = {},
): Promise<LoadResult> {
	return new Promise<LoadResult>((resolve, reject) => {
		const child = fork(RUN_TS, [__filename], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] });
		const records: PostRecord[] = [];
		let done = false;
		hooks.signal?.addEventListener('abort', () => {
			if (!done && child.connected) child.send({ type: 'stop' } satisfies ParentMessage);
		});
		child.on('message', (message: ChildMessage) => {
			if (message.type === 'ready') child.send({ type: 'start', options } satisfies ParentMessage);
			else if (message.type === 'records') {
				records.push(...message.records);
				hooks.onRecords?.(message.records);
			} else if (message.type === 'done') {
				done = true;
				child.disconnect();
				const { type: _type, ...summary } = message;
				resolve({ records, ...summary });
			} else if (message.type === 'error') {
				done = true;
				child.kill();
				reject(new Error(`load generator: ${message.message}`));
			}
		});
		child.on('error', (error) => {
			if (!done) reject(error);
		});
		child.on('exit', (code, signal) => {
			if (!done) reject(new Error(`load generator exited early (code ${code}, signal ${signal})`));
		});
	});
}

// ---------------------------------------------------------------------------------------------
// Child process entry

async function childMain(): Promise<void> {
	if (process.send) {
		const sendToParent = (message: ChildMessage) => process.send?.(message);
		const stop = new AbortController();
		process.on('message', (message: ParentMessage) => {
			if (message.type === 'stop') stop.abort();
			if (message.type !== 'start') return;
			let batch: PostRecord[] = [];
			const flush = () => {
				if (batch.length === 0) return;
				sendToParent({ type: 'records', records: batch });
				batch = [];
			};
			const flusher = setInterval(flush, 250);
			generateLoad(message.options, (record) => batch.push(record), stop.signal)
				.then((summary) => {
					clearInterval(flusher);
					flush();
					sendToParent({ type: 'done', ...summary });
				})
				.catch((error: unknown) => {
					clearInterval(flusher);
					sendToParent({ type: 'error', message: error instanceof Error ? error.message : String(error) });
				});
		});
		process.on('disconnect', () => process.exit(0));
		sendToParent({ type: 'ready' });
		return;
	}
	const raw = process.argv[2];
	if (!raw) {
		process.stderr.write("usage: node scripts/run-ts.js test/bench/load-generator.ts '<LoadOptions JSON>'\n");
		process.exit(2);
	}
	const summary = await generateLoad(JSON.parse(raw) as LoadOptions, (record) => process.stdout.write(`${JSON.stringify(record)}\n`));
	process.stdout.write(`${JSON.stringify({ summary })}\n`);
}

// run-ts.js requires this file from its own module, so require.main is not this module: compare paths.
if (path.resolve(process.argv[1] ?? '') === __filename) {
	childMain().catch((error: unknown) => {
		process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
		process.exit(1);
	});
}
