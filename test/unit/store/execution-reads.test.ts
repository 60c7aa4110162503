import { closeAllSupportStores, executionReadsFor, openSupportStore, withExecutionReads, type SupportStore } from '../../../nodes/domain/store';
import { conversationIdOf, type ConversationRef } from '../../../nodes/domain/envelope';
import { sqlOf } from '../../helpers/store-sql';

const guest: ConversationRef = { channel: 'whatsapp', phoneNumberId: '1065000000009', customer: { waId: '31687654321', name: 'Bram' } };
const conversationId = conversationIdOf(guest);

describe('one execution’s view of the support store', () => {
	let store: SupportStore;
	let statements: string[];

	beforeAll(async () => {
		store = await openSupportStore({ backend: 'pglite', dataDir: 'memory://execution-reads' });
		await store.upsertConversation(guest);
		const driver = sqlOf(store);
		const query = driver.query.bind(driver);
		driver.query = (async (sql: string, params?: unknown[]) => {
			statements.push(sql.replace(/\s+/g, ' ').trim());
			return await query(sql, params);
		}) as typeof driver.query;
	});

	beforeEach(() => {
		statements = [];
	});

	afterAll(async () => {
		await closeAllSupportStores();
	});

	const conversationReads = () => statements.filter((sql) => sql.startsWith('SELECT * FROM conversations')).length;

	it('reads a conversation once for all its nodes, and hands each node its own copy', async () => {
		const view = withExecutionReads(store);
		const first = await view.getConversation(conversationId);
		const second = await view.getConversation(conversationId);
		expect(conversationReads()).toBe(1);
		expect(second).toEqual(first);
		first!.language = 'xx';
		expect((await view.getConversation(conversationId))!.language).not.toBe('xx');
		// The store itself still reads every time.
		await store.getConversation(conversationId);
		expect(conversationReads()).toBe(2);
	});

	it('answers which conversation exists from the rows it read, and asks the store only about the others', async () => {
		const view = withExecutionReads(store);
		const lookups = () => statements.filter((sql) => sql.startsWith('SELECT id FROM conversations')).length;
		// Nothing read yet: the store is asked.
		await expect(view.firstExistingConversation([undefined, conversationId])).resolves.toBe(conversationId);
		expect(lookups()).toBe(1);
		await view.getConversation(conversationId);
		await expect(view.firstExistingConversation([undefined, conversationId, 'whatsapp:other'])).resolves.toBe(conversationId);
		expect(lookups()).toBe(1);
		// A kept read that found nothing moves on to the next id, which the store is asked about.
		await view.getConversation('whatsapp:nobody');
		await expect(view.firstExistingConversation(['whatsapp:nobody', conversationId])).resolves.toBe(conversationId);
		expect(lookups()).toBe(1);
		await expect(view.firstExistingConversation(['whatsapp:nobody', 'whatsapp:unknown'])).resolves.toBeUndefined();
		expect(lookups()).toBe(2);
		expect(statements.at(-1)).toContain('ANY');
	});

	it('sees its own writes: any call that is not a known read forgets what was read', async () => {
		const view = withExecutionReads(store);
		const before = await view.getConversation(conversationId);
		const language = before?.language === 'de' ? 'fr' : 'de';
		await view.rememberLanguage(conversationId, language);
		expect((await view.getConversation(conversationId))!.language).toBe(language);
		expect(conversationReads()).toBe(2);
		// A pure read keeps it.
		await view.getOpenHandoff(conversationId);
		await view.getConversation(conversationId);
		expect(conversationReads()).toBe(2);
	});

	it('keeps a customer’s consent log until the execution logs consent itself', async () => {
		const view = withExecutionReads(store);
		const customerKey = guest.customer.waId!;
		expect(await view.listConsentEvents(customerKey)).toEqual(await view.listConsentEvents(customerKey));
		// A write to the conversation forgets the conversation row but not the consent log.
		await view.getConversation(conversationId);
		await view.recordAnswerOutcome(conversationId, false);
		await view.listConsentEvents(customerKey);
		await view.getConversation(conversationId);
		expect(conversationReads()).toBe(2);
		expect(statements.filter((sql) => sql.startsWith('SELECT * FROM consent_events'))).toHaveLength(1);
		await view.appendConsentEvent({ customerKey, conversationId, scope: 'service', action: 'opt_out', source: 'test' });
		const after = await view.listConsentEvents(customerKey);
		expect(after.at(-1)).toMatchObject({ scope: 'service', action: 'opt_out' });
		expect(statements.filter((sql) => sql.startsWith('SELECT * FROM consent_events'))).toHaveLength(2);
	});

	it('reads afresh after the kept read is older than its limit (an execution resumed by a Wait node)', async () => {
		let clock = 0;
		const view = withExecutionReads(store, { maxAgeMs: 1000, now: () => clock });
		await view.getConversation(conversationId);
		// Another execution changes the row meanwhile.
		await store.rememberLanguage(conversationId, 'nl');
		expect((await view.getConversation(conversationId))!.language).not.toBe('nl');
		clock = 1001;
		expect((await view.getConversation(conversationId))!.language).toBe('nl');
	});

	it('does not keep a failed read', async () => {
		const view = withExecutionReads(store);
		const driver = sqlOf(store);
		const query = driver.query;
		driver.query = (async () => {
			throw new Error('connection lost');
		}) as typeof driver.query;
		await expect(view.getConversation(conversationId)).rejects.toThrow('connection lost');
		driver.query = query;
		await expect(view.getConversation(conversationId)).resolves.toMatchObject({ id: conversationId });
	});

	it('gives the nodes of one execution the same view, and other executions their own', async () => {
		const one = executionReadsFor(store, 'execution-1');
		expect(executionReadsFor(store, 'execution-1')).toBe(one);
		const other = executionReadsFor(store, 'execution-2');
		expect(other).not.toBe(one);
		await one.getConversation(conversationId);
		await other.getConversation(conversationId);
		expect(conversationReads()).toBe(2);
		// Properties and sub-stores pass through.
		expect(one.schema).toBe(store.schema);
		expect(one.surveys).toBe(store.surveys);
	});
});
