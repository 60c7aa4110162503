// The WhatsApp channel inside a real n8n server: Meta's verification handshake, signed / unsigned /
// forged / malformed / duplicated webhook POSTs to the WhatsApp AI Trigger, and replies through the
// WhatsApp Send node reaching the Graph sandbox. State is in PostgreSQL so this process can check it.
import { Client } from 'pg';

import { startGraphSandbox, type GraphSandbox } from '../../sandbox/graph-sandbox';
import { inboundTextWebhook, postSignedWebhook, statusWebhook } from '../../sandbox/webhook-signer';
import { createTestDatabase } from '../helpers/store-backends';
import {
	createTempUserFolder,
	importCredentials,
	importWorkflows,
	startN8n,
	type N8nServer,
	type WorkflowJson,
} from '../../scripts/lib/n8n-server';

const APP_SECRET = 'e2e-app-secret';
const VERIFY_TOKEN = 'e2e-verify-token';
const PHONE_NUMBER_ID = '1065000000001';
const WEBHOOK_ID = 'a8b1c2d3-0000-4000-8000-00000000e2e1';
const PACK = 'n8n-nodes-whatsapp-ai-support';

const echoWorkflow: WorkflowJson = {
	name: 'E2E WhatsApp echo',
	nodes: [
		{
			id: 'trigger',
			name: 'WhatsApp AI Trigger',
			type: `${PACK}.whatsAppAiTrigger`,
			typeVersion: 1,
			position: [0, 0],
			webhookId: WEBHOOK_ID,
			parameters: { supportStore: 'postgres' },
			credentials: {
				whatsAppCloudApi: { id: 'waE2eCredential01', name: 'WhatsApp sandbox' },
				whatsAppSupportStorePostgresApi: { id: 'pgE2eCredential01', name: 'Store' },
			},
		},
		{
			id: 'send',
			name: 'Reply',
			type: `${PACK}.whatsAppSend`,
			typeVersion: 1,
			position: [300, -100],
			parameters: { messageType: 'text', text: '=You said: {{ $json.message.text }}', supportStore: 'postgres' },
			credentials: {
				whatsAppCloudApi: { id: 'waE2eCredential01', name: 'WhatsApp sandbox' },
				whatsAppSupportStorePostgresApi: { id: 'pgE2eCredential01', name: 'Store' },
			},
		},
		{ id: 'statuses', name: 'Status Log', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [300, 100], parameters: {} },
	],
	connections: {
		'WhatsApp AI Trigger': {
			main: [[{ node: 'Reply', type: 'main', index: 0 }], [{ node: 'Status Log', type: 'main', index: 0 }]],
		},
	},
};

