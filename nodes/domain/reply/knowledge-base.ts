/**
 * Knowledge-base retrieval for AI Reply: BM25 over words (stop words removed, light multilingual
 * stemming) plus character 4-grams, so typos and inflections still find the entry. No model, no network.
 */
import { foldAccents } from '../nlu/text-normalization';

export interface KnowledgeEntry {
	id: string;
	question: string;
	answer: string;
	/** en, nl, de, fr, es … or empty for language-neutral entries. */
	language?: string;
	tags?: string[];
}

export interface RetrievedEntry {
	entry: KnowledgeEntry;
	score: number;
	/** Share (0–1) of the query's words (IDF-weighted) that the entry contains, inflections included. */
	coverage: number;
}

const STOP_WORDS = new Set(
	`a an and are as at be by can could do does for from have how i if in is it me my of on or our please the there this to we what when where which who will with would you your
	de het een en is in op te van voor met wat hoe waar wanneer kan ik je jij u uw mijn we wij zijn er dat die dit om naar ook nog maar als bij hebben heb heeft graag aub
	der die das ein eine einen und ist im in zu von für mit was wie wo wann kann ich sie ihr mein wir sind es dass auch noch aber bei haben hat gibt bitte gerne den dem des
	le la les un une des et est en dans de du pour avec que quoi comment ou quand je vous tu mon nous sont il y a ce cette aussi mais chez avez avons sil svp au aux
	el la los las un una unos y es en de del para con que como donde cuando puedo yo usted mi nosotros son hay esto esta tambien pero por favor se su al lo`.split(/\s+/),
);

const SUFFIXES = [
	'ations', 'ation', 'ingen', 'ungen', 'ments', 'ment', 'ing', 'ings', 'ies', 'es', 's', 'en', 'er', 'e', 'ung', 'heit', 'keit', 'lijk', 'tje', 'je', 'ción', 'cion', 'ciones', 'mente', 'os', 'as',
].sort((a, b) => b.length - a.length);

function stem(word: string): string {
	if (word.length <= 4) return word;
	for (const suffix of SUFFIXES) {
		if (word.endsWith(suffix) && word.length - suffix.length >= 3) return word.slice(0, -suffix.length);
	}
	return word;
}

export function retrievalTerms(text: string): string[] {
	const words = foldAccents(text.toLowerCase())
		.replace(/[^\p{L}\p{N}\s]/gu, ' ')
		.split(/\s+/)
		.filter((word) => word.length > 1 && !STOP_WORDS.has(word));
	const terms: string[] = [];
	for (const word of words) {
		const stemmed = stem(word);
		terms.push(`w:${stemmed}`);
		// Character 4-grams of the stem catch typos ("parkeren" / "parkren") and compounds ("frühstücksbuffet").
		const padded = `_${stemmed}_`;
		for (let index = 0; index + 4 <= padded.length; index++) terms.push(`g:${padded.slice(index, index + 4)}`);
	}
	return terms;
}

interface IndexedDocument {
	entry: KnowledgeEntry;
	termFrequencies: Map<string, number>;
	length: number;
}

export interface KnowledgeIndex {
	documents: IndexedDocument[];
	documentFrequency: Map<string, number>;
	averageLength: number;
}

const K1 = 1.2;
const B = 0.75;
// Whole words weigh more than their fragments.
const WORD_WEIGHT = 1;
const GRAM_WEIGHT = 0.25;

export function buildKnowledgeIndex(entries: KnowledgeEntry[]): KnowledgeIndex {
	const documents = entries.map((entry) => {
		// The question is what customers ask; count it twice so it outweighs long answers.
		const terms = [...retrievalTerms(entry.question), ...retrievalTerms(entry.question), ...retrievalTerms(entry.answer), ...retrievalTerms((entry.tags ?? []).join(' '))];
		const termFrequencies = new Map<string, number>();
		for (const term of terms) termFrequencies.set(term, (termFrequencies.get(term) ?? 0) + 1);
		return { entry, termFrequencies, length: terms.length };
	});
	const documentFrequency = new Map<string, number>();
	for (const document of documents) {
		for (const term of document.termFrequencies.keys()) documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
	}
	const averageLength = documents.reduce((sum, document) => sum + document.length, 0) / Math.max(documents.length, 1);
	return { documents, documentFrequency, averageLength };
}

// Indexes of the knowledge bases this process has seen, by content: a workflow's knowledge base is the same
// on every execution, so it is indexed once, not per message. Indexes are never changed after they are built.
const cachedIndexes = new Map<string, KnowledgeIndex>();
const CACHED_INDEXES_LIMIT = 16;

/** buildKnowledgeIndex, remembered for the same entries (least recently used of 16 knowledge bases dropped). */
export function knowledgeIndexFor(entries: KnowledgeEntry[]): KnowledgeIndex {
	const key = JSON.stringify(entries);
	let index = cachedIndexes.get(key);
	if (index) {
		cachedIndexes.delete(key);
	} else {
		index = buildKnowledgeIndex(entries);
		if (cachedIndexes.size >= CACHED_INDEXES_LIMIT) cachedIndexes.delete(cachedIndexes.keys().next().value as string);
	}
	cachedIndexes.set(key, index);
	return index;
}

