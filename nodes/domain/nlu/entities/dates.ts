/**
 * Dates, date ranges, times and numbers of nights.
 *
 * chrono-node reads calendar dates ("12 March", "le 20 mars", "28/03", "zaterdag 14 maart", "tomorrow")
 * in the message's language. Our own rules add what it does not read in every language (German and
 * Spanish relative words, "the 12th", "de 20e", "am 12.", "18.03."), ranges as written ("van vrijdag t/m
 * zondag", "del 5 al 8 de agosto", "3 nights from the 12th", arrival … departure, "next weekend") and
 * times (chrono's time parsing differs per locale, so one grammar reads them all, 24 h).
 */
import * as chrono from 'chrono-node';

import type { SupportedLanguage } from '../types';
import {
	addDays,
	compareDays,
	formatDay,
	isValidDay,
	nextDayOfMonth,
	nextMonthDay,
	nextWeekday,
	offsetMinutes,
	wallClock,
	weekdayOf,
	type LocalDay,
} from './calendar';
import { alternation, LEXICONS, numberValue, WORD_AFTER, WORD_BEFORE, type Lexicon } from './lexicon';
import { longestFirst, type Candidate, type MessageText } from './spans';

export interface DateContext {
	language: SupportedLanguage;
	reference: Date;
	timeZone: string;
	today: LocalDay;
}

export function dateContext(language: SupportedLanguage, reference: Date, timeZone: string): DateContext {
	const clock = wallClock(reference, timeZone);
	return { language, reference, timeZone, today: { year: clock.year, month: clock.month, day: clock.day } };
}

/** A date as written: what it names, resolved against today. */
interface DateMention {
	start: number;
	end: number;
	day: LocalDay;
	/** Only a day of the month was written ("the 12th"): a range end may move it to the other date's month. */
	dayOnly?: boolean;
	/** The month was written (so a bare day before it in a range takes this month). */
	month?: number;
	weekday?: boolean;
	/** chrono-node read a range ("12 to 14 March"): its last day. */
	rangeEnd?: LocalDay;
}

const ORDINAL_SUFFIX = "(?:st|nd|rd|th|e|ste|de|ème|eme|er|º|ª|o|\\.)?";
/** Nouns that make an ordinal an adjective: "3rd floor", "de 3e verdieping", "im 3. Stock". */
const ORDINAL_NOUNS =
	'floor|time|times|row|place|room|verdieping|etage|keer|plaats|kamer|rij|stock|stockwerk|etage|mal|platz|reihe|zimmer|étage|fois|place|rang|chambre|planta|piso|vez|veces|fila|habitación|habitacion|night|nights|nacht|nächte|nuit|nuits|noche|noches|edition|editie|ausgabe|année|year|jaar|jahr|año|stars?|sterren|sterne|étoiles|estrellas';

interface LanguagePatterns {
	lexicon: Lexicon;
	monthDay: RegExp;
	monthName: RegExp;
	dayMonth: RegExp;
	numeric: RegExp;
	dayOnly: RegExp;
	weekday: RegExp;
	relative: RegExp;
	weekend: RegExp;
	nights: RegExp;
	times: Array<{ pattern: RegExp; read: (match: RegExpExecArray) => { hour: number; minute: number; meridiem?: 'am' | 'pm' } | undefined }>;
	evening: RegExp;
	morning: RegExp;
	rangeJoin: RegExp;
	strongJoin: RegExp;
	rangeStartBefore: RegExp;
	bareDayBefore: RegExp;
	nightsFromBefore: RegExp;
	arrivalBefore: RegExp;
	departureBefore: RegExp;
	timeLeadBefore: RegExp;
}

const patternCache = new Map<SupportedLanguage, LanguagePatterns>();

const ARTICLE_BEFORE_DAY: Record<SupportedLanguage, string> = {
	en: 'the|on the|on|from the|by the|until the|till the',
	nl: 'de|op de|vanaf de|tot de|t/m de|per de|op',
	de: 'am|dem|den|ab dem|ab den|bis zum|zum|vom|ab|bis',
	fr: 'le|du|au|dès le|jusqu\'au|à partir du|a partir du',
	es: 'el|del|al|desde el|hasta el|a partir del|día|dia',
};

