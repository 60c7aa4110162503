import {
	countryFromPhoneNumber,
	countryFromUserId,
	csvCell,
	DEFAULT_MODEL_PRICES,
	DEFAULT_RATE_CARD,
	findRate,
	logCosts,
	marketOf,
	parseCsv,
	priceLlmUsage,
	priceWhatsAppStatus,
	RateCardError,
	resolveModelPrices,
	resolveRateCard,
	toCsv,
} from '../../../nodes/domain/costs';
import { conversationIdOf, type ConversationRef } from '../../../nodes/domain/envelope';
import { closeAllSupportStores, openSupportStore, type SupportStore } from '../../../nodes/domain/store';
import { storeBackendFixtures } from '../../helpers/store-backends';
import { sqlOf } from '../../helpers/store-sql';

const delivered = (recipientId: string, category: string, type = 'regular', status = 'delivered') => ({
	messageId: `wamid.${recipientId}.${category}.${type}`,
	status,
	recipientId,
	pricing: { pricingModel: 'PMP', category, type },
});

describe('country from the recipient number', () => {
	it.each([
		['31612345678', 'NL'],
		['4915112345678', 'DE'],
		['34600111222', 'ES'],
		['33612345678', 'FR'],
		['447700900123', 'GB'],
		['393471234567', 'IT'],
		['919812345678', 'IN'],
		['5511987654321', 'BR'],
		['5215512345678', 'MX'],
		['6281234567890', 'ID'],
		['+1 (212) 555-0100', 'US'],
		['14165550100', 'CA'],
		['18765550100', 'JM'],
		['17875550100', 'PR'],
		['79161234567', 'RU'],
		['77011234567', 'KZ'],
		['35312345678', 'IE'],
		['0031612345678', 'NL'],
		['971501234567', 'AE'],
		['27821234567', 'ZA'],
	])('%s → %s', (number, country) => {
		expect(countryFromPhoneNumber(number)).toBe(country);
	});

	it('gives nothing for short or unassigned numbers, and reads the country of a business-scoped user id', () => {
		expect(countryFromPhoneNumber('12345')).toBeUndefined();
		expect(countryFromPhoneNumber('8881234567')).toBeUndefined();
		expect(countryFromPhoneNumber(undefined)).toBeUndefined();
		expect(countryFromUserId('NL.1234567890')).toBe('NL');
		expect(countryFromUserId('1234567890')).toBeUndefined();
	});
});

describe('the shipped rate card', () => {
	it('is dated, says where it comes from, and covers the 20 largest markets in USD and EUR', () => {
		expect(DEFAULT_RATE_CARD.effectiveFrom).toMatch(/^\d{4}-\d{2}-\d{2}$/);
		expect(DEFAULT_RATE_CARD.source).toMatch(/Meta/);
		const countries = ['NL', 'DE', 'ES', 'FR', 'GB', 'IT', 'IN', 'BR', 'MX', 'ID', 'US', 'RU', 'TR', 'AR', 'CO', 'PK', 'NG', 'EG', 'SA', 'ZA', 'MY', 'AE'];
		for (const country of countries) {
			const market = DEFAULT_RATE_CARD.markets[marketOf(DEFAULT_RATE_CARD, country)];
			expect(market.countries).toContain(country);
			for (const currency of ['USD', 'EUR']) {
				for (const category of ['marketing', 'utility', 'authentication']) expect(market.rates[currency][category]).toBeGreaterThan(0);
			}
		}
		expect(marketOf(DEFAULT_RATE_CARD, 'AQ')).toBe('other');
		expect(marketOf(DEFAULT_RATE_CARD, undefined)).toBe('other');
		// Marketing costs more than utility everywhere.
		for (const market of Object.values(DEFAULT_RATE_CARD.markets)) expect(market.rates.USD.marketing).toBeGreaterThan(market.rates.USD.utility);
	});
});

