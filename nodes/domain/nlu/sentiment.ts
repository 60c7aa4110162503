/**
 * Offline sentiment for English, Dutch, German, French and Spanish: negative / neutral / positive
 * with a score in [−1, 1] and a confidence.
 *
 * Why our own lexicon and not a library: nlp.js (the only maintained-looking multilingual option)
 * has been unmaintained since 2023; `sentiment` (AFINN) and the VADER ports are English-only; none
 * handle Dutch or German negation ("niet goed", "nicht gut"), and the pack may not add dependencies.
 * So this is a VADER-style rule system over our own lexicon (data/sentiment-lexicon.json, a few
 * hundred entries per language plus emojis and chat slang):
 * - valences −4…+4 per word, multi-word expressions first ("not bad", "pas mal", "no pasa nada");
 * - negation flips and dampens the next words ("niet goed", "nicht gut", "pas bon", "no está bien");
 *   a Dutch or German negator with nothing to negate after it negates the word before it
 *   ("lekker was het niet", "hilft mir nicht weiter");
 * - intensifiers and diminishers ("very", "echt", "sehr", "trop", "muy" / "a bit", "un peu");
 * - contrast ("but", "maar", "aber", "mais", "pero"): the clause after counts more than the one before;
 * - exclamation marks and ALL-CAPS words strengthen, questions soften.
 */
import sentimentLexicon from './data/sentiment-lexicon.json';
import { detectLanguage, isSupportedLanguage } from './language';
import { foldAccents, isSpecialToken, normalizeText } from './text-normalization';
import { SUPPORTED_LANGUAGES, type SentimentResult, type SupportedLanguage } from './types';

export interface SentimentOptions {
	/** The message's language, if known; otherwise it is detected. */
	language?: SupportedLanguage | string | null;
}

export interface SentimentAnalysis extends SentimentResult {
	/** The language whose lexicon was used ('unknown' = all five). */
	language: SupportedLanguage | 'unknown';
	/** The words and phrases that carried sentiment, with their final contribution. */
	evidence: Array<{ text: string; valence: number }>;
}

interface LanguageRules {
	words: Map<string, number>;
	phrases: Map<string, number>;
	longestPhrase: number;
	negators: Set<string>;
	intensifiers: Map<string, number>;
	contrast: Set<string>;
}

interface LexiconFile {
	shared: Record<string, number>;
	languages: Record<
		SupportedLanguage,
		{
			words: Record<string, number>;
			phrases: Record<string, number>;
			negators: string[];
			intensifiers: Record<string, number>;
			diminishers: Record<string, number>;
			contrast: string[];
		}
	>;
}

// Inflection endings tried, longest first, when a word is not in the lexicon as written
// ("unfreundliches" → "unfreundlich", "bonitas" → "bonita").
const INFLECTION_ENDINGS: Record<SupportedLanguage, string[]> = {
	en: ['s'],
	nl: ['e', 's'],
	de: ['es', 'en', 'er', 'em', 'e'],
	fr: ['es', 's', 'e'],
	es: ['as', 'os', 's'],
};

const NEGATION_FACTOR = -0.74;
const NEGATION_SCOPE = 4;
const INTENSIFIER_SCOPE = 2;
const CONTRAST_BEFORE = 0.5;
const CONTRAST_AFTER = 1.5;
const QUESTION_FACTOR = 0.5;
const CAPS_FACTOR = 1.3;
const EXCLAMATION_BOOST = 0.292;
// The VADER normalisation constant: score = raw / sqrt(raw² + α).
const NORMALIZATION_ALPHA = 15;
export const SENTIMENT_THRESHOLD = 0.2;

/** Lexicon keys go through the same normalisation as messages ("thx" → "thanks", "d'accord" → "de accord"). */
function normalizedKey(text: string): string {
	return normalizeText(text).tokens.join(' ');
}