function patternsFor(language: SupportedLanguage): LanguagePatterns {
	const cached = patternCache.get(language);
	if (cached) return cached;
	const lexicon = LEXICONS[language];
	const months = alternation(Object.keys(lexicon.months));
	const numberWords = alternation(Object.keys({ ...LEXICONS.en.numbers, ...lexicon.numbers }));
	const fullWeekdays = alternation(Object.keys(lexicon.weekdays).filter((name) => name.length > 3));
	const B = WORD_BEFORE;
	const A = WORD_AFTER;
	const day = `(\\d{1,2})${ORDINAL_SUFFIX}`;
	const year = `(?:,?\\s+(\\d{4}))?`;
	const timeWordsAfter = `(?!\\s*(?:${alternation([...lexicon.hourWords, 'am', 'pm', 'uur', 'uhr', 'h'])})${A})`;

	const hourWords = alternation(lexicon.hourWords);
	const leads = alternation(lexicon.timeLead);
	const hourNumberWords = alternation(Object.keys({ ...lexicon.numbers, ...FRENCH_HOURS, ...(language === 'en' ? {} : {}) }));
	const times: LanguagePatterns['times'] = [
		// 19:30, 7.30pm, 18.30 uur, 20:15h
		{
			pattern: new RegExp(`${B}(\\d{1,2})[:.](\\d{2})(?!\\d|[.,]\\d)\\s*(a\\.?m\\.?|p\\.?m\\.?|${hourWords})?${A}`, 'gu'),
			read: (match) => ({ hour: Number(match[1]), minute: Number(match[2]), meridiem: meridiemOf(match[3]) }),
		},
		// 20h, 18h30, 19u, 19u30 (not "3h of driving"? a bare "h" is an hour in fr/es/nl)
		{
			pattern: new RegExp(`${B}(\\d{1,2})\\s?(?:h|u)(\\d{2})?${A}`, 'gu'),
			read: (match) => ({ hour: Number(match[1]), minute: Number(match[2] ?? 0) }),
		},
		// 8pm, 10 p.m., 7am
		{
			pattern: new RegExp(`${B}(\\d{1,2})\\s*(a\\.?m\\.?|p\\.?m\\.?)(?![\\p{L}])`, 'gu'),
			read: (match) => ({ hour: Number(match[1]), minute: 0, meridiem: meridiemOf(match[2]) }),
		},
		// 14 uur, 18 Uhr, 7 heures, 9 horas, 8 o'clock
		{
			pattern: new RegExp(`${B}(\\d{1,2}|${hourNumberWords})\\s+(?:${alternation(lexicon.hourWords.filter((word) => word.length > 1))})(?:\\s+(trente|quinze|et demie|et quart|moins le quart|quarante-cinq|\\d{1,2}))?${A}`, 'gu'),
			read: (match) => {
				const hour = hourNumber(match[1], lexicon);
				if (hour === undefined) return undefined;
				return { hour, minute: frenchMinutes(match[2]) };
			},
		},
		...languageTimePatterns(language, lexicon, leads, hourNumberWords),
		// "at 8", "om 7", "um 9", "à 8", "a las 9": a bare hour needs a lead and nothing that makes it a count
		{
			pattern: new RegExp(`${B}(?:${alternation(BARE_HOUR_LEADS[language])})\\s+(\\d{1,2})(?![:.]\\d)(?=\\s*(?:$|[,.!?;)]|\\s+(?:${alternation([...lexicon.evening, ...lexicon.morning, ...Object.keys(lexicon.relativeDays), ...lexicon.forPeople, ...Object.keys(lexicon.weekdays), 'please', 'pls', 'graag', 'aub', 'bitte', 'svp', 'por favor', 'ish', 'or so', 'zu', 'à', 'for', 'voor', 'für', 'pour', 'para', 'with', 'met', 'mit', 'avec', 'con', 'or', 'of', 'oder', 'ou', 'o', 'instead', 'in plaats', 'statt', 'au lieu', 'en vez'])})${A}))`, 'gu'),
			read: (match) => ({ hour: Number(match[1]), minute: 0 }),
		},
	];

	const patterns: LanguagePatterns = {
		lexicon,
		monthName: new RegExp(`${B}(?:${months})${A}`, 'u'),
		monthDay: new RegExp(`${B}(${months})\\.?\\s+(\\d{1,2})(?:st|nd|rd|th)?${A}${year}`, 'gu'),
		dayMonth: new RegExp(`${B}${day}(?:\\s*(?:of|de|van|-)\\s*|\\s+|-)(${months})\\.?${A}${year}`, 'gu'),
		numeric: new RegExp(`(?<![\\d.,/:-])(\\d{1,2})([./-])(\\d{1,2})(?:\\2(\\d{4}|\\d{2}))?(\\.)?(?![\\d/:]|[.,-]\\d)${timeWordsAfter}`, 'gu'),
		dayOnly: new RegExp(`${B}(?:${ARTICLE_BEFORE_DAY[language]})\\s+(\\d{1,2})(${ORDINAL_SUFFIX.slice(3, -2)})?${A}(?!\\s*(?:${ORDINAL_NOUNS}|${months}|${alternation(lexicon.night)}|${alternation(lexicon.people)}|${alternation([...lexicon.hourWords, 'am', 'pm'])})${A})(?!\\s*\\d)(?!\\s+(?:and|en|und|et|y)\\s+\\d)`, 'gu'),
		weekday: new RegExp(
			`${B}(?:(${NEXT_WEEK})\\s+)?(?:(next|this|coming|volgende|komende|deze|aanstaande|nächsten|nächster|kommenden|diesen|ce|este|el próximo|el proximo|próximo|proximo)\\s+)?(${fullWeekdays})(?:s|${WEEKDAY_COMPOUNDS})?(?:\\s+(prochain|qui vient|que viene|próximo|proximo))?(?:\\s+(${NEXT_WEEK}))?${A}(?:,?\\s+(?:the\\s+|de\\s+|den\\s+|le\\s+|el\\s+|der\\s+)?(\\d{1,2})${ORDINAL_SUFFIX}${A}(?!\\s*(?:${months}|[./-]\\d|[:.]\\d|${alternation([...lexicon.hourWords, 'am', 'pm'])})))?`,
			'gu',
		),
		relative: new RegExp(`${B}(${alternation(Object.keys(lexicon.relativeDays))})${A}`, 'gu'),
		weekend: new RegExp(`${B}(${alternation(lexicon.weekend)})${A}`, 'gu'),
		nights: new RegExp(`${B}(\\d{1,2}|${numberWords})\\s+(?:${alternation(lexicon.night)})${A}`, 'gu'),
		times,
		evening: new RegExp(`${B}(?:${alternation(lexicon.evening)})${A}`, 'u'),
		morning: new RegExp(`${B}(?:${alternation(lexicon.morning)})${A}`, 'u'),
		rangeJoin: new RegExp(`^[\\s,]*(?:${alternation(lexicon.rangeJoin)})\\s*(?:(?:${ARTICLE_BEFORE_DAY[language]})\\s+)?$`, 'u'),
		strongJoin: new RegExp(`^[\\s,]*(?:${alternation(lexicon.rangeJoin.filter((word) => !WEAK_JOINS.includes(word)))})\\s*(?:(?:${ARTICLE_BEFORE_DAY[language]})\\s+)?$`, 'u'),
		rangeStartBefore: new RegExp(`${B}(?:${alternation(lexicon.rangeStart)})\\s+(?:(?:${ARTICLE_BEFORE_DAY[language]})\\s+)?$`, 'u'),
		bareDayBefore: new RegExp(`(?:${B}(${alternation(lexicon.rangeStart)})\\s+)?(?:(?:${ARTICLE_BEFORE_DAY[language]})\\s+)?(?<![\\d.])(\\d{1,2})${ORDINAL_SUFFIX}\\s*(${alternation(lexicon.rangeJoin)})\\s*(?:(?:${ARTICLE_BEFORE_DAY[language]})\\s+)?$`, 'u'),
		nightsFromBefore: new RegExp(`${B}(\\d{1,2}|${numberWords})\\s+(?:${alternation(lexicon.night)})(?:\\s+\\p{L}+){0,2}?\\s+(?:${alternation(lexicon.nightsFrom)})\\s*(?:${ARTICLE_BEFORE_DAY[language]})?\\s*$`, 'u'),
		arrivalBefore: new RegExp(`${B}(?:${alternation(lexicon.arrival)})\\s*(?:${ARTICLE_BEFORE_DAY[language]})?\\s*[:]?\\s*$`, 'u'),
		departureBefore: new RegExp(`${B}(?:${alternation(lexicon.departure)})\\s*(?:${ARTICLE_BEFORE_DAY[language]})?\\s*[:]?\\s*$`, 'u'),
		timeLeadBefore: new RegExp(`${B}(?:${leads})\\s*$`, 'u'),
	};
	patternCache.set(language, patterns);
	return patterns;
}

