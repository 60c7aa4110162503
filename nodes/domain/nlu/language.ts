/**
 * Offline language detection for English, Dutch, German, French and Spanish, tuned for short chat
 * messages ("hoi", "merci bcp", "danke!!"). Two kinds of evidence, both built at load time from
 * data/language-profiles.json (our own text, no downloaded models):
 * - character 1–3-gram statistics of each language's corpus (naive Bayes), and
 * - known function and chat words, which decide the very short messages n-grams cannot.
 */
import languageProfiles from './data/language-profiles.json';
import { foldAccents } from './text-normalization';
import { SUPPORTED_LANGUAGES, type DetectedLanguage, type LanguageResult, type SupportedLanguage } from './types';

export interface LanguageDetectionOptions {
	/** A language to prefer when the text is ambiguous, and to answer when it has no evidence at all (e.g. "👍"). */
	hint?: SupportedLanguage | string | null;
	/** Below this posterior the answer is 'unknown' (or the hint). Default 0.6. */
	minConfidence?: number;
}

export interface LanguageDetection extends LanguageResult {
	/** Posterior per language, best first. */
	ranking: Array<{ language: SupportedLanguage; score: number }>;
}

const MAX_GRAM = 3;
// Overlapping n-grams of three sizes count each letter about three times; naive Bayes would be
// overconfident by that factor, so the summed log-likelihood is scaled down.
const CHAR_EVIDENCE_SCALE = 0.3;
const WORD_EVIDENCE = 3;
const HINT_PRIOR = 1.2;
const DEFAULT_MIN_CONFIDENCE = 0.6;

interface LanguageModel {
	logProbability: Map<string, number>;
	unseenLogProbability: number;
}

interface ProfilesFile {
	languages: Record<SupportedLanguage, { corpus: string[]; words: string[] }>;
}

const WORD_PATTERN = /[\p{L}]+(?:['’][\p{L}]+)*/gu;

function wordsOf(text: string): string[] {
	return text.toLowerCase().match(WORD_PATTERN) ?? [];
}

function gramsOf(word: string): string[] {
	const padded = ` ${word} `;
	const grams: string[] = [];
	for (let size = 1; size <= MAX_GRAM; size++) {
		for (let start = 0; start + size <= padded.length; start++) {
			const gram = padded.slice(start, start + size);
			if (gram !== ' ') grams.push(gram);
		}
	}
	return grams;
}

function buildModels(): { models: Record<SupportedLanguage, LanguageModel>; languagesOfWord: Map<string, SupportedLanguage[]> } {
	const file = languageProfiles as unknown as ProfilesFile;
	const counts = new Map<SupportedLanguage, Map<string, number>>();
	const vocabulary = new Set<string>();
	const languagesOfWord = new Map<string, SupportedLanguage[]>();
	for (const language of SUPPORTED_LANGUAGES) {
		const profile = file.languages[language];
		const languageCounts = new Map<string, number>();
		const words = [...profile.corpus.flatMap(wordsOf), ...profile.words.flatMap(wordsOf)];
		for (const word of words) {
			for (const gram of gramsOf(word)) {
				languageCounts.set(gram, (languageCounts.get(gram) ?? 0) + 1);
				vocabulary.add(gram);
			}
		}
		counts.set(language, languageCounts);
		for (const word of profile.words.flatMap(wordsOf)) {
			for (const form of new Set([word, foldAccents(word)])) {
				const languages = languagesOfWord.get(form) ?? [];
				if (!languages.includes(language)) languages.push(language);
				languagesOfWord.set(form, languages);
			}
		}
	}
	const smoothing = 0.5;
	const models = {} as Record<SupportedLanguage, LanguageModel>;
	for (const language of SUPPORTED_LANGUAGES) {
		const languageCounts = counts.get(language) as Map<string, number>;
		let total = 0;
		for (const count of languageCounts.values()) total += count;
		const denominator = total + smoothing * (vocabulary.size + 1);
		const logProbability = new Map<string, number>();
		for (const [gram, count] of languageCounts) logProbability.set(gram, Math.log((count + smoothing) / denominator));
		models[language] = { logProbability, unseenLogProbability: Math.log(smoothing / denominator) };
	}
	return { models, languagesOfWord };
}

const { models, languagesOfWord } = buildModels();

export function isSupportedLanguage(value: unknown): value is SupportedLanguage {
	return typeof value === 'string' && (SUPPORTED_LANGUAGES as readonly string[]).includes(value);
}

/**
 * The language of a message: 'en', 'nl', 'de', 'fr', 'es', or 'unknown' when it is too short or too
 * ambiguous ("ok", "👍", "123"). With a hint, ambiguous messages lean towards it and messages without
 * any evidence get the hint.
 */
export function detectLanguage(text: string, options: LanguageDetectionOptions = {}): LanguageDetection {
	const hint = isSupportedLanguage(options.hint) ? options.hint : undefined;
	const minConfidence = options.minConfidence ?? DEFAULT_MIN_CONFIDENCE;
	const words = wordsOf(typeof text === 'string' ? text : '');
	const letters = words.reduce((sum, word) => sum + word.length, 0);
	const scores = new Map<SupportedLanguage, number>(SUPPORTED_LANGUAGES.map((language) => [language, 0]));

	if (letters >= 2) {
		const grams = words.flatMap(gramsOf);
		for (const language of SUPPORTED_LANGUAGES) {
			const model = models[language];
			let logLikelihood = 0;
			for (const gram of grams) logLikelihood += model.logProbability.get(gram) ?? model.unseenLogProbability;
			scores.set(language, logLikelihood * CHAR_EVIDENCE_SCALE);
		}
		for (const word of words) {
			const languages = languagesOfWord.get(word) ?? languagesOfWord.get(foldAccents(word));
			if (!languages) continue;
			for (const language of languages) scores.set(language, (scores.get(language) as number) + WORD_EVIDENCE / languages.length);
		}
	}
	if (hint) scores.set(hint, (scores.get(hint) as number) + HINT_PRIOR);

	const maximum = Math.max(...scores.values());
	let total = 0;
	for (const score of scores.values()) total += Math.exp(score - maximum);
	const ranking = SUPPORTED_LANGUAGES.map((language) => ({
		language,
		score: Math.exp((scores.get(language) as number) - maximum) / total,
	})).sort((left, right) => right.score - left.score);

	const best = ranking[0];
	let language: DetectedLanguage = best.language;
	if (letters < 2 || best.score < minConfidence) language = hint ?? 'unknown';
	const confidence = language === 'unknown' ? 0 : (ranking.find((entry) => entry.language === language)?.score ?? 0);
	return { language, confidence, ranking };
}
