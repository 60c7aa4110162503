import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeSentiment } from '../../../nodes/domain/nlu/sentiment';

type Case = [text: string, label: 'negative' | 'neutral' | 'positive'];

const matrix: Record<string, Case[]> = {
	en: [
		['the room was great, thanks so much!', 'positive'],
		['worst service ever 😡', 'negative'],
		['what time is breakfast?', 'neutral'],
		['not good at all', 'negative'],
		['not bad', 'positive'],
		['the view was lovely but the room was dirty', 'negative'],
		['the room was dirty but the staff were lovely', 'positive'],
	],
	nl: [
		['super fijn verblijf, bedankt!', 'positive'],
		['echt belachelijk dit 😡', 'negative'],
		['hoe laat is het ontbijt?', 'neutral'],
		['het eten was niet lekker', 'negative'],
		['lekker was het niet', 'negative'],
		['mooie kamer maar heel vies', 'negative'],
		['kamer was klein maar het personeel was geweldig', 'positive'],
	],
	de: [
		['alles super, vielen Dank!', 'positive'],
		['total enttäuscht von diesem Hotel', 'negative'],
		['wann gibt es Frühstück?', 'neutral'],
		['das Essen war nicht gut', 'negative'],
		['nicht schlecht', 'positive'],
		['das Zimmer war sauber aber das Personal unfreundlich', 'negative'],
		['das Zimmer war eng aber das Frühstück war hervorragend', 'positive'],
	],
	fr: [
		['séjour parfait, merci beaucoup !', 'positive'],
		["c'est vraiment nul, très déçu", 'negative'],
		["à quelle heure est le petit déjeuner ?", 'neutral'],
		["ce n'est pas bon", 'negative'],
		['pas mal du tout', 'positive'],
		['la vue est belle mais la chambre est sale', 'negative'],
		['la chambre est petite mais le personnel est adorable', 'positive'],
	],
	es: [
		['todo genial, muchas gracias!', 'positive'],
		['un desastre, muy decepcionado', 'negative'],
		['a qué hora es el desayuno?', 'neutral'],
		['no está bien', 'negative'],
		['no me gustó nada', 'negative'],
		['la habitación es bonita pero muy sucia', 'negative'],
		['la habitación es pequeña pero el personal es encantador', 'positive'],
	],
};

describe('analyzeSentiment', () => {
	const cases = Object.entries(matrix).flatMap(([language, rows]) => rows.map(([text, label]) => [language, text, label] as const));

	it.each(cases)('%s: "%s" → %s', (language, text, label) => {
		const result = analyzeSentiment(text, { language });
		expect(result.label).toBe(label);
		if (label === 'positive') expect(result.score).toBeGreaterThan(0);
		if (label === 'negative') expect(result.score).toBeLessThan(0);
	});

	it('flips and dampens negated words, per language', () => {
		for (const [language, plain, negated] of [
			['en', 'good', 'not good'],
			['nl', 'goed', 'niet goed'],
			['de', 'gut', 'nicht gut'],
			['fr', "c'est bon", "c'est pas bon"],
			['es', 'es bueno', 'no es bueno'],
		]) {
			const positive = analyzeSentiment(plain, { language });
			const negative = analyzeSentiment(negated, { language });
			expect(positive.score).toBeGreaterThan(0);
			expect(negative.score).toBeLessThan(0);
		}
	});

	it('weighs the clause after a contrast word more', () => {
		for (const [language, first, second] of [
			['en', 'nice room but rude staff', 'rude staff but nice room'],
			['nl', 'mooie kamer maar onvriendelijk personeel', 'onvriendelijk personeel maar mooie kamer'],
			['de', 'schönes Zimmer aber unfreundliches Personal', 'unfreundliches Personal aber schönes Zimmer'],
			['fr', 'belle chambre mais personnel désagréable', 'personnel désagréable mais belle chambre'],
			['es', 'habitación bonita pero personal borde', 'personal borde pero habitación bonita'],
		]) {
			expect(analyzeSentiment(first, { language }).score).toBeLessThan(0);
			expect(analyzeSentiment(second, { language }).score).toBeGreaterThan(0);
		}
	});

	it('strengthens with intensifiers, exclamation marks and capitals; weakens with diminishers', () => {
		const base = analyzeSentiment('the room was dirty', { language: 'en' }).score;
		expect(analyzeSentiment('the room was very dirty', { language: 'en' }).score).toBeLessThan(base);
		expect(analyzeSentiment('the room was dirty!!!', { language: 'en' }).score).toBeLessThan(base);
		expect(analyzeSentiment('the room was DIRTY', { language: 'en' }).score).toBeLessThan(base);
		expect(analyzeSentiment('the room was a bit dirty', { language: 'en' }).score).toBeGreaterThan(base);
		expect(analyzeSentiment('das Zimmer war sehr schmutzig', { language: 'de' }).score).toBeLessThan(
			analyzeSentiment('das Zimmer war schmutzig', { language: 'de' }).score,
		);
	});

	it('reads emojis, and never negates them', () => {
		expect(analyzeSentiment('😍😍').label).toBe('positive');
		expect(analyzeSentiment('🤬').label).toBe('negative');
		expect(analyzeSentiment('bij mij is er niks 😠', { language: 'nl' }).label).toBe('negative');
	});

	it('keeps the score in [−1, 1] and says which words counted', () => {
		const result = analyzeSentiment('TERRIBLE TERRIBLE awful disgusting worst ever!!!!!! 🤮🤮🤮', { language: 'en' });
		expect(result.score).toBeGreaterThanOrEqual(-1);
		expect(result.score).toBeLessThan(-0.9);
		expect(result.confidence).toBeGreaterThan(0.9);
		expect(result.evidence.map((entry) => entry.text)).toContain('awful');
		const neutral = analyzeSentiment('room 12, two nights', { language: 'en' });
		expect(neutral).toMatchObject({ label: 'neutral', score: 0, evidence: [] });
	});

	it('detects the language itself when not told', () => {
		expect(analyzeSentiment('das war nicht gut').language).toBe('de');
		expect(analyzeSentiment('das war nicht gut').label).toBe('negative');
	});

	it('labels the dev sets mostly right', () => {
		for (const name of ['hospitality', 'ecommerce']) {
			const rows = readFileSync(join(__dirname, `../../fixtures/nlu/${name}-dev.jsonl`), 'utf8')
				.trim()
				.split('\n')
				.map((line) => JSON.parse(line) as { text: string; lang: string; sentiment: string });
			const correct = rows.filter((row) => analyzeSentiment(row.text, { language: row.lang }).label === row.sentiment).length;
			// Measured 0.84 (hospitality, 731) and 0.83 (ecommerce, 467); 0.90 and 0.89 on the first 171 and 153.
			expect(correct / rows.length).toBeGreaterThan(0.8);
		}
	});
});

describe('analyzeSentiment: negators far from their word', () => {
	it.each([
		['de', 'Das Zimmer ist schmutzig und niemand an der Rezeption hilft mir. Ich bin sehr enttäuscht!'],
		['de', 'Niemand an der Rezeption hilft mir'],
		['en', 'Nobody at reception helps us'],
		['nl', 'Niemand bij de receptie helpt ons'],
	])('a negator before a later sentiment word negates that word, not the one before it (%s: %s)', (language, text) => {
		const result = analyzeSentiment(text, { language });
		expect(result.label).toBe('negative');
		// Words before the negator keep their own sign.
		for (const item of result.evidence) if (/schmutzig|enttauscht/.test(item.text)) expect(item.valence).toBeLessThan(0);
	});
});
