import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText } from '../../../nodes/domain/nlu';
import { getEmbeddedClassifier } from '../../../nodes/domain/nlu/embedded-classifier';
import { parseEvaluationRows, runEvaluation, type EvaluationRow } from '../../../scripts/lib/intent-evaluation';
import { listIntentPacks, loadIntentPack } from '../../../nodes/domain/nlu/packs';
import { PROMPT_INJECTION_RULES, PROMPT_INJECTION_VOCABULARY } from '../../../nodes/domain/nlu/prompt-injection';
import { normalizeText } from '../../../nodes/domain/nlu/text-normalization';
import conceptLexicon from '../../../nodes/domain/nlu/data/concepts.json';
import { SUPPORTED_LANGUAGES } from '../../../nodes/domain/nlu/types';

function devRows(pack: string): EvaluationRow[] {
	return parseEvaluationRows(readFileSync(join(__dirname, `../../fixtures/nlu/${pack}-dev.jsonl`), 'utf8'));
}

function trigrams(text: string): Set<string> {
	const normalized = ` ${normalizeText(text).tokens.join(' ')} `;
	const grams = new Set<string>();
	for (let index = 0; index + 3 <= normalized.length; index++) grams.add(normalized.slice(index, index + 3));
	return grams;
}

function jaccard(left: Set<string>, right: Set<string>): number {
	let shared = 0;
	for (const gram of left) if (right.has(gram)) shared++;
	return shared / (left.size + right.size - shared);
}

/** Same text once normalised, or ≥ 70 % of character trigrams shared: a near-duplicate. */
const NEAR_DUPLICATE = 0.7;

function nearestTrainingExample(text: string, training: Array<[string, Set<string>]>): { example: string; similarity: number } {
	const grams = trigrams(text);
	let best = { example: '', similarity: 0 };
	for (const [example, exampleGrams] of training) {
		const similarity = jaccard(grams, exampleGrams);
		if (similarity > best.similarity) best = { example, similarity };
	}
	return best;
}

describe.each(listIntentPacks())('%s dev set', (pack) => {
	const rows = devRows(pack);
	const intents = loadIntentPack(pack).intents;

	it('is a real held-out set: ≥ 50 messages per intent, ≥ 10 of them in each of the five languages, sentiment labels', () => {
		for (const intent of intents) {
			const ofIntent = rows.filter((row) => row.intent === intent.name);
			expect({ intent: intent.name, enough: ofIntent.length >= 50 }).toEqual({ intent: intent.name, enough: true });
			for (const language of SUPPORTED_LANGUAGES) {
				const count = ofIntent.filter((row) => row.lang === language).length;
				expect({ intent: intent.name, language, enough: count >= 10 }).toEqual({ intent: intent.name, language, enough: true });
			}
		}
		expect(rows.every((row) => row.sentiment !== undefined)).toBe(true);
		expect(new Set(rows.map((row) => row.sentiment))).toEqual(new Set(['negative', 'neutral', 'positive']));
	});

	it('shares no message, not even a near-duplicate, with the training examples', () => {
		const training = intents.flatMap((intent) => intent.examples).map((example) => [example, trigrams(example)] as [string, Set<string>]);
		const normalizedTraining = new Set(training.map(([example]) => normalizeText(example).tokens.join(' ')));
		const leaks = rows
			.map((row) => ({ text: row.text, ...nearestTrainingExample(row.text, training) }))
			.filter((entry) => entry.similarity >= NEAR_DUPLICATE || normalizedTraining.has(normalizeText(entry.text).tokens.join(' ')));
		expect(leaks).toEqual([]);
	});

	it('the near-duplicate check does catch a lightly edited training example', () => {
		const training = intents.flatMap((intent) => intent.examples).map((example) => [example, trigrams(example)] as [string, Set<string>]);
		const source = intents[1].examples[0];
		const edited = `${source.toUpperCase()}!!`.replace(/e/i, 'ee');
		expect(nearestTrainingExample(edited, training).similarity).toBeGreaterThanOrEqual(NEAR_DUPLICATE);
	});
});