describe('WhatsApp cost of a status', () => {
	const card = DEFAULT_RATE_CARD;

	it.each([
		['31612345678', 'marketing', 'USD', 0.1597],
		['31612345678', 'utility', 'USD', 0.05],
		['31612345678', 'authentication', 'USD', 0.05],
		['31612345678', 'marketing', 'EUR', 0.1323],
		['4915112345678', 'marketing', 'USD', 0.1365],
		['4915112345678', 'marketing', 'EUR', 0.1131],
		['4915112345678', 'utility', 'EUR', 0.0456],
		['919812345678', 'marketing', 'USD', 0.0107],
		['919812345678', 'authentication_international', 'USD', 0.028],
		['6281234567890', 'authentication-international', 'USD', 0.136],
		['34600111222', 'authentication_international', 'USD', 0.02],
		['14165550100', 'marketing', 'USD', 0.025],
		['4369912345678', 'utility', 'USD', 0.0171],
		['672123456', 'marketing', 'USD', 0.0604],
		['31612345678', 'marketing_lite', 'USD', 0.1597],
	])('%s %s in %s costs %d', (number, category, currency, amount) => {
		const price = priceWhatsAppStatus(delivered(number, category), card, currency);
		expect(price).toMatchObject({ recordable: true, free: false, rateFound: true, currency });
		expect(price.amount).toBe(amount);
	});

	it('is free for free pricing types and service, whatever the category', () => {
		for (const [category, type] of [
			['service', 'free_customer_service'],
			['utility', 'free_customer_service'],
			['marketing', 'free_entry_point'],
			['service', 'regular'],
			['referral_conversion', 'regular'],
		]) {
			const price = priceWhatsAppStatus(delivered('31612345678', category, type), card, 'USD');
			expect([category, type, price.recordable, price.free, price.amount]).toEqual([category, type, true, true, 0]);
		}
		// The deprecated `billable: false`, when nothing else says so, means free too.
		const legacy = priceWhatsAppStatus({ messageId: 'm', status: 'delivered', recipientId: '31612345678', pricing: { category: 'utility', billable: false } }, card, 'USD');
		expect(legacy).toMatchObject({ free: true, amount: 0 });
	});

	it('charges on delivery: sent, failed and statuses without pricing record nothing', () => {
		expect(priceWhatsAppStatus(delivered('31612345678', 'marketing', 'regular', 'sent'), card, 'USD')).toMatchObject({ recordable: false, reason: 'not_delivered_yet' });
		expect(priceWhatsAppStatus(delivered('31612345678', 'marketing', 'regular', 'failed'), card, 'USD')).toMatchObject({ recordable: false, reason: 'failed' });
		expect(priceWhatsAppStatus({ messageId: 'm', status: 'delivered', recipientId: '31612345678' }, card, 'USD')).toMatchObject({ recordable: false, reason: 'no_pricing' });
		for (const status of ['delivered', 'read', 'played']) {
			expect(priceWhatsAppStatus(delivered('31612345678', 'marketing', 'regular', status), card, 'USD').recordable).toBe(true);
		}
	});

	it('keys a message on its id, and an old per-conversation (CBP) charge on the conversation', () => {
		expect(priceWhatsAppStatus(delivered('31612345678', 'marketing'), card, 'USD').sourceKey).toBe('wamid.31612345678.marketing.regular');
		const cbp = priceWhatsAppStatus(
			{ messageId: 'wamid.x', status: 'delivered', recipientId: '31612345678', conversation: { id: 'conv-1' }, pricing: { pricingModel: 'CBP', category: 'marketing' } },
			card,
			'USD',
		);
		expect(cbp.sourceKey).toBe('cbp:conv-1');
	});

	it('takes the country from a user id when the status has no number, else the rest-of-world rate', () => {
		const byUserId = priceWhatsAppStatus({ messageId: 'm', status: 'delivered', recipientUserId: 'DE.99887766', pricing: { category: 'marketing', type: 'regular' } }, card, 'USD');
		expect(byUserId).toMatchObject({ country: 'DE', amount: 0.1365 });
		const unknown = priceWhatsAppStatus({ messageId: 'm', status: 'delivered', pricing: { category: 'marketing', type: 'regular' } }, card, 'USD');
		expect(unknown).toMatchObject({ country: null, market: 'other', amount: 0.0604 });
	});

	it('reports a category the card has no rate for instead of guessing', () => {
		const price = priceWhatsAppStatus(delivered('31612345678', 'brand_new_category'), card, 'USD');
		expect(price).toMatchObject({ recordable: true, amount: 0, rateFound: false });
	});
});

