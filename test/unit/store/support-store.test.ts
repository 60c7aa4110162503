import {
	closeAllSupportStores,
	defaultPgliteDataDir,
	migrations,
	openSupportStore,
	runMigrations,
	StoreConfigurationError,
	type StoreConfig,
	type SupportStore,
} from '../../../nodes/domain/store';
import { createPostgresDriver } from '../../../nodes/domain/store/postgres-driver';
import { conversationIdOf, type ConversationRef } from '../../../nodes/domain/envelope';
import { storeBackendFixtures } from '../../helpers/store-backends';
import { sqlOf } from '../../helpers/store-sql';

const guest: ConversationRef = {
	channel: 'whatsapp',
	phoneNumberId: '1065000000001',
	customer: { waId: '31612345678', name: 'Anna de Vries' },
};

describe.each(storeBackendFixtures())('SupportStore on $name', (backend) => {
	let config: StoreConfig;
	let store: SupportStore;

	beforeAll(async () => {
		config = await backend.create();
		store = await openSupportStore(config);
	});

	afterAll(async () => {
		await closeAllSupportStores();
		await backend.cleanup();
	});

	it('runs every migration once and records it', async () => {
		expect(store.backend).toBe(backend.name);
		const rows = await sqlOf(store).query<{ version: number }>(
			`SELECT version FROM ${store.schema}.schema_migrations ORDER BY version`,
		);
		expect(rows.map((row) => Number(row.version))).toEqual(migrations.map((migration) => migration.version).sort((a, b) => a - b));
		// Running again finds nothing to do.
		await expect(runMigrations(sqlOf(store), store.schema)).resolves.toEqual([]);
		// The same configuration gives the same (cached, already migrated) store.
		await expect(openSupportStore(config)).resolves.toBe(store);
	});

	it('stores an inbound message once and moves the last-inbound time only forward', async () => {
		const at = new Date('2026-11-20T10:00:00Z');
		const first = await store.recordInboundMessage({
			conversation: guest,
			waMessageId: 'wamid.once',
			type: 'text',
			text: 'Hoe laat is het ontbijt?',
			sentAt: at,
		});
		expect(first.inserted).toBe(true);
		expect(first.conversation.id).toBe(conversationIdOf(guest));
		expect(first.conversation.customerKey).toBe('31612345678');
		expect(first.conversation.customerName).toBe('Anna de Vries');
		expect(first.conversation.lastInboundAt).toBe(at.toISOString());

		const again = await store.recordInboundMessage({
			conversation: guest,
			waMessageId: 'wamid.once',
			type: 'text',
			text: 'Hoe laat is het ontbijt?',
			sentAt: at,
		});
		expect(again.inserted).toBe(false);

		// An older message arriving late (Meta does not guarantee order) leaves the window alone.
		const late = await store.recordInboundMessage({
			conversation: guest,
			waMessageId: 'wamid.late',
			type: 'text',
			text: 'Hallo',
			sentAt: new Date('2026-11-20T09:00:00Z'),
		});
		expect(late.inserted).toBe(true);
		expect(late.conversation.lastInboundAt).toBe(at.toISOString());

		const history = await store.listMessages(conversationIdOf(guest));
		expect(history.map((message) => message.waMessageId)).toEqual(['wamid.late', 'wamid.once']);
		expect(history[1]).toMatchObject({ direction: 'inbound', author: 'customer', text: 'Hoe laat is het ontbijt?' });
	});

	it('returns the inbound message and conversation exactly as they read back, and claims the message with a lease in the same statement', async () => {
		const ref: ConversationRef = { ...guest, customer: { waId: '31612340001', name: 'Bram Jansen' } };
		const stored = await store.recordInboundMessage({
			conversation: ref,
			waMessageId: 'wamid.one-statement',
			type: 'text',
			text: 'Heeft u nog een kamer vrij?',
			payload: { id: 'wamid.one-statement', type: 'text', text: { body: 'Heeft u nog een kamer vrij?' } },
			sentAt: new Date('2026-11-21T08:00:00Z'),
			referral: { source_type: 'ad', source_id: 'ad-7' },
			deliveryToken: 'lease-1',
		});
		expect(stored.inserted).toBe(true);
		// Every column of the message comes back, so a column added to `messages` and not to MESSAGE_COLUMNS fails here.
		expect(stored.message).toEqual(await store.getMessageByWaId('wamid.one-statement'));
		expect(stored.conversation).toEqual(await store.getConversation(conversationIdOf(ref)));
		expect(stored.conversation.entryPointAt).toBe('2026-11-21T08:00:00.000Z');
		await expect(store.getInboundDelivery('wamid.one-statement')).resolves.toMatchObject({ token: 'lease-1', confirmedAt: null });

		// A repeat stores nothing and leaves the first claim's lease alone.
		const again = await store.recordInboundMessage({
			conversation: ref,
			waMessageId: 'wamid.one-statement',
			type: 'text',
			text: 'Heeft u nog een kamer vrij?',
			sentAt: new Date('2026-11-21T08:00:00Z'),
			deliveryToken: 'lease-2',
		});
		expect(again).toMatchObject({ inserted: false, message: undefined });
		expect(again.conversation.id).toBe(stored.conversation.id);
		await expect(store.getInboundDelivery('wamid.one-statement')).resolves.toMatchObject({ token: 'lease-1' });

		// Without a lease the claim is stored plain.
		await store.recordInboundMessage({ conversation: ref, waMessageId: 'wamid.one-statement.plain', type: 'text', text: 'ok', sentAt: new Date() });
		await expect(store.getInboundDelivery('wamid.one-statement.plain')).resolves.toMatchObject({ token: null, startedAt: null });
	});

	it('finds the first of several ids that names a stored conversation, in the order given', async () => {
		const known = await store.upsertConversation({ ...guest, customer: { waId: '31612340002' } });
		const other = await store.upsertConversation({ ...guest, customer: { waId: '31612340003' } });
		await expect(store.firstExistingConversation([undefined, 'whatsapp:nobody', other.id, known.id])).resolves.toBe(other.id);
		await expect(store.firstExistingConversation([known.id, other.id])).resolves.toBe(known.id);
		await expect(store.firstExistingConversation(['whatsapp:nobody', undefined])).resolves.toBeUndefined();
		await expect(store.firstExistingConversation([])).resolves.toBeUndefined();
	});

	it('keeps exactly one row when 50 deliveries of the same message arrive in parallel', async () => {
		const results = await Promise.all(
			Array.from({ length: 50 }, async () =>
				await store.recordInboundMessage({
					conversation: guest,
					waMessageId: 'wamid.parallel',
					type: 'text',
					text: 'Is parking free?',
					sentAt: new Date('2026-11-20T11:00:00Z'),
				}),
			),
		);
		expect(results.filter((result) => result.inserted)).toHaveLength(1);
		const rows = await sqlOf(store).query<{ count: number }>(
			`SELECT count(*)::int AS count FROM messages WHERE wa_message_id = 'wamid.parallel'`,
		);
		expect(Number(rows[0].count)).toBe(1);
	});

	it('lets exactly one of 50 concurrent claims of a webhook event win', async () => {
		const claims = await Promise.all(
			Array.from({ length: 50 }, async () => await store.claimEvent('wamid.status:delivered', 'status')),
		);
		expect(claims.filter(Boolean)).toHaveLength(1);
		await expect(store.claimEvent('wamid.status:read', 'status')).resolves.toBe(true);
	});

	it('records a status in one statement: applied only forward, each event claimed once, the charge claimed once per message', async () => {
		const conversation = await store.upsertConversation({ ...guest, customer: { waId: '31612340099' } });
		await store.recordOutboundMessage({ conversationId: conversation.id, waMessageId: 'wamid.status.one', author: 'bot', type: 'text', text: 'hi' });
		const record = (status: string, chargeKey?: string) =>
			store.recordStatus({ waMessageId: 'wamid.status.one', status, at: new Date(), eventKey: `status:wamid.status.one:${status}`, chargeKey });

		await expect(record('delivered', 'charge:wamid.status.one')).resolves.toEqual({ claimed: true, charged: true });
		await expect(record('delivered', 'charge:wamid.status.one')).resolves.toEqual({ claimed: false, charged: false });
		// A late "sent" is a new event, but neither moves the status back nor carries the charge again.
		await expect(record('sent', 'charge:wamid.status.one')).resolves.toEqual({ claimed: true, charged: false });
		expect((await store.getMessageByWaId('wamid.status.one'))?.status).toBe('delivered');
		await expect(record('read')).resolves.toEqual({ claimed: true, charged: false });
		expect((await store.getMessageByWaId('wamid.status.one'))?.status).toBe('read');
	});

	it('lets exactly one of 20 concurrent deliveries of a status claim it and its charge', async () => {
		const conversation = await store.upsertConversation({ ...guest, customer: { waId: '31612340098' } });
		await store.recordOutboundMessage({ conversationId: conversation.id, waMessageId: 'wamid.status.race', author: 'bot', type: 'text', text: 'hi' });
		const results = await Promise.all(
			Array.from({ length: 20 }, () =>
				store.recordStatus({ waMessageId: 'wamid.status.race', status: 'sent', at: new Date(), eventKey: 'status:wamid.status.race:sent', chargeKey: 'charge:wamid.status.race' }),
			),
		);
		expect(results.filter((result) => result.claimed)).toHaveLength(1);
		expect(results.filter((result) => result.charged)).toHaveLength(1);
	});

	it('keys a customer on user id when WhatsApp gives one, not on the phone number', async () => {
		const withUsername: ConversationRef = {
			channel: 'whatsapp',
			phoneNumberId: '1065000000001',
			customer: { waId: '', userId: 'US.13491208655302741918', name: 'sam' },
		};
		const conversation = await store.upsertConversation(withUsername);
		expect(conversation.customerKey).toBe('US.13491208655302741918');
		expect(conversation.waId).toBeNull();
		expect(conversation.state).toBe('bot');
	});

	it('stores outbound messages with their callback data', async () => {
		const conversationId = conversationIdOf(guest);
		const sent = await store.recordOutboundMessage({
			conversationId,
			waMessageId: 'wamid.out.1',
			author: 'bot',
			type: 'text',
			text: 'Breakfast is served from 7:00 to 10:30.',
			callbackData: 'conv=1',
		});
		expect(sent).toMatchObject({ direction: 'outbound', author: 'bot', callbackData: 'conv=1' });
		await expect(
			store.recordOutboundMessage({ conversationId, waMessageId: 'wamid.out.1', author: 'bot', type: 'text' }),
		).resolves.toBeUndefined();
	});

	it('remembers the last known language, counts captionless media in a row and keeps reactions on their message', async () => {
		const ref: ConversationRef = { channel: 'whatsapp', phoneNumberId: '1065000000001', customer: { waId: '31600000555', name: 'Sem' } };
		const conversationId = conversationIdOf(ref);
		await store.recordInboundMessage({ conversation: ref, waMessageId: 'wamid.smalltalk.1', type: 'text', text: 'hoi', sentAt: new Date() });
		expect(await store.getConversation(conversationId)).toMatchObject({ language: null, mediaWithoutTextStreak: 0 });

		await store.rememberLanguage(conversationId, 'nl');
		await store.rememberLanguage(conversationId, 'nl');
		expect((await store.getConversation(conversationId))?.language).toBe('nl');

		const counts = await Promise.all(Array.from({ length: 5 }, async () => await store.recordMediaWithoutText(conversationId, true)));
		expect(counts.sort()).toEqual([1, 2, 3, 4, 5]);
		await expect(store.recordMediaWithoutText(conversationId, false)).resolves.toBe(0);
		await expect(store.recordMediaWithoutText(conversationId, true)).resolves.toBe(1);

		await store.recordOutboundMessage({ conversationId, waMessageId: 'wamid.smalltalk.bot', author: 'bot', type: 'text', text: 'Welkom!' });
		const at = new Date('2026-01-02T03:04:05.000Z');
		await expect(store.recordReaction(conversationId, 'wamid.smalltalk.bot', '👍', at)).resolves.toBe(true);
		expect(await store.getMessageByWaId('wamid.smalltalk.bot')).toMatchObject({ reaction: '👍', reactedAt: at.toISOString() });
		await expect(store.recordReaction(conversationId, 'wamid.smalltalk.bot', undefined)).resolves.toBe(true);
		expect((await store.getMessageByWaId('wamid.smalltalk.bot'))?.reaction).toBeNull();
		// Only a message of the same conversation, and an unknown message id changes nothing.
		await expect(store.recordReaction('other-conversation', 'wamid.smalltalk.bot', '❤️')).resolves.toBe(false);
		await expect(store.recordReaction(conversationId, 'wamid.unknown', '❤️')).resolves.toBe(false);
	});

	it('counts unanswered messages in a row, and an answer with no streak leaves the row untouched', async () => {
		const ref: ConversationRef = { channel: 'whatsapp', phoneNumberId: '1065000000001', customer: { waId: '31600000556', name: 'Noor' } };
		const conversationId = conversationIdOf(ref);
		await store.recordInboundMessage({ conversation: ref, waMessageId: 'wamid.streak.1', type: 'text', text: 'hoi', sentAt: new Date() });
		const before = await store.getConversation(conversationId);
		await expect(store.recordAnswerOutcome(conversationId, true)).resolves.toBe(0);
		expect((await store.getConversation(conversationId))?.updatedAt).toBe(before?.updatedAt);

		await expect(store.recordAnswerOutcome(conversationId, false)).resolves.toBe(1);
		await expect(store.recordAnswerOutcome(conversationId, false)).resolves.toBe(2);
		expect((await store.getConversation(conversationId))?.unansweredStreak).toBe(2);
		await expect(store.recordAnswerOutcome(conversationId, true)).resolves.toBe(0);
		expect((await store.getConversation(conversationId))?.unansweredStreak).toBe(0);
		await expect(store.recordAnswerOutcome('no-such-conversation', false)).resolves.toBe(0);
	});

	it('keeps the consent log append-only', async () => {
		const event = await store.appendConsentEvent({
			customerKey: '31612345678',
			scope: 'marketing',
			action: 'opt_in',
			source: 'web_form',
			evidence: { form: 'newsletter', ip: '203.0.113.7' },
		});
		expect(event).toMatchObject({ scope: 'marketing', action: 'opt_in', evidence: { form: 'newsletter' } });

		await expect(
			sqlOf(store).query(`UPDATE consent_events SET action = 'opt_out' WHERE id = $1`, [event.id]),
		).rejects.toThrow(/append-only/);
		await expect(sqlOf(store).query('DELETE FROM consent_events WHERE id = $1', [event.id])).rejects.toThrow(
			/append-only/,
		);
		await expect(sqlOf(store).query('TRUNCATE consent_events')).rejects.toThrow(/append-only/);

		const log = await store.listConsentEvents('31612345678');
		expect(log.map((entry) => entry.action)).toEqual(['opt_in']);
	});

	it('lets only a data-subject erasure transaction delete consent rows', async () => {
		await store.appendConsentEvent({ customerKey: 'erase-me', scope: 'service', action: 'opt_out', source: 'keyword' });
		const deleted = await sqlOf(store).transaction(async (tx) => {
			await tx.query(`SELECT set_config('whatsapp_support.consent_erasure', 'on', true)`);
			return await tx.query(`DELETE FROM consent_events WHERE customer_key = 'erase-me' RETURNING id`);
		});
		expect(deleted).toHaveLength(1);
		// The permission ended with that transaction.
		await store.appendConsentEvent({ customerKey: 'erase-me', scope: 'service', action: 'erased', source: 'dsar' });
		await expect(sqlOf(store).query(`DELETE FROM consent_events WHERE customer_key = 'erase-me'`)).rejects.toThrow(
			/append-only/,
		);
	});

	it('creates one handoff when 20 hand-offs of the same conversation race', async () => {
		const conversationId = conversationIdOf(guest);
		const results = await Promise.all(
			Array.from({ length: 20 }, async (_value, index) =>
				await store.openHandoff(conversationId, { reason: `race ${index}`, summary: 'Guest is upset' }),
			),
		);
		expect(results.filter((result) => result.created)).toHaveLength(1);
		expect(new Set(results.map((result) => result.handoff.id)).size).toBe(1);
		expect((await store.getConversation(conversationId))?.state).toBe('human');

		const released = await store.releaseHandoff(conversationId, 'agent:maria');
		expect(released).toMatchObject({ status: 'released', releasedBy: 'agent:maria' });
		expect((await store.getConversation(conversationId))?.state).toBe('bot');
		await expect(store.releaseHandoff(conversationId, 'agent:maria')).resolves.toBeUndefined();

		const next = await store.openHandoff(conversationId, { reason: 'second' });
		expect(next.created).toBe(true);
		expect(next.handoff.id).not.toBe(results[0].handoff.id);
	});

	it('charges a cost once per source key', async () => {
		const cost = {
			conversationId: conversationIdOf(guest),
			kind: 'whatsapp' as const,
			sourceKey: 'wamid.template.1',
			category: 'marketing',
			pricingType: 'regular',
			country: 'NL',
			amount: 0.1365,
			currency: 'EUR',
		};
		await expect(store.recordCost(cost)).resolves.toBe(true);
		await expect(store.recordCost(cost)).resolves.toBe(false);
		const rows = await sqlOf(store).query<{ amount: string }>(
			`SELECT amount FROM costs WHERE source_key = 'wamid.template.1'`,
		);
		expect(rows).toHaveLength(1);
		expect(Number(rows[0].amount)).toBeCloseTo(0.1365, 6);
	});
});

