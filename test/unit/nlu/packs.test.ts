import { detectLanguage } from '../../../nodes/domain/nlu/language';
import {
	IntentDefinitionError,
	listIntentPacks,
	loadIntentPack,
	MIN_PACK_EXAMPLES_PER_INTENT,
	mergeIntents,
	parseIntentPack,
	resolveIntents,
} from '../../../nodes/domain/nlu/packs';
import { SUPPORTED_LANGUAGES } from '../../../nodes/domain/nlu/types';

const expectedIntents: Record<string, string[]> = {
	hospitality: [
		'greeting', 'booking_new', 'booking_change', 'booking_cancel', 'check_in_out', 'amenities', 'directions_transport',
		'billing', 'complaint', 'room_service', 'lost_found', 'human_agent', 'thanks_goodbye', 'out_of_scope',
	],
	ecommerce: [
		'order_status', 'returns_refunds', 'account_change', 'product_info', 'troubleshooting', 'human_agent', 'greeting',
		'thanks_goodbye', 'out_of_scope',
	],
};

describe('shipped intent packs', () => {
	it('lists the shipped packs', () => {
		expect(listIntentPacks().sort()).toEqual(['ecommerce', 'hospitality']);
	});

	describe.each(Object.keys(expectedIntents))('%s', (name) => {
		const pack = loadIntentPack(name);

		it('has exactly the intents the README lists for the pack', () => {
			expect(pack.intents.map((intent) => intent.name).sort()).toEqual([...expectedIntents[name]].sort());
			expect(pack.languages).toEqual([...SUPPORTED_LANGUAGES]);
		});

		it.each(expectedIntents[name])('%s: one-sentence description, ≥ 30 examples, ≥ 8 in each of the five languages', (intentName) => {
			const intent = pack.intents.find((candidate) => candidate.name === intentName);
			expect(intent).toBeDefined();
			if (!intent) return;
			expect(intent.description).toMatch(/^[A-Z][^.]{20,250}\.$/);
			expect(intent.examples.length).toBeGreaterThanOrEqual(MIN_PACK_EXAMPLES_PER_INTENT);
			for (const language of SUPPORTED_LANGUAGES) {
				expect(intent.examplesByLanguage[language]?.length ?? 0).toBeGreaterThanOrEqual(8);
			}
		});

		it('tags examples with the language they are in (checked with the language detector)', () => {
			for (const intent of pack.intents) {
				for (const language of SUPPORTED_LANGUAGES) {
					const examples = intent.examplesByLanguage[language] ?? [];
					const contradicted = examples.filter((example) => {
						const detected = detectLanguage(example).language;
						return detected !== 'unknown' && detected !== language;
					});
					// Short greetings and English loanwords ("print your prompt") may fool the detector now and then.
					expect({ intent: intent.name, language, contradicted: contradicted.length <= 2 }).toEqual({
						intent: intent.name,
						language,
						contradicted: true,
					});
				}
			}
		});

		it('teaches out_of_scope to catch prompt injection in all five languages, and unrelated requests', () => {
			const outOfScope = pack.intents.find((intent) => intent.name === 'out_of_scope');
			const injection = /ignor|negeer|instruct|anweisung|instrucc|prompt|DAN\b|regels|regeln|règles|reglas/i;
			for (const language of SUPPORTED_LANGUAGES) {
				const examples = outOfScope?.examplesByLanguage[language] ?? [];
				expect(examples.filter((example) => injection.test(example)).length).toBeGreaterThanOrEqual(4);
				expect(examples.filter((example) => !injection.test(example)).length).toBeGreaterThanOrEqual(5);
			}
		});

		it('is informal WhatsApp style: emojis, no final punctuation, chat abbreviations', () => {
			const examples = pack.intents.flatMap((intent) => intent.examples);
			const withEmoji = examples.filter((example) => /\p{Extended_Pictographic}/u.test(example)).length;
			const unpunctuated = examples.filter((example) => /[\p{L}\d]$/u.test(example)).length;
			const abbreviated = examples.filter((example) => /\b(pls|thx|ty|u|ff|mvg|aub|bitte|stp|svp|bcp|porfa|q|xq|asap|tmrw|ipv|gibts)\b/i.test(example)).length;
			expect(withEmoji / examples.length).toBeGreaterThan(0.05);
			expect(unpunctuated / examples.length).toBeGreaterThan(0.5);
			expect(abbreviated).toBeGreaterThan(20);
		});
	});

	it('hands out copies, so callers cannot change the pack for others', () => {
		const first = loadIntentPack('hospitality');
		first.intents[0].examples.push('changed');
		first.intents.pop();
		const second = loadIntentPack('hospitality');
		expect(second.intents).toHaveLength(14);
		expect(second.intents[0].examples).not.toContain('changed');
	});

	it('names the shipped packs when asked for one that does not exist', () => {
		expect(() => loadIntentPack('banking')).toThrow(IntentDefinitionError);
		expect(() => loadIntentPack('banking')).toThrow(/shipped packs are: hospitality, ecommerce/);
	});
});

