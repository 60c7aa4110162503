import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

import { conversationIdOf, type ConversationRef } from '../../../nodes/domain/envelope';
import { closeAllSupportStores, openSupportStore, type StoreConfig, type SupportStore } from '../../../nodes/domain/store';
import { storeBackendFixtures } from '../../helpers/store-backends';
import { sqlOf } from '../../helpers/store-sql';

const key = randomBytes(32).toString('base64');
const at = new Date('2026-11-20T10:00:00Z');
const range = { from: new Date('2026-11-01T00:00:00Z'), to: new Date('2026-12-01T00:00:00Z') };

const anna: ConversationRef = { channel: 'whatsapp', phoneNumberId: '1065000000001', customer: { waId: '31612345678', name: 'Anna de Vries' } };
const bram: ConversationRef = { channel: 'whatsapp', phoneNumberId: '1065000000001', customer: { waId: '32470000001', name: 'Bram Peeters' } };

/**
 * What someone with database access sees: on PostgreSQL through the `psql` client, on PGlite through a raw
 * query on its own connection (there is no other client for its files).
 */
async function rawRows(config: StoreConfig, store: SupportStore, sql: string): Promise<string[]> {
	if (config.backend === 'postgres') {
		const { host, port, user, database, password } = config.connection;
		const output = execFileSync('psql', ['-h', host, '-p', String(port), '-U', user, '-d', database, '-tA', '-F', '|', '-c', `SET search_path TO whatsapp_support; ${sql}`], {
			env: { ...process.env, PGPASSWORD: password ?? '' },
			encoding: 'utf8',
		});
		return output
			.split('\n')
			.map((line) => line.trim())
			.filter((line) => line && line !== 'SET');
	}
	const rows = await sqlOf(store).query<Record<string, unknown>>(sql);
	return rows.map((row) =>
		Object.values(row)
			.map((value) => (value !== null && typeof value === 'object' ? JSON.stringify(value) : String(value ?? '')))
			.join('|'),
	);
}

