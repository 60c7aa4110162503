import { randomBytes } from 'node:crypto';

import type { IDataObject } from 'n8n-workflow';

import { conversationIdOf } from '../../nodes/domain/envelope';
import { closeAllSupportStores, FieldCipher, openSupportStore, sealedKeyId } from '../../nodes/domain/store';
import { guest, startNodeTestBed, type NodeTestBed, type StoreBackendName } from '../helpers/node-fixtures';
import { postgresConnectionFrom } from '../../nodes/glue/store';
import { sqlOf } from '../helpers/store-sql';
import { line } from '../helpers/workflow-builder';
import { runWorkflow } from '../helpers/workflow-runner';

describe.each<StoreBackendName>(['embedded', 'postgres'])('store encryption through n8n (%s store)', (backend) => {
	const firstKey = randomBytes(32).toString('base64');
	let bed: NodeTestBed;

	beforeAll(async () => (bed = await startNodeTestBed(backend, { encryptionKey: firstKey })));
	afterAll(async () => {
		delete process.env.WHATSAPP_SUPPORT_ENCRYPTION_KEYS_OLD;
		await bed.close();
	});

	it('hands off and exports a customer with readable text while the tables hold ciphertext', async () => {
		const conversation = guest('49151000077', 'Klaus Becker');
		const id = conversationIdOf(conversation);
		await bed.store.recordInboundMessage({ conversation, waMessageId: 'wamid.enc.node.1', type: 'text', text: 'Die Heizung in Zimmer 214 ist kaputt', sentAt: new Date(Date.now() - 60_000) });
		const handoff = await runWorkflow(line(bed.ourNode('Handoff', 'humanHandoff', { operation: 'handOff' })), {
			credentials: bed.credentials,
			triggerItems: [{ json: { conversation, message: { id: 'wamid.enc.node.1', type: 'text', text: 'Die Heizung in Zimmer 214 ist kaputt' }, nlu: { language: 'de' } } }],
		});
		expect(handoff.status).toBe('success');
		const handed = handoff.json('Handoff')[0].handoff as IDataObject;
		expect(handed.summary).toMatch(/Heizung in Zimmer 214/);

		const raw = JSON.stringify([
			await sqlOf(bed.store).query(`SELECT text, payload FROM messages WHERE conversation_id = $1`, [id]),
			await sqlOf(bed.store).query(`SELECT summary, context FROM handoffs WHERE conversation_id = $1`, [id]),
			await sqlOf(bed.store).query(`SELECT customer_name, wa_id FROM conversations WHERE id = $1`, [id]),
		]);
		expect(raw).not.toMatch(/Heizung|Klaus|Becker|Geduld/);
		expect(raw).toMatch(/enc:v1:/);

		const exported = await runWorkflow(line(bed.ourNode('Privacy', 'consentGate', { operation: 'exportCustomer', customerSource: 'custom', customerKey: '+49151000077' })), {
			credentials: bed.credentials,
			triggerItems: [{ json: {} }],
		});
		expect(exported.status).toBe('success');
		const data = exported.json('Privacy')[0].export as { conversations: IDataObject[]; messages: IDataObject[]; handoffs: IDataObject[] };
		expect(data.conversations[0]).toMatchObject({ customerName: 'Klaus Becker', waId: '49151000077' });
		expect(data.messages.map((message) => message.text)).toContain('Die Heizung in Zimmer 214 ist kaputt');
		expect(data.handoffs[0].summary).toMatch(/Heizung in Zimmer 214/);
		expect(JSON.stringify(data)).not.toContain('enc:v1:');
	});

	it('rotates to a new key with the Consent Gate: one batch, then the rest on a second run', async () => {
		const secondKey = randomBytes(32).toString('base64');
		if (backend === 'embedded') {
			process.env.WHATSAPP_SUPPORT_ENCRYPTION_KEY = secondKey;
			process.env.WHATSAPP_SUPPORT_ENCRYPTION_KEYS_OLD = firstKey;
			await closeAllSupportStores();
		} else {
			Object.assign(bed.credentials.whatsAppSupportStorePostgresApi, { encryptionKey: secondKey, olderEncryptionKeys: `${firstKey}\n` });
		}
		const rotate = async (parameters: Record<string, number>) =>
			await runWorkflow(line(bed.ourNode('Privacy', 'consentGate', { operation: 'rotateEncryptionKey', ...parameters })), {
				credentials: bed.credentials,
				triggerItems: [{ json: {} }, { json: {} }],
			});
		const first = await rotate({ rotationBatchSize: 1, rotationMaxBatches: 1 });
		expect(first.status).toBe('success');
		// Two items in, one run: the rotation is once per execution.
		expect(first.json('Privacy')).toHaveLength(1);
		expect(first.json('Privacy')[0].rotation).toMatchObject({ batches: 1, done: false, keyId: new FieldCipher(secondKey).keyId });
		const second = await rotate({});
		expect(second.json('Privacy')[0].rotation).toMatchObject({ done: true, remaining: 0 });

		const store = await openSupportStore(
			backend === 'embedded'
				? { backend: 'pglite', dataDir: process.env.WHATSAPP_SUPPORT_STORE_DIR as string }
				: { backend: 'postgres', connection: postgresConnectionFrom(bed.credentials.whatsAppSupportStorePostgresApi).connection, encryption: { key: secondKey } },
		);
		const texts = await sqlOf(store).query<{ text: string }>(`SELECT text FROM messages WHERE text IS NOT NULL`);
		expect(texts.length).toBeGreaterThan(0);
		expect(new Set(texts.map((row) => sealedKeyId(row.text)))).toEqual(new Set([new FieldCipher(secondKey).keyId]));
	});
});
