import { classifyMessage, resolveIntents } from '../../../nodes/domain/nlu';
import { classifyPastGreeting, isBareGreeting, splitLeadingGreeting } from '../../../nodes/domain/nlu/greeting-clause';

describe('splitLeadingGreeting', () => {
	it.each([
		['hi, what time is breakfast?', 'what time is breakfast?'],
		['Hallo, hoe laat is het ontbijt?', 'hoe laat is het ontbijt?'],
		['Guten Morgen! Wann gibt es Frühstück?', 'Wann gibt es Frühstück?'],
		['Bonjour, à quelle heure est le check-out ?', 'à quelle heure est le check-out ?'],
		['Hola 👋 ¿a qué hora es el desayuno?', '¿a qué hora es el desayuno?'],
		['hi there - is parking free?', 'is parking free?'],
		['Buenos días, ¿tienen parking?', '¿tienen parking?'],
	])('splits "%s"', (text, rest) => {
		expect(splitLeadingGreeting(text)?.rest).toBe(rest);
	});

	it('leaves messages without a leading greeting, or with nothing after it, alone', () => {
		expect(splitLeadingGreeting('what time is breakfast?')).toBeUndefined();
		expect(splitLeadingGreeting('hiking trails nearby?')).toBeUndefined();
		expect(splitLeadingGreeting('Hallo!')).toBeUndefined();
		expect(splitLeadingGreeting('bonjour 😊')).toBeUndefined();
	});

	it('knows a bare greeting', () => {
		expect(isBareGreeting('Hallo!')).toBe(true);
		expect(isBareGreeting('buenos días 👋')).toBe(true);
		expect(isBareGreeting('hi, what time is breakfast?')).toBe(false);
		expect(isBareGreeting('hilton hotel')).toBe(false);
	});
});

describe('classifyPastGreeting', () => {
	const intents = resolveIntents({ pack: 'hospitality', custom: [] });
	const classify = async (text: string) => await classifyMessage(text, { mode: 'embedded', intents, languageHint: 'en' });

	it('classifies the question behind the greeting, in every language', async () => {
		for (const [text, intent] of [
			['hi, what time is check-out?', 'check_in_out'],
			['Hallo, hoe laat moet ik uitchecken?', 'check_in_out'],
			['Bonjour, à quelle heure est le check-out ?', 'check_in_out'],
			['Guten Tag, gibt es einen Parkplatz am Hotel?', 'amenities'],
			['Hola, ¿puedo cancelar mi reserva?', 'booking_cancel'],
		]) {
			const result = await classifyPastGreeting(text, classify);
			expect({ text, intent: result.intent, greeting: Boolean(result.greeting) }).toEqual({ text, intent, greeting: true });
		}
	});

	it('keeps the whole message\'s classification when only a greeting is left ("hello, anyone there?")', async () => {
		const result = await classifyPastGreeting('hello, anyone there?', classify);
		expect(result.intent).toBe('greeting');
		expect(result.greeting).toBeUndefined();
	});
});
