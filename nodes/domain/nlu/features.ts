import conceptLexicon from './data/concepts.json';
import { isSpecialToken, normalizeText } from './text-normalization';

// Local aliases: global lookups are slow inside vm contexts such as Jest's, and these run per n-gram.
const { imul, log, sqrt } = Math;

/** A sparse feature vector: hashed feature ids and their weights (L2-normalised). */
export interface SparseVector {
	ids: Uint32Array;
	values: Float32Array;
}

export interface FeatureOptions {
	/** Character n-gram sizes, taken inside each word padded with boundary marks. */
	minCharGram: number;
	maxCharGram: number;
	/** Relative weight of each feature block; each block is L2-normalised before weighting. */
	wordWeight: number;
	bigramWeight: number;
	charWeight: number;
	/** Weight of the multilingual concept features (data/concepts.json); 0 switches them off. */
	conceptWeight: number;
	/** Adds a feature for the message's length in words (1–2, 3–4, 5–8, 9 or more). */
	lengthFeature: boolean;
}

export const DEFAULT_FEATURE_OPTIONS: FeatureOptions = {
	minCharGram: 3,
	maxCharGram: 5,
	wordWeight: 1,
	bigramWeight: 0.6,
	charWeight: 1,
	conceptWeight: 1,
	lengthFeature: true,
};

/** 32-bit FNV-1a; the seed keeps words, bigrams and character n-grams in separate id ranges. */
export function hashString(text: string, seed = 0x811c9dc5): number {
	let hash = seed >>> 0;
	for (let index = 0; index < text.length; index++) {
		hash ^= text.charCodeAt(index);
		hash = imul(hash, 0x01000193);
	}
	return hash >>> 0;
}

const WORD_SEED = 0x811c9dc5;
const BIGRAM_SEED = 0x2f6b1d3a;
const CHAR_SEED = 0x5bd1e995;
const CONCEPT_SEED = 0x27d4eb2f;

interface ConceptIndex {
	exact: Map<string, string[]>;
	prefix: Map<string, string[]>;
	inside: Array<[string, string]>;
	shortestPrefix: number;
	/** Long words and stems, and each with one letter deleted: finds "cancle", "resevation" (see conceptsOf). */
	fuzzyExact: Map<string, string[]>;
	fuzzyPrefix: Map<string, string[]>;
}

const FUZZY_MIN_LENGTH = 6;

/** The word itself and every form with one letter deleted. */
function deletionVariants(word: string): string[] {
	const variants = [word];
	for (let index = 0; index < word.length; index++) variants.push(word.slice(0, index) + word.slice(index + 1));
	return variants;
}

function buildConceptIndex(concepts: Record<string, string[]>): ConceptIndex {
	const index: ConceptIndex = {
		exact: new Map(),
		prefix: new Map(),
		inside: [],
		shortestPrefix: Infinity,
		fuzzyExact: new Map(),
		fuzzyPrefix: new Map(),
	};
	const add = (map: Map<string, string[]>, key: string, concept: string) => {
		const list = map.get(key) ?? [];
		if (!list.includes(concept)) list.push(concept);
		map.set(key, list);
	};
	for (const [concept, patterns] of Object.entries(concepts)) {
		for (const pattern of patterns) {
			if (pattern.startsWith('*') && pattern.endsWith('*') && pattern.length > 2) {
				index.inside.push([pattern.slice(1, -1), concept]);
			} else if (pattern.endsWith('*')) {
				const stem = pattern.slice(0, -1);
				add(index.prefix, stem, concept);
				index.shortestPrefix = Math.min(index.shortestPrefix, stem.length);
				if (stem.length >= FUZZY_MIN_LENGTH) for (const variant of deletionVariants(stem)) add(index.fuzzyPrefix, variant, concept);
			} else {
				add(index.exact, pattern, concept);
				if (pattern.length >= FUZZY_MIN_LENGTH && !isSpecialToken(pattern)) {
					for (const variant of deletionVariants(pattern)) add(index.fuzzyExact, variant, concept);
				}
			}
		}
	}
	return index;
}

const conceptIndex = buildConceptIndex((conceptLexicon as { concepts: Record<string, string[]> }).concepts);

/** The concepts (data/concepts.json) a normalised token belongs to, e.g. "handdoeken" → ["linen"]. */
export function conceptsOf(token: string): string[] {
	const found = new Set<string>(conceptIndex.exact.get(token) ?? []);
	for (let length = conceptIndex.shortestPrefix; length <= token.length; length++) {
		for (const concept of conceptIndex.prefix.get(token.slice(0, length)) ?? []) found.add(concept);
	}
	for (const [part, concept] of conceptIndex.inside) if (token.includes(part)) found.add(concept);
	if (token.length >= COMPOUND_MIN_LENGTH && !isSpecialToken(token)) addCompoundTailConcepts(token, found);
	if (found.size > 0 || token.length < FUZZY_MIN_LENGTH || isSpecialToken(token)) return [...found];

	// One typo away (symmetric deletion): the token and a concept word share a form with at most one
	// letter deleted from each, which covers a missing, extra, wrong or swapped letter.
	for (const variant of deletionVariants(token)) {
		for (const concept of conceptIndex.fuzzyExact.get(variant) ?? []) found.add(concept);
		for (let length = FUZZY_MIN_LENGTH; length <= variant.length; length++) {
			for (const concept of conceptIndex.fuzzyPrefix.get(variant.slice(0, length)) ?? []) found.add(concept);
		}
	}
	return [...found];
}

