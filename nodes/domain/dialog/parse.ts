/**
 * What the form reads from a message itself, beyond the entity extractor: choice options, bounded
 * numbers, free text, yes / change / cancel words (five languages), and plain dates, times, numbers,
 * emails and phones when that field was just asked ("2", "20:00", "31 February").
 */
import type { SupportedLanguage } from '../nlu/types';
import type { ChoiceOption } from './types';

/** Lower case, no accents, punctuation to spaces, single spaces. */
export function normalizeText(text: string): string {
	return text
		.normalize('NFD')
		.replace(/[\u0300-\u036f]/g, '')
		.toLowerCase()
		.replace(/[’']/g, ' ')
		.replace(/[^\p{L}\p{N}@.+:\-/ ]+/gu, ' ')
		.replace(/[.]+(\s|$)/g, ' ')
		.replace(/\s+/g, ' ')
		.trim();
}

function containsPhrase(normalized: string, phrase: string): boolean {
	const target = normalizeText(phrase);
	if (!target) return false;
	return ` ${normalized} `.includes(` ${target} `);
}

function wordCount(normalized: string): number {
	return normalized ? normalized.split(' ').length : 0;
}

/** Per language, so a short "laat maar" is answered in Dutch even when the form was in English. */
const CANCEL_PHRASES: Record<SupportedLanguage, string[]> = {
	en: ['cancel', 'stop', 'never mind', 'nevermind', 'forget it', 'quit', 'abort'],
	nl: ['annuleer', 'annuleren', 'laat maar', 'stoppen', 'hou maar op', 'vergeet het', 'afbreken'],
	de: ['abbrechen', 'vergiss es', 'stopp', 'lass es', 'lass mal', 'doch nicht'],
	fr: ['annuler', 'annule', 'laisse tomber', 'oublie', 'oubliez', 'arrete', 'arreter', 'laissez tomber'],
	es: ['cancelar', 'cancela', 'olvidalo', 'olvidelo', 'dejalo', 'parar', 'dejelo'],
};

const CONFIRM_PHRASES = [
	'yes', 'yep', 'yeah', 'confirm', 'confirmed', 'ok', 'okay', 'correct', 'sure', 'right', 'perfect', 'book it', 'go ahead',
	'ja', 'jawel', 'klopt', 'bevestig', 'bevestigen', 'prima', 'goed', 'akkoord', 'correct', 'perfect',
	'jawohl', 'genau', 'stimmt', 'richtig', 'bestatigen', 'bestatige', 'passt', 'in ordnung',
	'oui', 'ouais', 'confirmer', 'confirme', 'd accord', 'exact', 'parfait', 'c est bon',
	'si', 'vale', 'confirmar', 'confirmo', 'correcto', 'de acuerdo', 'perfecto', 'claro',
];

const CHANGE_PHRASES = [
	'change', 'modify', 'edit', 'no', 'not right', 'wrong',
	'wijzig', 'wijzigen', 'aanpassen', 'veranderen', 'nee', 'niet goed', 'klopt niet',
	'andern', 'anderung', 'nein', 'stimmt nicht', 'falsch', 'korrigieren',
	'modifier', 'changer', 'non', 'pas correct', 'faux',
	'cambiar', 'modificar', 'no es correcto', 'incorrecto',
];

/** Negations that turn "yes" words into "no" ("not correct", "klopt niet", "pas d'accord"). */
const NEGATIONS = ['not', 'niet', 'nicht', 'pas', 'no', 'nee', 'nein', 'non'];

const SHORT_REPLY_WORDS = 6;

/** A short message that asks to stop the form: the language of its cancel words, else undefined. */
export function cancelLanguage(text: string): SupportedLanguage | undefined {
	const normalized = normalizeText(text);
	if (wordCount(normalized) > 5) return undefined;
	for (const [language, phrases] of Object.entries(CANCEL_PHRASES) as Array<[SupportedLanguage, string[]]>) {
		if (phrases.some((phrase) => containsPhrase(normalized, phrase))) return language;
	}
	return undefined;
}

export function isCancelMessage(text: string): boolean {
	return cancelLanguage(text) !== undefined;
}

/** A short "yes, that's right" (with no negation). */
export function isConfirmMessage(text: string): boolean {
	const normalized = normalizeText(text);
	if (wordCount(normalized) > SHORT_REPLY_WORDS) return false;
	if (isChangeMessage(text)) return false;
	return CONFIRM_PHRASES.some((phrase) => containsPhrase(normalized, phrase));
}

/** A short "no / change something". */
export function isChangeMessage(text: string): boolean {
	const normalized = normalizeText(text);
	if (wordCount(normalized) > SHORT_REPLY_WORDS) return false;
	if (CHANGE_PHRASES.some((phrase) => containsPhrase(normalized, phrase))) return true;
	return NEGATIONS.some((word) => containsPhrase(normalized, word)) && CONFIRM_PHRASES.some((phrase) => containsPhrase(normalized, phrase));
}

/** The option whose label or a synonym the message names; when `asked`, also its id, and a bare "2" picks the second. */
export function matchChoice(text: string, options: ChoiceOption[], asked = false): ChoiceOption | undefined {
	const normalized = normalizeText(text);
	if (asked && /^\d{1,2}$/.test(normalized)) {
		const index = Number(normalized) - 1;
		if (index >= 0 && index < options.length) return options[index];
	}
	let best: { option: ChoiceOption; length: number } | undefined;
	for (const option of options) {
		// Ids are words too ("yes"), but only count when this choice was just asked.
		for (const phrase of asked ? [option.id, option.label, ...option.synonyms] : [option.label, ...option.synonyms]) {
			const target = normalizeText(phrase);
			if (target && containsPhrase(normalized, target) && (!best || target.length > best.length)) best = { option, length: target.length };
		}
	}
	return best?.option;
}

const NUMBER_WORDS: Record<SupportedLanguage, string[]> = {
	en: ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve'],
	nl: ['nul', 'een', 'twee', 'drie', 'vier', 'vijf', 'zes', 'zeven', 'acht', 'negen', 'tien', 'elf', 'twaalf'],
	de: ['null', 'eins', 'zwei', 'drei', 'vier', 'funf', 'sechs', 'sieben', 'acht', 'neun', 'zehn', 'elf', 'zwolf'],
	fr: ['zero', 'un', 'deux', 'trois', 'quatre', 'cinq', 'six', 'sept', 'huit', 'neuf', 'dix', 'onze', 'douze'],
	es: ['cero', 'uno', 'dos', 'tres', 'cuatro', 'cinco', 'seis', 'siete', 'ocho', 'nueve', 'diez', 'once', 'doce'],
};
const EXTRA_NUMBER_WORDS: Record<string, number> = { één: 1, ein: 1, eine: 1, einer: 1, une: 1, una: 1, un: 1 };

/** The one number in a short answer ("3", "3 please", "drie", "for 4"); undefined when there is none or several. */
export function parseNumber(text: string, language: SupportedLanguage): number | undefined {
	const normalized = normalizeText(text);
	const digits = normalized.match(/-?\d+(?:[.,]\d+)?/g) ?? [];
	if (digits.length === 1) return Number(digits[0].replace(',', '.'));
	if (digits.length > 1) return undefined;
	const words = normalized.split(' ');
	const found = new Set<number>();
	for (const word of words) {
		const index = NUMBER_WORDS[language].indexOf(word);
		if (index >= 0) found.add(index);
		else if (word in EXTRA_NUMBER_WORDS) found.add(EXTRA_NUMBER_WORDS[word]);
	}
	return found.size === 1 ? [...found][0] : undefined;
}

/** `HH:MM` from "20:00", "20h", "20h30", "8pm", "8:30 pm", "20 Uhr"; a bare hour ("om 8") and "20.30" only when `asked`. */
export function parseTime(text: string, asked = true): string | undefined {
	const normalized = normalizeText(text).replace(/(\d)\s+(am|pm)\b/g, '$1$2');
	const pad = (hours: number, minutes: number) => `${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}`;
	const twelve = normalized.match(/\b(\d{1,2})(?::(\d{2}))?(am|pm)\b/);
	if (twelve) {
		let hours = Number(twelve[1]) % 12;
		if (twelve[3] === 'pm') hours += 12;
		const minutes = Number(twelve[2] ?? 0);
		return hours < 24 && minutes < 60 ? pad(hours, minutes) : undefined;
	}
	const clock = asked
		? (normalized.match(/\b(\d{1,2})(?:[:h.](\d{2})|h|\s?uhr)\b/) ?? normalized.match(/^(?:\D+ )?(\d{1,2})$/))
		: normalized.match(/\b(\d{1,2})(?:[:h](\d{2})|h|\s?uhr)\b/);
	if (clock) {
		const hours = Number(clock[1]);
		const minutes = Number(clock[2] ?? 0);
		return hours < 24 && minutes < 60 ? pad(hours, minutes) : undefined;
	}
	return undefined;
}

export function parseEmail(text: string): string | undefined {
	return text.match(/[^\s@<>(),;:]+@[^\s@<>(),;:]+\.[a-z]{2,}/i)?.[0].toLowerCase();
}

/** An international number as E.164 (`+31612345678`); national numbers are the extractor's job. */
export function parsePhone(text: string): string | undefined {
	const match = text.match(/(?:\+|00)\d[\d\s().-]{6,18}\d/);
	if (!match) return undefined;
	const digits = match[0].replace(/^00/, '+').replace(/[^\d+]/g, '');
	return /^\+\d{8,15}$/.test(digits) ? digits : undefined;
}

const MONTHS: Array<[number, string[]]> = [
	[1, ['january', 'jan', 'januari', 'januar', 'janvier', 'janv', 'enero', 'ene']],
	[2, ['february', 'feb', 'februari', 'februar', 'fevrier', 'fev', 'febrero']],
	[3, ['march', 'mar', 'maart', 'marz', 'maerz', 'mars', 'marzo']],
	[4, ['april', 'apr', 'avril', 'avr', 'abril', 'abr']],
	[5, ['may', 'mei', 'mai', 'mayo']],
	[6, ['june', 'jun', 'juni', 'juin', 'junio']],
	[7, ['july', 'jul', 'juli', 'juillet', 'juil', 'julio']],
	[8, ['august', 'aug', 'augustus', 'aout', 'agosto', 'ago']],
	[9, ['september', 'sep', 'sept', 'septembre', 'septiembre', 'setiembre']],
	[10, ['october', 'oct', 'oktober', 'okt', 'octobre', 'octubre']],
	[11, ['november', 'nov', 'novembre', 'noviembre']],
	[12, ['december', 'dec', 'dezember', 'dez', 'decembre', 'diciembre', 'dic']],
];
const MONTH_BY_NAME = new Map<string, number>(MONTHS.flatMap(([month, names]) => names.map((name) => [name, month] as [string, number])));
const MONTH_PATTERN = [...MONTH_BY_NAME.keys()].sort((a, b) => b.length - a.length).join('|');

export type ParsedDate = { ok: true; value: string } | { ok: false; text: string };

function isoDate(year: number, month: number, day: number): string | undefined {
	const date = new Date(Date.UTC(year, month - 1, day));
	if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
	return date.toISOString().slice(0, 10);
}

/** The next such day-and-month on or after `today` (YYYY-MM-DD); a day that exists in no year is invalid. */
function nextDayMonth(day: number, month: number, today: string): string | undefined {
	const year = Number(today.slice(0, 4));
	for (const candidate of [year, year + 1, year + 2, year + 3, year + 4]) {
		const iso = isoDate(candidate, month, day);
		if (iso && iso >= today) return iso;
	}
	return undefined;
}

/**
 * Dates written out: `2027-03-12`, `12/03`, `12-3-2027`, `12 March`, `March 12`, `12. März`, `12 de marzo`.
 * Returns every date found in order, and invalid ones ("31 February") as `{ ok: false }`.
 */
export function parseDates(text: string, today: string): ParsedDate[] {
	const normalized = normalizeText(text);
	const found: Array<{ index: number; date: ParsedDate }> = [];
	const push = (index: number, raw: string, iso: string | undefined) => found.push({ index, date: iso ? { ok: true, value: iso } : { ok: false, text: raw } });
	for (const match of normalized.matchAll(/\b(\d{4})-(\d{1,2})-(\d{1,2})\b/g)) {
		push(match.index ?? 0, match[0], isoDate(Number(match[1]), Number(match[2]), Number(match[3])));
	}
	for (const match of normalized.matchAll(/\b(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{2,4}))?\b/g)) {
		if (/^\d{4}-/.test(normalized.slice(Math.max(0, (match.index ?? 0) - 5), (match.index ?? 0) + match[0].length))) continue;
		const day = Number(match[1]);
		const month = Number(match[2]);
		if (match[3]) {
			const year = match[3].length === 2 ? 2000 + Number(match[3]) : Number(match[3]);
			push(match.index ?? 0, match[0], isoDate(year, month, day));
		} else if (month >= 1 && month <= 12 && day >= 1 && day <= 31) {
			push(match.index ?? 0, match[0], nextDayMonth(day, month, today));
		}
	}
	const dayMonth = new RegExp(`\\b(\\d{1,2})(?:st|nd|rd|th|e|er|de|ste)?\\s*(?:de\\s+)?(${MONTH_PATTERN})\\b(?:\\s+(?:de\\s+)?(\\d{4}))?`, 'g');
	const monthDay = new RegExp(`\\b(${MONTH_PATTERN})\\s+(\\d{1,2})(?:st|nd|rd|th)?\\b(?:\\s+(\\d{4}))?`, 'g');
	const taken: Array<[number, number]> = [];
	for (const match of normalized.matchAll(dayMonth)) {
		const index = match.index ?? 0;
		taken.push([index, index + match[0].length]);
		const day = Number(match[1]);
		const month = MONTH_BY_NAME.get(match[2]) ?? 0;
		push(index, match[0], match[3] ? isoDate(Number(match[3]), month, day) : nextDayMonth(day, month, today));
	}
	for (const match of normalized.matchAll(monthDay)) {
		const index = match.index ?? 0;
		if (taken.some(([start, end]) => index < end && index + match[0].length > start)) continue;
		const day = Number(match[2]);
		const month = MONTH_BY_NAME.get(match[1]) ?? 0;
		push(index, match[0], match[3] ? isoDate(Number(match[3]), month, day) : nextDayMonth(day, month, today));
	}
	return found.sort((a, b) => a.index - b.index).map((each) => each.date);
}

const RANGE_START_WORDS = ['from', 'starting', 'vanaf', 'van', 'ab', 'vom', 'von', 'a partir du', 'a partir de', 'du', 'desde', 'del'];

/** "from the 13th", "vanaf de 13e", "ab dem 13.", "à partir du 13", "desde el 13": a day of this or next month. */
export function parseStartDay(text: string, today: string): string | undefined {
	const normalized = normalizeText(text);
	const words = RANGE_START_WORDS.map((word) => word.replace(/ /g, '\\s+')).join('|');
	const match = normalized.match(new RegExp(`\\b(?:${words})\\s+(?:the\\s+|de\\s+|dem\\s+|den\\s+|le\\s+|el\\s+)?(\\d{1,2})(?:st|nd|rd|th|e|er|ste|de)?\\b(?!\\s*(?:[/.:-]\\d|${MONTH_PATTERN}))`));
	if (!match) return undefined;
	const day = Number(match[1]);
	let year = Number(today.slice(0, 4));
	let month = Number(today.slice(5, 7));
	for (let step = 0; step < 3; step++) {
		const iso = isoDate(year, month, day);
		if (iso && iso >= today) return iso;
		month++;
		if (month > 12) {
			month = 1;
			year++;
		}
	}
	return undefined;
}

/** Whether the message starts a correction or a range start ("from …", "vanaf …") rather than an end. */
export function mentionsRangeStart(text: string): boolean {
	const normalized = normalizeText(text);
	return RANGE_START_WORDS.some((word) => containsPhrase(normalized, word));
}

const RANGE_END_WORDS = ['until', 'till', 'to', 'tot', 'bis', 'au', 'jusqu au', 'hasta', 'al'];

export function mentionsRangeEnd(text: string): boolean {
	const normalized = normalizeText(text);
	return RANGE_END_WORDS.some((word) => containsPhrase(normalized, word));
}
