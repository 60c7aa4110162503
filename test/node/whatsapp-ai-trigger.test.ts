// The WhatsApp AI Trigger's webhook() with a stand-in for n8n's webhook context: what it answers when n8n
// cannot read the body (size limit, broken Content-Encoding), and when the store fails part-way through a
// batched POST (500 so that Meta delivers again, while what was stored still runs). The HTTP path through a
// real n8n is covered by test/e2e/whatsapp-channel.test.ts and test/e2e/trigger-fuzz.test.ts.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { IExecuteFunctions, IHookFunctions, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { WhatsAppAiTrigger } from '../../nodes/WhatsAppAiTrigger/WhatsAppAiTrigger.node';
import { confirmDelivery } from '../../nodes/glue/delivery';
import { forgetWebhookCredentials } from '../../nodes/glue/webhook-credentials';
import { processBacklog } from '../../nodes/domain/whatsapp/backlog';
import { closeAllSupportStores, openSupportStore, type SupportStore } from '../../nodes/domain/store';
import { computeSignature } from '../../nodes/domain/whatsapp/signature';
import { webhookEnvelope, type WebhookChangeValue } from '../../sandbox/webhook-signer';
import { sqlOf } from '../helpers/store-sql';

const APP_SECRET = 'trigger-unit-secret';
const PHONE_NUMBER_ID = '1065000000001';

interface Answer {
	status?: number;
	body?: string;
}

/** The parts of IWebhookFunctions the trigger uses, around one POST. */
function webhookContext(
	request: {
		body?: Buffer;
		readError?: Error;
		children?: string[];
		parameters?: Record<string, unknown>;
		/** The credential as n8n would decrypt it now (with an id, so the trigger may keep it), and a call count. */
		credential?: { id: string; appSecret: () => string; calls: { count: number } };
		/** The secret the POST is signed with (default: the credential's, else APP_SECRET). */
		signWith?: string;
		webhookName?: 'default' | 'setup';
		query?: Record<string, string>;
	},
	answer: Answer,
): IWebhookFunctions {
	const signingSecret = request.signWith ?? request.credential?.appSecret() ?? APP_SECRET;
	const rawRequest: Record<string, unknown> = {
		headers: request.body ? { 'x-hub-signature-256': computeSignature(request.body, signingSecret) } : {},
		body: {},
		readRawBody: async () => {
			if (request.readError) throw request.readError;
			rawRequest.rawBody = request.body;
		},
	};
	const response = {
		status(code: number) {
			answer.status = code;
			return response;
		},
		type() {
			return response;
		},
		send(body: string) {
			answer.body = body;
			return response;
		},
	};
	const parameters: Record<string, unknown> = { supportStore: 'embedded', phoneNumberScope: 'credential', ignoreStatuses: false, ...request.parameters };
	const logger = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };
	return {
		getWebhookName: () => request.webhookName ?? 'default',
		getQueryData: () => request.query ?? {},
		getCredentials: async () => {
			if (request.credential) request.credential.calls.count += 1;
			return { accessToken: 'token', phoneNumberId: PHONE_NUMBER_ID, appSecret: request.credential?.appSecret() ?? APP_SECRET, verifyToken: 'verify' };
		},
		getRequestObject: () => rawRequest,
		getResponseObject: () => response,
		getNodeParameter: (name: string, fallback?: unknown) => parameters[name] ?? fallback,
		getNode: () => ({
			name: 'WhatsApp AI Trigger',
			type: 'n8n-nodes-whatsapp-ai-support.whatsAppAiTrigger',
			typeVersion: 1,
			position: [0, 0],
			parameters: {},
			...(request.credential ? { credentials: { whatsAppCloudApi: { id: request.credential.id, name: 'WhatsApp' } } } : {}),
		}),
		getWorkflow: () => ({ id: 'trigger-unit', name: 'Trigger unit', active: true }),
		getChildNodes: () =>
			(request.children ?? []).map((type, index) => ({ name: `Node ${index}`, type, typeVersion: 1, disabled: false })),
		logger,
	} as unknown as IWebhookFunctions;
}

function value(from: string, text: string): WebhookChangeValue {
	return {
		messaging_product: 'whatsapp',
		metadata: { display_phone_number: '15550000001', phone_number_id: PHONE_NUMBER_ID },
		contacts: [{ profile: { name: from }, wa_id: from }],
		messages: [{ from, id: `wamid.trigger.${from}`, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: text } }],
	};
}

