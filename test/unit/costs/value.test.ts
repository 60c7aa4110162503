// The value figures on a seeded 120 days (test/fixtures/value/seed.ts: 30 days of baseline, 90 with the bot),
// every expected value worked out by hand below, on both store backends.
import { closeAllSupportStores, openSupportStore, type SupportStore } from '../../../nodes/domain/store';
import type { ChatFilters } from '../../../nodes/domain/store/analytics';
import { buildDashboardResponse, parseCsv } from '../../../nodes/domain/costs';
import { loadValueData, renderValueSections, valueCsv } from '../../../nodes/domain/costs/dashboard-value';
import { at, GO_LIVE, IDS, seedValue, SETTINGS } from '../../fixtures/value/seed';
import { storeBackendFixtures } from '../../helpers/store-backends';

describe.each(storeBackendFixtures())('value figures on $name', (backend) => {
	let store: SupportStore;
	/** The 90 days after go-live. */
	let after: ChatFilters;

	beforeAll(async () => {
		store = await openSupportStore(await backend.create());
		await seedValue(store);
		after = { from: GO_LIVE, to: at(90) };
	});

	afterAll(async () => {
		await closeAllSupportStores();
		await backend.cleanup();
	});

	it('keeps the duty manager out of the chats and shows them under Internal', async () => {
		// C1, C2, C3, D1, D2, E1, E2; not the duty phone (marked internal), though it wrote.
		expect((await store.analytics.computeMetrics(after)).chats).toBe(7);
		const internal = await store.analytics.computeMetrics({ ...after, audience: 'internal' });
		expect(internal.chats).toBe(1);
		expect((await store.analytics.listChats({ ...after, audience: 'internal' }, { currency: 'USD' })).chats.map((chat) => chat.conversationId)).toEqual([IDS.duty]);
	});

	it('times the first meaningful response without holding messages', async () => {
		// 10 (C1), 20 (C2: the bot answered before the handoff), 600 (C3: the holding message after the handoff
		// does not count, the agent at 08:10 does), 30, 40, 50, 70 s. Sum 820 over 7; sorted 10 20 30 40 50 70 600:
		// median 40; p90 (nearest rank, ceil(0.9 × 7) = 7th) 600.
		const figures = await store.analytics.firstMeaningfulResponse(after);
		expect(figures.contacts).toBe(7);
		expect(figures.answered).toBe(7);
		expect(figures.averageSeconds).toBeCloseTo(820 / 7, 9);
		expect(figures.medianSeconds).toBe(40);
		expect(figures.p90Seconds).toBe(600);
	});

	it('computes CSAT and NPS: average, distribution, response rate, by route and intent, trend', async () => {
		const { csat, nps } = await store.analytics.surveyFigures(after);
		// Sent: C1 5, C3 2 (+ comment), D1 4, D2 (no answer), E1 3.
		expect(csat).toMatchObject({ sent: 5, answered: 4, responseRate: 0.8, average: 3.5, comments: 1, npsScore: null });
		expect(csat.distribution).toEqual({ 1: 0, 2: 1, 3: 1, 4: 1, 5: 1 });
		// By route: bot C1 D1 D2 E1 sent, D2 unanswered (5 + 4 + 3) / 3; person C3 (2). By intent: parking D2 E1.
		expect(csat.byRoute).toEqual([
			{ key: 'bot', sent: 4, answered: 3, responseRate: 0.75, average: 4, npsScore: null },
			{ key: 'person', sent: 1, answered: 1, responseRate: 1, average: 2, npsScore: null },
		]);
		expect(csat.byIntent).toEqual([
			{ key: 'breakfast', sent: 2, answered: 2, responseRate: 1, average: 4.5, npsScore: null },
			{ key: 'complaint', sent: 1, answered: 1, responseRate: 1, average: 2, npsScore: null },
			{ key: 'parking', sent: 2, answered: 1, responseRate: 0.5, average: 3, npsScore: null },
		]);
		// Weeks (Mondays) of sending: day 2 → 06-01, day 8 → 06-08, days 35 and 40 → 07-06 (D2 unanswered), day 70 → 08-10.
		expect(csat.trend).toEqual([
			{ week: '2026-06-01', sent: 1, answered: 1, average: 5, npsScore: null },
			{ week: '2026-06-08', sent: 1, answered: 1, average: 2, npsScore: null },
			{ week: '2026-07-06', sent: 2, answered: 1, average: 4, npsScore: null },
			{ week: '2026-08-10', sent: 1, answered: 1, average: 3, npsScore: null },
		]);
		// E2 answered NPS 10: one promoter, no detractor → +100; sent on day 80, a Thursday → week 08-17.
		expect(nps).toMatchObject({ sent: 1, answered: 1, responseRate: 1, average: 10, npsScore: 100 });
		expect(nps.distribution[10]).toBe(1);
		expect(nps.byRoute).toEqual([{ key: 'bot', sent: 1, answered: 1, responseRate: 1, average: 10, npsScore: 100 }]);
		expect(nps.byIntent).toEqual([{ key: 'breakfast', sent: 1, answered: 1, responseRate: 1, average: 10, npsScore: 100 }]);
		expect(nps.trend).toEqual([{ week: '2026-08-17', sent: 1, answered: 1, average: 10, npsScore: 100 }]);
	});

	it('computes agent hours saved and ROI', async () => {
		// Bot-resolved chats: C1, D1, D2, E1, E2 = 5 × 12 min = 1 h over 90 days (3 months): 1/3 h a month,
		// × USD 30 = 10 a month, 120 a year. Running: logged 9 / 3 = 3 + 100 = 103 a month, 1236 a year.
		// ROI = (120 − 1236) / 5000 = −22.32 %; it never pays back.
		const figures = await store.analytics.savings(after, SETTINGS);
		expect(figures.botResolvedChats).toBe(5);
		expect(figures.hoursSaved).toBeCloseTo(1, 9);
		expect(figures.hoursSavedPerMonth).toBeCloseTo(1 / 3, 9);
		expect(figures.savingsPerMonth).toBeCloseTo(10, 6);
		expect(figures.savingsPerYear).toBeCloseTo(120, 6);
		expect(figures.loggedCosts).toBeCloseTo(9, 6);
		expect(figures.runningCostsPerMonth).toBeCloseTo(103, 6);
		expect(figures.runningCostsPerYear).toBeCloseTo(1236, 6);
		expect(figures.netPerYear).toBeCloseTo(-1116, 6);
		expect(figures.roiPercent).toBeCloseTo(-22.32, 9);
		expect(figures.paybackMonths).toBeNull();
		// A costlier desk and no monthly fee: 1/3 h × 600 = 200 a month; running 3 a month; net 197.
		// ROI = (2400 − 36) / 1000 = 236.4 %; payback 1000 / 197 months.
		const dear = await store.analytics.savings(after, { ...SETTINGS, agentHourlyCost: 600, monthlyRunningCost: 0, initialInvestment: 1000 });
		expect(dear.roiPercent).toBeCloseTo(236.4, 9);
		expect(dear.paybackMonths).toBeCloseTo(1000 / 197, 9);
	});

	it('puts the baseline next to days 1–30, 31–60 and 61–90 with the change in %', async () => {
		const comparison = await store.analytics.baselineComparison({}, SETTINGS);
		expect(comparison?.goLive).toBe(GO_LIVE.toISOString());
		const rows = comparison!.periods.map(({ label, chats, firstResponseSeconds, agentHoursPerMonth, csat, automationRate, manual }) => ({
			label,
			chats,
			firstResponseSeconds,
			agentHoursPerMonth,
			csat,
			automationRate,
			manual,
		}));
		// Baseline: B1 30 min, B2 60 min by people: 2700 s; 2 chats worked by agents × 12 min = 0.4 h a month.
		// Days 1–30: 10, 20, 600 s → 210; C2 and C3 worked by agents → 0.4 h; CSAT (5 + 2) / 2; C1 automated of 3.
		// Days 31–60: 30, 40 → 35; no agent; CSAT 4 (D2 unanswered). Days 61–90: 50, 70 → 60; CSAT 3 (E2 is NPS).
		expect(rows).toEqual([
			{ label: 'Baseline (30 days before)', chats: 2, firstResponseSeconds: 2700, agentHoursPerMonth: expect.closeTo(0.4, 9), csat: null, automationRate: 0, manual: false },
			{ label: 'Days 1–30', chats: 3, firstResponseSeconds: 210, agentHoursPerMonth: expect.closeTo(0.4, 9), csat: 3.5, automationRate: expect.closeTo(1 / 3, 9), manual: false },
			{ label: 'Days 31–60', chats: 2, firstResponseSeconds: 35, agentHoursPerMonth: 0, csat: 4, automationRate: 1, manual: false },
			{ label: 'Days 61–90', chats: 2, firstResponseSeconds: 60, agentHoursPerMonth: 0, csat: 3, automationRate: 1, manual: false },
		]);
		const changes = comparison!.changes;
		expect(changes[0].firstResponse).toBeCloseTo(((210 - 2700) / 2700) * 100, 9);
		expect(changes[0].agentHoursPerMonth).toBeCloseTo(0, 9);
		expect(changes[0].csat).toBeNull();
		expect(changes[1].firstResponse).toBeCloseTo(((35 - 2700) / 2700) * 100, 9);
		expect(changes[1].agentHoursPerMonth).toBeCloseTo(-100, 9);
		expect(changes[2].firstResponse).toBeCloseTo(((60 - 2700) / 2700) * 100, 9);

		// Baseline figures entered by hand: 1 h to answer, 2 agent hours a month, CSAT 4.
		const manual = await store.analytics.baselineComparison({}, { ...SETTINGS, manualBaseline: { firstResponseSeconds: 3600, agentHoursPerMonth: 2, csat: 4 } });
		expect(manual!.periods[0]).toMatchObject({ manual: true, firstResponseSeconds: 3600, agentHoursPerMonth: 2, csat: 4 });
		expect(manual!.changes[0].firstResponse).toBeCloseTo(((210 - 3600) / 3600) * 100, 9);
		expect(manual!.changes[0].agentHoursPerMonth).toBeCloseTo(-80, 9);
		expect(manual!.changes[0].csat).toBeCloseTo(-12.5, 9);
		expect(await store.analytics.baselineComparison({}, { ...SETTINGS, goLive: '' })).toBeUndefined();
	});

	it('splits by intent and by room type ("unknown" without a Conversation Form value)', async () => {
		// Each chat's most frequent intent: breakfast C1 D1 E2 (all bot-resolved; CSAT 5, 4), complaint C2 C3
		// (none; CSAT 2), parking D2 E1 (both; CSAT 3).
		expect(await store.analytics.categories(after, 'intent')).toEqual([
			{ category: 'breakfast', chats: 3, botResolved: 3, automationRate: 1, csatAnswered: 2, csat: 4.5 },
			{ category: 'complaint', chats: 2, botResolved: 0, automationRate: 0, csatAnswered: 1, csat: 2 },
			{ category: 'parking', chats: 2, botResolved: 2, automationRate: 1, csatAnswered: 1, csat: 3 },
		]);
		// Room types: C1 double (CSAT 5), D2 suite (unanswered), the other five unknown (D1 E1 E2 bot-resolved; CSAT 2, 4, 3).
		expect(await store.analytics.categories(after, 'roomType')).toEqual([
			{ category: 'unknown', chats: 5, botResolved: 3, automationRate: 0.6, csatAnswered: 3, csat: 3 },
			{ category: 'double', chats: 1, botResolved: 1, automationRate: 1, csatAnswered: 1, csat: 5 },
			{ category: 'suite', chats: 1, botResolved: 1, automationRate: 1, csatAnswered: 0, csat: null },
		]);
	});

	it('reports health: failed deliveries, LLM timeouts and errors, the sentiment trend', async () => {
		const figures = await store.analytics.health(after);
		// Outbound to guests: C1 1, C2 3, C3 2, D1 D2 E1 E2 1 each = 10 (not the duty alert); D2's failed.
		expect(figures).toMatchObject({ outboundMessages: 10, failedMessages: 1, failedDeliveryRate: 0.1 });
		// LLM turns: 5 answered by the model + C2 (timeout) + C3 (model error) = 7.
		expect(figures).toMatchObject({ llmTurns: 7, llmTimeouts: 1, llmErrors: 1 });
		expect(figures.llmTimeoutRate).toBeCloseTo(1 / 7, 9);
		expect(figures.llmErrorRate).toBeCloseTo(1 / 7, 9);
		expect(figures.sentimentTrend).toEqual([
			{ week: '2026-06-01', turns: 2, negative: 1, negativeShare: 0.5 },
			{ week: '2026-06-08', turns: 1, negative: 1, negativeShare: 1 },
			{ week: '2026-07-06', turns: 2, negative: 0, negativeShare: 0 },
			{ week: '2026-08-10', turns: 1, negative: 0, negativeShare: 0 },
			{ week: '2026-08-17', turns: 1, negative: 0, negativeShare: 0 },
		]);
	});

	it('shows every Value table with a CSV export: summary, NPS and the survey trend among them', async () => {
		const range = await store.analytics.resolveDateRange({ from: '2026-06-01', to: '2026-08-29', timeZone: 'UTC' });
		expect({ from: range.from, to: range.to }).toEqual({ from: after.from, to: after.to });
		const data = await loadValueData(store, { from: range.from, to: range.to }, range, SETTINGS);
		const html = renderValueSections(data, (table) => `?view=value&format=csv&table=${table}`);
		const names = data.tables.map((table) => table.name);
		expect(names).toEqual(['summary', 'roi', 'baseline', 'csat', 'nps', 'survey-trend', 'csat-distribution', 'intents', 'room-types', 'health']);
		for (const name of names) {
			expect(html).toContain(`data-table="${name}"`);
			expect(html).toContain(`data-export="value-${name}"`);
		}
		const csv = (name: string) => {
			const response = valueCsv(data, name, 'chats')!;
			expect(response).toMatchObject({ statusCode: 200, contentType: 'text/csv; charset=utf-8', filename: `chats-value-${name}.csv` });
			return response.body.replace(/^\uFEFF/, '').trim().split(/\r?\n/);
		};
		expect(valueCsv(data, 'nope', 'chats')).toBeUndefined();

		// Summary: the figures worked out above, as numbers.
		const summary = Object.fromEntries(csv('summary').slice(1).map((line) => [line.slice(0, line.lastIndexOf(',')).replace(/^"|"$/g, ''), line.slice(line.lastIndexOf(',') + 1)]));
		expect(summary).toEqual({
			'Contacts started': '7',
			'Contacts with a meaningful response': '7',
			'First meaningful response, average (s)': '117.1',
			'First meaningful response, median (s)': '40',
			'First meaningful response, p90 (s)': '600',
			'Chats resolved by the bot': '5',
			'Agent hours saved per month': '0.33',
			'Labour savings per year (USD)': '120',
			'Running costs per year (USD)': '1236',
			'ROI %': '-22.32',
			'CSAT surveys sent': '5',
			'CSAT answers': '4',
			'CSAT response rate %': '80',
			'CSAT average (1–5)': '3.5',
			'CSAT comments after a low score': '1',
			'NPS surveys sent': '1',
			'NPS answers': '1',
			'NPS response rate %': '100',
			'NPS (−100 to 100)': '100',
			'Outbound messages': '10',
			'Failed deliveries %': '10',
			'Model turns': '7',
			'LLM timeout rate %': '14.3',
			'LLM error rate %': '14.3',
		});
		expect(csv('csat')).toEqual([
			'group,sent,answered,response_rate_pct,average',
			'route: bot,4,3,75,4',
			'route: person,1,1,100,2',
			'intent: breakfast,2,2,100,4.5',
			'intent: complaint,1,1,100,2',
			'intent: parking,2,1,50,3',
		]);
		expect(csv('nps')).toEqual(['group,sent,answered,response_rate_pct,average,nps', 'route: bot,1,1,100,10,100', 'intent: breakfast,1,1,100,10,100']);
		expect(csv('survey-trend')).toEqual([
			'week,survey,sent,answered,average,nps',
			'2026-06-01,CSAT,1,1,5,',
			'2026-06-08,CSAT,1,1,2,',
			'2026-07-06,CSAT,2,1,4,',
			'2026-08-10,CSAT,1,1,3,',
			'2026-08-17,NPS,1,1,10,100',
		]);
		// Charts: inline SVG only, NPS answers per score among them.
		expect(html).toContain('data-chart="nps-distribution"');
		expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
	});

	it('answers 400 for an unknown Value table instead of another export', async () => {
		const query = { from: '2026-06-01', to: '2026-08-29', view: 'value', format: 'csv' };
		const response = await buildDashboardResponse(store, { ...query, table: '<nope>' }, { currency: 'USD', timeZone: 'UTC' });
		expect({ status: response.statusCode, type: response.contentType, file: response.filename }).toEqual({ status: 400, type: 'text/plain; charset=utf-8', file: undefined });
		expect(response.body).toContain('Unknown Value table');
		expect(response.body).toContain('survey-trend');
		const known = await buildDashboardResponse(store, { ...query, table: 'nps' }, { currency: 'USD', timeZone: 'UTC' });
		expect(known.statusCode).toBe(200);
	});

	it('exports the Chats view\'s top-intents table as CSV too', async () => {
		const query = { from: '2026-06-01', to: '2026-08-29' };
		const page = await buildDashboardResponse(store, query, { currency: 'USD', timeZone: 'UTC' });
		expect(page.body).toContain('data-export="intents-csv"');
		const response = await buildDashboardResponse(store, { ...query, format: 'csv', dataset: 'intents' }, { currency: 'USD', timeZone: 'UTC' });
		expect({ status: response.statusCode, type: response.contentType, file: response.filename }).toEqual({ status: 200, type: 'text/csv; charset=utf-8', file: 'intents-2026-06-01_2026-08-29.csv' });
		// Turns after go-live: breakfast C1 D1 E2 (3 of 7 = 42.9 %), complaint C2 C3 (both to a person), parking D2 E1.
		expect(parseCsv(response.body.replace(/^\uFEFF/, ''))).toEqual([
			['intent', 'turns', 'share_pct', 'to_a_person'],
			['breakfast', '3', '42.9', '0'],
			['complaint', '2', '28.6', '2'],
			['parking', '2', '28.6', '0'],
		]);
	});
});