function inverseDocumentFrequency(index: KnowledgeIndex, term: string): number {
	const count = index.documentFrequency.get(term) ?? 0;
	return Math.log(1 + (index.documents.length - count + 0.5) / (count + 0.5));
}

/**
 * The top entries for a query. Entries in the customer's language come first; when the knowledge base
 * has nothing in that language, the best entries in any language are returned (an LLM can translate).
 */
export function searchKnowledge(
	index: KnowledgeIndex,
	query: string,
	options: { topK?: number; language?: string; strictLanguage?: boolean } = {},
): RetrievedEntry[] {
	const queryTerms = [...new Set(retrievalTerms(query))];
	if (queryTerms.length === 0 || index.documents.length === 0) return [];
	const weight = (term: string) => (term.startsWith('w:') ? WORD_WEIGHT : GRAM_WEIGHT);

	// A query word is covered when the entry has it, a compound it heads, or a word sharing its first five
	// letters (inflections and compounds: "parken" / "Parkplätze", "parkeergelegenheid" / "parkeren").
	const queryWords = queryTerms.filter((term) => term.startsWith('w:'));
	const totalTermWeight = queryTerms.reduce((sum, term) => sum + weight(term) * inverseDocumentFrequency(index, term), 0);
	const totalWordWeight = queryWords.reduce((sum, term) => sum + inverseDocumentFrequency(index, term), 0);
	const covers = (document: IndexedDocument, term: string) => {
		if (document.termFrequencies.has(term)) return true;
		const word = term.slice(2);
		if (word.length < 4) return false;
		const prefix = word.slice(0, 5);
		for (const other of document.termFrequencies.keys()) {
			if (!other.startsWith('w:')) continue;
			const candidate = other.slice(2);
			// "park" heads "parkplatz"; "parkeergelegenheid" and "parkeren" share "parke".
			if (candidate.startsWith(word) || (word.length >= 5 && candidate.length >= 5 && candidate.startsWith(prefix))) return true;
		}
		return false;
	};

	const scored = index.documents.map((document) => {
		let score = 0;
		let matchedTermWeight = 0;
		for (const term of queryTerms) {
			const frequency = document.termFrequencies.get(term);
			if (!frequency) continue;
			const idf = inverseDocumentFrequency(index, term);
			score += weight(term) * idf * ((frequency * (K1 + 1)) / (frequency + K1 * (1 - B + (B * document.length) / index.averageLength)));
			matchedTermWeight += weight(term) * idf;
		}
		const coveredWordWeight = queryWords.filter((term) => covers(document, term)).reduce((sum, term) => sum + inverseDocumentFrequency(index, term), 0);
		// Either measure may see the match: whole words (and their inflections), or shared character grams (typos).
		const coverage = Math.max(
			totalWordWeight > 0 ? coveredWordWeight / totalWordWeight : 0,
			totalTermWeight > 0 ? matchedTermWeight / totalTermWeight : 0,
		);
		return { entry: document.entry, score, coverage };
	});
	const relevant = scored.filter((result) => result.score > 0).sort((a, b) => b.score - a.score);
	const language = options.language;
	if (!language) return relevant.slice(0, options.topK ?? 4);
	const inLanguage = (entry: KnowledgeEntry) => !entry.language || entry.language === language;
	const sameLanguage = relevant.filter((result) => inLanguage(result.entry));
	// Strict: when the knowledge base has entries in the customer's language, only those may answer (without a
	// model, the entry's text is sent as it is). Otherwise the best entries in any language, for a model to translate.
	if (options.strictLanguage && index.documents.some((document) => inLanguage(document.entry))) {
		return sameLanguage.slice(0, options.topK ?? 4);
	}
	const ranked = sameLanguage.length > 0 && sameLanguage[0].coverage >= relevant[0]?.coverage * 0.6 ? sameLanguage : relevant;
	return ranked.slice(0, options.topK ?? 4);
}

/** Reads knowledge entries from loose objects (node parameters, Google Sheets rows, Notion pages …). */
export function toKnowledgeEntries(
	rows: Array<Record<string, unknown>>,
	fields: { question?: string; answer?: string; language?: string } = {},
	idPrefix = 'KB',
): KnowledgeEntry[] {
	const questionField = fields.question ?? 'question';
	const answerField = fields.answer ?? 'answer';
	const languageField = fields.language ?? 'language';
	return rows
		.map((row, index) => ({
			id: row.id !== undefined && row.id !== null && row.id !== '' ? String(row.id) : `${idPrefix}${index + 1}`,
			question: String(row[questionField] ?? '').trim(),
			answer: String(row[answerField] ?? '').trim(),
			language: row[languageField] ? String(row[languageField]).trim().toLowerCase() : undefined,
		}))
		.filter((entry) => entry.answer !== '');
}