describe('WhatsApp channel in a real n8n server', () => {
	let sandbox: GraphSandbox;
	let server: N8nServer;
	let database: Awaited<ReturnType<typeof createTestDatabase>>;
	let workflowId: string;
	let webhookUrl: string;

	const sql = async <T>(query: string, params: unknown[] = []): Promise<T[]> => {
		const client = new Client(database.connection);
		await client.connect();
		try {
			return (await client.query(query, params)).rows as T[];
		} finally {
			await client.end();
		}
	};
	const executions = async () => await server.rest.countExecutions(workflowId);
	/** Lets n8n finish any execution a request may have started before counting. */
	const settle = async () => await new Promise((resolve) => setTimeout(resolve, 1500));

	beforeAll(async () => {
		sandbox = await startGraphSandbox();
		database = await createTestDatabase('wa_e2e');
		const userFolder = createTempUserFolder('n8n-e2e-channel-');
		await importCredentials(userFolder, [
			{
				id: 'waE2eCredential01',
				name: 'WhatsApp sandbox',
				type: 'whatsAppCloudApi',
				data: {
					accessToken: 'sandbox-token',
					phoneNumberId: PHONE_NUMBER_ID,
					appSecret: APP_SECRET,
					verifyToken: VERIFY_TOKEN,
					apiVersion: 'v24.0',
					baseUrl: sandbox.baseUrl,
				},
			},
			{
				id: 'pgE2eCredential01',
				name: 'Store',
				type: 'whatsAppSupportStorePostgresApi',
				data: { ...database.connection, password: '', ssl: 'disable', schema: 'whatsapp_support' },
			},
		]);
		[{ id: workflowId }] = await importWorkflows(userFolder, [echoWorkflow]);
		server = await startN8n({ userFolder, removeUserFolderOnStop: true });
		await server.rest.ensureOwner();
		await server.rest.activateWorkflow(workflowId);
		webhookUrl = `${server.baseUrl}/webhook/${WEBHOOK_ID}/webhook`;
	}, 180_000);

	afterAll(async () => {
		await server?.stop();
		await sandbox?.close();
		await database?.drop();
	}, 60_000);

	it('answers Meta’s verification handshake only with the right verify token', async () => {
		const verify = async (query: string) => {
			const response = await fetch(`${webhookUrl}?${query}`);
			return { status: response.status, body: await response.text() };
		};
		await expect(verify(`hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1158201444`)).resolves.toEqual({
			status: 200,
			body: '1158201444',
		});
		expect((await verify('hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1')).status).toBe(403);
		expect((await verify(`hub.mode=unsubscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1`)).status).toBe(403);
		expect((await verify('')).status).toBe(403);
	});

	it('rejects unsigned, forged, malformed and non-WhatsApp POSTs without starting an execution', async () => {
		const before = await executions();
		const payload = inboundTextWebhook({ from: '31600000001', text: 'Hello?', phoneNumberId: PHONE_NUMBER_ID });

		const unsigned = await postSignedWebhook(webhookUrl, payload, APP_SECRET, { signature: null });
		expect(unsigned.status).toBe(401);
		const forged = await postSignedWebhook(webhookUrl, payload, 'not-the-app-secret');
		expect(forged.status).toBe(401);
		expect(forged.body).toMatch(/does not match/);
		const malformed = await postSignedWebhook(webhookUrl, '{"object": "whatsapp_business_account", "entry": [', APP_SECRET);
		expect(malformed.status).toBe(400);
		expect(malformed.body).toMatch(/Malformed JSON/);
		const notWhatsApp = await postSignedWebhook(webhookUrl, { object: 'page', entry: [] }, APP_SECRET);
		expect(notWhatsApp.status).toBe(400);
		expect(notWhatsApp.body).toMatch(/whatsapp_business_account/);

		await settle();
		expect(await executions()).toBe(before);
		expect(sandbox.sentMessages()).toHaveLength(0);
	});

	it('starts one execution and one reply for a message delivered three times, some copies at once', async () => {
		const before = await executions();
		const payload = inboundTextWebhook({ from: '31611111111', name: 'Anna', text: 'Is breakfast included?', phoneNumberId: PHONE_NUMBER_ID });
		const first = await postSignedWebhook(webhookUrl, payload, APP_SECRET);
		expect(first.status).toBe(200);
		const copies = await Promise.all([postSignedWebhook(webhookUrl, payload, APP_SECRET), postSignedWebhook(webhookUrl, payload, APP_SECRET)]);
		expect(copies.map((copy) => copy.status)).toEqual([200, 200]);

		const [reply] = await sandbox.waitForSentMessages(1, 20_000);
		await settle();
		expect(sandbox.sentMessages()).toHaveLength(1);
		expect(reply.body).toMatchObject({ to: '31611111111', text: { body: 'You said: Is breakfast included?' } });
		expect(await executions()).toBe(before + 1);

		const stored = await sql<{ direction: string; text: string }>(
			`SELECT direction, text FROM whatsapp_support.messages m JOIN whatsapp_support.conversations c ON c.id = m.conversation_id
			WHERE c.wa_id = '31611111111' ORDER BY m.id`,
		);
		expect(stored).toEqual([
			{ direction: 'inbound', text: 'Is breakfast included?' },
			{ direction: 'outbound', text: 'You said: Is breakfast included?' },
		]);
		const [conversation] = await sql<{ last_inbound_at: Date; customer_name: string }>(
			`SELECT last_inbound_at, customer_name FROM whatsapp_support.conversations WHERE wa_id = '31611111111'`,
		);
		expect(conversation.customer_name).toBe('Anna');
		expect(Math.abs(conversation.last_inbound_at.getTime() - Date.now())).toBeLessThan(120_000);
	});

	it('routes statuses to the Statuses output once per message id and status', async () => {
		const [reply] = sandbox.sentMessages();
		const before = await executions();
		const delivered = statusWebhook({ messageId: reply.id, recipientId: '31611111111', status: 'delivered', phoneNumberId: PHONE_NUMBER_ID });
		expect((await postSignedWebhook(webhookUrl, delivered, APP_SECRET)).status).toBe(200);
		expect((await postSignedWebhook(webhookUrl, delivered, APP_SECRET)).status).toBe(200);
		await settle();
		expect(await executions()).toBe(before + 1);
		const [row] = await sql<{ status: string }>(`SELECT status FROM whatsapp_support.messages WHERE wa_message_id = $1`, [reply.id]);
		expect(row.status).toBe('delivered');
	});
});
