/**
 * Party size: everyone who comes. "2 adults and a kid" is 3, "met z'n vieren" 4, "me and my wife" 2,
 * "with my husband and our 2 kids" 4 (the writer comes too).
 */
import type { SupportedLanguage } from '../types';
import { alternation, LEXICONS, numberValue, WORD_AFTER, WORD_BEFORE, type Lexicon } from './lexicon';
import { longestFirst, type Candidate, type MessageText } from './spans';

interface PartyPatterns {
	lexicon: Lexicon;
	chain: RegExp;
	member: RegExp;
	phrases: RegExp;
	dutchGroup: RegExp;
	counted: RegExp;
}

const cache = new Map<SupportedLanguage, PartyPatterns>();

const DUTCH_GROUP_WORDS: Record<string, number> = {
	tweeën: 2, tweeen: 2, tweetjes: 2, drieën: 3, drieen: 3, vieren: 4, vijven: 5, zessen: 6, zevenen: 7, achten: 8, negenen: 9, tienen: 10, elven: 11, twaalven: 12,
};

const MAX_PARTY = 200;
/** Nouns that count everyone (not only the companions): people, personen, Personen, personnes, personas. */
const PEOPLE_WORDS = 'people|persons|ppl|pax|guests|adults|personen|pers\\.?|gasten|volwassenen|volw\\.?|leute|gäste|erwachsene|erwachsenen|personnes|couverts|adultes|personas|comensales|adultos';

function patternsFor(language: SupportedLanguage): PartyPatterns {
	const cached = cache.get(language);
	if (cached) return cached;
	const lexicon = LEXICONS[language];
	const B = WORD_BEFORE;
	const A = WORD_AFTER;
	const number = `(?:\\d{1,3}|${alternation(Object.keys({ ...LEXICONS.en.numbers, ...lexicon.numbers }))})`;
	const people = alternation(lexicon.people);
	const articles = alternation(['a', 'an', 'one', 'een', 'één', 'ein', 'eine', 'einem', 'einer', 'un', 'une', 'una', 'uno']);
	const companion = `(?:${alternation(lexicon.companions)})(?:s|en|es|n)?`;
	const member =
		`(?:${number}\\s+(?:${alternation([...lexicon.people, ...lexicon.onePerson])})` +
		`|(?:${articles})\\s+(?:${alternation(lexicon.onePerson)})` +
		`|(?:${alternation(lexicon.possessives)})\\s+(?:${number}\\s+)?(?:${companion}|${people})` +
		`|(?:${alternation(lexicon.self)}))${A}`;
	// "2 adults and a kid", "2 adults, 1 child", "2 adults 1 child"
	const join = `(?:\\s*(?:${alternation([...lexicon.and, ...lexicon.with])})\\s*|\\s+(?=\\d))`;
	// After a count: the end, punctuation, or a word that cannot be what is counted ("for 2 at 8", "somos 4,")
	const free = alternation([
		...lexicon.timeLead,
		...lexicon.forPeople,
		...lexicon.rangeStart,
		...lexicon.and.filter((word) => /\p{L}/u.test(word)),
		...Object.keys(lexicon.relativeDays),
		...Object.keys(lexicon.weekdays).filter((word) => word.length > 3),
		...lexicon.evening.filter((word) => !lexicon.night.some((night) => word.includes(night))),
		...lexicon.people,
		'on', 'op', 'am', 'le', 'el', 'this', 'next', 'please', 'pls', 'graag', 'aub', 'bitte', 'svp', 'por favor',
	]);
	const countEnd = `(?=\\s*(?:$|[,.!?;:)+\\-]|(?:${free})${A}))`;
	const patterns: PartyPatterns = {
		lexicon,
		member: new RegExp(`${B}${member}`, 'gu'),
		chain: new RegExp(`${B}(?:(${alternation(lexicon.with)})\\s+)?${member}(?:${join}${member})*`, 'gu'),
		phrases: new RegExp(`${B}(${alternation(Object.keys(lexicon.partyPhrases))})${A}`, 'gu'),
		dutchGroup: new RegExp(`${B}met\\s+(?:z'n|zn|zijn|ons|onze|z'n)\\s+(${alternation(Object.keys(DUTCH_GROUP_WORDS))}|\\d{1,2}en)${A}`, 'gu'),
		counted: new RegExp(`${B}(?:${alternation([...lexicon.weAre, ...lexicon.groupOf, ...lexicon.forPeople])})\\s+(${number})${A}${countEnd}`, 'gu'),
	};
	cache.set(language, patterns);
	return patterns;
}

