import { conversationIdOf, type ConversationRef } from '../../../nodes/domain/envelope';
import { deriveConsent } from '../../../nodes/domain/privacy/consent';
import {
	closeAllSupportStores,
	erasureTombstoneKey,
	legacyErasureTombstoneKey,
	openSupportStore,
	type SupportStore,
} from '../../../nodes/domain/store';
import { storeBackendFixtures } from '../../helpers/store-backends';
import { sqlOf } from '../../helpers/store-sql';

const day = 86_400_000;
const now = new Date('2026-11-21T12:00:00Z');
const daysAgo = (days: number) => new Date(now.getTime() - days * day);

function guest(waId: string): ConversationRef {
	return { channel: 'whatsapp', phoneNumberId: '1065000000001', customer: { waId, name: `Guest ${waId}` } };
}

describe.each(storeBackendFixtures())('retention, DSAR and consent on $name', (backend) => {
	let store: SupportStore;

	beforeAll(async () => {
		store = await openSupportStore(await backend.create());
	});

	afterAll(async () => {
		await closeAllSupportStores();
		await backend.cleanup();
	});

	it('purges rows past their retention and reports the counts; the consent log stays', async () => {
		const old = guest('31700000001');
		const recent = guest('31700000002');
		await store.recordInboundMessage({ conversation: old, waMessageId: 'wamid.old.1', type: 'text', text: 'old', sentAt: daysAgo(40) });
		await store.recordInboundMessage({ conversation: old, waMessageId: 'wamid.old.2', type: 'text', text: 'old too', sentAt: daysAgo(35) });
		await store.recordInboundMessage({ conversation: recent, waMessageId: 'wamid.new.1', type: 'text', text: 'new', sentAt: daysAgo(2) });
		await store.recordCost({ conversationId: conversationIdOf(old), kind: 'whatsapp', sourceKey: 'cost.old', amount: 0.1, currency: 'EUR', occurredAt: daysAgo(100) });
		await store.recordCost({ conversationId: conversationIdOf(recent), kind: 'whatsapp', sourceKey: 'cost.new', amount: 0.1, currency: 'EUR', occurredAt: daysAgo(10) });
		await store.appendConsentEvent({ customerKey: '31700000001', scope: 'marketing', action: 'opt_in', source: 'web_form', occurredAt: daysAgo(400) });
		// The old conversation was last touched long ago.
		await sqlOf(store).query('UPDATE conversations SET updated_at = $2 WHERE id = $1', [conversationIdOf(old), daysAgo(35)]);

		const counts = await store.purgeExpired({ messagesDays: 30, analyticsDays: 90, now });
		expect(counts).toMatchObject({ messages: 2, costs: 1, conversations: 1, anonymised: false });
		expect(await store.getConversation(conversationIdOf(old))).toBeUndefined();
		expect((await store.listMessages(conversationIdOf(recent))).map((message) => message.text)).toEqual(['new']);
		expect(await store.listConsentEvents('31700000001')).toHaveLength(1);

		// Running it again finds nothing more.
		await expect(store.purgeExpired({ messagesDays: 30, analyticsDays: 90, now })).resolves.toMatchObject({
			messages: 0,
			costs: 0,
			conversations: 0,
		});
	});

	it('retention covers surveys: comments go with the messages, the survey row with the analytics', async () => {
		const customer = guest('31700000004');
		const id = conversationIdOf(customer);
		await store.recordInboundMessage({ conversation: customer, waMessageId: 'wamid.survey.1', type: 'text', text: 'hi', sentAt: daysAgo(1) });
		const claim = async (sentAt: Date) =>
			(await store.surveys.claim(
				{ conversationId: id, channel: 'whatsapp', phoneNumberId: customer.phoneNumberId, customerKey: '31700000004', waId: '31700000004', userId: null, customerName: null, language: 'nl', reason: 'bot_idle', route: 'bot', intent: null, startedAt: null, endedAt: sentAt.toISOString(), lastInboundAt: sentAt.toISOString() },
				{ kind: 'csat', language: 'nl', everyDays: 1, now: sentAt },
			))!;
		const old = await claim(daysAgo(100));
		const middle = await claim(daysAgo(40));
		await store.surveys.recordScore(middle.id, 3, daysAgo(40), true);
		await store.surveys.recordComment(middle.id, 'Het ontbijt was koud', daysAgo(40));
		const recent = await claim(daysAgo(2));
		await store.surveys.recordScore(recent.id, 5, daysAgo(2), true);
		await store.surveys.recordComment(recent.id, 'Prima', daysAgo(2));

		const counts = await store.purgeExpired({ messagesDays: 30, analyticsDays: 90, now });
		expect(counts).toMatchObject({ surveys: 1, surveyComments: 1 });
		expect(await store.surveys.get(old.id)).toBeUndefined();
		expect(await store.surveys.get(middle.id)).toMatchObject({ score: 3, comment: null });
		expect(await store.surveys.get(recent.id)).toMatchObject({ score: 5, comment: 'Prima' });
	});

	it('anonymises old messages instead of deleting them when asked', async () => {
		const customer = guest('31700000003');
		await store.recordInboundMessage({ conversation: customer, waMessageId: 'wamid.anon.1', type: 'text', text: 'my secret', sentAt: daysAgo(60) });
		const counts = await store.purgeExpired({ messagesDays: 30, analyticsDays: 90, now, anonymise: true });
		expect(counts.messages).toBe(1);
		const [message] = await store.listMessages(conversationIdOf(customer));
		expect(message).toMatchObject({ waMessageId: 'wamid.anon.1', text: null, payload: null });
	});

	it('exports everything about a customer and erases all of it but a consent tombstone', async () => {
		const customer = guest('31700000009');
		const id = conversationIdOf(customer);
		await store.recordInboundMessage({ conversation: customer, waMessageId: 'wamid.dsar.1', type: 'text', text: 'Ik wil mijn gegevens', sentAt: daysAgo(1) });
		await store.recordOutboundMessage({ conversationId: id, waMessageId: 'wamid.dsar.2', author: 'bot', type: 'text', text: 'Natuurlijk' });
		await store.openHandoff(id, { reason: 'dsar' });
		await store.recordCost({ conversationId: id, kind: 'llm', sourceKey: 'llm.dsar', amount: 0.002, currency: 'USD' });
		await store.appendConsentEvent({ customerKey: '31700000009', scope: 'marketing', action: 'opt_out', source: 'keyword' });
		await store.appendConsentEvent({ customerKey: '31700000009', scope: 'analytics', action: 'opt_in', source: 'web_form' });

		const exported = await store.exportCustomer('31700000009');
		expect(exported.conversations.map((conversation) => conversation.id)).toEqual([id]);
		expect(exported.messages.map((message) => message.text)).toEqual(['Ik wil mijn gegevens', 'Natuurlijk']);
		expect(exported.handoffs).toHaveLength(1);
		expect(exported.costs).toHaveLength(1);
		expect(exported.consentEvents.map((event) => event.scope)).toEqual(['marketing', 'analytics']);
		expect(JSON.parse(JSON.stringify(exported))).toEqual(exported);

		const erased = await store.eraseCustomer('31700000009');
		expect(erased).toEqual({ conversations: 1, messages: 2, handoffs: 1, costs: 1, turns: 0, consentEvents: 2, guestProfiles: 0 });
		const after = await store.exportCustomer('31700000009');
		expect(after.conversations).toEqual([]);
		expect(after.messages).toEqual([]);
		// Only the tombstone remains, under a keyed HMAC: the number itself is gone from the store, and
		// hashing candidate numbers without the store's key does not find it.
		const tombstone = erasureTombstoneKey('31700000009', await store.keyedHashSecret());
		expect(tombstone).toMatch(/^erased:h1:[0-9a-f]{64}$/);
		expect(after.consentEvents.every((event) => event.customerKey === tombstone)).toBe(true);
		expect(tombstone).not.toBe(legacyErasureTombstoneKey('31700000009'));
		expect(tombstone).not.toBe(erasureTombstoneKey('31700000009', 'another key'));
		expect(after.consentEvents.map((event) => [event.scope, event.action])).toEqual(
			expect.arrayContaining([
				['*', 'erased'],
				['marketing', 'opt_out'],
			]),
		);
		const leftovers = await sqlOf(store).query<{ count: number }>(
			`SELECT count(*)::int AS count FROM consent_events WHERE customer_key = '31700000009'`,
		);
		expect(Number(leftovers[0].count)).toBe(0);
		// The opt-out is still honoured if the customer writes again; the analytics opt-in is gone.
		const consent = deriveConsent(after.consentEvents);
		expect(consent.marketing.status).toBe('revoked');
		expect(consent.analytics.status).toBe('unknown');
		expect(consent.service.status).toBe('unknown');
	});

	it('releases handoffs with no activity since the timeout', async () => {
		const quiet = conversationIdOf(guest('31700000021'));
		const busy = conversationIdOf(guest('31700000022'));
		await store.upsertConversation(guest('31700000021'));
		await store.upsertConversation(guest('31700000022'));
		await store.openHandoff(quiet, { reason: 'test' });
		await store.openHandoff(busy, { reason: 'test' });
		await sqlOf(store).query(`UPDATE handoffs SET last_activity_at = $2 WHERE conversation_id = $1`, [quiet, new Date(Date.now() - 2 * day)]);
		const released = await store.releaseInactiveHandoffs(new Date(Date.now() - day));
		expect(released.map((handoff) => handoff.conversationId)).toEqual([quiet]);
		expect((await store.getConversation(quiet))?.state).toBe('bot');
		expect((await store.getConversation(busy))?.state).toBe('human');
	});
});
