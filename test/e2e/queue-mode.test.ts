// Exactly-once in n8n queue mode: the shipped workflows/whatsapp-ai-support.json on a main process,
// two webhook processes and two workers (n8n's own Bull queue on Redis), with the support store in
// PostgreSQL. Every customer message is delivered three times, as Meta's at-least-once delivery does:
// some copies at the same moment to both webhook processes, some later as retries. Each message must
// start one execution, on a worker, and get exactly one reply.
import path from 'node:path';

import { Client } from 'pg';

import { startGraphSandbox, type GraphSandbox } from '../../sandbox/graph-sandbox';
import { inboundTextWebhook, newInboundMessageId, postSignedWebhook, type PostSignedWebhookResult } from '../../sandbox/webhook-signer';
import { createTestDatabase } from '../helpers/store-backends';
import { countRedisKeys, queueModeCredentials, queueModeWorkflows, startQueueCluster, type QueueCluster } from '../helpers/n8n-queue';
import { repoRoot } from '../../scripts/lib/n8n-server';

const APP_SECRET = 'queue-e2e-app-secret';
const PHONE_NUMBER_ID = '1065000000001';
const WORKFLOW_FILE = path.join(repoRoot, 'workflows', 'whatsapp-ai-support.json');

/** Routine guest questions in the languages the hospitality pack knows, and one request for a person (a handoff, which also runs the Agent Desk Bridge sub-workflow); whatever the route, each gets one reply. */
const QUESTIONS = [
	'Is er parkeergelegenheid bij het hotel?',
	'Gibt es Parkplätze am Hotel?',
	'What time is check-in?',
	'Is breakfast included in the price?',
	'Wann ist der Check-out?',
	'Hoe laat is het ontbijt?',
	'Do you have wifi in the rooms?',
	'Can I bring my dog?',
	'Y a-t-il un parking à l’hôtel ?',
	'¿A qué hora es el desayuno?',
	'Can I talk to a real person please?',
	'How far is the hotel from the central station?',
];