const COMPOUND_MIN_LENGTH = 9;
const COMPOUND_MIN_HEAD = 3;
const COMPOUND_MIN_TAIL = 4;

/**
 * German and Dutch glue nouns together ("Zimmerreservierung", "kamerreservering", "Stornogebühr"):
 * the head is found by the prefix patterns, and here each tail after a head of at least three letters
 * is looked up too (whole words of five letters or more, stems of four or more), so "…reservierung"
 * also counts as `book`.
 */
function addCompoundTailConcepts(token: string, found: Set<string>): void {
	for (let start = COMPOUND_MIN_HEAD; start + COMPOUND_MIN_TAIL <= token.length; start++) {
		const tail = token.slice(start);
		if (tail.length > COMPOUND_MIN_TAIL) for (const concept of conceptIndex.exact.get(tail) ?? []) found.add(concept);
		for (let length = Math.max(COMPOUND_MIN_TAIL, conceptIndex.shortestPrefix); length <= tail.length; length++) {
			for (const concept of conceptIndex.prefix.get(tail.slice(0, length)) ?? []) found.add(concept);
		}
	}
}

const LENGTH_BUCKETS = [':len1-2:', ':len3-4:', ':len5-8:', ':len9+:'];

function lengthBucket(tokens: number): string {
	if (tokens <= 2) return ':len1-2:';
	if (tokens <= 4) return ':len3-4:';
	if (tokens <= 8) return ':len5-8:';
	return ':len9+:';
}

function addCount(counts: Map<number, number>, id: number): void {
	counts.set(id, (counts.get(id) ?? 0) + 1);
}

/** Sublinear term frequency (1 + ln tf), then L2 norm of the block, times the block's weight. */
function weighBlock(counts: Map<number, number>, weight: number, into: Map<number, number>): void {
	if (counts.size === 0 || weight === 0) return;
	let squares = 0;
	const scaled: Array<[number, number]> = [];
	for (const [id, count] of counts) {
		const value = 1 + log(count);
		scaled.push([id, value]);
		squares += value * value;
	}
	const factor = weight / sqrt(squares);
	for (const [id, value] of scaled) into.set(id, (into.get(id) ?? 0) + value * factor);
}

/** Hashed word unigrams and bigrams plus character n-grams within word boundaries. */
export function extractFeatures(
	text: string,
	options: FeatureOptions = DEFAULT_FEATURE_OPTIONS,
	keepToken?: (token: string) => boolean,
): SparseVector {
	const normalized = normalizeText(text);
	const { question } = normalized;
	const tokens = keepToken ? normalized.tokens.filter(keepToken) : normalized.tokens;
	if (question) tokens.push(':q:');
	const words = new Map<number, number>();
	const bigrams = new Map<number, number>();
	const chars = new Map<number, number>();
	const concepts = new Map<number, number>();

	let previous = '<s>';
	for (const token of tokens) {
		addCount(words, hashString(token, WORD_SEED));
		addCount(bigrams, hashString(`${previous} ${token}`, BIGRAM_SEED));
		previous = token;
		if (options.conceptWeight > 0) for (const concept of conceptsOf(token)) addCount(concepts, hashString(concept, CONCEPT_SEED));
		if (isSpecialToken(token)) continue;
		const padded = `<${token}>`;
		for (let size = options.minCharGram; size <= options.maxCharGram; size++) {
			if (padded.length < size) break;
			for (let start = 0; start + size <= padded.length; start++) {
				addCount(chars, hashString(padded.slice(start, start + size), CHAR_SEED));
			}
		}
	}
	if (tokens.length > 0) addCount(bigrams, hashString(`${previous} </s>`, BIGRAM_SEED));
	// How long the message is: a greeting or a thank-you is short, a question wrapped in them is not.
	if (options.lengthFeature && tokens.length > 0) addCount(words, hashString(lengthBucket(tokens.length), WORD_SEED));

	const combined = new Map<number, number>();
	weighBlock(words, options.wordWeight, combined);
	weighBlock(bigrams, options.bigramWeight, combined);
	weighBlock(chars, options.charWeight, combined);
	weighBlock(concepts, options.conceptWeight, combined);

	let squares = 0;
	for (const value of combined.values()) squares += value * value;
	const norm = squares > 0 ? 1 / sqrt(squares) : 0;
	const ids = new Uint32Array(combined.size);
	const values = new Float32Array(combined.size);
	let index = 0;
	for (const [id, value] of combined) {
		ids[index] = id;
		values[index] = value * norm;
		index++;
	}
	return { ids, values };
}

/** Ids of the length features: they describe a message's shape, not its words (see the classifier's logits). */
export const LENGTH_FEATURE_IDS: ReadonlySet<number> = new Set(LENGTH_BUCKETS.map((bucket) => hashString(bucket, WORD_SEED)));