describe('WhatsApp AI Trigger webhook()', () => {
	const trigger = new WhatsAppAiTrigger();
	let folder: string;
	let store: SupportStore;
	const previousStoreDir = process.env.WHATSAPP_SUPPORT_STORE_DIR;

	beforeAll(async () => {
		folder = mkdtempSync(join(tmpdir(), 'wa-trigger-'));
		process.env.WHATSAPP_SUPPORT_STORE_DIR = join(folder, 'pglite');
		// The same (cached) store instance the trigger opens.
		store = await openSupportStore({ backend: 'pglite', dataDir: join(folder, 'pglite') });
	});

	afterAll(async () => {
		await closeAllSupportStores();
		if (previousStoreDir === undefined) delete process.env.WHATSAPP_SUPPORT_STORE_DIR;
		else process.env.WHATSAPP_SUPPORT_STORE_DIR = previousStoreDir;
		rmSync(folder, { recursive: true, force: true });
	});

	afterEach(() => {
		jest.restoreAllMocks();
		forgetWebhookCredentials();
	});

	const call = async (context: IWebhookFunctions): Promise<IWebhookResponseData> => await trigger.webhook.call(context);

	it('answers 413 for a body over n8n’s size limit, without starting anything', async () => {
		const answer: Answer = {};
		const tooLarge = Object.assign(new Error('request entity too large'), { status: 413, statusCode: 413, type: 'entity.too.large' });
		const result = await call(webhookContext({ readError: tooLarge }, answer));
		expect(answer.status).toBe(413);
		expect(result).toEqual({ noWebhookResponse: true });
	});

	describe('keeps the credential between webhooks (n8n takes a V8 isolate for each look-up outside an execution)', () => {
		const post = (from: string) => Buffer.from(JSON.stringify(webhookEnvelope([value(from, 'hello')])));

		it('asks n8n once for several webhooks in a row', async () => {
			const credential = { id: 'cred-keep-1', appSecret: () => APP_SECRET, calls: { count: 0 } };
			for (const from of ['31600000301', '31600000302', '31600000303']) {
				const result = await call(webhookContext({ body: post(from), credential }, {}));
				expect(result.workflowData?.[0]).toHaveLength(1);
			}
			expect(credential.calls.count).toBe(1);
		});

		it('asks again at once when the App Secret was replaced, and verifies with the new one', async () => {
			let secret = APP_SECRET;
			const credential = { id: 'cred-keep-2', appSecret: () => secret, calls: { count: 0 } };
			await call(webhookContext({ body: post('31600000311'), credential }, {}));
			secret = 'a-new-app-secret';
			const result = await call(webhookContext({ body: post('31600000312'), credential }, {}));
			expect(result.workflowData?.[0]).toHaveLength(1);
			expect(credential.calls.count).toBe(2);
			// The old secret no longer verifies anything once the new one is known.
			const stale: Answer = {};
			await call(webhookContext({ body: post('31600000313'), credential, signWith: APP_SECRET }, stale));
			expect(stale.status).toBe(401);
		});

		it('still refuses a forged signature after asking n8n again', async () => {
			const credential = { id: 'cred-keep-3', appSecret: () => APP_SECRET, calls: { count: 0 } };
			await call(webhookContext({ body: post('31600000321'), credential }, {}));
			const answer: Answer = {};
			const result = await call(webhookContext({ body: post('31600000322'), credential, signWith: 'forged' }, answer));
			expect(answer.status).toBe(401);
			expect(result).toEqual({ noWebhookResponse: true });
			expect(credential.calls.count).toBe(2);
		});

		it('always asks n8n for the setup handshake', async () => {
			const credential = { id: 'cred-keep-4', appSecret: () => APP_SECRET, calls: { count: 0 } };
			for (let round = 0; round < 2; round++) {
				const answer: Answer = {};
				await call(
					webhookContext({ credential, webhookName: 'setup', query: { 'hub.mode': 'subscribe', 'hub.verify_token': 'verify', 'hub.challenge': '1158201444' } }, answer),
				);
				expect(answer).toEqual({ status: 200, body: '1158201444' });
			}
			expect(credential.calls.count).toBe(2);
		});
	});

	it('answers 400 for a Content-Encoding that does not match the bytes', async () => {
		const answer: Answer = {};
		const result = await call(webhookContext({ readError: Object.assign(new Error('incorrect header check'), { code: 'Z_DATA_ERROR' }) }, answer));
		expect(answer).toEqual({ status: 400, body: 'The webhook body was refused: its Content-Encoding does not match the bytes' });
		expect(result).toEqual({ noWebhookResponse: true });
	});

	it('starts an execution with one item per new message', async () => {
		const answer: Answer = {};
		const body = Buffer.from(JSON.stringify(webhookEnvelope([value('31600000101', 'one')])));
		const result = await call(webhookContext({ body }, answer));
		expect(answer.status).toBeUndefined();
		expect(result.workflowData?.[0].map((item) => (item.json.message as { text: string }).text)).toEqual(['one']);
		expect(result.noWebhookResponse).toBeUndefined();
	});

	it('answers 500 when the store fails part-way, and still runs what it stored; the redelivery runs the rest', async () => {
		const body = Buffer.from(JSON.stringify(webhookEnvelope([value('31600000111', 'first'), value('31600000112', 'second')])));
		const original = store.recordInboundMessage.bind(store);
		let calls = 0;
		jest.spyOn(store, 'recordInboundMessage').mockImplementation(async (input) => {
			calls++;
			if (calls === 2) throw new Error('Connection terminated unexpectedly');
			return await original(input);
		});
		const answer: Answer = {};
		const result = await call(webhookContext({ body }, answer));
		expect(answer).toEqual({ status: 500, body: 'Temporarily unable to process the webhook' });
		expect(result.noWebhookResponse).toBe(true);
		expect(result.workflowData?.[0].map((item) => (item.json.message as { text: string }).text)).toEqual(['first']);

		jest.restoreAllMocks();
		const again: Answer = {};
		const redelivered = await call(webhookContext({ body }, again));
		expect(again.status).toBeUndefined();
		expect(redelivered.workflowData?.[0].map((item) => (item.json.message as { text: string }).text)).toEqual(['second']);
	});

	it('answers 503 to a late copy of a message that has no reply yet, and starts it again once it is overdue', async () => {
		const body = Buffer.from(JSON.stringify(webhookEnvelope([value('31600000131', 'anyone there?')])));
		await call(webhookContext({ body }, {}));
		const age = async (seconds: number) =>
			await sqlOf(store).query(`UPDATE messages SET created_at = now() - make_interval(secs => $2) WHERE wa_message_id = $1`, [
				'wamid.trigger.31600000131',
				seconds,
			]);

		await age(30);
		const early: Answer = {};
		const waiting = await call(webhookContext({ body }, early));
		expect(early).toEqual({ status: 503, body: 'An earlier delivery of this message is still being answered; deliver it again later' });
		expect(waiting).toEqual({ noWebhookResponse: true });

		await age(600);
		const late: Answer = {};
		const restarted = await call(webhookContext({ body }, late));
		expect(late.status).toBeUndefined();
		expect(restarted.workflowData?.[0].map((item) => (item.json.message as { text: string }).text)).toEqual(['anyone there?']);
	});

	it('answers 500 without starting anything when nothing could be stored', async () => {
		jest.spyOn(store, 'recordInboundMessage').mockRejectedValue(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
		const answer: Answer = {};
		const body = Buffer.from(JSON.stringify(webhookEnvelope([value('31600000121', 'hello')])));
		const result = await call(webhookContext({ body }, answer));
		expect(answer.status).toBe(500);
		expect(result).toEqual({ noWebhookResponse: true });
	});

	it('gives each message a delivery lease only when a node that confirms leases follows the trigger', async () => {
		const leased = await call(
			webhookContext({ body: Buffer.from(JSON.stringify(webhookEnvelope([value('31600000141', 'leased')]))), children: ['n8n-nodes-whatsapp-ai-support.consentGate'] }, {}),
		);
		expect((leased.workflowData?.[0][0].json.delivery as { token?: string } | undefined)?.token).toMatch(/^[0-9a-f-]{36}$/);
		await expect(store.getInboundDelivery('wamid.trigger.31600000141')).resolves.toMatchObject({ confirmedAt: null });

		const plain = await call(
			webhookContext({ body: Buffer.from(JSON.stringify(webhookEnvelope([value('31600000142', 'plain')]))), children: ['n8n-nodes-base.noOp'] }, {}),
		);
		expect(plain.workflowData?.[0][0].json.delivery).toBeUndefined();
	});

	it('answers 503 with Retry-After while too many leased messages wait for their execution, storing nothing; a confirmation frees a place', async () => {
		const backlog = processBacklog();
		const limit = backlog.size() + 2;
		const children = ['n8n-nodes-whatsapp-ai-support.consentGate'];
		const post = async (from: string, answer: Answer) =>
			await call(
				webhookContext(
					{ body: Buffer.from(JSON.stringify(webhookEnvelope([value(from, `burst ${from}`)]))), children, parameters: { maxWaitingExecutions: limit } },
					answer,
				),
			);
		const first = await post('31600000151', {});
		await post('31600000152', {});
		expect(backlog.size()).toBe(limit);

		const refused: Answer = {};
		const result = await post('31600000153', refused);
		expect(refused).toEqual({ status: 503, body: 'Too many messages are waiting to be answered; deliver again later' });
		expect(result).toEqual({ noWebhookResponse: true });
		await expect(store.getMessageByWaId('wamid.trigger.31600000153')).resolves.toBeUndefined();

		// The first execution reaches its Consent Gate: its lease is confirmed and it no longer waits.
		const item = first.workflowData![0][0].json;
		const context = { logger: { info: () => undefined }, getNode: () => ({ name: 'Consent Gate' }) } as unknown as IExecuteFunctions;
		await expect(confirmDelivery(context, store, item)).resolves.toMatchObject({ delivery: { confirmed: true } });
		expect(backlog.size()).toBe(limit - 1);

		const redelivered: Answer = {};
		const accepted = await post('31600000153', redelivered);
		expect(redelivered.status).toBeUndefined();
		expect(accepted.workflowData?.[0].map((entry) => (entry.json.message as { text: string }).text)).toEqual(['burst 31600000153']);
	});

	it('never refuses with Refuse Above Waiting Executions = 0', async () => {
		const answer: Answer = {};
		const body = Buffer.from(JSON.stringify(webhookEnvelope([value('31600000161', 'no limit')])));
		const result = await call(webhookContext({ body, children: ['n8n-nodes-whatsapp-ai-support.consentGate'], parameters: { maxWaitingExecutions: 0 } }, answer));
		expect(answer.status).toBeUndefined();
		expect(result.workflowData?.[0]).toHaveLength(1);
	});

	it('with Statuses to Output = Charges and Failures, hands on one charged status per message and every failure', async () => {
		const statusValue = (messageId: string, status: string): WebhookChangeValue => ({
			messaging_product: 'whatsapp',
			metadata: { display_phone_number: '15550000001', phone_number_id: PHONE_NUMBER_ID },
			statuses: [
				{
					id: messageId,
					status,
					timestamp: String(Math.floor(Date.now() / 1000)),
					recipient_id: '31600000151',
					...(status === 'sent' ? {} : { pricing: { billable: true, pricing_model: 'PMP', category: 'service', type: 'free_customer_service' } }),
					...(status === 'failed' ? { errors: [{ code: 131047, title: 'Re-engagement message' }] } : {}),
				},
			],
		});
		const passed = async (messageId: string, status: string, statusEvents: string) => {
			const result = await call(
				webhookContext({ body: Buffer.from(JSON.stringify(webhookEnvelope([statusValue(messageId, status)]))), parameters: { statusEvents } }, {}),
			);
			return (result.workflowData?.[1] ?? []).map((item) => (item.json.status as { status: string }).status);
		};
		expect(await passed('wamid.out.charges.1', 'sent', 'charges')).toEqual([]);
		expect(await passed('wamid.out.charges.1', 'delivered', 'charges')).toEqual(['delivered']);
		expect(await passed('wamid.out.charges.1', 'read', 'charges')).toEqual([]);
		// Out of order: read first carries the charge; the late delivered does not start anything.
		expect(await passed('wamid.out.charges.2', 'read', 'charges')).toEqual(['read']);
		expect(await passed('wamid.out.charges.2', 'delivered', 'charges')).toEqual([]);
		expect(await passed('wamid.out.charges.3', 'failed', 'charges')).toEqual(['failed']);
		// The default hands on every new status.
		expect(await passed('wamid.out.charges.4', 'sent', 'all')).toEqual(['sent']);
		expect(await passed('wamid.out.charges.4', 'delivered', 'all')).toEqual(['delivered']);
	});

	it('with Statuses to Output = Failures Only, logs each charge itself (once per message) and hands on failures alone', async () => {
		const statusValue = (messageId: string, status: string): WebhookChangeValue => ({
			messaging_product: 'whatsapp',
			metadata: { display_phone_number: '15550000001', phone_number_id: PHONE_NUMBER_ID },
			statuses: [
				{
					id: messageId,
					status,
					timestamp: String(Math.floor(Date.now() / 1000)),
					recipient_id: '31600000171',
					...(status === 'sent' || status === 'failed' ? {} : { pricing: { billable: true, pricing_model: 'PMP', category: 'marketing', type: 'regular' } }),
					...(status === 'failed' ? { errors: [{ code: 131047, title: 'Re-engagement message' }] } : {}),
				},
			],
		});
		const post = async (messageId: string, status: string, answer: Answer = {}) => {
			const body = Buffer.from(JSON.stringify(webhookEnvelope([statusValue(messageId, status)])));
			const result = await call(webhookContext({ body, parameters: { statusEvents: 'failures', chargeCurrency: 'EUR' } }, answer));
			return (result.workflowData?.[1] ?? []).map((item) => (item.json.status as { status: string }).status);
		};
		const costsOf = async (messageId: string) =>
			await sqlOf(store).query<{ amount: string; currency: string; category: string }>(
				`SELECT amount, currency, category FROM costs WHERE kind = 'whatsapp' AND source_key = $1`,
				[messageId],
			);

		expect(await post('wamid.out.failures.1', 'sent')).toEqual([]);
		expect(await costsOf('wamid.out.failures.1')).toEqual([]);
		expect(await post('wamid.out.failures.1', 'delivered')).toEqual([]);
		const [charge] = await costsOf('wamid.out.failures.1');
		expect(charge).toMatchObject({ currency: 'EUR', category: 'marketing' });
		expect(Number(charge.amount)).toBeGreaterThan(0);
		// Later statuses and a redelivery of the charged one add nothing.
		expect(await post('wamid.out.failures.1', 'read')).toEqual([]);
		expect(await post('wamid.out.failures.1', 'delivered')).toEqual([]);
		expect(await costsOf('wamid.out.failures.1')).toHaveLength(1);
		// Failures still start an execution.
		expect(await post('wamid.out.failures.2', 'failed')).toEqual(['failed']);
		expect(await costsOf('wamid.out.failures.2')).toEqual([]);

		// The charge could not be stored: 500, and nothing claimed, so Meta's redelivery logs it.
		const recordCost = jest.spyOn(store, 'recordCost').mockRejectedValueOnce(new Error('disk full'));
		const refused: Answer = {};
		expect(await post('wamid.out.failures.3', 'delivered', refused)).toEqual([]);
		expect(refused.status).toBe(500);
		recordCost.mockRestore();
		expect(await costsOf('wamid.out.failures.3')).toEqual([]);
		expect(await post('wamid.out.failures.3', 'delivered')).toEqual([]);
		expect(await costsOf('wamid.out.failures.3')).toHaveLength(1);
	});

	it('opens the store when n8n activates the workflow, so the first webhook does not wait for it', async () => {
		const warm = trigger.webhookMethods.default;
		const dataDir = join(folder, 'warmed');
		const warnings: string[] = [];
		const hookContext = (parameters: Record<string, unknown>) =>
			({
				getWebhookName: () => 'default',
				getNodeParameter: (name: string, fallback?: unknown) => parameters[name] ?? fallback,
				getNode: () => ({ name: 'WhatsApp AI Trigger', type: 'n8n-nodes-whatsapp-ai-support.whatsAppAiTrigger', typeVersion: 1, position: [0, 0], parameters: {} }),
				getCredentials: async () => {
					throw new Error('Node "WhatsApp AI Trigger" does not have any credentials of type "whatsAppSupportStorePostgresApi" set');
				},
				logger: { warn: (message: string) => warnings.push(message), error: () => undefined, info: () => undefined, debug: () => undefined },
			}) as unknown as IHookFunctions;
		process.env.WHATSAPP_SUPPORT_STORE_DIR = dataDir;
		try {
			expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(false);
			await expect(warm.checkExists.call(hookContext({ supportStore: 'embedded' }))).resolves.toBe(true);
			expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(true);
			// No encryption key configured: the store runs as before, and the admin is told.
			expect(warnings).toEqual([expect.stringMatching(/support store keeps message text, names and numbers unencrypted.*Encryption Key/)]);
			warnings.length = 0;
			// A store that cannot be opened yet does not block activation; the first webhook tries again.
			await expect(warm.checkExists.call(hookContext({ supportStore: 'postgres' }))).resolves.toBe(true);
			expect(warnings).toEqual([expect.stringMatching(/could not open the support store yet: .*does not have any credentials/)]);
			await expect(warm.create.call(hookContext({}))).resolves.toBe(true);
			await expect(warm.delete.call(hookContext({}))).resolves.toBe(true);
		} finally {
			process.env.WHATSAPP_SUPPORT_STORE_DIR = join(folder, 'pglite');
		}
	});
});