/** Words that make a bare number an hour ("at 8", "om 7", "um 9", "à 8", "vers 9"). */
const BARE_HOUR_LEADS: Record<SupportedLanguage, string[]> = {
	en: ['at', 'around', 'about', 'by', '@'],
	nl: ['om', 'rond', 'omstreeks', 'tegen'],
	de: ['um', 'gegen'],
	fr: ['à', 'vers', 'dès'],
	es: ['a las', 'sobre las', 'hacia las', 'las'],
};

/** "zaterdagavond", "Samstagabend", "Freitagnachmittag": a weekday with a part of the day. */
const WEEKDAY_COMPOUNDS = 'avond|middag|ochtend|morgen|nacht|abend|mittag|vormittag|nachmittag|morgen';
const NEXT_WEEK = 'next week|volgende week|nächste woche|naechste woche|la semaine prochaine|de la semaine prochaine|de la semana que viene|de la próxima semana|de la proxima semana';

const FRENCH_HOURS: Record<string, number> = {
	treize: 13, quatorze: 14, quinze: 15, seize: 16, 'dix-sept': 17, 'dix-huit': 18, 'dix-neuf': 19, vingt: 20,
	'vingt et une': 21, 'vingt-et-une': 21, 'vingt-deux': 22, 'vingt deux': 22, 'vingt-trois': 23, 'vingt trois': 23, midi: 12, minuit: 0,
};

function hourNumber(word: string, lexicon: Lexicon): number | undefined {
	const value = FRENCH_HOURS[word] ?? numberValue(word, lexicon);
	return value !== undefined && value <= 24 ? value % 24 : undefined;
}