function buildRules(): { byLanguage: Record<SupportedLanguage, LanguageRules>; combined: LanguageRules } {
	const file = sentimentLexicon as unknown as LexiconFile;
	const create = (): LanguageRules => ({
		words: new Map(),
		phrases: new Map(),
		longestPhrase: 1,
		negators: new Set(),
		intensifiers: new Map(),
		contrast: new Set(),
	});
	const addEntry = (rules: LanguageRules, key: string, valence: number) => {
		const normalized = normalizedKey(key);
		if (!normalized) return;
		const length = normalized.split(' ').length;
		if (length === 1) {
			if (!rules.words.has(normalized)) rules.words.set(normalized, valence);
		} else if (!rules.phrases.has(normalized)) {
			rules.phrases.set(normalized, valence);
			rules.longestPhrase = Math.max(rules.longestPhrase, length);
		}
	};
	const fill = (rules: LanguageRules, language: SupportedLanguage) => {
		const source = file.languages[language];
		for (const [phrase, valence] of Object.entries(source.phrases)) addEntry(rules, phrase, valence);
		for (const [word, valence] of Object.entries(source.words)) addEntry(rules, word, valence);
		for (const [word, valence] of Object.entries(file.shared)) addEntry(rules, word, valence);
		for (const word of source.negators) rules.negators.add(foldAccents(word));
		for (const [word, factor] of Object.entries({ ...source.intensifiers, ...source.diminishers })) {
			rules.intensifiers.set(foldAccents(word), factor);
		}
		for (const word of source.contrast) rules.contrast.add(foldAccents(word));
	};
	const byLanguage = {} as Record<SupportedLanguage, LanguageRules>;
	const combined = create();
	for (const language of SUPPORTED_LANGUAGES) {
		byLanguage[language] = create();
		fill(byLanguage[language], language);
		fill(combined, language);
	}
	return { byLanguage, combined };
}

const { byLanguage, combined } = buildRules();

function valenceOf(token: string, rules: LanguageRules, language: SupportedLanguage | 'unknown'): number {
	const direct = rules.words.get(token);
	if (direct !== undefined) return direct;
	const endings = language === 'unknown' ? [] : INFLECTION_ENDINGS[language];
	for (const ending of endings) {
		if (token.length - ending.length < 4 || !token.endsWith(ending)) continue;
		const stem = rules.words.get(token.slice(0, -ending.length));
		if (stem !== undefined) return stem;
	}
	return 0;
}

interface Item {
	text: string;
	clause: number;
	question: boolean;
	valence: number;
	/** Phrases carry their own negation ("not bad") and are not flipped again. */
	phrase: boolean;
}

function splitClauses(text: string): Array<{ text: string; question: boolean }> {
	const clauses: Array<{ text: string; question: boolean }> = [];
	const pattern = /[^.;!?¡¿\n,]+[.;!?\n,]*/g;
	for (const match of text.match(pattern) ?? []) {
		if (match.trim()) clauses.push({ text: match, question: match.includes('?') });
	}
	return clauses;
}