describe.each(storeBackendFixtures())('encryption at rest on $name', (backend) => {
	let config: StoreConfig;
	let store: SupportStore;

	beforeAll(async () => {
		config = { ...(await backend.create()), encryption: { key } };
		store = await openSupportStore(config);
		await store.recordInboundMessage({
			conversation: anna,
			waMessageId: 'wamid.enc.1',
			type: 'text',
			text: 'Mijn kamer is 12 en mijn IBAN is NL91ABNA0417164300',
			payload: { id: 'wamid.enc.1', type: 'text', text: { body: 'Mijn kamer is 12 en mijn IBAN is NL91ABNA0417164300' } },
			sentAt: at,
		});
		await store.recordOutboundMessage({
			conversationId: conversationIdOf(anna),
			waMessageId: 'wamid.enc.out.1',
			author: 'bot',
			type: 'text',
			text: 'Dank je Anna, ik kijk het na.',
			payload: { type: 'text', text: { body: 'Dank je Anna, ik kijk het na.' } },
			sentAt: new Date(at.getTime() + 1000),
		});
		await store.recordInboundMessage({ conversation: bram, waMessageId: 'wamid.enc.2', type: 'text', text: 'Hallo', sentAt: at });
	});

	afterAll(async () => {
		await closeAllSupportStores();
		await backend.cleanup();
	});

	it('stores message text, payloads, names and numbers as ciphertext; the store reads them back', async () => {
		expect(store.encrypted).toBe(true);
		const raw = (await rawRows(config, store, `SELECT text, payload::text FROM messages ORDER BY id`)).join('\n');
		expect(raw).not.toMatch(/kamer|NL91ABNA|Dank je|Hallo/);
		expect(raw).toMatch(/enc:v1:/);
		const people = (await rawRows(config, store, `SELECT customer_name, wa_id, wa_id_hmac FROM conversations ORDER BY id`)).join('\n');
		expect(people).not.toMatch(/Anna|Vries|Bram|Peeters/);
		expect(people).not.toContain('31612345678');
		const messages = await store.listMessages(conversationIdOf(anna));
		expect(messages.map((message) => message.text)).toEqual(['Mijn kamer is 12 en mijn IBAN is NL91ABNA0417164300', 'Dank je Anna, ik kijk het na.']);
		expect(messages[0].payload).toEqual({ id: 'wamid.enc.1', type: 'text', text: { body: 'Mijn kamer is 12 en mijn IBAN is NL91ABNA0417164300' } });
		const conversation = await store.getConversation(conversationIdOf(anna));
		expect(conversation).toMatchObject({ customerName: 'Anna de Vries', waId: '31612345678' });
		expect(conversation).not.toHaveProperty('waIdHmac');
	});

	it('finds a customer by number (any formatting) and by words of the name through keyed hashes', async () => {
		const found = async (customer: string) => (await store.analytics.listChats({ ...range, customer }, { currency: 'EUR' })).chats.map((chat) => chat.customerName);
		expect(await found('+31 6 1234 5678')).toEqual(['Anna de Vries']);
		expect(await found('vries')).toEqual(['Anna de Vries']);
		expect(await found('Bram Peeters')).toEqual(['Bram Peeters']);
		expect(await found('Anna Peeters')).toEqual([]);
		// Ciphertext never matches a search by accident.
		expect(await found('enc')).toEqual([]);
		// Staff numbers are recognised through the hash too.
		const customers = await store.analytics.listChats({ ...range, internalNumbers: ['+32 470 000 001'] }, { currency: 'EUR' });
		expect(customers.chats.map((chat) => chat.customerName)).toEqual(['Anna de Vries']);
	});

	it('keeps status details readable next to an encrypted payload', async () => {
		await store.recordStatus({ waMessageId: 'wamid.enc.out.1', status: 'failed', at: new Date(at.getTime() + 5000), details: { errors: [{ code: 131047 }] }, eventKey: 'status:enc:failed' });
		const message = await store.getMessageByWaId('wamid.enc.out.1');
		expect(message?.status).toBe('failed');
		expect(message?.payload).toEqual({ type: 'text', text: { body: 'Dank je Anna, ik kijk het na.' }, statusDetails: { errors: [{ code: 131047 }] } });
	});

	it('encrypts handoff summaries and context, form values, guest profiles and survey comments', async () => {
		const id = conversationIdOf(anna);
		const { handoff } = await store.openHandoff(id, { reason: 'complaint', summary: 'Anna: kamer 12 is koud', context: { form: { values: { roomNumber: '12', email: 'anna@example.nl' } } } });
		expect(handoff.summary).toBe('Anna: kamer 12 is koud');
		await store.saveConversationForm(
			{
				conversationId: id,
				formName: 'booking',
				status: 'asking',
				values: { guestName: 'Anna de Vries', email: 'anna@example.nl' },
				sources: { guestName: 'message' },
				attempts: {},
				askedField: 'dates',
				resumePending: false,
				partialRange: null,
				language: 'nl',
				startedAt: at.toISOString(),
				lastActiveAt: at.toISOString(),
				expiresAt: new Date(at.getTime() + 3_600_000).toISOString(),
			},
			null,
		);
		await store.updateGuestProfile('31612345678', { name: 'Anna de Vries', preferences: ['glutenvrij ontbijt'], bookings: ['HB-4821'] });
		const survey = await store.surveys.claim(
			{ conversationId: id, channel: 'whatsapp', phoneNumberId: anna.phoneNumberId, customerKey: '31612345678', waId: '31612345678', userId: null, customerName: null, language: 'nl', reason: 'bot_idle', route: 'bot', intent: null, startedAt: null, endedAt: at.toISOString(), lastInboundAt: at.toISOString() },
			{ kind: 'csat', language: 'nl', everyDays: 30, now: at },
		);
		await store.surveys.recordScore(survey!.id, 2, at, true);
		await store.surveys.recordComment(survey!.id, 'De verwarming in kamer 12 deed het niet', at);

		const raw = [
			...(await rawRows(config, store, `SELECT summary, context::text FROM handoffs`)),
			...(await rawRows(config, store, `SELECT field_values::text FROM conversation_forms`)),
			...(await rawRows(config, store, `SELECT name, preferences::text, bookings::text FROM guest_profiles`)),
			...(await rawRows(config, store, `SELECT comment FROM surveys`)),
		].join('\n');
		expect(raw).not.toMatch(/kamer|anna@example|Vries|glutenvrij|HB-4821|verwarming/);
		expect((raw.match(/enc:v1:/g) ?? []).length).toBe(7);

		expect((await store.getOpenHandoff(id))?.context).toEqual({ form: { values: { roomNumber: '12', email: 'anna@example.nl' } } });
		expect((await store.loadConversationForm(id))?.values).toEqual({ guestName: 'Anna de Vries', email: 'anna@example.nl' });
		expect(await store.getGuestProfile('31612345678')).toMatchObject({ name: 'Anna de Vries', preferences: ['glutenvrij ontbijt'], bookings: ['HB-4821'] });
		expect((await store.surveys.get(survey!.id))?.comment).toBe('De verwarming in kamer 12 deed het niet');
	});

	it('decrypts for the dashboard (timeline, exports) and for a DSAR export', async () => {
		const id = conversationIdOf(anna);
		const detail = await store.analytics.conversationDetail(id);
		expect(detail?.conversation).toMatchObject({ customerName: 'Anna de Vries', waId: '31612345678' });
		expect(detail?.messages[0].text).toBe('Mijn kamer is 12 en mijn IBAN is NL91ABNA0417164300');
		expect(detail?.handoffs[0].summary).toBe('Anna: kamer 12 is koud');
		const exported = await store.analytics.exportMessages({ ...range }, { conversationId: id });
		expect(exported.map((row) => row.text)).toEqual(['Mijn kamer is 12 en mijn IBAN is NL91ABNA0417164300', 'Dank je Anna, ik kijk het na.']);
		expect(exported[0].customerName).toBe('Anna de Vries');
		const chats = await store.analytics.listChats(range, { currency: 'EUR' });
		expect(chats.chats.find((chat) => chat.conversationId === id)?.lastText).toBe('Dank je Anna, ik kijk het na.');

		const dsar = await store.exportCustomer('31612345678');
		expect(JSON.stringify(dsar)).not.toContain('enc:v1:');
		expect(dsar.conversations[0]).toMatchObject({ customerName: 'Anna de Vries', waId: '31612345678' });
		expect(dsar.messages.map((message) => message.text)).toContain('Mijn kamer is 12 en mijn IBAN is NL91ABNA0417164300');
		expect(dsar.handoffs[0].context).toEqual({ form: { values: { roomNumber: '12', email: 'anna@example.nl' } } });
		expect(dsar.forms[0].values).toEqual({ guestName: 'Anna de Vries', email: 'anna@example.nl' });
		expect(dsar.surveys[0].comment).toBe('De verwarming in kamer 12 deed het niet');
		expect(dsar.guestProfile?.bookings).toEqual(['HB-4821']);
	});

	it('reads rows written before a key was set, and refuses to show encrypted rows without the key', async () => {
		const plainConfig = { ...(await backend.create()) };
		let plain = await openSupportStore(plainConfig);
		expect(plain.encrypted).toBe(false);
		await plain.recordInboundMessage({ conversation: bram, waMessageId: 'wamid.legacy.1', type: 'text', text: 'geschreven zonder sleutel', sentAt: at });
		expect(await rawRows(plainConfig, plain, `SELECT text FROM messages`)).toEqual(['geschreven zonder sleutel']);
		await closeAllSupportStores();

		const keyed = await openSupportStore({ ...plainConfig, encryption: { key } });
		await keyed.recordInboundMessage({ conversation: bram, waMessageId: 'wamid.legacy.2', type: 'text', text: 'met sleutel', sentAt: new Date(at.getTime() + 1000) });
		expect((await keyed.listMessages(conversationIdOf(bram))).map((message) => message.text)).toEqual(['geschreven zonder sleutel', 'met sleutel']);
		// The old row is found by its plain number, the new one by its hash: both in one search.
		expect((await keyed.analytics.listChats({ ...range, customer: '32470000001' }, { currency: 'EUR' })).total).toBe(1);
		await closeAllSupportStores();

		plain = await openSupportStore(plainConfig);
		await expect(plain.listMessages(conversationIdOf(bram))).rejects.toThrow(/holds encrypted values but no encryption key is configured/);
		await closeAllSupportStores();
		store = await openSupportStore(config);
	});
});