function frenchMinutes(word: string | undefined): number {
	if (!word) return 0;
	const known: Record<string, number> = { trente: 30, quinze: 15, 'et demie': 30, 'et quart': 15, 'moins le quart': -15, 'quarante-cinq': 45 };
	return known[word] ?? (Number(word) < 60 ? Number(word) : 0);
}

function meridiemOf(word: string | undefined): 'am' | 'pm' | undefined {
	if (!word) return undefined;
	if (/^a\.?m\.?$/.test(word)) return 'am';
	if (/^p\.?m\.?$/.test(word)) return 'pm';
	return undefined;
}

/** Clock phrases in words: "half past seven", "half acht", "halb neun", "vingt heures trente", "las ocho y media". */
function languageTimePatterns(language: SupportedLanguage, lexicon: Lexicon, leads: string, hourNumberWords: string): LanguagePatterns['times'] {
	const B = WORD_BEFORE;
	const A = WORD_AFTER;
	const hours = `(\\d{1,2}|${hourNumberWords})`;
	const at = (hour: string | undefined, minute: number, offset = 0) => {
		const value = hour === undefined ? undefined : hourNumber(hour, lexicon);
		if (value === undefined) return undefined;
		let total = value * 60 + minute + offset;
		if (total < 0) total += 24 * 60;
		// "halb eins", "half een": half past twelve, not 00:30
		if (offset < 0 && total < 60) total += 12 * 60;
		return { hour: Math.floor(total / 60) % 24, minute: total % 60 };
	};
	switch (language) {
		case 'en':
			return [
				{ pattern: new RegExp(`${B}half\\s+past\\s+${hours}${A}`, 'gu'), read: (match) => at(match[1], 30) },
				// British "half seven" is 7:30
				{ pattern: new RegExp(`${B}(?:${alternation(BARE_HOUR_LEADS.en)})\\s+half\\s+(${hourNumberWords}|\\d{1,2})${A}(?![:.]\\d)`, 'gu'), read: (match) => at(match[1], 30) },
				{ pattern: new RegExp(`${B}quarter\\s+past\\s+${hours}${A}`, 'gu'), read: (match) => at(match[1], 15) },
				{ pattern: new RegExp(`${B}quarter\\s+to\\s+${hours}${A}`, 'gu'), read: (match) => at(match[1], 0, -15) },
				{ pattern: new RegExp(`${B}(?:${leads})\\s+${hours}\\s+(thirty|fifteen|forty-five|o'clock)${A}`, 'gu'), read: (match) => at(match[1], { thirty: 30, fifteen: 15, 'forty-five': 45 }[match[2]] ?? 0) },
				{ pattern: new RegExp(`${B}(?:${leads})\\s+(?:${alternation(lexicon.noon)})${A}|${B}(?:${alternation(lexicon.noon)})${A}`, 'gu'), read: () => ({ hour: 12, minute: 0 }) },
			];
		case 'nl':
			return [
				{ pattern: new RegExp(`${B}half\\s+${hours}${A}`, 'gu'), read: (match) => at(match[1], 0, -30) },
				{ pattern: new RegExp(`${B}kwart\\s+over\\s+${hours}${A}`, 'gu'), read: (match) => at(match[1], 15) },
				{ pattern: new RegExp(`${B}kwart\\s+voor\\s+${hours}${A}`, 'gu'), read: (match) => at(match[1], 0, -15) },
				{ pattern: new RegExp(`${B}(?:${alternation(BARE_HOUR_LEADS.nl)})\\s+(${hourNumberWords})${A}(?!\\s*(?:${alternation(lexicon.people)}))`, 'gu'), read: (match) => at(match[1], 0) },
			];
		case 'de':
			return [
				{ pattern: new RegExp(`${B}halb\\s+${hours}${A}`, 'gu'), read: (match) => at(match[1], 0, -30) },
				{ pattern: new RegExp(`${B}viertel\\s+nach\\s+${hours}${A}`, 'gu'), read: (match) => at(match[1], 15) },
				{ pattern: new RegExp(`${B}viertel\\s+vor\\s+${hours}${A}`, 'gu'), read: (match) => at(match[1], 0, -15) },
				{ pattern: new RegExp(`${B}dreiviertel\\s+${hours}${A}`, 'gu'), read: (match) => at(match[1], 0, -15) },
			];
		case 'fr':
			return [
				{ pattern: new RegExp(`${B}(?:${leads})\\s+midi(?:\\s+et\\s+demie)?${A}|${B}midi${A}`, 'gu'), read: (match) => ({ hour: 12, minute: /demie/.test(match[0]) ? 30 : 0 }) },
				{ pattern: new RegExp(`${B}(?:${leads})\\s+minuit${A}`, 'gu'), read: () => ({ hour: 0, minute: 0 }) },
			];
		case 'es':
			return [
				{
					pattern: new RegExp(`${B}(?:a|sobre|hacia|desde|hasta|antes de|después de|despues de)\\s+la(?:s)?\\s+${hours}(?:\\s+(y\\s+media|y\\s+cuarto|menos\\s+cuarto|y\\s+\\d{1,2}))?${A}(?![:.]\\d)`, 'gu'),
					read: (match) => {
						const extra = match[2]?.replace(/\s+/g, ' ');
						if (!extra) return at(match[1], 0);
						if (extra === 'y media') return at(match[1], 30);
						if (extra === 'y cuarto') return at(match[1], 15);
						if (extra === 'menos cuarto') return at(match[1], 0, -15);
						return at(match[1], Number(extra.slice(2)));
					},
				},
				{ pattern: new RegExp(`${B}(?:al\\s+|a\\s+)?(?:mediodía|mediodia)${A}`, 'gu'), read: () => ({ hour: 12, minute: 0 }) },
			];
	}
}