describe('rate card override', () => {
	it('changes one rate and keeps the rest', () => {
		const card = resolveRateCard('{"effectiveFrom":"2026-10-01","markets":{"NL":{"rates":{"EUR":{"marketing":0.2}}}}}');
		expect(card.effectiveFrom).toBe('2026-10-01');
		expect(findRate(card, 'NL', 'marketing', 'EUR').amount).toBe(0.2);
		expect(findRate(card, 'NL', 'utility', 'EUR').amount).toBe(0.0414);
		expect(findRate(card, 'NL', 'marketing', 'USD').amount).toBe(0.1597);
		expect(findRate(DEFAULT_RATE_CARD, 'NL', 'marketing', 'EUR').amount).toBe(0.1323);
	});

	it('adds a market for a country, taking it out of its region', () => {
		const card = resolveRateCard({ markets: { AT: { name: 'Austria', countries: ['at'], rates: { USD: { marketing: 0.09, utility: 0.02, authentication: 0.02 } } } } });
		expect(marketOf(card, 'AT')).toBe('AT');
		expect(card.markets.rest_of_western_europe.countries).not.toContain('AT');
		expect(priceWhatsAppStatus(delivered('4369912345678', 'marketing'), card, 'USD').amount).toBe(0.09);
	});

	it('changes the rest-of-world rate and the exchange rate', () => {
		const card = resolveRateCard({ markets: { other: { rates: { USD: { marketing: 0.07 } } } }, exchangeRates: { EUR: 0.9 } });
		expect(findRate(card, undefined, 'marketing', 'USD').amount).toBe(0.07);
		expect(card.exchangeRates.EUR).toBe(0.9);
	});

	it.each([
		['{not json', /not valid JSON/],
		['[1,2]', /must be a JSON object/],
		['{"markets":{"NL":{"rates":{"USD":{"marketing":-1}}}}}', /not a non-negative number/],
		['{"markets":{"XX":{"rates":{}}}}', /needs "countries"/],
		['{"fallbackMarket":"mars"}', /fallback market/],
	])('refuses %s with a hint', (override, message) => {
		let error: unknown;
		try {
			resolveRateCard(override);
		} catch (caught) {
			error = caught;
		}
		expect(error).toBeInstanceOf(RateCardError);
		expect((error as RateCardError).message).toMatch(message);
		expect((error as RateCardError).hint).toMatch(/JSON object/);
	});

	it('treats an empty override as none', () => {
		expect(resolveRateCard('')).toBe(DEFAULT_RATE_CARD);
		expect(resolveRateCard('{}')).toBe(DEFAULT_RATE_CARD);
	});
});

describe('LLM cost', () => {
	it.each([
		['gpt-4.1-mini', 1000, 200, (1000 * 0.4 + 200 * 1.6) / 1e6],
		['gpt-4.1-mini-2025-04-14', 1000, 200, (1000 * 0.4 + 200 * 1.6) / 1e6],
		['gpt-4.1', 1000, 200, (1000 * 2 + 200 * 8) / 1e6],
		['gpt-4o-mini', 10_000, 500, (10_000 * 0.15 + 500 * 0.6) / 1e6],
		['openai/gpt-4o', 1_000_000, 0, 2.5],
		['claude-sonnet-4-5-20250929', 2000, 300, (2000 * 3 + 300 * 15) / 1e6],
		['claude-haiku-4-5', 300, 20, (300 * 1 + 20 * 5) / 1e6],
		['mistral-small-latest', 5000, 1000, (5000 * 0.1 + 1000 * 0.3) / 1e6],
		['llama3.1:8b', 5000, 1000, 0],
		['qwen2.5:7b-instruct', 5000, 1000, 0],
	])('%s: %d in, %d out', (model, inputTokens, outputTokens, expected) => {
		const price = priceLlmUsage({ model, inputTokens, outputTokens }, DEFAULT_MODEL_PRICES);
		expect(price.priced).toBe(true);
		expect(price.amountUsd).toBeCloseTo(expected, 12);
	});

	it('flags a model it has no price for, and takes the user’s prices', () => {
		expect(priceLlmUsage({ model: 'my-finetune', inputTokens: 100, outputTokens: 100 }, DEFAULT_MODEL_PRICES)).toMatchObject({ priced: false, amountUsd: 0 });
		const table = resolveModelPrices('{"my-finetune":{"input":10,"output":20},"gpt-4.1-mini":{"input":0.2,"output":0.8}}');
		expect(priceLlmUsage({ model: 'My-Finetune', inputTokens: 1000, outputTokens: 1000 }, table).amountUsd).toBeCloseTo(0.03, 12);
		expect(priceLlmUsage({ model: 'gpt-4.1-mini', inputTokens: 1000, outputTokens: 200 }, table).amountUsd).toBeCloseTo(0.00036, 12);
		expect(() => resolveModelPrices('{"x":{"input":"cheap"}}')).toThrow(/non-negative numbers/);
	});
});

