import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectLanguage } from '../../../nodes/domain/nlu/language';
import { listIntentPacks, loadIntentPack } from '../../../nodes/domain/nlu/packs';
import { SUPPORTED_LANGUAGES } from '../../../nodes/domain/nlu/types';

describe('detectLanguage', () => {
	// Written for this test; the detector's own corpus is nodes/domain/nlu/data/language-profiles.json.
	const matrix: Record<string, string[]> = {
		en: ['thanks mate', 'where is my parcel', 'can we check in early tomorrow?', 'The shower is broken and nobody came to fix it.'],
		nl: ['hoi', 'dank je wel', 'waar blijft mijn pakketje', 'kunnen we morgen vroeg inchecken?', 'De douche is kapot en er is niemand gekomen.'],
		de: ['danke!!', 'tschüss', 'wo bleibt mein Paket', 'können wir morgen früher einchecken?', 'Die Dusche ist kaputt und keiner kam vorbei.'],
		fr: ['merci bcp', 'bonjour', 'où est mon colis', 'on peut arriver plus tôt demain ?', "La douche est cassée et personne n'est venu."],
		es: ['gracias 🙏', 'hola', 'dónde está mi paquete', 'podemos hacer el check in antes mañana?', 'La ducha está rota y no ha venido nadie.'],
	};
	const cases = Object.entries(matrix).flatMap(([language, texts]) => texts.map((text) => [text, language] as const));

	it.each(cases)('%s → %s', (text, language) => {
		const result = detectLanguage(text);
		expect(result.language).toBe(language);
		expect(result.confidence).toBeGreaterThanOrEqual(0.6);
		expect(result.ranking[0].language).toBe(language);
	});

	it.each(['ok', '👍', '123', '', '?!', 'super'])('says unknown for "%s" (too short or ambiguous)', (text) => {
		expect(detectLanguage(text)).toMatchObject({ language: 'unknown', confidence: 0 });
	});

	it('uses a hint for ambiguous messages and for messages without any evidence', () => {
		expect(detectLanguage('👍', { hint: 'nl' }).language).toBe('nl');
		expect(detectLanguage('ok', { hint: 'de' }).language).toBe('de');
		expect(detectLanguage('super', { hint: 'fr' }).language).toBe('fr');
		// A hint does not override clear evidence.
		expect(detectLanguage('muchas gracias por todo', { hint: 'de' }).language).toBe('es');
		// Invalid hints are ignored.
		expect(detectLanguage('👍', { hint: 'xx' }).language).toBe('unknown');
	});

	it('ranks all five languages with posteriors summing to one', () => {
		const { ranking } = detectLanguage('bedankt voor de snelle hulp');
		expect(ranking.map((entry) => entry.language).sort()).toEqual([...SUPPORTED_LANGUAGES].sort());
		expect(ranking.reduce((sum, entry) => sum + entry.score, 0)).toBeCloseTo(1, 9);
	});

	it('gets the language of nearly every pack example right (texts it was not built from)', () => {
		let total = 0;
		let correct = 0;
		let wrong = 0;
		for (const name of listIntentPacks()) {
			for (const intent of loadIntentPack(name).intents) {
				for (const [language, examples] of Object.entries(intent.examplesByLanguage)) {
					for (const example of examples ?? []) {
						const detected = detectLanguage(example).language;
						total++;
						if (detected === language) correct++;
						else if (detected !== 'unknown') wrong++;
					}
				}
			}
		}
		// Measured: 97.1 % right, 1.0 % wrong, the rest unknown (mostly "hallo", "hey 👋", "hola?").
		expect(correct / total).toBeGreaterThan(0.95);
		expect(wrong / total).toBeLessThan(0.02);
	});

	it('gets the language of the dev sets right', () => {
		const rows = ['hospitality', 'ecommerce'].flatMap((name) =>
			readFileSync(join(__dirname, `../../fixtures/nlu/${name}-dev.jsonl`), 'utf8')
				.trim()
				.split('\n')
				.map((line) => JSON.parse(line) as { text: string; lang: string }),
		);
		const correct = rows.filter((row) => detectLanguage(row.text).language === row.lang).length;
		expect(correct / rows.length).toBeGreaterThan(0.93);
	});
});