function* matches(pattern: RegExp, text: string): Generator<RegExpExecArray> {
	pattern.lastIndex = 0;
	let match: RegExpExecArray | null;
	while ((match = pattern.exec(text)) !== null) {
		yield match;
		if (match[0].length === 0) pattern.lastIndex++;
	}
}

function monthDay(context: DateContext, month: number, day: number, year?: string): LocalDay | undefined {
	if (year) {
		const fullYear = year.length === 2 ? 2000 + Number(year) : Number(year);
		return isValidDay(fullYear, month, day) ? { year: fullYear, month, day } : undefined;
	}
	return nextMonthDay(context.today, month, day);
}

/** Every date written in the message, as our rules and chrono-node read it. */
function findDateMentions(message: MessageText, context: DateContext): DateMention[] {
	const patterns = patternsFor(context.language);
	const { lexicon } = patterns;
	const text = message.lower;
	const found: Array<DateMention & { length: number }> = [];
	const add = (start: number, end: number, day: LocalDay | undefined, extra: Partial<DateMention> = {}) => {
		if (!day || !message.isFree(start, end)) return;
		found.push({ start, end, day, length: end - start, ...extra });
	};

	for (const match of matches(patterns.dayMonth, text)) {
		const month = lexicon.months[match[2]];
		add(match.index, match.index + match[0].length, monthDay(context, month, Number(match[1]), match[3]), { month });
	}
	for (const match of matches(patterns.monthDay, text)) {
		const month = lexicon.months[match[1]];
		add(match.index, match.index + match[0].length, monthDay(context, month, Number(match[2]), match[3]), { month });
	}
	for (const match of matches(patterns.numeric, text)) {
		const [whole, first, separator, second, year, trailingDot] = match;
		if (isRating(text, match.index, whole, second)) continue;
		// "om 12.30" is a time; "12.04." and "12.04.2026" are dates
		if (separator === '.' && !year && !trailingDot && patterns.timeLeadBefore.test(text.slice(0, match.index))) continue;
		const month = Number(second);
		add(match.index, match.index + whole.length, monthDay(context, month, Number(first), year), { month });
	}
	for (const match of matches(patterns.dayOnly, text)) {
		const start = match.index + match[0].length - match[1].length - (match[2]?.length ?? 0);
		// A German day needs its dot ("am 12."), a bare "am 12" is often a time or a count
		if (context.language === 'de' && !match[2]) continue;
		if (context.language === 'en' && !match[2] && !/^(?:the|on the|from the|by the|until the|till the)\s/.test(match[0])) continue;
		add(start, match.index + match[0].length, nextDayOfMonth(context.today, Number(match[1])), { dayOnly: true });
	}
	for (const match of matches(patterns.weekday, text)) {
		const [, nextWeekBefore, prefix, name, suffix, nextWeekAfter, dayOfMonth] = match;
		const weekday = lexicon.weekdays[name];
		const end = match.index + match[0].length;
		// "last Friday", "vorige week vrijdag", "vendredi dernier", "el viernes pasado": the past is no booking date
		if (PAST_BEFORE.test(text.slice(Math.max(0, match.index - 24), match.index)) || PAST_AFTER.test(text.slice(end, end + 12))) continue;
		if (dayOfMonth) {
			// "woensdag 11", "Friday the 13th": the next such day of the month, on that weekday if we can
			const day = Number(dayOfMonth);
			let date = nextDayOfMonth(context.today, day);
			for (let probe = date, step = 0; probe && step < 14; step++, probe = nextDayOfMonth(addDays(probe, 1), day)) {
				if (weekdayOf(probe) === weekday) {
					date = probe;
					break;
				}
			}
			add(match.index, end, date, { dayOnly: true });
			continue;
		}
		if (nextWeekBefore || nextWeekAfter) {
			// "Wednesday next week": that weekday in the calendar week after this one (weeks start on Monday)
			const monday = addDays(context.today, -((weekdayOf(context.today) + 6) % 7) + 7);
			add(match.index, end, addDays(monday, (weekday + 6) % 7), { weekday: true });
			continue;
		}
		add(match.index, end, nextWeekday(context.today, weekday, !prefix && !suffix), { weekday: true });
	}
	for (const match of matches(patterns.relative, text)) {
		const before = text.slice(Math.max(0, match.index - 8), match.index);
		// "guten Morgen", "goede morgen", "por la mañana", "esta mañana" are greetings and mornings
		if (/(?:guten|goede|la|esta|this)\s+$/.test(before) && /^(?:morgen|mañana|manana|morning)$/.test(match[1])) continue;
		add(match.index, match.index + match[0].length, addDays(context.today, lexicon.relativeDays[match[1]]));
	}
	found.push(...chronoDates(message, context));
	const kept = longestFirst(found.map((mention) => ({ ...mention, type: 'date' as const, value: '' }))).map((candidate) => {
		const { type: _type, value: _value, ...mention } = candidate as unknown as DateMention & { type: string; value: string; length: number };
		return mention as DateMention;
	});
	// "zaterdag 14 maart", "Friday, 6 March": the weekday only repeats the date after it
	return kept.filter((mention, index) => {
		const next = kept[index + 1];
		return !(mention.weekday && next && !next.weekday && /^[\s,]*(?:the|de|den|der|le|el)?\s*$/u.test(text.slice(mention.end, next.start)));
	});
}