/** Whether a lexicon pattern ("word", "stem*", "*part*") matches a normalised token. */
function lexiconPatternMatches(pattern: string, token: string): boolean {
	if (pattern.length > 2 && pattern.startsWith('*') && pattern.endsWith('*')) return token.includes(pattern.slice(1, -1));
	if (pattern.endsWith('*')) return token.startsWith(pattern.slice(0, -1));
	return token === pattern;
}

const normalizedLine = (text: string) => ` ${normalizeText(text).tokens.join(' ')} `;

describe('no dev-set vocabulary in the lexicon or the injection rules', () => {
	const packExamples = listIntentPacks().flatMap((pack) => loadIntentPack(pack).intents.flatMap((intent) => intent.examples));
	const packLines = packExamples.map(normalizedLine);
	const packWords = [...new Set(packExamples.flatMap((example) => normalizeText(example).tokens))];
	const packWordSet = new Set(packWords);
	const devLines = listIntentPacks().flatMap((pack) => devRows(pack).map((row) => normalizedLine(row.text)));
	// Words of the dev sets that no pack example has: nothing hand-written may be justified by them alone.
	const devOnlyWords = [...new Set(devLines.flatMap((line) => line.trim().split(' ')))].filter((word) => word && !packWordSet.has(word));

	function lexiconLeaks(concepts: Record<string, string[]>): string[] {
		const leaks: string[] = [];
		for (const [concept, patterns] of Object.entries(concepts)) {
			for (const pattern of patterns) {
				const devOnly = devOnlyWords.filter((word) => lexiconPatternMatches(pattern, word));
				if (devOnly.length === 0) continue;
				if (!packWords.some((word) => lexiconPatternMatches(pattern, word))) leaks.push(`${concept}: "${pattern}" (${devOnly.join(', ')})`);
			}
		}
		return leaks;
	}

	function injectionLeaks(vocabulary: readonly string[], rules: ReadonlyArray<{ name: string; pattern: RegExp }>): string[] {
		const leaks: string[] = [];
		for (const source of vocabulary) {
			const wholeWords = new RegExp(`(?<= )(?:${source})(?= )`);
			if (devLines.some((line) => wholeWords.test(line)) && !packLines.some((line) => wholeWords.test(line))) leaks.push(`word ${source}`);
		}
		for (const { name, pattern } of rules) {
			if (devLines.some((line) => pattern.test(line)) && !packLines.some((line) => pattern.test(line))) leaks.push(`rule ${name}`);
		}
		return leaks;
	}

	it('every lexicon pattern that matches a dev-only word also matches a word of some pack example', () => {
		expect(lexiconLeaks((conceptLexicon as { concepts: Record<string, string[]> }).concepts)).toEqual([]);
	});

	it('every injection word and rule that fires on a dev message also fires on some pack example', () => {
		expect(injectionLeaks(PROMPT_INJECTION_VOCABULARY, PROMPT_INJECTION_RULES)).toEqual([]);
	});

	it('the checks catch a planted dev-only word', () => {
		expect(devOnlyWords.length).toBeGreaterThan(50);
		const planted = devOnlyWords.find((word) => word.length >= 6 && /^[a-z]+$/.test(word) && !packWords.some((packWord) => packWord.startsWith(word.slice(0, -1)))) as string;
		expect(lexiconLeaks({ planted: [planted] })).toHaveLength(1);
		expect(lexiconLeaks({ planted: [`${planted.slice(0, -1)}*`] })).toHaveLength(1);
		expect(injectionLeaks([planted], [{ name: 'planted', pattern: new RegExp(`\\b${planted}\\b`) }])).toEqual([`word ${planted}`, 'rule planted']);
	});
});

