import { randomBytes } from 'node:crypto';

import { conversationIdOf, type ConversationRef } from '../../../nodes/domain/envelope';
import { closeAllSupportStores, FieldCipher, openSupportStore, sealedKeyId, type StoreConfig, type SupportStore } from '../../../nodes/domain/store';
import { storeBackendFixtures } from '../../helpers/store-backends';
import { sqlOf } from '../../helpers/store-sql';

const oldKey = randomBytes(32).toString('base64');
const newKey = randomBytes(32).toString('base64');
const at = new Date('2026-11-20T10:00:00Z');
const range = { from: new Date('2026-11-01T00:00:00Z'), to: new Date('2026-12-01T00:00:00Z') };

function guest(index: number): ConversationRef {
	return { channel: 'whatsapp', phoneNumberId: '1065000000001', customer: { waId: `3161000000${index}`, name: `Gast Nummer${index}` } };
}

/** The key id of every sealed value in the encrypted columns, and how many plain values are left. */
async function keyIdsAtRest(store: SupportStore): Promise<{ ids: Set<string>; plain: number }> {
	const rows = await sqlOf(store).query<{ value: string | null }>(
		`SELECT text AS value FROM messages UNION ALL SELECT payload->>'$enc' FROM messages WHERE payload IS NOT NULL
		UNION ALL SELECT customer_name FROM conversations UNION ALL SELECT wa_id FROM conversations
		UNION ALL SELECT summary FROM handoffs UNION ALL SELECT context->>'$enc' FROM handoffs WHERE context IS NOT NULL
		UNION ALL SELECT field_values->>'$enc' FROM conversation_forms
		UNION ALL SELECT name FROM guest_profiles UNION ALL SELECT preferences->>'$enc' FROM guest_profiles`,
	);
	const ids = new Set<string>();
	let plain = 0;
	for (const { value } of rows) {
		if (value === null) continue;
		const id = sealedKeyId(value);
		if (id) ids.add(id);
		else plain++;
	}
	return { ids, plain };
}

describe.each(storeBackendFixtures())('encryption key rotation on $name', (backend) => {
	let base: StoreConfig;

	afterAll(async () => {
		await closeAllSupportStores();
		await backend.cleanup();
	});

	it('re-encrypts halfway, survives an interruption, then finishes; every value still reads and is still found', async () => {
		base = await backend.create();
		// A row from before any key, then rows under the old key.
		const plain = await openSupportStore(base);
		await plain.recordInboundMessage({ conversation: guest(0), waMessageId: 'wamid.rot.plain', type: 'text', text: 'van voor de sleutel', payload: { text: { body: 'van voor de sleutel' } }, sentAt: at });
		await closeAllSupportStores();
		const before = await openSupportStore({ ...base, encryption: { key: oldKey } });
		for (let index = 1; index <= 6; index++) {
			await before.recordInboundMessage({ conversation: guest(index), waMessageId: `wamid.rot.${index}`, type: 'text', text: `bericht ${index}`, payload: { text: { body: `bericht ${index}` } }, sentAt: at });
		}
		await before.recordStatus({ waMessageId: 'wamid.rot.1', status: 'read', at, details: { pricing: { category: 'service' } }, eventKey: 'status:rot:1' });
		await before.openHandoff(conversationIdOf(guest(1)), { reason: 'complaint', summary: 'koude kamer', context: { form: { values: { room: '12' } } } });
		await before.updateGuestProfile('31610000001', { name: 'Gast Nummer1', preferences: ['stille kamer'] });
		expect((await keyIdsAtRest(before)).ids).toEqual(new Set([new FieldCipher(oldKey).keyId]));
		await closeAllSupportStores();

		// The new key, with the old one still readable: nothing needs to stop while the rotation runs.
		let during = await openSupportStore({ ...base, encryption: { key: newKey, olderKeys: [oldKey] } });
		const newId = new FieldCipher(newKey).keyId;
		await during.recordInboundMessage({ conversation: guest(7), waMessageId: 'wamid.rot.7', type: 'text', text: 'bericht 7', sentAt: at });
		expect((await during.listMessages(conversationIdOf(guest(3))))[0].text).toBe('bericht 3');

		const first = await during.rotateEncryptionKey({ batchSize: 2, maxBatches: 2 });
		expect(first).toMatchObject({ keyId: newId, batches: 2, done: false });
		expect(first.rotated.messages).toBe(4);
		expect(first.remaining).toBeGreaterThan(0);
		const halfway = await keyIdsAtRest(during);
		expect(halfway.ids).toEqual(new Set([newId, new FieldCipher(oldKey).keyId]));

		// Interrupted: the process goes away; a new one opens the store and runs the rotation again.
		await closeAllSupportStores();
		during = await openSupportStore({ ...base, encryption: { key: newKey, olderKeys: [oldKey] } });
		const second = await during.rotateEncryptionKey({ batchSize: 2 });
		expect(second).toMatchObject({ done: true, remaining: 0 });
		// Only what the first run left was done again: 7 messages in all (the 8th was written under the new key).
		expect(first.rotated.messages + second.rotated.messages).toBe(7);
		expect(second.rotated.conversations).toBe(7);
		expect(await keyIdsAtRest(during)).toEqual({ ids: new Set([newId]), plain: 0 });
		await expect(during.rotateEncryptionKey()).resolves.toMatchObject({ batches: 0, done: true });
		await closeAllSupportStores();

		// The old key can go now.
		const after = await openSupportStore({ ...base, encryption: { key: newKey } });
		expect((await after.listMessages(conversationIdOf(guest(0))))[0].text).toBe('van voor de sleutel');
		const read = await after.getMessageByWaId('wamid.rot.1');
		expect(read).toMatchObject({ text: 'bericht 1', status: 'read', payload: { text: { body: 'bericht 1' }, statusDetails: { pricing: { category: 'service' } } } });
		expect((await after.getOpenHandoff(conversationIdOf(guest(1))))?.context).toEqual({ form: { values: { room: '12' } } });
		expect(await after.getGuestProfile('31610000001')).toMatchObject({ name: 'Gast Nummer1', preferences: ['stille kamer'] });
		// The keyed hashes were recomputed under the new key: number and name searches still find them.
		const found = async (customer: string) => (await after.analytics.listChats({ ...range, customer }, { currency: 'EUR' })).chats.map((chat) => chat.customerName);
		expect(await found('+31 6 1000 0004')).toEqual(['Gast Nummer4']);
		expect(await found('nummer5')).toEqual(['Gast Nummer5']);
		await closeAllSupportStores();
	});

	it('refuses to rotate without a key, and says which key is missing when an old one was dropped too early', async () => {
		const config = await backend.create();
		const plain = await openSupportStore(config);
		await expect(plain.rotateEncryptionKey()).rejects.toThrow(/no encryption key to rotate to/);
		await closeAllSupportStores();
		const sealed = await openSupportStore({ ...config, encryption: { key: oldKey } });
		await sealed.recordInboundMessage({ conversation: guest(9), waMessageId: 'wamid.rot.9', type: 'text', text: 'geheim', sentAt: at });
		await closeAllSupportStores();
		const withoutOld = await openSupportStore({ ...config, encryption: { key: newKey } });
		await expect(withoutOld.rotateEncryptionKey()).rejects.toThrow(new RegExp(`key ${new FieldCipher(oldKey).keyId}, which is not configured`));
		await closeAllSupportStores();
	});
});