function memberCount(text: string, patterns: PartyPatterns): { count: number; self: boolean; counted: boolean } {
	const { lexicon } = patterns;
	const words = text.trim().split(/\s+/);
	if (words.length === 1 && lexicon.self.includes(words[0])) return { count: 1, self: true, counted: false };
	const firstNumber = numberValue(words[0], lexicon);
	if (firstNumber !== undefined && words.length >= 2 && !['a', 'an', 'een', 'ein', 'eine', 'einem', 'einer', 'un', 'une', 'una', 'uno'].includes(words[0])) {
		return { count: firstNumber, self: false, counted: true };
	}
	if (lexicon.possessives.includes(words[0]) && words.length >= 3) {
		const inner = numberValue(words[1], lexicon);
		if (inner !== undefined) return { count: inner, self: false, counted: true };
	}
	return { count: 1, self: false, counted: false };
}

export function extractPartySize(message: MessageText, language: SupportedLanguage): Candidate[] {
	const patterns = patternsFor(language);
	const text = message.lower;
	const found: Candidate[] = [];
	const add = (start: number, end: number, value: number) => {
		if (value >= 1 && value <= MAX_PARTY && message.isFree(start, end)) found.push({ type: 'party_size', value, start, end });
	};

	for (const match of patterns.phrases[Symbol.matchAll](text)) add(match.index!, match.index! + match[0].length, patterns.lexicon.partyPhrases[match[1].replace(/\s+/g, ' ')]);
	for (const match of patterns.dutchGroup[Symbol.matchAll](text)) {
		const word = match[1];
		add(match.index!, match.index! + match[0].length, DUTCH_GROUP_WORDS[word] ?? Number(word.slice(0, -2)));
	}
	for (const match of patterns.counted[Symbol.matchAll](text)) {
		const value = numberValue(match[1], patterns.lexicon);
		if (value !== undefined && value <= 50) add(match.index!, match.index! + match[0].length, value);
	}
	for (const match of patterns.chain[Symbol.matchAll](text)) {
		const withCompanions = match[1] !== undefined;
		const body = withCompanions ? match[0].slice(match[1].length) : match[0];
		const members = [...body.matchAll(patterns.member)].map((member) => memberCount(member[0], patterns));
		if (members.length === 0) continue;
		const hasSelf = members.some((member) => member.self);
		// One person alone ("my wife loved it", "I") is no party; one counted group is ("4 people")
		if (members.length === 1 && !members[0].counted && !withCompanions) continue;
		if (members.length === 1 && members[0].self) continue;
		// "with my husband": the writer comes too; but "we zijn met 5", "wir sind mit 3" count everyone already
		const weAlready = /(?:zijn|komen|sind|kommen|we|wij|wir)\s*$/u.test(text.slice(Math.max(0, match.index! - 12), match.index!));
		// "met 5 personen", "with 4 people": a count of people is everyone
		const everyone = members[0].counted && new RegExp(`^\\S+\\s+(?:${PEOPLE_WORDS})$`, 'u').test(body.trim().split(/\s*(?:,|\+|&)\s*|\s+(?:and|en|und|et|y)\s+/u)[0]);
		const total = members.reduce((sum, member) => sum + member.count, 0) + (withCompanions && !hasSelf && !weAlready && !everyone ? 1 : 0);
		add(match.index!, match.index! + match[0].length, total);
	}
	const kept = longestFirst(found);
	const seen = new Set<number>();
	const unique = kept.filter((candidate) => !seen.has(candidate.value as number) && seen.add(candidate.value as number));
	for (const candidate of unique) message.take(candidate.start, candidate.end);
	return unique;
}
