import { conversationIdOf, type ConversationRef } from '../../../nodes/domain/envelope';
import { closeAllSupportStores, openSupportStore, type ConversationFormInput, type SupportStore } from '../../../nodes/domain/store';
import { storeBackendFixtures } from '../../helpers/store-backends';

const guest: ConversationRef = { channel: 'whatsapp', phoneNumberId: '1065000000001', customer: { waId: '31699000001', name: 'Sanne' } };
const conversationId = conversationIdOf(guest);

function formInput(values: Record<string, unknown>, extra: Partial<ConversationFormInput> = {}): ConversationFormInput {
	const now = new Date();
	return {
		conversationId,
		formName: 'room_booking',
		status: 'asking',
		values,
		sources: Object.fromEntries(Object.keys(values).map((name) => [name, 'entity'])),
		attempts: {},
		askedField: 'dates',
		resumePending: false,
		partialRange: null,
		language: 'nl',
		startedAt: now.toISOString(),
		lastActiveAt: now.toISOString(),
		expiresAt: new Date(now.getTime() + 30 * 60_000).toISOString(),
		...extra,
	};
}

describe.each(storeBackendFixtures())('Conversation forms in the SupportStore on $name', (backend) => {
	let store: SupportStore;

	beforeAll(async () => {
		store = await openSupportStore(await backend.create());
		await store.upsertConversation(guest);
	});

	afterAll(async () => {
		await closeAllSupportStores();
		await backend.cleanup();
	});

	beforeEach(async () => {
		await store.clearConversationForm(conversationId);
	});

	it('starts one form, saves only over the version it read, and clears it', async () => {
		expect(await store.loadConversationForm(conversationId)).toBeUndefined();
		const created = await store.saveConversationForm(formInput({ guests: 2 }), null);
		expect(created).toMatchObject({ conversationId, formName: 'room_booking', status: 'asking', values: { guests: 2 }, sources: { guests: 'entity' }, version: 1, language: 'nl' });
		// A second start loses: one active form per conversation.
		expect(await store.saveConversationForm(formInput({ guests: 5 }, { formName: 'table' }), null)).toBeUndefined();

		const updated = await store.saveConversationForm(formInput({ guests: 2, room: 'double' }, { status: 'confirming', attempts: { dates: 1 }, resumePending: true, partialRange: { field: 'dates', start: '2027-03-12' } }), 1);
		expect(updated).toMatchObject({ version: 2, status: 'confirming', values: { guests: 2, room: 'double' }, attempts: { dates: 1 }, resumePending: true, partialRange: { field: 'dates', start: '2027-03-12' } });
		// A writer that read version 1 is refused and the row is untouched.
		expect(await store.saveConversationForm(formInput({ guests: 9 }), 1)).toBeUndefined();
		expect((await store.loadConversationForm(conversationId))?.values).toEqual({ guests: 2, room: 'double' });

		expect(await store.clearConversationForm(conversationId, 1)).toBe(false);
		expect(await store.clearConversationForm(conversationId, 2)).toBe(true);
		expect(await store.loadConversationForm(conversationId)).toBeUndefined();
		expect(await store.countRows('conversation_forms')).toBe(0);
	});

	it('lets exactly one of many concurrent writers of the same version win', async () => {
		await store.saveConversationForm(formInput({}), null);
		const results = await Promise.all(Array.from({ length: 8 }, (_, index) => store.saveConversationForm(formInput({ guests: index + 1 }), 1)));
		const winners = results.filter(Boolean);
		expect(winners).toHaveLength(1);
		const stored = await store.loadConversationForm(conversationId);
		expect(stored?.version).toBe(2);
		expect(stored?.values).toEqual(winners[0]?.values);

		// Concurrent starts: one row.
		await store.clearConversationForm(conversationId);
		const starts = await Promise.all(Array.from({ length: 6 }, () => store.saveConversationForm(formInput({ guests: 1 }), null)));
		expect(starts.filter(Boolean)).toHaveLength(1);
		expect(await store.countRows('conversation_forms')).toBe(1);
	});

	it('applies every concurrent message once when writers re-read and retry (the node’s loop)', async () => {
		await store.saveConversationForm(formInput({}), null);
		const fields = ['dates', 'guests', 'room', 'name', 'breakfast'];
		await Promise.all(
			fields.map(async (name) => {
				for (;;) {
					const current = await store.loadConversationForm(conversationId);
					if (!current) throw new Error('form vanished');
					const saved = await store.saveConversationForm(formInput({ ...current.values, [name]: true }), current.version);
					if (saved) return;
				}
			}),
		);
		const stored = await store.loadConversationForm(conversationId);
		expect(Object.keys(stored?.values ?? {}).sort()).toEqual([...fields].sort());
		expect(stored?.version).toBe(1 + fields.length);
	});

	it('drops expired forms in the retention purge, and keeps active ones', async () => {
		await store.saveConversationForm(formInput({ name: 'Sanne' }, { expiresAt: new Date(Date.now() - 60_000).toISOString() }), null);
		const counts = await store.purgeExpired({ messagesDays: 30, analyticsDays: 90 });
		expect(counts.forms).toBe(1);
		await store.saveConversationForm(formInput({ name: 'Sanne' }), null);
		expect((await store.purgeExpired({ messagesDays: 30, analyticsDays: 90 })).forms).toBe(0);
		expect(await store.loadConversationForm(conversationId)).toBeDefined();
	});

	it('is part of a data export, and goes with an erasure', async () => {
		await store.saveConversationForm(formInput({ name: 'Sanne Jansen' }), null);
		const exported = await store.exportCustomer('31699000001');
		expect(exported.forms).toHaveLength(1);
		expect(exported.forms[0].values).toEqual({ name: 'Sanne Jansen' });
		await store.eraseCustomer('31699000001');
		expect(await store.countRows('conversation_forms')).toBe(0);
	});
});