describe('CSV', () => {
	it('quotes, doubles quotes, keeps line breaks and defuses formulas', () => {
		expect(csvCell('plain')).toBe('plain');
		expect(csvCell('a,b')).toBe('"a,b"');
		expect(csvCell('say "hi"')).toBe('"say ""hi"""');
		expect(csvCell('two\nlines')).toBe('"two\nlines"');
		for (const formula of ['=1+1', '+31612345678', '-2', '@SUM(A1)', '\tx']) expect(csvCell(formula).replace(/^"/, '')).toMatch(/^'/);
		expect(csvCell(-0.5)).toBe('-0.5');
		expect(csvCell(null)).toBe('');
		const csv = toCsv([{ name: '=HYPERLINK("x")', note: 'a\r\nb', n: 3 }], ['name', 'note', 'n'], { bom: true });
		expect(csv.startsWith('\uFEFFname,note,n\r\n')).toBe(true);
		expect(parseCsv(csv)).toEqual([
			['name', 'note', 'n'],
			['\'=HYPERLINK("x")', 'a\r\nb', '3'],
		]);
	});
});

describe.each(storeBackendFixtures())('logging costs in the store ($name)', (backend) => {
	let store: SupportStore;
	const guest: ConversationRef = { channel: 'whatsapp', phoneNumberId: '1065000000001', customer: { waId: '31612345678', name: 'Anna' } };
	const log = async (item: Record<string, unknown>, currency = 'USD') =>
		await logCosts({ store, item, currency, rateCard: DEFAULT_RATE_CARD, modelPrices: DEFAULT_MODEL_PRICES, turn: { record: true, assistant: 'Hotel bot' }, fallbackKey: 'exec-1:0' });

	beforeAll(async () => {
		store = await openSupportStore(await backend.create());
		await store.upsertConversation(guest);
	});
	afterAll(async () => {
		await closeAllSupportStores();
		await backend.cleanup();
	});

	it('charges a message once, however many status webhooks carry its pricing, even at the same moment', async () => {
		const status = (state: string) => ({
			conversation: guest,
			status: { messageId: 'wamid.dup', status: state, timestamp: '2026-11-20T10:00:00.000Z', recipientId: '31612345678', pricing: { pricingModel: 'PMP', category: 'marketing', type: 'regular' }, callbackData: conversationIdOf(guest) },
		});
		const sent = await log(status('sent'));
		expect(sent.whatsapp).toMatchObject({ charged: false, reason: 'not_delivered_yet', amount: 0 });
		const results = await Promise.all([log(status('delivered')), log(status('delivered')), log(status('read')), log(status('delivered'))]);
		expect(results.filter((result) => result.whatsapp?.charged)).toHaveLength(1);
		expect(results.find((result) => result.whatsapp?.charged)?.whatsapp).toMatchObject({ amount: 0.1597, country: 'NL', category: 'marketing', pricingType: 'regular', conversationId: conversationIdOf(guest) });
		expect(results.filter((result) => !result.whatsapp?.charged).map((result) => result.whatsapp?.reason)).toEqual(['already_charged', 'already_charged', 'already_charged']);
		const rows = await sqlOf(store).query<{ amount: string; conversation_id: string }>(`SELECT amount::text, conversation_id FROM costs WHERE source_key = 'wamid.dup'`);
		expect(rows).toEqual([{ amount: '0.159700', conversation_id: conversationIdOf(guest) }]);
	});

	it('records a free message at 0 once, and creates the conversation of a status for an unknown recipient', async () => {
		const free = { conversation: guest, status: { messageId: 'wamid.free', status: 'delivered', recipientId: '31612345678', pricing: { category: 'service', type: 'free_customer_service' } } };
		expect((await log(free)).whatsapp).toMatchObject({ charged: true, free: true, amount: 0 });
		expect((await log(free)).whatsapp).toMatchObject({ charged: false, reason: 'already_charged' });
		const stranger: ConversationRef = { channel: 'whatsapp', phoneNumberId: '1065000000001', customer: { waId: '5511987654321' } };
		const template = await log({ conversation: stranger, status: { messageId: 'wamid.br', status: 'delivered', recipientId: '5511987654321', pricing: { category: 'utility', type: 'regular' } } }, 'EUR');
		expect(template.whatsapp).toMatchObject({ charged: true, amount: 0.0056, currency: 'EUR', country: 'BR', conversationId: conversationIdOf(stranger) });
		expect(await store.getConversation(conversationIdOf(stranger))).toBeDefined();
	});

	it('records LLM tokens once per message and the turn, in EUR through the card’s exchange rate', async () => {
		const item = {
			conversation: guest,
			message: { id: 'wamid.q1', type: 'text', text: 'Is breakfast included?', timestamp: '2026-11-20T08:00:00.000Z' },
			nlu: { intent: 'breakfast', confidence: 0.91, language: 'en', usage: { inputTokens: 500, outputTokens: 10, model: 'gpt-4.1-nano' } },
			route: { decision: 'automate' },
			reply: { text: 'Yes', source: 'llm', usage: { inputTokens: 1000, outputTokens: 200, model: 'gpt-4.1-mini' } },
		};
		const first = await log(item, 'EUR');
		const replyUsd = (1000 * 0.4 + 200 * 1.6) / 1e6;
		const nluUsd = (500 * 0.1 + 10 * 0.4) / 1e6;
		expect(first.llm?.calls.map((call) => [call.source, call.model, call.charged])).toEqual([
			['reply', 'gpt-4.1-mini', true],
			['nlu', 'gpt-4.1-nano', true],
		]);
		// Each call is stored at the costs table's 6 decimals: 0.00072 × 0.8286 → 0.000597, 0.000054 × 0.8286 → 0.000045.
		expect(replyUsd * 0.8286).toBeCloseTo(0.000597, 6);
		expect(nluUsd * 0.8286).toBeCloseTo(0.000045, 6);
		expect(first.llm?.amount).toBeCloseTo(0.000642, 9);
		expect(first.total).toBe(first.llm?.amount);
		const again = await log(item, 'EUR');
		expect(again.llm).toMatchObject({ amount: 0, charged: false });
		const [turn] = await sqlOf(store).query<Record<string, unknown>>(`SELECT intent, route, answered, human, assistant, reply_source FROM turns WHERE message_id = 'wamid.q1'`);
		expect(turn).toEqual({ intent: 'breakfast', route: 'automate', answered: true, human: false, assistant: 'Hotel bot', reply_source: 'llm' });
	});

	it('warns about an unpriced model and refuses an item that is neither a status nor an envelope', async () => {
		const unpriced = await log({ conversation: guest, message: { id: 'wamid.q2', type: 'text' }, reply: { text: 'x', usage: { inputTokens: 5, outputTokens: 5, model: 'mystery-model' } } });
		expect(unpriced.warnings).toEqual(['No price for model "mystery-model": recorded as 0. Add it to Model Prices.']);
		await expect(log({ hello: 'world' })).rejects.toThrow(/neither a WhatsApp status nor a message envelope/);
	});
});