describe('embedded classifier on the dev sets (floors: measured value minus a margin)', () => {
	// Measured with this commit's packs and defaults (npm run eval:intent):
	// (whole messages here; the CLI also sets a leading greeting aside, as the node does)
	//   hospitality (731): accuracy 0.884, macro-F1 0.887, precision@0.7 0.969, ECE 0.059
	//   ecommerce (467):   accuracy 0.869, macro-F1 0.872, precision@0.7 0.965, ECE 0.047
	// The margins (3–4 points) are about two standard errors on 450–730 messages.
	const floors: Record<string, { accuracy: number; macroF1: number; precision: number; ece: number }> = {
		hospitality: { accuracy: 0.85, macroF1: 0.85, precision: 0.94, ece: 0.09 },
		ecommerce: { accuracy: 0.83, macroF1: 0.83, precision: 0.93, ece: 0.08 },
	};

	it.each(listIntentPacks())('%s', async (pack) => {
		const { intents } = loadIntentPack(pack);
		const report = await runEvaluation({
			pack: { name: pack, intents },
			rows: devRows(pack),
			classify: (text, row) => analyzeText(text, { intents, languageHint: row.lang }),
			threshold: 0.7,
		});
		expect(report.accuracy).toBeGreaterThanOrEqual(floors[pack].accuracy);
		expect(report.macroF1).toBeGreaterThanOrEqual(floors[pack].macroF1);
		expect(report.precisionAtThreshold).toBeGreaterThanOrEqual(floors[pack].precision);
		expect(report.coverage).toBeGreaterThan(0.5);
		expect(report.ece).toBeLessThanOrEqual(floors[pack].ece);
		for (const [language, entry] of Object.entries(report.perLanguage)) {
			expect({ language, good: entry.accuracy >= 0.7 }).toEqual({ language, good: true });
		}
		expect(report.sentimentAccuracy).toBeGreaterThanOrEqual(0.8);
	});

	it('CLINC150 val mapped to a hotel: at most 5 % of the unrelated requests get a hotel intent at ≥ 0.7', async () => {
		// Measured: 3.7 % of 3000 (30.5 % before the out-of-scope background).
		const { intents } = loadIntentPack('hospitality');
		const rows = parseEvaluationRows(readFileSync(join(__dirname, '../../fixtures/nlu/clinc150-val-hospitality.jsonl'), 'utf8'));
		const report = await runEvaluation({
			pack: { name: 'hospitality', intents },
			rows,
			classify: (text) => analyzeText(text, { intents, languageHint: 'en' }),
			threshold: 0.7,
		});
		expect(report.unrelatedRows).toBe(3000);
		expect(report.unrelatedAnswered).toBeLessThanOrEqual(0.05);
	});

	it.each(listIntentPacks())('%s: typos cost at most 10 points of accuracy', (pack) => {
		// Seeded typos in 30 % of the words of five letters or more: a deleted, swapped or doubled letter.
		let state = 11;
		const random = () => {
			state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
			return state / 4294967296;
		};
		const misspell = (text: string) =>
			text.replace(/\p{L}{5,}/gu, (word) => {
				if (random() > 0.3) return word;
				const at = 1 + Math.floor(random() * (word.length - 2));
				const kind = random();
				if (kind < 0.33) return word.slice(0, at) + word.slice(at + 1);
				if (kind < 0.66) return word.slice(0, at) + word[at + 1] + word[at] + word.slice(at + 2);
				return word.slice(0, at) + word[at] + word.slice(at);
			});
		const classifier = getEmbeddedClassifier(loadIntentPack(pack).intents);
		const rows = devRows(pack);
		const accuracy = (texts: string[]) => texts.filter((text, index) => classifier.classify(text).intent === rows[index].intent).length / rows.length;
		const clean = accuracy(rows.map((row) => row.text));
		const misspelled = rows.map((row) => misspell(row.text));
		expect(misspelled.filter((text, index) => text !== rows[index].text).length).toBeGreaterThan(rows.length / 3);
		expect(accuracy(misspelled)).toBeGreaterThanOrEqual(clean - 0.1);
	});
});
