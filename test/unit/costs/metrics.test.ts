// Metrics on a seeded week (test/fixtures/costs/seed.ts) whose answers are worked out by hand below,
// on both store backends.
import { closeAllSupportStores, openSupportStore, type SupportStore } from '../../../nodes/domain/store';
import type { ChatFilters } from '../../../nodes/domain/store/analytics';
import { IDS, SEED_RANGE, seedChats } from '../../fixtures/costs/seed';
import { storeBackendFixtures } from '../../helpers/store-backends';

describe.each(storeBackendFixtures())('chat metrics on $name', (backend) => {
	let store: SupportStore;
	let week: ChatFilters;

	beforeAll(async () => {
		store = await openSupportStore(await backend.create());
		await seedChats(store);
		const range = await store.analytics.resolveDateRange({ ...SEED_RANGE, timeZone: 'UTC' });
		// Every channel, the dashboard's test chats included (the default leaves them out: see below).
		week = { from: range.from, to: range.to, channels: ['all'] };
	});

	afterAll(async () => {
		await closeAllSupportStores();
		await backend.cleanup();
	});

	it('turns whole days in a time zone into a [from, to) range', async () => {
		expect(week.from.toISOString()).toBe('2026-11-09T00:00:00.000Z');
		expect(week.to.toISOString()).toBe('2026-11-16T00:00:00.000Z');
		const amsterdam = await store.analytics.resolveDateRange({ from: '2026-11-09', to: '2026-11-09', timeZone: 'Europe/Amsterdam' });
		expect([amsterdam.from.toISOString(), amsterdam.to.toISOString()]).toEqual(['2026-11-08T23:00:00.000Z', '2026-11-09T23:00:00.000Z']);
		const defaults = await store.analytics.resolveDateRange({ to: '2026-11-30' });
		expect(defaults.fromDay).toBe('2026-11-01');
		await expect(store.analytics.resolveDateRange({ timeZone: 'Mars/Olympus' })).rejects.toThrow(/Unknown time zone/);
		await expect(store.analytics.resolveDateRange({ from: 'yesterday' })).rejects.toThrow(/not a date/);
	});

	it('computes every metric of the seeded week as worked out by hand', async () => {
		const metrics = await store.analytics.computeMetrics(week, { currency: 'USD' });
		// Chats: conversations with a customer message in the week: Anna, Bernd, Carmen, Dirk, Tess (not
		// François: before the week; not Grace: only a template).
		expect(metrics.chats).toBe(5);
		// Their messages in the week: Anna 5 (2 questions, 2 replies, 1 template), Bernd 3 (question,
		// system notice, agent reply), Carmen 5, Dirk 1, Tess 2 = 16.
		expect(metrics.messages).toBe(16);
		expect(metrics.messagesPerChat).toBeCloseTo(3.2, 10);
		expect(metrics.messagesByAuthor).toEqual({ customer: 7, bot: 7, agent: 1, system: 1 });
		// Turns: Anna 2, Bernd 1, Carmen 2, Dirk 1 (unanswered), Tess 1 = 7; answered 6.
		expect(metrics.turns).toBe(7);
		expect(metrics.answeredTurns).toBe(6);
		expect(metrics.answeredByBot).toBe(5);
		expect(metrics.answeredByAgent).toBe(1);
		expect(metrics.responseRate).toBeCloseTo(6 / 7, 10);
		// Response times 30, 10, 600 (agent; the system notice does not count), 120, 45, 2 s:
		// average 807 / 6 = 134.5 s; p90 (nearest rank: 6 × 0.9 = 5.4 → the 6th of 6) = 600 s.
		expect(metrics.responseTimeAvgSeconds).toBeCloseTo(134.5, 6);
		expect(metrics.responseTimeP90Seconds).toBe(600);
		// Automated: Anna, Carmen, Tess (Bernd had a handoff, Dirk was not answered) → 3 / 5.
		expect(metrics.automatedChats).toBe(3);
		expect(metrics.automationRate).toBeCloseTo(0.6, 10);
		expect(metrics.handoffChats).toBe(1);
		expect(metrics.handoffs).toBe(1);
		expect(metrics.handoffRate).toBeCloseTo(0.2, 10);
		// Contacts: Anna, Bernd, Carmen ×2 (48 h apart), Dirk, Tess = 6. Resolved: Anna, Carmen's second
		// and Tess. Not: Bernd (handoff), Carmen's first (she came back within 7 days), Dirk (unanswered).
		expect(metrics.contacts).toBe(6);
		expect(metrics.resolvedFirstContacts).toBe(3);
		expect(metrics.firstContactResolution).toBeCloseTo(0.5, 10);
		// Costs: WhatsApp NL utility 0.05 + ES marketing 0.0615 (delivered and read: once) + GB utility
		// 0.022 + a free service message 0 = 0.1335; LLM gpt-4.1-mini (1000 × 0.40 + 200 × 1.60) / 1e6 =
		// 0.00072 and claude-haiku-4-5 (300 × 1 + 20 × 5) / 1e6 = 0.0004 → 0.00112. François's 0.0859 is
		// before the week. Total 0.13462; per chat 0.13462 / 5 = 0.026924.
		expect(metrics.cost.currency).toBe('USD');
		expect(metrics.cost.whatsapp).toBeCloseTo(0.1335, 9);
		expect(metrics.cost.llm).toBeCloseTo(0.00112, 9);
		expect(metrics.cost.total).toBeCloseTo(0.13462, 9);
		expect(metrics.cost.perChat).toBeCloseTo(0.026924, 9);
		// Intents of the week's 7 turns: parking twice, the others once (alphabetical among equals).
		expect(metrics.topIntents.map((intent) => [intent.intent, intent.turns, intent.human])).toEqual([
			['parking', 2, 0],
			['breakfast', 1, 0],
			['complaint', 1, 1],
			['greeting', 1, 0],
			['location', 1, 0],
			['thanks', 1, 0],
		]);
		expect(metrics.topIntents[0].share).toBeCloseTo(2 / 7, 10);
	});

	it('leaves the test chats out by default, and shows them with the Test or All filter', async () => {
		const byDefault = { from: week.from, to: week.to };
		const metrics = await store.analytics.computeMetrics(byDefault, { currency: 'USD' });
		// Tess's test chat (2 messages) is left out: Anna, Bernd, Carmen, Dirk.
		expect([metrics.chats, metrics.messages]).toEqual([4, 14]);
		const { total, chats } = await store.analytics.listChats(byDefault, { currency: 'USD' });
		expect(total).toBe(5);
		expect(chats.map((chat) => chat.conversationId)).not.toContain(IDS.tess);
		expect((await store.analytics.dailySeries(byDefault, { currency: 'USD', timeZone: 'UTC' })).map((day) => day.chats)).toEqual([1, 1, 1, 1, 1, 0, 0]);

		const tests = await store.analytics.computeMetrics({ ...byDefault, channels: ['test'] });
		expect([tests.chats, tests.messages]).toEqual([1, 2]);
		expect((await store.analytics.listChats({ ...byDefault, channels: ['test'] }, { currency: 'USD' })).chats.map((chat) => chat.conversationId)).toEqual([IDS.tess]);
		expect((await store.analytics.computeMetrics({ ...byDefault, channels: ['all'] })).chats).toBe(5);
		expect((await store.analytics.computeMetrics({ ...byDefault, channels: ['web', 'test'] })).chats).toBe(2);
	});

	it('applies the channel, assistant, customer and date filters', async () => {
		const web = await store.analytics.computeMetrics({ ...week, channels: ['web'] });
		expect([web.chats, web.turns, web.answeredTurns, web.responseRate, web.automationRate, web.cost.total]).toEqual([1, 1, 0, 0, 0, 0]);

		const whatsapp = await store.analytics.computeMetrics({ ...week, channels: ['whatsapp'] });
		// Anna, Bernd, Carmen; automated: Anna and Carmen.
		expect(whatsapp.chats).toBe(3);
		expect(whatsapp.automationRate).toBeCloseTo(2 / 3, 10);
		expect(whatsapp.cost.total).toBeCloseTo(0.13462, 9);

		const webBot = await store.analytics.computeMetrics({ ...week, assistant: 'Web bot' });
		expect(webBot.chats).toBe(1);
		expect(webBot.topIntents.map((intent) => intent.intent)).toEqual(['location']);
		const byWorkflowId = await store.analytics.computeMetrics({ ...week, assistant: 'wf-hotel' });
		expect(byWorkflowId.chats).toBe(4);

		const bernd = await store.analytics.computeMetrics({ ...week, customer: 'müller' });
		expect([bernd.chats, bernd.handoffRate, bernd.answeredByAgent, bernd.responseTimeAvgSeconds]).toEqual([1, 1, 1, 600]);
		expect(bernd.cost.total).toBeCloseTo(0.0004, 9);
		// LIKE wildcards in the filter are taken literally.
		expect((await store.analytics.computeMetrics({ ...week, customer: '%' })).chats).toBe(0);

		const friday = await store.analytics.resolveDateRange({ from: '2026-11-13', to: '2026-11-13' });
		const oneDay = await store.analytics.computeMetrics({ from: friday.from, to: friday.to });
		// Only Carmen's second question: answered in 45 s, a contact of its own, resolved.
		expect([oneDay.chats, oneDay.turns, oneDay.responseTimeAvgSeconds, oneDay.contacts, oneDay.firstContactResolution]).toEqual([1, 1, 45, 1, 1]);
	});

	it('gives one conversation’s costs by category and model', async () => {
		const anna = await store.analytics.conversationCosts(IDS.anna);
		expect(anna.totals).toEqual([{ currency: 'USD', whatsapp: 0.05, llm: 0.00072, total: 0.05072 }]);
		expect(anna.whatsapp.byCategory).toEqual([
			{ category: 'service', pricingType: 'free_customer_service', currency: 'USD', messages: 1, amount: 0 },
			{ category: 'utility', pricingType: 'regular', currency: 'USD', messages: 1, amount: 0.05 },
		]);
		expect(anna.whatsapp).toMatchObject({ messages: 2, chargedMessages: 1 });
		expect(anna.llm.byModel).toEqual([{ model: 'gpt-4.1-mini', currency: 'USD', calls: 1, inputTokens: 1000, outputTokens: 200, amount: 0.00072 }]);
		const carmen = await store.analytics.conversationCosts(IDS.carmen);
		expect(carmen.whatsapp.byCategory).toEqual([{ category: 'marketing', pricingType: 'regular', currency: 'USD', messages: 1, amount: 0.0615 }]);
	});

	it('lists chats with activity, newest first, with counts, intents and costs', async () => {
		const { total, chats } = await store.analytics.listChats(week, { currency: 'USD' });
		// Grace counts here (a template in the week) but not as a chat in the metrics.
		expect(total).toBe(6);
		expect(chats.map((chat) => chat.conversationId)).toEqual([IDS.grace, IDS.tess, IDS.carmen, IDS.dirk, IDS.bernd, IDS.anna]);
		const carmen = chats.find((chat) => chat.conversationId === IDS.carmen)!;
		expect(carmen).toMatchObject({ channel: 'whatsapp', messages: 5, customerMessages: 2, botMessages: 3, intents: 'parking', assistants: 'Hotel bot', whatsappCost: 0.0615, totalCost: 0.0615 });
		const bernd = chats.find((chat) => chat.conversationId === IDS.bernd)!;
		expect(bernd).toMatchObject({ agentMessages: 1, handoffs: 1, llmCost: 0.0004 });
		const page2 = await store.analytics.listChats(week, { currency: 'USD', limit: 4, offset: 4 });
		expect(page2.total).toBe(6);
		expect(page2.chats.map((chat) => chat.conversationId)).toEqual([IDS.bernd, IDS.anna]);
		expect((await store.analytics.listChats(week, { currency: 'EUR' })).chats.every((chat) => chat.totalCost === 0)).toBe(true);
		expect(await store.analytics.listAssistants()).toEqual(['Hotel bot', 'Web bot']);
	});

	it('exports messages with their intent, and one conversation in full with turns and handoffs', async () => {
		const rows = await store.analytics.exportMessages({ ...week, channels: ['whatsapp'] });
		expect(rows).toHaveLength(3 + 5 + 5 + 1);
		// Ordered by conversation id (Anna's number sorts first, then Carmen's, then Bernd's), then time.
		expect(rows.filter((row) => row.intent).map((row) => [row.messageId, row.intent])).toEqual([
			['wamid.A1', 'breakfast'],
			['wamid.A2', 'thanks'],
			['wamid.C1', 'parking'],
			['wamid.C2', 'parking'],
			['wamid.B1', 'complaint'],
		]);
		expect(await store.analytics.exportMessages(week, { conversationId: IDS.dirk })).toEqual([
			expect.objectContaining({ messageId: 'web.D1', author: 'customer', text: 'Where are you located?', intent: 'location', route: 'clarify' }),
		]);

		const detail = (await store.analytics.conversationDetail(IDS.anna))!;
		expect(detail.messages.map((message) => message.waMessageId)).toEqual(['wamid.A1', 'wamid.A1r', 'wamid.A2', 'wamid.A2r', 'wamid.A3t']);
		expect(detail.turns[0]).toMatchObject({ messageId: 'wamid.A1', intent: 'breakfast', assistant: 'Hotel bot', workflowId: 'wf-hotel', answered: true, human: false });
		expect(detail.turns[0].toolCalls).toEqual([{ name: 'lookup_booking', input: { room: '12' }, output: 'breakfast included' }]);
		const bernd = (await store.analytics.conversationDetail(IDS.bernd))!;
		expect(bernd.handoffs).toEqual([expect.objectContaining({ reason: 'sentiment', openedAt: '2026-11-10T14:00:05.000Z', releasedAt: '2026-11-10T15:00:00.000Z', releasedBy: 'agent' })]);
		expect(await store.analytics.conversationDetail('whatsapp:none:0')).toBeUndefined();
	});

	it('counts chats, messages, handoffs and cost per day', async () => {
		const days = await store.analytics.dailySeries(week, { currency: 'USD', timeZone: 'UTC' });
		expect(days.map((day) => day.day)).toEqual(['2026-11-09', '2026-11-10', '2026-11-11', '2026-11-12', '2026-11-13', '2026-11-14', '2026-11-15']);
		expect(days.map((day) => day.chats)).toEqual([1, 1, 1, 1, 1, 1, 0]);
		expect(days.map((day) => day.handoffs)).toEqual([0, 1, 0, 0, 0, 0, 0]);
		// 11-09: 0.00072 (LLM) + 0 (free); 11-10: 0.05 + 0.0004; 11-14: 0.0615; 11-15: 0.022.
		expect(days.map((day) => day.cost)).toEqual([0.00072, 0.0504, 0, 0, 0, 0.0615, 0.022]);
	});
});