describe('exactly-once in n8n queue mode (main + 2 webhook processes + 2 workers)', () => {
	let sandbox: GraphSandbox;
	let store: Awaited<ReturnType<typeof createTestDatabase>>;
	let cluster: QueueCluster;
	let workflowId: string;
	let webhookPath: string;
	let storeNodeCount: number;

	const sql = async <T>(query: string, params: unknown[] = []): Promise<T[]> => {
		const client = new Client(store.connection);
		await client.connect();
		try {
			return (await client.query(query, params)).rows as T[];
		} finally {
			await client.end();
		}
	};

	beforeAll(async () => {
		sandbox = await startGraphSandbox();
		store = await createTestDatabase('wa_queue_store');
		const workflows = queueModeWorkflows(WORKFLOW_FILE);
		const workflow = workflows[workflows.length - 1];
		storeNodeCount = workflow.nodes.filter((node) => node.parameters.supportStore === 'postgres').length;
		const trigger = workflow.nodes.find((node) => node.type.endsWith('.whatsAppAiTrigger'))!;
		webhookPath = `/webhook/${trigger.webhookId}/webhook`;
		cluster = await startQueueCluster({
			webhookProcesses: 2,
			workers: 2,
			credentials: queueModeCredentials(workflows, { graphBaseUrl: sandbox.baseUrl, appSecret: APP_SECRET, phoneNumberId: PHONE_NUMBER_ID, store: store.connection }),
			workflows,
			// For debugging: keep every process's output in files.
			logDir: process.env.QUEUE_TEST_LOG_DIR,
		});
		workflowId = cluster.workflows[cluster.workflows.length - 1].id;
	}, 240_000);

	afterAll(async () => {
		const prefix = cluster?.redisPrefix;
		await cluster?.stop();
		if (prefix) expect(await countRedisKeys(prefix)).toBe(0);
		await sandbox?.close();
		await store?.drop();
	}, 120_000);

	it('puts every store-using node of the shipped workflow on PostgreSQL', () => {
		// Trigger, consent, handoff (2), window, router, send (4), cost logger (2) and the rest: not a handful.
		expect(storeNodeCount).toBeGreaterThanOrEqual(8);
	});

	it('answers each message delivered three times (concurrently to both webhook processes and as late retries) exactly once, on the workers', async () => {
		const [urlA, urlB] = cluster.webhookUrls.map((baseUrl) => `${baseUrl}${webhookPath}`);
		expect(urlA).not.toBe(urlB);
		const customers = QUESTIONS.map((text, index) => {
			const waId = `3161000${String(index).padStart(4, '0')}`;
			const messageId = newInboundMessageId();
			return { waId, messageId, text, payload: inboundTextWebhook({ from: waId, name: `Guest ${index}`, text, messageId, phoneNumberId: PHONE_NUMBER_ID }) };
		});
		const responses: PostSignedWebhookResult[] = [];
		const retried: PostSignedWebhookResult[] = [];
		const post = async (url: string, payload: unknown) => {
			// Generous: a 2-core machine runs five n8n processes here, and a slow answer is not what this test is about.
			let response = await postSignedWebhook(url, payload, APP_SECRET, { timeoutMs: 60_000 });
			responses.push(response);
			// Like Meta: a copy answered 503 (an earlier delivery is not yet confirmed by its execution) is
			// delivered again later, until it gets a 2xx.
			for (let attempt = 0; response.status === 503 && attempt < 10; attempt++) {
				await new Promise((resolve) => setTimeout(resolve, 3000));
				response = await postSignedWebhook(url, payload, APP_SECRET, { timeoutMs: 60_000 });
				retried.push(response);
			}
			return response;
		};
		const lateRetries: Array<() => Promise<unknown>> = [];

		// Three delivery patterns, so each webhook process certainly starts some executions:
		// 0: first copy to A, then two retries at once to A and B;
		// 1: first copy to B, a retry to A, and one more to B after every reply went out;
		// 2: all three copies at once to A, B and A.
		await Promise.all(
			customers.map(async ({ payload }, index) => {
				if (index % 3 === 0) {
					await post(urlA, payload);
					await Promise.all([post(urlA, payload), post(urlB, payload)]);
				} else if (index % 3 === 1) {
					await post(urlB, payload);
					await post(urlA, payload);
					lateRetries.push(() => post(urlB, payload));
				} else {
					await Promise.all([post(urlA, payload), post(urlB, payload), post(urlA, payload)]);
				}
			}),
		);
		await sandbox.waitForSentMessages(customers.length, 90_000);
		const finished = await cluster.main.rest.waitForExecutions(workflowId, customers.length, 30_000);
		await Promise.all(lateRetries.map((retry) => retry()));
		// Time for anything a duplicate might wrongly have started to show up.
		await new Promise((resolve) => setTimeout(resolve, 3000));

		expect(responses).toHaveLength(customers.length * 3);
		// A copy gets 200, or 503 while the first delivery's execution has not confirmed it yet; each 503 was
		// delivered again until it got 200.
		expect(responses.filter((response) => response.status !== 200 && response.status !== 503)).toEqual([]);
		expect(retried.filter((response) => response.status !== 200 && response.status !== 503)).toEqual([]);
		expect(retried.filter((response) => response.status === 503).length).toBeLessThan(responses.length);

		// Exactly one reply per customer (mark-as-read calls are recorded apart, as read receipts), and one
		// alert to the duty manager (from the Agent Desk Bridge sub-workflow) per handoff.
		const customerIds = customers.map(({ waId }) => waId);
		const repliesPerCustomer = new Map<string, number>();
		const otherMessages = [];
		for (const message of sandbox.sentMessages()) {
			if (customerIds.includes(message.to ?? '')) repliesPerCustomer.set(message.to!, (repliesPerCustomer.get(message.to!) ?? 0) + 1);
			else otherMessages.push(message);
		}
		expect(Object.fromEntries(repliesPerCustomer)).toEqual(Object.fromEntries(customerIds.map((waId) => [waId, 1])));
		const [{ handoffs }] = await sql<{ handoffs: number }>(`SELECT count(*)::int AS handoffs FROM whatsapp_support.handoffs`);
		// At least the guest who asked for a person.
		expect(handoffs).toBeGreaterThanOrEqual(1);
		expect(otherMessages.map((message) => message.templateName)).toEqual(Array.from({ length: handoffs }, () => 'agent_handoff_alert'));
		const readFor = sandbox.readReceipts().map((receipt) => receipt.messageId).sort();
		expect(readFor).toEqual(customers.map(({ messageId }) => messageId).sort());

		// One execution per message, all successful; plus one for every lease a late copy took over (its
		// execution, or the first one, stops at Check Consent: the replies above prove only one went on).
		const [{ takeovers }] = await sql<{ takeovers: number }>(
			`SELECT coalesce(sum(lease_takeovers), 0)::int AS takeovers FROM whatsapp_support.processed_events WHERE kind = 'message'`,
		);
		const executions = await cluster.main.rest.executions(workflowId);
		expect(executions).toHaveLength(customers.length + takeovers);
		expect(finished.length).toBeGreaterThanOrEqual(customers.length);
		expect(executions.map((execution) => execution.status)).toEqual(executions.map(() => 'success'));
		const executionIds = executions.map((execution) => execution.id).sort();

		// The store: one inbound row and one claimed dedupe key per message, one reply stored per customer.
		const inbound = await sql<{ wa_message_id: string; copies: number }>(
			`SELECT wa_message_id, count(*)::int AS copies FROM whatsapp_support.messages WHERE direction = 'inbound' GROUP BY wa_message_id`,
		);
		const messageIds = customers.map(({ messageId }) => messageId).sort();
		expect(inbound.map((row) => `${row.wa_message_id} ×${row.copies}`).sort()).toEqual(messageIds.map((id) => `${id} ×1`));
		const claimed = await sql<{ event_key: string }>(`SELECT event_key FROM whatsapp_support.processed_events WHERE kind = 'message'`);
		expect(claimed.map((row) => row.event_key).sort()).toEqual(messageIds.map((id) => `message:${id}`));
		// Every message went out under a delivery lease that its answering execution confirmed.
		const leases = await sql<{ leased: number; confirmed: number }>(
			`SELECT count(lease_token)::int AS leased, count(confirmed_at)::int AS confirmed FROM whatsapp_support.processed_events WHERE kind = 'message'`,
		);
		expect(leases).toEqual([{ leased: customers.length, confirmed: customers.length }]);
		const outbound = await sql<{ wa_id: string; replies: number }>(
			`SELECT c.wa_id, count(*)::int AS replies FROM whatsapp_support.messages m JOIN whatsapp_support.conversations c ON c.id = m.conversation_id
			WHERE m.direction = 'outbound' AND c.wa_id = ANY($1::text[]) GROUP BY c.wa_id ORDER BY c.wa_id`,
			[customerIds],
		);
		expect(outbound).toEqual(customers.map(({ waId }) => ({ wa_id: waId, replies: 1 })));

		// n8n's own record: the webhook processes put the executions on the queue, the workers ran them,
		// each exactly once. (The main process serves no production webhooks in this set-up.)
		const logged = (servers: typeof cluster.webhooks, pattern: RegExp) =>
			servers.map((server) => [...server.logs().matchAll(pattern)].map((match) => match[1]));
		const enqueued = logged(cluster.webhooks, /Enqueued execution (\d+) \(job \d+\)/g);
		const ranOnWorkers = logged(cluster.workers, /Worker finished execution (\d+) \(job \d+\)/g);
		expect(enqueued.every((ids) => ids.length > 0)).toBe(true);
		expect(enqueued.flat().sort()).toEqual(executionIds);
		expect(ranOnWorkers.flat().sort()).toEqual(executionIds);
		expect(cluster.main.logs()).not.toMatch(/Worker (started|finished) execution/);
	}, 180_000);
});
