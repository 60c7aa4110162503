// `npm run bench:widget`: the web chat widget's path in a real n8n — a message POSTed by a widget session to
// the answer arriving on that session's open live feed (SSE), the figure the guest sees as "answer on
// screen". A benchmark, not a test: it prints figures.
//
// A real n8n (scripts/lib/n8n-server.ts) runs workflows/whatsapp-ai-support.json as shipped (embedded
// store, offline answers), its Web Chat Trigger allowing any origin and raised per-IP limits (every session
// comes from 127.0.0.1 here). BENCH_WIDGET_SESSIONS sessions each hold an SSE stream, read as a stream of
// `id:`/`data:` events separated by blank lines (partial chunks are kept until their event is complete);
// messages go out open-loop at BENCH_WIDGET_RATE per second, round-robin over the sessions, for
// BENCH_WIDGET_SECONDS. That stays within the trigger's limits (12 messages per minute per session by
// default) and far below what the machine answers, so n8n's backlog does not grow.
//
// Environment: BENCH_WIDGET_RATE=5  BENCH_WIDGET_SECONDS=60  BENCH_WIDGET_SESSIONS=50
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { startGraphSandbox } from '../../sandbox/graph-sandbox';
import { DEMO_WEB_CHAT, demoCredentials } from '../../scripts/demo';
import { createTempUserFolder, importCredentials, importWorkflows, repoRoot, startN8n, type WorkflowJson } from '../../scripts/lib/n8n-server';

const RATE = Number(process.env.BENCH_WIDGET_RATE ?? 5);
const SECONDS = Number(process.env.BENCH_WIDGET_SECONDS ?? 60);
const SESSIONS = Number(process.env.BENCH_WIDGET_SESSIONS ?? 50);
const QUESTIONS = ['Hoe laat is het ontbijt?', 'Is er parkeergelegenheid?', 'What time is check-out?', 'Gibt es WLAN im Zimmer?', '¿Aceptan mascotas?'];

function percentile(values: number[], p: number): number {
	if (!values.length) return NaN;
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function rssMb(pid: number): number {
	const match = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
	return match ? Math.round(Number(match[1]) / 1024) : NaN;
}

interface Session {
	token: string;
	/** When each message of this session was POSTed, waiting for its answer. */
	pending: number[];
	controller: AbortController;
}

async function main(): Promise<void> {
	const sandbox = await startGraphSandbox({ templates: [{ name: 'agent_handoff_alert', category: 'utility', languages: ['en'] }] });
	const credentials = demoCredentials().map((credential) =>
		credential.type === 'whatsAppCloudApi' ? { ...credential, data: { ...(credential.data as Record<string, unknown>), baseUrl: sandbox.baseUrl } } : credential,
	);
	const shipped = JSON.parse(readFileSync(path.join(repoRoot, 'workflows', 'whatsapp-ai-support.json'), 'utf8')) as WorkflowJson;
	const trigger = shipped.nodes.find((node) => node.type === 'n8n-nodes-whatsapp-ai-support.webChatTrigger')!;
	trigger.parameters = { ...trigger.parameters, allowedOrigins: '*', limits: { requestsPerMinutePerIp: 100_000 } };
	const userFolder = createTempUserFolder('n8n-bench-widget-');
	await importCredentials(userFolder, credentials);
	const imported = await importWorkflows(userFolder, [shipped, path.join(repoRoot, 'workflows', 'agent-desk-bridge.json')]);
	const server = await startN8n({ userFolder, removeUserFolderOnStop: true });
	const latencies: number[] = [];
	let errors = 0;
	let peakRss = 0;
	try {
		await server.rest.ensureOwner();
		for (const workflow of [...imported].reverse()) await server.rest.activateWorkflow(workflow.id);
		const base = `${server.baseUrl}/webhook/${DEMO_WEB_CHAT.webhookId}`;
		const sessions: Session[] = [];
		for (let index = 0; index < SESSIONS; index++) {
			const response = await fetch(`${base}/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
			const { session } = (await response.json()) as { session: string };
			sessions.push({ token: session, pending: [], controller: new AbortController() });
		}
		const stopAt = Date.now() + SECONDS * 1000 + 30_000;
		// One SSE reader per session, reconnecting from its cursor when the server ends the stream (25 s).
		const readers = sessions.map(async (session) => {
			let cursor = 0;
			while (Date.now() < stopAt && !session.controller.signal.aborted) {
				try {
					const response = await fetch(`${base}/events?session=${encodeURIComponent(session.token)}&after=${cursor}`, { signal: session.controller.signal });
					if (!response.ok || !response.body) {
						errors++;
						await new Promise((resolve) => setTimeout(resolve, 1000));
						continue;
					}
					const decoder = new TextDecoder();
					let buffer = '';
					for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
						buffer += decoder.decode(chunk, { stream: true });
						let end;
						while ((end = buffer.indexOf('\n\n')) >= 0) {
							const event = buffer.slice(0, end);
							buffer = buffer.slice(end + 2);
							const data = event.split('\n').filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trim()).join('\n');
							if (!data) continue;
							const messages = JSON.parse(data) as Array<{ id: number; author: string }>;
							for (const message of messages) {
								cursor = Math.max(cursor, message.id);
								if (message.author !== 'customer' && session.pending.length) latencies.push(Date.now() - session.pending.shift()!);
							}
						}
					}
				} catch {
					if (session.controller.signal.aborted) return;
				}
			}
		});
		const started = Date.now();
		let sent = 0;
		const posts: Array<Promise<void>> = [];
		while (Date.now() - started < SECONDS * 1000) {
			const session = sessions[sent % sessions.length];
			const text = QUESTIONS[sent % QUESTIONS.length];
			const postedAt = Date.now();
			session.pending.push(postedAt);
			posts.push(
				fetch(`${base}/message`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ session: session.token, text }) })
					.then(async (response) => {
						if (response.status !== 202) errors++;
						await response.arrayBuffer();
					})
					.catch(() => void errors++),
			);
			sent++;
			peakRss = Math.max(peakRss, rssMb(server.pid));
			await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + (sent * 1000) / RATE - Date.now())));
		}
		await Promise.all(posts);
		const drainUntil = Date.now() + 30_000;
		while (latencies.length < sent && Date.now() < drainUntil) await new Promise((resolve) => setTimeout(resolve, 250));
		peakRss = Math.max(peakRss, rssMb(server.pid));
		for (const session of sessions) session.controller.abort();
		await Promise.allSettled(readers);
		console.log(JSON.stringify({ rate: RATE, seconds: SECONDS, sessions: SESSIONS, sent, answered: latencies.length, errors, p50Ms: percentile(latencies, 50), p95Ms: percentile(latencies, 95), p99Ms: percentile(latencies, 99), maxMs: Math.max(...latencies), n8nPeakRssMb: peakRss }));
	} finally {
		await server.stop();
		await sandbox.close();
	}
}

main().catch((error) => {
	console.error(error);
	process.exitCode = 1;
});
