import { asksForHuman, DEFAULT_ROUTER_SETTINGS, routeMessage } from '../../../nodes/domain/routing/rules';

const confident = { intent: 'amenities', confidence: 0.92, margin: 0.7, ranking: [{ intent: 'amenities', score: 0.92 }, { intent: 'billing', score: 0.22 }], sentiment: { label: 'neutral', score: 0 } };

describe('routeMessage', () => {
	it('automates a confident, calm, routine question', () => {
		expect(routeMessage({ text: 'Is there a pool?', nlu: confident })).toEqual({
			decision: 'automate',
			reasons: ['intent "amenities" with confidence 0.92'],
			rules: [],
		});
	});

	it('sends low confidence to a person', () => {
		const result = routeMessage({ nlu: { ...confident, confidence: 0.55, margin: 0.3, ranking: [{ intent: 'amenities', score: 0.55 }, { intent: 'billing', score: 0.25 }] } });
		expect(result).toMatchObject({ decision: 'human', rules: ['low_confidence'], reasons: ['confidence 0.55 below 0.70'] });
	});

	it('asks a clarifying question when low confidence is a near tie, if that option is on', () => {
		const ambiguous = { ...confident, confidence: 0.46, margin: 0.04, ranking: [{ intent: 'booking_change', score: 0.46 }, { intent: 'booking_cancel', score: 0.42 }, { intent: 'billing', score: 0.05 }] };
		const result = routeMessage({ nlu: ambiguous });
		expect(result.decision).toBe('clarify');
		expect(result.clarifyBetween?.map((entry) => entry.intent)).toEqual(['booking_change', 'booking_cancel']);
		expect(routeMessage({ nlu: ambiguous }, { ...DEFAULT_ROUTER_SETTINGS, clarifyWhenAmbiguous: false }).decision).toBe('human');
	});

	it('sends negative sentiment at or below the threshold to a person', () => {
		expect(routeMessage({ nlu: { ...confident, sentiment: { label: 'negative', score: -0.5 } } })).toMatchObject({ decision: 'human', rules: ['negative_sentiment'] });
		expect(routeMessage({ nlu: { ...confident, sentiment: { label: 'negative', score: -0.3 } } }).decision).toBe('automate');
	});

	it('always hands configured intents to a person, even when confident', () => {
		expect(routeMessage({ nlu: { ...confident, intent: 'complaint' } })).toMatchObject({ decision: 'human', rules: ['always_human_intent'] });
		expect(routeMessage({ nlu: { ...confident, intent: 'billing' } }, { ...DEFAULT_ROUTER_SETTINGS, alwaysHumanIntents: ['billing'] }).decision).toBe('human');
	});

	it('hands over after N unanswered turns in a row', () => {
		expect(routeMessage({ nlu: confident, unansweredTurns: 2 })).toMatchObject({ decision: 'human', rules: ['unanswered_turns'] });
		expect(routeMessage({ nlu: confident, unansweredTurns: 1 }).decision).toBe('automate');
		expect(routeMessage({ nlu: confident, unansweredTurns: 9 }, { ...DEFAULT_ROUTER_SETTINGS, maxUnansweredTurns: 0 }).decision).toBe('automate');
	});

	it('collects every reason that fired', () => {
		const result = routeMessage({ text: 'I want to speak to a manager NOW', nlu: { ...confident, intent: 'complaint', sentiment: { label: 'negative', score: -0.9 } } });
		expect(result.rules).toEqual(['always_human_intent', 'human_requested', 'negative_sentiment']);
		expect(result.reasons).toHaveLength(3);
	});

	it('refuses to automate an item without classification', () => {
		expect(routeMessage({ text: 'hello' })).toMatchObject({ decision: 'human', rules: ['no_nlu'] });
	});
});

describe('asksForHuman', () => {
	it.each([
		'human please',
		'can I talk to a real person?',
		'I want to speak with someone',
		'ik wil een medewerker spreken',
		'kan ik met een mens praten',
		'Ich möchte mit einem Mitarbeiter sprechen',
		'bitte eine echte Person',
		'je voudrais parler à un conseiller',
		'un humain svp',
		'quiero hablar con una persona',
		'pásame con un agente',
	])('"%s" asks for a person', (text) => expect(asksForHuman(text)).toBe(true));

	it.each([
		'Is the room for one person?',
		'een kamer voor een persoon graag',
		'Einzelzimmer für eine Person',
		'chambre pour une personne',
		'habitación para una persona',
		'what time is breakfast',
	])('"%s" does not', (text) => expect(asksForHuman(text)).toBe(false));
});

describe('routeMessage: clarify done right', () => {
	const tie = (first: string, second: string, extra: Record<string, unknown> = {}) => ({
		...confident,
		intent: first,
		confidence: 0.3,
		margin: 0.02,
		ranking: [{ intent: first, score: 0.3 }, { intent: second, score: 0.28 }],
		...extra,
	});

	it('offers two answerable intents with their titles in the guest\'s language', () => {
		const result = routeMessage({ text: 'kamer en rekening', nlu: tie('room_service', 'billing', { language: 'nl' }) });
		expect(result.decision).toBe('clarify');
		expect(result.clarifyBetween).toEqual([
			{ intent: 'room_service', score: 0.3, title: 'Roomservice' },
			{ intent: 'billing', score: 0.28, title: 'Rekening & betalen' },
		]);
	});

	it.each(['out_of_scope', 'greeting', 'thanks_goodbye', 'human_agent'])('never offers %s: a tie with it goes to a person', (intent) => {
		expect(routeMessage({ text: 'Yes, I confirm', nlu: tie('billing', intent) })).toMatchObject({ decision: 'human', rules: ['not_clarifiable'] });
		const first = routeMessage({ text: 'Yes, I confirm', nlu: tie(intent, 'billing') });
		expect(first.decision).toBe('human');
		expect(first.clarifyBetween).toBeUndefined();
	});

	it('never offers an Always Human intent, and honours its own list', () => {
		expect(routeMessage({ text: 'x', nlu: tie('complaint', 'billing') }).decision).toBe('human');
		const settings = { ...DEFAULT_ROUTER_SETTINGS, neverClarifyIntents: ['billing'] };
		expect(routeMessage({ text: 'x', nlu: tie('amenities', 'billing') }, settings)).toMatchObject({ decision: 'human', rules: ['not_clarifiable'] });
		expect(routeMessage({ text: 'x', nlu: tie('amenities', 'greeting') }, settings).decision).toBe('clarify');
	});

	it('never asks about a message without text', () => {
		expect(routeMessage({ text: '', nlu: tie('amenities', 'billing') })).toMatchObject({ decision: 'human', rules: ['no_text'] });
		expect(routeMessage({ nlu: tie('amenities', 'billing', { source: 'no_text' }) })).toMatchObject({ decision: 'human', rules: ['no_text'] });
	});
});