/** Sentiment of a message: label, score in [−1, 1] and confidence, with the evidence used. */
export function analyzeSentiment(text: string, options: SentimentOptions = {}): SentimentAnalysis {
	const input = typeof text === 'string' ? text : '';
	const language = isSupportedLanguage(options.language) ? options.language : detectLanguage(input).language;
	const rules = language === 'unknown' ? combined : byLanguage[language];

	const lettersOnly = input.replace(/[^\p{L}]/gu, '');
	const shouting = lettersOnly.length > 0 && lettersOnly === lettersOnly.toUpperCase() && /\p{Lu}/u.test(lettersOnly);
	const capsWords = new Set(
		shouting ? [] : (input.match(/\b\p{Lu}{3,}\b/gu) ?? []).map((word) => foldAccents(word)),
	);

	const items: Item[] = [];
	splitClauses(input).forEach((clause, clauseIndex) => {
		// Folded, German "schön" (beautiful) would read as "schon" (already); keep them apart.
		const tokens = normalizeText(clause.text.replace(/schön/gi, 'schoen')).tokens;
		for (let position = 0; position < tokens.length; position++) {
			let matched = false;
			for (let length = Math.min(rules.longestPhrase, tokens.length - position); length >= 2; length--) {
				const phrase = tokens.slice(position, position + length).join(' ');
				const valence = rules.phrases.get(phrase);
				if (valence === undefined) continue;
				items.push({ text: phrase, clause: clauseIndex, question: clause.question, valence, phrase: true });
				position += length - 1;
				matched = true;
				break;
			}
			if (matched) continue;
			const token = tokens[position];
			items.push({ text: token, clause: clauseIndex, question: clause.question, valence: valenceOf(token, rules, language), phrase: false });
		}
	});

	let lastContrast = -1;
	items.forEach((item, index) => {
		if (index > 0 && rules.contrast.has(item.text)) lastContrast = index;
	});

	// "super" and friends are intensifiers before another word ("super late") and sentiment on their own ("super!").
	items.forEach((item, index) => {
		const next = items[index + 1];
		if (item.valence !== 0 && !item.phrase && rules.intensifiers.has(item.text) && next && next.clause === item.clause) {
			item.valence = 0;
		}
	});

	const contributions = items.map((item) => item.valence);
	const negated = new Array<boolean>(items.length).fill(false);
	items.forEach((item, index) => {
		if (item.valence === 0) return;
		let factor = 1;
		for (let back = 1; back <= INTENSIFIER_SCOPE && index - back >= 0; back++) {
			const previous = items[index - back];
			if (previous.clause !== item.clause || previous.valence !== 0) break;
			factor *= rules.intensifiers.get(previous.text) ?? 1;
		}
		// Emojis say how the writer feels whatever the words around them do: never negate them.
		if (!item.phrase && !isSpecialToken(item.text)) {
			for (let back = 1; back <= NEGATION_SCOPE && index - back >= 0; back++) {
				const previous = items[index - back];
				if (previous.clause !== item.clause || rules.contrast.has(previous.text)) break;
				if (rules.negators.has(previous.text)) {
					factor *= NEGATION_FACTOR;
					negated[index] = true;
					break;
				}
			}
		}
		if (capsWords.has(item.text)) factor *= CAPS_FACTOR;
		contributions[index] = item.valence * factor;
	});

	// Dutch and German often put the negator after the word: "lekker was het niet", "hilft mir nicht
	// weiter". A negator with no sentiment word after it in its clause negates the one before it.
	if (language === 'nl' || language === 'de' || language === 'unknown') {
		items.forEach((item, index) => {
			if (!rules.negators.has(item.text)) return;
			// Any sentiment word later in the clause means the negator stands before its word ("niemand an
			// der Rezeption hilft mir"), even beyond the forward scope: then it negates nothing behind it.
			for (let ahead = 1; index + ahead < items.length; ahead++) {
				const next = items[index + ahead];
				if (next.clause !== item.clause) break;
				if (next.valence !== 0) return;
			}
			for (let back = 1; back <= NEGATION_SCOPE && index - back >= 0; back++) {
				const previous = items[index - back];
				if (previous.clause !== item.clause) break;
				if (previous.valence !== 0 && !previous.phrase && !negated[index - back] && !isSpecialToken(previous.text)) {
					contributions[index - back] *= NEGATION_FACTOR;
					negated[index - back] = true;
					break;
				}
			}
		});
	}

	let raw = 0;
	const evidence: Array<{ text: string; valence: number }> = [];
	items.forEach((item, index) => {
		if (contributions[index] === 0) return;
		let value = contributions[index];
		if (lastContrast >= 0) value *= index < lastContrast ? CONTRAST_BEFORE : CONTRAST_AFTER;
		if (item.question) value *= QUESTION_FACTOR;
		raw += value;
		evidence.push({ text: item.text, valence: Math.round(value * 100) / 100 });
	});

	const exclamations = (input.match(/!/g) ?? []).length;
	if (raw !== 0 && exclamations > 0) raw += Math.sign(raw) * EXCLAMATION_BOOST * Math.min(4, exclamations);
	if (shouting && raw !== 0) raw *= 1.2;

	const score = raw / Math.sqrt(raw * raw + NORMALIZATION_ALPHA);
	const magnitude = Math.abs(score);
	const label = score >= SENTIMENT_THRESHOLD ? 'positive' : score <= -SENTIMENT_THRESHOLD ? 'negative' : 'neutral';
	// A lexicon can only be sure of what it knows: strong scores are confident, and a message with no
	// sentiment words at all is probably, not certainly, neutral.
	const confidence =
		label === 'neutral'
			? evidence.length === 0
				? 0.8
				: 0.8 - 0.3 * (magnitude / SENTIMENT_THRESHOLD)
			: Math.min(0.98, 0.5 + (0.48 * (magnitude - SENTIMENT_THRESHOLD)) / (0.7 - SENTIMENT_THRESHOLD));

	return {
		label,
		score: Math.round(score * 1000) / 1000,
		confidence: Math.round(Math.max(0.5, confidence) * 1000) / 1000,
		language,
		evidence,
	};
}
