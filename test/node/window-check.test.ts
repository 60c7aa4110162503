import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { INode, INodeParameters } from 'n8n-workflow';

import { conversationIdOf, type ConversationRef } from '../../nodes/domain/envelope';
import { closeAllSupportStores, openSupportStore, type SupportStore } from '../../nodes/domain/store';
import { createTestDatabase } from '../helpers/store-backends';
import { line, node } from '../helpers/workflow-builder';
import { runWorkflow } from '../helpers/workflow-runner';

function conversation(waId: string): ConversationRef {
	return { channel: 'whatsapp', phoneNumberId: '1065000000001', customer: { waId, name: `Guest ${waId}` } };
}

function windowWorkflow(parameters: INodeParameters = {}, extra: Partial<INode> = {}) {
	return line(
		node('Window', 'whatsAppWindowCheck', parameters, {
			credentials: { whatsAppSupportStorePostgresApi: { id: '1', name: 'Store' } },
			...extra,
		}),
	);
}

const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000);

describe('WhatsApp Window Check in n8n (embedded store)', () => {
	let folder: string;
	let store: SupportStore;

	beforeAll(async () => {
		folder = mkdtempSync(join(tmpdir(), 'wa-window-'));
		process.env.WHATSAPP_SUPPORT_STORE_DIR = join(folder, 'pglite');
		store = await openSupportStore({ backend: 'pglite', dataDir: process.env.WHATSAPP_SUPPORT_STORE_DIR });
		await store.recordInboundMessage({ conversation: conversation('311'), waMessageId: 'wamid.recent', type: 'text', text: 'Hi', sentAt: hoursAgo(2) });
		await store.recordInboundMessage({ conversation: conversation('312'), waMessageId: 'wamid.old', type: 'text', text: 'Hi', sentAt: hoursAgo(30) });
		await store.recordInboundMessage({
			conversation: conversation('313'),
			waMessageId: 'wamid.ad',
			type: 'text',
			text: 'I saw your ad',
			sentAt: hoursAgo(40),
			referral: { source_type: 'ad', source_id: '120' },
		});
	});

	afterAll(async () => {
		delete process.env.WHATSAPP_SUPPORT_STORE_DIR;
		await closeAllSupportStores();
		rmSync(folder, { recursive: true, force: true });
	});

	it('routes each conversation to Open or Closed from the stored last-inbound time', async () => {
		const result = await runWorkflow(windowWorkflow(), {
			triggerItems: ['311', '312', '313', '399'].map((waId) => ({ json: { conversation: conversation(waId), message: { id: `m${waId}` } } })),
		});
		expect(result.status).toBe('success');
		const open = result.json('Window', 0);
		const closed = result.json('Window', 1);
		expect(open.map((item) => (item.conversation as ConversationRef).customer.waId)).toEqual(['311', '313']);
		expect(closed.map((item) => (item.conversation as ConversationRef).customer.waId)).toEqual(['312', '399']);

		const recent = open[0].window as { kind: string; remainingSeconds: number; expiresAt: string };
		expect(recent.kind).toBe('service');
		expect(recent.remainingSeconds).toBeGreaterThan(21.9 * 3600);
		expect(recent.remainingSeconds).toBeLessThanOrEqual(22 * 3600);
		expect(open[1].window).toMatchObject({ kind: 'entry_point', open: true });
		expect(closed[1].window).toMatchObject({ open: false, lastInboundAt: null });
		// The envelope is kept and the conversation gains its id.
		expect(open[0].message).toEqual({ id: 'm311' });
		expect((open[0].conversation as ConversationRef).id).toBe(conversationIdOf(conversation('311')));
		// pairedItem points back at the input item.
		expect(result.output('Window', 1)[1].pairedItem).toEqual({ item: 3 });
	});

	it('closes the window early by the safety margin', async () => {
		await store.recordInboundMessage({ conversation: conversation('314'), waMessageId: 'wamid.edge', type: 'text', sentAt: hoursAgo(23.5) });
		const result = await runWorkflow(windowWorkflow({ options: { safetyMarginMinutes: 45 } }), {
			triggerItems: [{ json: { conversation: conversation('314') } }],
		});
		expect(result.json('Window', 0)).toHaveLength(0);
		expect(result.json('Window', 1)).toHaveLength(1);
	});

	it('fails an item without an envelope with a hint, or passes it on with continue-on-fail', async () => {
		const failed = await runWorkflow(windowWorkflow(), { triggerItems: [{ json: { text: 'no envelope' } }] });
		expect(failed.status).toBe('error');
		const error = failed.nodeError('Window');
		expect(error?.message).toMatch(/no `conversation` envelope/);
		expect(error?.description).toMatch(/WhatsApp AI Trigger/);

		const tolerant = await runWorkflow(windowWorkflow({}, { onError: 'continueRegularOutput' }), {
			triggerItems: [{ json: { text: 'no envelope' } }, { json: { conversation: conversation('311') } }],
		});
		expect(tolerant.status).toBe('success');
		expect(tolerant.json('Window', 1)[0].error).toMatch(/no `conversation` envelope/);
		expect(tolerant.json('Window', 0)).toHaveLength(1);
	});

	it('refuses the embedded store in queue mode, telling the admin to set the Postgres credential', async () => {
		process.env.EXECUTIONS_MODE = 'queue';
		try {
			const result = await runWorkflow(windowWorkflow(), { triggerItems: [{ json: { conversation: conversation('311') } }] });
			expect(result.status).toBe('error');
			const error = result.nodeError('Window');
			expect(error?.message).toMatch(/cannot be used in n8n queue mode/);
			expect(error?.description).toMatch(/WhatsApp Support Store \(Postgres\)/);
		} finally {
			delete process.env.EXECUTIONS_MODE;
		}
	});
});

describe('WhatsApp Window Check in n8n (PostgreSQL store)', () => {
	let database: Awaited<ReturnType<typeof createTestDatabase>>;

	beforeAll(async () => {
		database = await createTestDatabase();
	});

	afterAll(async () => {
		await closeAllSupportStores();
		await database.drop();
	});

	it('reads the window from Postgres, also in queue mode', async () => {
		const { connection } = database;
		const store = await openSupportStore({ backend: 'postgres', connection });
		await store.recordInboundMessage({ conversation: conversation('411'), waMessageId: 'wamid.pg', type: 'text', sentAt: hoursAgo(1) });

		process.env.EXECUTIONS_MODE = 'queue';
		try {
			const result = await runWorkflow(windowWorkflow({ supportStore: 'postgres' }), {
				triggerItems: [{ json: { conversation: conversation('411') } }, { json: { conversation: conversation('412') } }],
				credentials: {
					whatsAppSupportStorePostgresApi: {
						host: connection.host,
						port: connection.port,
						database: connection.database,
						user: connection.user,
						password: connection.password ?? '',
						ssl: 'disable',
						schema: 'whatsapp_support',
					},
				},
			});
			expect(result.status).toBe('success');
			expect(result.json('Window', 0).map((item) => (item.conversation as ConversationRef).customer.waId)).toEqual(['411']);
			expect(result.json('Window', 1).map((item) => (item.conversation as ConversationRef).customer.waId)).toEqual(['412']);
		} finally {
			delete process.env.EXECUTIONS_MODE;
		}
	});
});