describe('store configuration', () => {
	it('refuses the embedded store in n8n queue mode with a fix hint', async () => {
		const attempt = openSupportStore(
			{ backend: 'pglite', dataDir: 'memory://queue-mode' },
			{ EXECUTIONS_MODE: 'queue' },
		);
		await expect(attempt).rejects.toBeInstanceOf(StoreConfigurationError);
		await expect(attempt).rejects.toMatchObject({ hint: expect.stringContaining('WhatsApp Support Store (Postgres)') });
	});

	it('puts the embedded data under the n8n user folder unless overridden', () => {
		expect(defaultPgliteDataDir({ N8N_USER_FOLDER: '/srv/n8n' })).toBe('/srv/n8n/.n8n/whatsapp-ai-support/pglite');
		expect(defaultPgliteDataDir({ N8N_USER_FOLDER: '/srv/n8n', WHATSAPP_SUPPORT_STORE_DIR: '/data/wa' })).toBe(
			'/data/wa',
		);
	});

	it('rejects schema names that could inject SQL', async () => {
		await expect(
			openSupportStore({
				backend: 'postgres',
				schema: 'x; DROP TABLE users',
				connection: { host: '127.0.0.1', port: 5432, database: 'postgres', user: 'postgres' },
			}),
		).rejects.toThrow(/Invalid store schema name/);
	});
});

describe('migrations under concurrency (PostgreSQL)', () => {
	const [, postgres] = storeBackendFixtures();

	afterAll(async () => await postgres.cleanup());

	it('applies each migration exactly once when five processes start together', async () => {
		const config = await postgres.create();
		if (config.backend !== 'postgres') throw new Error('expected a postgres fixture');
		const drivers = Array.from({ length: 5 }, () =>
			createPostgresDriver(config.connection, 'whatsapp_support,public'),
		);
		try {
			const applied = await Promise.all(drivers.map(async (driver) => await runMigrations(driver, 'whatsapp_support')));
			expect(applied.flat().sort((a, b) => a - b)).toEqual(migrations.map((migration) => migration.version).sort((a, b) => a - b));
			const rows = await drivers[0].query<{ count: number }>(
				'SELECT count(*)::int AS count FROM whatsapp_support.schema_migrations',
			);
			expect(Number(rows[0].count)).toBe(migrations.length);
		} finally {
			await Promise.all(drivers.map(async (driver) => await driver.close()));
		}
	});
});