/** "10/10", "9/10 would recommend": scores, not dates. */
function isRating(text: string, index: number, whole: string, second: string): boolean {
	if (whole === '24/7' || whole === '5/5') return true;
	// "3/4 of the rooms": a fraction
	if (whole.includes('/') && /^\s+(?:of|van|der|des|de\s+l[ao]s)\s/u.test(text.slice(index + whole.length, index + whole.length + 10))) return true;
	if (!whole.includes('/') || (second !== '10' && second !== '5')) return false;
	const after = text.slice(index + whole.length, index + whole.length + 24);
	return whole === '10/10' || /^\s*(?:would|stars?|points?|punten|sterren|sterne|punkte|étoiles|estrellas|puntos|!)/.test(after);
}

function chronoDates(message: MessageText, context: DateContext): Array<DateMention & { length: number }> {
	const parser = CHRONO_PARSERS[context.language];
	const patterns = patternsFor(context.language);
	const reference = { instant: context.reference, timezone: offsetMinutes(context.reference, context.timeZone) };
	const mentions: Array<DateMention & { length: number }> = [];
	for (const result of parser.parse(message.lower, reference, { forwardDate: true })) {
		const explicitDay = result.start.isCertain('day') && result.start.isCertain('month');
		if (!explicitDay) continue;
		const start = result.index;
		const end = start + result.text.length;
		if (!message.isFree(start, end)) continue;
		const written = result.text.trim();
		// Relative words ("tomorrow", "in a week") are read by our rules, the same way in every language
		if (!patterns.monthName.test(written) && !/\d{1,2}\s*[./-]\s*\d{1,2}/.test(written)) continue;
		if (/^\d{1,2}\/\d{1,2}$/.test(written) && isRating(message.lower, start, written, written.split('/')[1])) continue;
		const month = result.start.get('month')!;
		const dayOfMonth = result.start.get('day')!;
		const day = result.start.isCertain('year') ? { year: result.start.get('year')!, month, day: dayOfMonth } : nextMonthDay(context.today, month, dayOfMonth);
		if (!day || !isValidDay(day.year, day.month, day.day) || compareDays(day, context.today) < 0) continue;
		let rangeEnd: LocalDay | undefined;
		if (result.end?.isCertain('day') && result.end.isCertain('month')) {
			const endMonth = result.end.get('month')!;
			const endDay = result.end.get('day')!;
			const candidate = result.end.isCertain('year') ? { year: result.end.get('year')!, month: endMonth, day: endDay } : nextMonthDay(day, endMonth, endDay);
			if (candidate && compareDays(candidate, day) > 0) rangeEnd = candidate;
		}
		mentions.push({ start, end, day, month, length: end - start, rangeEnd });
	}
	return mentions;
}

const CHRONO_PARSERS: Record<SupportedLanguage, chrono.Chrono> = {
	en: chrono.en.GB,
	nl: chrono.nl.casual,
	de: chrono.de.casual,
	fr: chrono.fr.casual,
	es: chrono.es.casual,
};

const PAST_BEFORE = /(?:last|past|previous|vorige|afgelopen|vorige\s+week|letzten|letzte|vergangenen|vergangene|letzte\s+woche|semaine\s+dernière)\s+(?:on\s+)?$/u;
const PAST_AFTER = /^\s+(?:dernier|passé|pasado|last week|vorige week|letzte woche)(?![\p{L}])/u;

/** Joins that make a range only after "from"/"between": "between 5 and 9 May", "vom 2. auf den 3. Mai", "van 2 op 3 mei". */
const WEAK_JOINS = ['and', 'en', 'und', 'et', 'y', 'op', 'auf', 'auf den'];