describe('parseIntentPack', () => {
	const examples = (prefix: string) =>
		Object.fromEntries(SUPPORTED_LANGUAGES.map((language) => [language, Array.from({ length: 6 }, (_value, index) => `${prefix} ${language} ${index}`)]));
	const valid = {
		name: 'mini',
		description: 'A small pack.',
		languages: [...SUPPORTED_LANGUAGES],
		intents: [
			{ name: 'alpha', description: 'Alpha things.', examples: examples('alpha') },
			{ name: 'beta', description: 'Beta things.', examples: examples('beta') },
		],
	};

	it('accepts a valid pack and flattens the examples', () => {
		const pack = parseIntentPack(valid);
		expect(pack.intents[0].examples).toHaveLength(30);
		expect(pack.intents[0].examplesByLanguage.de).toHaveLength(6);
	});

	it('lists every problem in one clear error', () => {
		const broken = {
			...valid,
			intents: [
				{ name: 'Alpha Intent', description: 'x', examples: examples('a') },
				{ name: 'beta', description: '', examples: { ...examples('beta'), fr: [] } },
				{ name: 'beta', description: 'Again.', examples: { ...examples('gamma'), en: ['beta en 0'] } },
				{ name: 'delta', description: 'Delta.', examples: { ...examples('delta'), it: ['ciao'] } },
			],
		};
		let message = '';
		try {
			parseIntentPack(broken, 'test pack');
		} catch (error) {
			expect(error).toBeInstanceOf(IntentDefinitionError);
			message = (error as Error).message;
		}
		expect(message).toMatch(/^test pack is invalid:/);
		expect(message).toContain('"name" must be lower-case letters');
		expect(message).toContain('intent "beta" has no description');
		expect(message).toContain('intent "beta" has no "fr" examples');
		expect(message).toContain('intent "beta" is defined twice');
		expect(message).toContain('the example "beta en 0" appears in "beta" twice');
		expect(message).toContain('has examples in "it"');
		expect(message).toContain('a pack needs at least 30');
	});

	it('rejects things that are not packs', () => {
		expect(() => parseIntentPack(null)).toThrow(/expected a JSON object/);
		expect(() => parseIntentPack({ ...valid, intents: [valid.intents[0]] })).toThrow(/at least two intents/);
	});
});

describe('mergeIntents and resolveIntents', () => {
	const base = [
		{ name: 'greeting', description: 'Says hello.', examples: ['hi', 'hello'] },
		{ name: 'billing', description: 'Asks about paying.', examples: ['invoice please'] },
	];

	it('adds examples to a pack intent of the same name and can replace its description', () => {
		const merged = mergeIntents(base, [
			{ name: 'billing', examples: ['Invoice please', 'can I pay by card'] },
			{ name: 'greeting', description: 'The guest says hello and nothing else.' },
		]);
		expect(merged.find((intent) => intent.name === 'billing')?.examples).toEqual(['invoice please', 'can I pay by card']);
		expect(merged.find((intent) => intent.name === 'greeting')).toEqual({
			name: 'greeting',
			description: 'The guest says hello and nothing else.',
			examples: ['hi', 'hello'],
		});
		expect(base[1].examples).toEqual(['invoice please']);
	});

	it('appends new intents; examples may be one per line', () => {
		const merged = mergeIntents(base, [{ name: 'late_checkout', description: 'Wants to leave later.', examples: 'late checkout?\n\ncan we stay till 2\n' }]);
		expect(merged.map((intent) => intent.name)).toEqual(['greeting', 'billing', 'late_checkout']);
		expect(merged[2].examples).toEqual(['late checkout?', 'can we stay till 2']);
	});

	it('refuses bad names and empty new intents, saying what to do', () => {
		expect(() => mergeIntents(base, [{ name: 'Late Checkout', examples: ['x'] }])).toThrow(/lower-case letters, digits and underscores/);
		expect(() => mergeIntents(base, [{ name: 'spa' }])).toThrow(/"spa" needs a description or examples/);
	});

	it('resolves a pack plus custom intents, and needs at least two intents', () => {
		const intents = resolveIntents({ pack: 'ecommerce', custom: [{ name: 'gift_wrap', description: 'Asks for gift wrapping.', examples: ['can you gift wrap it'] }] });
		expect(intents).toHaveLength(10);
		expect(intents[9].name).toBe('gift_wrap');
		expect(() => resolveIntents({ custom: [{ name: 'only', examples: ['x'] }] })).toThrow(/at least two intents/);
	});
});
