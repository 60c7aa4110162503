import { extractFeatures, conceptsOf, hashString } from '../../../nodes/domain/nlu/features';
import { detectLanguage } from '../../../nodes/domain/nlu/language';
import { ABBREVIATIONS_BY_LANGUAGE, foldAccents, normalizeText, replaceEmojis } from '../../../nodes/domain/nlu/text-normalization';

describe('normalizeText', () => {
	it('lower-cases, folds accents and squashes repeated letters', () => {
		expect(normalizeText('Crème BRÛLÉE Straße').tokens).toEqual(['creme', 'brulee', 'strasse']);
		expect(normalizeText('pleeeeease heyyyyy').tokens).toEqual(['pleease', 'heyy']);
		expect(foldAccents('Ñandú Øre Œuvre')).toBe('nandu ore oeuvre');
	});

	it('turns emojis and emoticons into meaning tokens', () => {
		expect(normalizeText('thanks 🙏 great stay 😍😍 :)').tokens).toEqual(['thanks', ':pray:', 'great', 'stay', ':love:', ':love:', ':smile:']);
		expect(normalizeText('angry 😡 sad :( skin tone 👍🏽').tokens).toEqual(['angry', ':angry:', 'sad', ':sad:', 'skin', 'tone', ':thumbsup:']);
		expect(normalizeText('🦄').tokens).toEqual([':emoji:']);
		expect(replaceEmojis('ok ❤️')).toContain(':heart:');
	});

	it('masks numbers, times, dates, money, URLs and e-mail addresses', () => {
		expect(normalizeText('order #45821 arrives 12/05 at 10:30, paid €49,90').tokens).toEqual([
			'order', ':ref:', 'arrives', ':date:', 'at', ':time:', 'paid', ':money:',
		]);
		// A reference (four digits or more) is told apart from a count.
		expect(normalizeText('3 nights for 2, booking 8812').tokens).toEqual([':num:', 'nights', 'for', ':num:', 'booking', ':ref:']);
		expect(normalizeText('see https://example.com/x?y=1 or mail anna@example.org').tokens).toEqual(['see', ':url:', 'or', 'mail', ':email:']);
	});

	it('expands chat abbreviations in all five languages and reads laughter', () => {
		expect(normalizeText('pls thx').tokens).toEqual(['please', 'thanks']);
		expect(normalizeText('ff checken mvg').tokens).toEqual(['even', 'checken', 'met', 'vriendelijke', 'groet']);
		expect(normalizeText('merci bcp stp').tokens).toEqual(['merci', 'beaucoup', 's', 'il', 'te', 'plait']);
		expect(normalizeText('xq no porfa').tokens).toEqual(['porque', 'no', 'por', 'favor']);
		expect(normalizeText('hahaha jajaja mdr').tokens).toEqual([':laugh:', ':laugh:', ':laugh:']);
	});

	it('keeps English n\'t attached and splits French elisions', () => {
		expect(normalizeText("don't can't").tokens).toEqual(['dont', 'cant']);
		expect(normalizeText("l'hôtel c'est").tokens).toEqual(['l', 'hotel', 'c', 'est']);
	});

	it('reports questions and exclamations', () => {
		expect(normalizeText('¿qué?')).toMatchObject({ question: true, exclamations: 0 });
		expect(normalizeText('wow!!!')).toMatchObject({ question: false, exclamations: 3 });
	});
});

describe('features', () => {
	it('hashes deterministically (FNV-1a) and keeps seeds apart', () => {
		expect(hashString('')).toBe(0x811c9dc5);
		expect(hashString('a')).toBe(0xe40c292c);
		expect(hashString('a', 1)).not.toBe(hashString('a'));
	});

	it('finds the concepts of words across languages, in compounds too', () => {
		for (const word of ['towels', 'handdoeken', 'handtucher', 'serviettes', 'toallas']) expect(conceptsOf(word)).toContain('linen');
		expect(conceptsOf('familienzimmer')).toContain('room');
		expect(conceptsOf('xyzzy')).toEqual([]);
	});

	it('produces an L2-normalised sparse vector, the same for the same text', () => {
		const first = extractFeatures('Can I get extra towels pls?');
		const second = extractFeatures('Can I get extra towels pls?');
		expect(Array.from(first.ids)).toEqual(Array.from(second.ids));
		const norm = Math.sqrt(Array.from(first.values).reduce((sum, value) => sum + value * value, 0));
		expect(norm).toBeCloseTo(1, 5);
		expect(new Set(first.ids).size).toBe(first.ids.length);
		expect(extractFeatures('').ids.length).toBe(0);
	});

	it('shares most character n-grams between a word and its typo', () => {
		const correct = new Set(extractFeatures('reservation').ids);
		const typo = extractFeatures('resrvation').ids;
		const shared = Array.from(typo).filter((id) => correct.has(id)).length;
		expect(shared / typo.length).toBeGreaterThan(0.5);
	});
});

describe('abbreviation table by language', () => {
	// Each block expands to words of its own language: a Spanish "porque" in the French block would teach the
	// classifier Spanish features for French messages.
	it.each(['fr', 'es'] as const)('the %s block expands only to words of that language', (language) => {
		const others = (['en', 'nl', 'de', 'fr', 'es'] as const).filter((other) => other !== language);
		for (const [abbreviation, expansion] of Object.entries(ABBREVIATIONS_BY_LANGUAGE[language])) {
			const detected = detectLanguage(expansion, { hint: null, minConfidence: 0.7 }).language;
			expect({ abbreviation, expansion, foreign: (others as readonly string[]).includes(detected) ? detected : null }).toEqual({ abbreviation, expansion, foreign: null });
		}
		expect(Object.keys(ABBREVIATIONS_BY_LANGUAGE.fr)).not.toContain('pq');
		expect(ABBREVIATIONS_BY_LANGUAGE.es.pq).toBe('porque');
	});

	it('has no abbreviation in two language blocks', () => {
		const keys = Object.values(ABBREVIATIONS_BY_LANGUAGE).flatMap((block) => Object.keys(block));
		expect(new Set(keys).size).toBe(keys.length);
	});
});