const ARTICLES = new Set(['een', 'ein', 'eine', 'einer', 'un', 'une', 'una']);

const TABLE_WORDS = /(?<![\p{L}])(?:table|tafel|tisch|mesa|dinner|diner|dîner|cena|abendessen|etentje)(?![\p{L}])/u;

/** Greetings and parts of the day that look like "tomorrow": "guten Morgen", "de la mañana". */
const NOT_A_DAY = /(?<![\p{L}])(?:guten\s+morgen|goede\s+morgen|(?:de|por|en|esta)\s+la\s+ma(?:ñ|n)ana|esta\s+ma(?:ñ|n)ana)(?![\p{L}])/gu;

/** Ranges, dates and nights (times are read first, by extractTimes). */
export function extractDatesAndTimes(message: MessageText, context: DateContext): Candidate[] {
	const patterns = patternsFor(context.language);
	const candidates: Candidate[] = [];
	const claim = (candidate: Candidate) => {
		candidates.push(candidate);
		message.take(candidate.start, candidate.end);
	};

	// "next weekend": the coming Saturday night (Saturday to Sunday). On a Sunday that is next Saturday: the
	// weekend under way has no night left to book (it used to give today → today, a stay of no nights).
	for (const match of matches(patterns.weekend, message.lower)) {
		if (!message.isFree(match.index, match.index + match[0].length)) continue;
		const saturday = nextWeekday(context.today, 6, true);
		claim({ type: 'date_range', value: { start: formatDay(saturday), end: formatDay(addDays(saturday, 1)) }, start: match.index, end: match.index + match[0].length });
	}

	for (const match of message.lower.matchAll(NOT_A_DAY)) message.take(match.index!, match.index! + match[0].length);
	const nights: Candidate[] = [];
	for (const match of matches(patterns.nights, message.lower)) {
		const count = numberValue(match[1], patterns.lexicon);
		if (count === undefined || count < 1 || count > 60) continue;
		// "een nacht eerder", "eine Nacht", "une nuit" are "a night" unless booked: "voor een nacht", "für eine Nacht"
		if (ARTICLES.has(match[1]) && !new RegExp(`(?:${alternation(patterns.lexicon.forPeople)})\\s+$`, 'u').test(message.lower.slice(Math.max(0, match.index - 8), match.index))) continue;
		nights.push({ type: 'nights', value: count, start: match.index, end: match.index + match[0].length });
	}

	const mentions = findDateMentions(message, context);
	const used = new Set<DateMention>();
	const text = message.lower;
	for (let index = 0; index < mentions.length; index++) {
		const mention = mentions[index];
		if (used.has(mention)) continue;
		const before = text.slice(Math.max(0, mention.start - 60), mention.start);
		const next = mentions[index + 1];
		if (mention.rangeEnd) {
			used.add(mention);
			candidates.push({ type: 'date_range', value: { start: formatDay(mention.day), end: formatDay(mention.rangeEnd) }, start: mention.start, end: mention.end });
			continue;
		}

		if (next && !used.has(next)) {
			const gap = text.slice(mention.end, next.start);
			const joined = patterns.strongJoin.test(gap) || (patterns.rangeJoin.test(gap) && patterns.rangeStartBefore.test(before));
			// arrival on X … departure on Y
			const arrivalDeparture = patterns.arrivalBefore.test(before) && patterns.departureBefore.test(text.slice(Math.max(mention.end, next.start - 40), next.start)) && gap.length < 60;
			if ((joined && (mention.weekday === next.weekday || !mention.weekday)) || arrivalDeparture) {
				const range = rangeOf(mention, next, context);
				if (range) {
					used.add(mention);
					used.add(next);
					candidates.push({ type: 'date_range', value: range, start: mention.start, end: next.end });
					continue;
				}
			}
		}

		// "3 nights from the 12th"
		const nightsFrom = patterns.nightsFromBefore.exec(before);
		if (nightsFrom) {
			const count = numberValue(nightsFrom[1], patterns.lexicon);
			if (count && count <= 60) {
				used.add(mention);
				candidates.push({ type: 'date_range', value: { start: formatDay(mention.day), end: formatDay(addDays(mention.day, count)) }, start: mention.start, end: mention.end });
				continue;
			}
		}

		// "12 to 14 March", "15-17 March", "del 5 al 8 de agosto": a bare first day takes the second date's month
		const bare = patterns.bareDayBefore.exec(before);
		const bareStart = bare ? mention.start - bare[0].length : 0;
		const overlapsOther = bare && mentions.some((other) => other !== mention && other.end > bareStart && other.start < mention.start);
		if (bare && !overlapsOther && (mention.month !== undefined || mention.dayOnly) && (bare[1] || ![...WEAK_JOINS, 'a'].includes(bare[3].replace(/\s+/g, ' ')))) {
			const firstDay = Number(bare[2]);
			const first = firstDayBefore(mention.day, firstDay, context);
			if (first) {
				used.add(mention);
				const start = mention.start - bare[0].length + bare[0].search(/\S/);
				candidates.push({ type: 'date_range', value: { start: formatDay(first), end: formatDay(mention.day) }, start: Math.max(0, start), end: mention.end });
				continue;
			}
		}
		// "on 1 and 2 May", "am 1. und 2. Mai": two days of the same month
		if (bare && !overlapsOther && !bare[1] && mention.month !== undefined && ['and', 'en', 'und', 'et', 'y'].includes(bare[3])) {
			const first = firstDayBefore(mention.day, Number(bare[2]), context);
			const start = mention.start - bare[0].length + bare[0].search(/\d/);
			if (first) candidates.push({ type: 'date', value: formatDay(first), start, end: start + bare[2].length });
		}
		used.add(mention);
		candidates.push({ type: 'date', value: formatDay(mention.day), start: mention.start, end: mention.end });
	}
	for (const candidate of candidates) if (candidate.type !== 'date_range' || message.isFree(candidate.start, candidate.end)) message.take(candidate.start, candidate.end);

	for (const night of nights) {
		candidates.push(night);
		if (message.isFree(night.start, night.end)) message.take(night.start, night.end);
	}
	return candidates;
}

function rangeOf(first: DateMention, second: DateMention, context: DateContext) {
	let start = first.day;
	let end = second.day;
	if (first.dayOnly && second.month !== undefined) {
		const moved = firstDayBefore(end, first.day.day, context);
		if (moved) start = moved;
	} else if (second.dayOnly || second.weekday) {
		// "arriving on the 3rd of April, leaving the 6th"; "from Friday to Sunday": the first such day after the start
		const after = second.weekday ? nextWeekday(addDays(start, 1), weekdayOf(end), true) : nextDayOfMonthFrom(addDays(start, 1), end.day);
		if (after) end = after;
	}
	if (compareDays(end, start) <= 0) return undefined;
	return { start: formatDay(start), end: formatDay(end) };
}

function nextDayOfMonthFrom(from: LocalDay, day: number): LocalDay | undefined {
	return nextDayOfMonth(from, day);
}

/** The day `firstDay` in the month of `end` (or the month before, "28 March to 2 April" style). */
function firstDayBefore(end: LocalDay, firstDay: number, context: DateContext): LocalDay | undefined {
	if (firstDay < end.day && isValidDay(end.year, end.month, firstDay)) {
		const start = { year: end.year, month: end.month, day: firstDay };
		return compareDays(start, context.today) >= 0 || true ? start : undefined;
	}
	return undefined;
}

export function extractTimes(message: MessageText, context: DateContext): Candidate[] {
	const patterns = patternsFor(context.language);
	const found: Candidate[] = [];
	const original = message.original.toLowerCase();
	const hasEvening = patterns.evening.test(original) || /avond|abend/u.test(original);
	// A table at 8 is for dinner: 5–10 without a morning word is in the evening
	const hasTable = TABLE_WORDS.test(original);
	const hasMorning = patterns.morning.test(message.original.toLowerCase());
	for (const { pattern, read } of patterns.times) {
		for (const match of matches(pattern, message.lower)) {
			const start = match.index;
			const end = start + match[0].length;
			if (!message.isFree(start, end)) continue;
			const time = read(match);
			if (!time || time.hour > 23 || time.minute > 59) continue;
			// "18.03." and "22.03" are dates; "18.30" and "om 18.03" are times
			if (pattern === patterns.times[0].pattern && match[0].includes('.') && !match[3]) {
				if (/^\.(?!\d)/.test(message.lower.slice(end, end + 2))) continue;
				if (time.minute % 5 !== 0 && !patterns.timeLeadBefore.test(message.lower.slice(0, start))) continue;
			}
			const tail = message.lower.slice(end, end + 24);
			const tailEvening = new RegExp(`^\\s*(?:${alternation(patterns.lexicon.evening)})`, 'u').test(tail);
			const tailMorning = new RegExp(`^\\s*(?:${alternation(patterns.lexicon.morning)})`, 'u').test(tail);
			let hour = time.hour;
			if (time.meridiem === 'pm' && hour < 12) hour += 12;
			else if (time.meridiem === 'am' && hour === 12) hour = 0;
			else if (!time.meridiem && hour >= 1 && hour < 12) {
				if (tailEvening) hour += 12;
				else if (tailMorning) hour += 0;
				else if (hasEvening && !hasMorning) hour += 12;
				else if (hour <= 6 && !hasMorning) hour += 12;
				else if (hasTable && hour >= 5 && hour <= 10 && !hasMorning) hour += 12;
			}
			found.push({ type: 'time', value: `${String(hour).padStart(2, '0')}:${String(time.minute).padStart(2, '0')}`, start, end });
		}
	}
	const kept = longestFirst(found);
	for (const candidate of kept) message.take(candidate.start, candidate.end);
	return kept;
}
