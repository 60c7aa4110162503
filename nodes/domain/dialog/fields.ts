/** Field definitions: checking a form's configuration, validating values, and writing them for a guest. */
import { ENTITY_TYPES, type DateRangeValue } from '../nlu/entities/types';
import { SUPPORTED_LANGUAGES, type SupportedLanguage } from '../nlu/types';
import { normalizeText } from './parse';
import { FORM_TEXTS } from './texts';
import type { ChoiceOption, FieldDefinition, FieldProblem, FieldType, FieldValue, FormDefinition } from './types';

export const FIELD_TYPES: readonly FieldType[] = [...ENTITY_TYPES, 'choice', 'number', 'text'];

/** A configuration mistake; `hint` tells the fix. */
export class FormDefinitionError extends Error {
	constructor(
		message: string,
		readonly hint: string,
	) {
		super(message);
		this.name = 'FormDefinitionError';
	}
}

/** The room catalog used when a room_type field gets no entity (the extractor's default ids). */
export const DEFAULT_ROOM_CHOICES: ChoiceOption[] = [
	{ id: 'single', label: 'Single', synonyms: ['single room', 'eenpersoonskamer', 'eenpersoons', 'einzelzimmer', 'einzel', 'chambre simple', 'simple', 'individual', 'habitacion individual'] },
	{ id: 'double', label: 'Double', synonyms: ['double room', 'tweepersoonskamer', 'tweepersoons', 'dubbel', 'dubbele kamer', 'doppelzimmer', 'doppel', 'chambre double', 'doble', 'habitacion doble'] },
	{ id: 'twin', label: 'Twin', synonyms: ['twin room', 'twin beds', 'twinkamer', 'zweibettzimmer', 'chambre twin', 'chambre a deux lits', 'dos camas'] },
	{ id: 'family', label: 'Family', synonyms: ['family room', 'familiekamer', 'familie', 'familienzimmer', 'chambre familiale', 'familiale', 'familiar', 'habitacion familiar'] },
	{ id: 'suite', label: 'Suite', synonyms: ['junior suite', 'la suite'] },
];

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HOURS = /^([01]?\d|2[0-3]):([0-5]\d)\s*-\s*([01]?\d|2[0-3]):([0-5]\d)$/;

/** Checks a form's configuration; throws FormDefinitionError with the fix. */
export function validateFormDefinition(definition: FormDefinition): void {
	if (!definition.name.trim()) {
		throw new FormDefinitionError('The form has no name', 'Set Form Name, e.g. room_booking: it tells forms apart in the store and in the output.');
	}
	if (definition.fields.length === 0) {
		throw new FormDefinitionError('The form has no fields', 'Add at least one field under Fields (e.g. dates of type Date Range).');
	}
	const seen = new Set<string>();
	for (const [index, field] of definition.fields.entries()) {
		const where = `Field ${index + 1}${field.name ? ` ("${field.name}")` : ''}`;
		if (!FIELD_NAME.test(field.name ?? '')) {
			throw new FormDefinitionError(`${where} has no valid name`, 'Give every field a name of letters, digits and underscores, starting with a letter, e.g. check_in.');
		}
		if (seen.has(field.name)) {
			throw new FormDefinitionError(`Two fields are named "${field.name}"`, 'Field names must be unique within a form: rename one of them.');
		}
		seen.add(field.name);
		if (!FIELD_TYPES.includes(field.type)) {
			throw new FormDefinitionError(`${where} has the unknown type "${String(field.type)}"`, `Choose one of: ${FIELD_TYPES.join(', ')}.`);
		}
		if (field.type === 'choice' && !(field.choices ?? []).length) {
			throw new FormDefinitionError(`${where} is a choice list with no options`, 'Add the options under Choices, one per line: id: label, synonym, synonym (e.g. "breakfast: Breakfast, ontbijt, Frühstück").');
		}
		if (field.min !== undefined && field.max !== undefined && field.min > field.max) {
			throw new FormDefinitionError(`${where} has a minimum above its maximum`, 'Set Minimum at or below Maximum.');
		}
		if (field.validation?.openingHours && !HOURS.test(field.validation.openingHours.trim())) {
			throw new FormDefinitionError(`${where} has opening hours "${field.validation.openingHours}" in an unknown format`, 'Write opening hours as HH:MM-HH:MM, e.g. 12:00-22:00.');
		}
	}
	if (!(definition.maxAttempts >= 1)) throw new FormDefinitionError('Max Attempts must be at least 1', 'Set Max Attempts to 1 or more (default 3).');
	if (!(definition.idleMinutes > 0)) throw new FormDefinitionError('Idle Minutes must be above 0', 'Set Idle Minutes to the minutes after which an unanswered form is dropped (default 30).');
}

/** Parses the Choices text: one option per line, `id: label, synonym, …` (or just `label`). */
export function parseChoices(text: string): ChoiceOption[] {
	return text
		.split(/\r?\n|;/)
		.map((line) => line.trim())
		.filter(Boolean)
		.map((line) => {
			const colon = line.indexOf(':');
			const id = (colon >= 0 ? line.slice(0, colon) : line.split(',')[0]).trim();
			const words = (colon >= 0 ? line.slice(colon + 1) : line).split(',').map((word) => word.trim()).filter(Boolean);
			return { id, label: words[0] ?? id, synonyms: words.slice(1) };
		})
		.filter((option) => option.id);
}

/** `YYYY-MM-DD` of `date` in `timeZone`. */
export function dayIn(date: Date, timeZone: string): string {
	return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(date);
}

function isValidIsoDate(value: unknown): value is string {
	if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
	const date = new Date(`${value}T00:00:00Z`);
	return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

export function nightsBetween(range: DateRangeValue): number {
	return Math.round((Date.parse(`${range.end}T00:00:00Z`) - Date.parse(`${range.start}T00:00:00Z`)) / 86_400_000);
}

function minutesOf(time: string): number {
	const [hours, minutes] = time.split(':').map(Number);
	return hours * 60 + minutes;
}

function toInteger(value: unknown): number | undefined {
	const number = typeof value === 'string' ? Number(value.trim()) : value;
	return typeof number === 'number' && Number.isInteger(number) ? number : undefined;
}

export type Validation = { ok: true; value: FieldValue } | { ok: false; problem: FieldProblem };

/** Checks (and normalises) one value for a field; `today` is the business's `YYYY-MM-DD`. */
export function validateFieldValue(field: FieldDefinition, raw: unknown, today: string): Validation {
	const fail = (reason: FieldProblem['reason'], details?: FieldProblem['details']): Validation => ({ ok: false, problem: { field: field.name, reason, details } });
	const ok = (value: FieldValue): Validation => ({ ok: true, value });
	switch (field.type) {
		case 'date': {
			if (!isValidIsoDate(raw)) return fail('invalid_date');
			if (field.validation?.futureDate && raw < today) return fail('past_date');
			return ok(raw);
		}
		case 'date_range': {
			const range = raw as Partial<DateRangeValue> | undefined;
			if (!range || typeof range !== 'object' || !isValidIsoDate(range.start) || !isValidIsoDate(range.end)) return fail('invalid_date');
			if (range.end <= range.start) return fail('end_before_start');
			if (field.validation?.futureDate && range.start < today) return fail('past_date');
			const max = field.validation?.maxNights;
			if (max && nightsBetween(range as DateRangeValue) > max) return fail('too_many_nights', { max });
			return ok({ start: range.start, end: range.end });
		}
		case 'time': {
			const match = typeof raw === 'string' ? raw.trim().match(/^([01]?\d|2[0-3]):([0-5]\d)$/) : null;
			if (!match) return fail('not_understood');
			const time = `${match[1].padStart(2, '0')}:${match[2]}`;
			const hours = field.validation?.openingHours?.trim().match(HOURS);
			if (hours) {
				const from = `${hours[1].padStart(2, '0')}:${hours[2]}`;
				const to = `${hours[3].padStart(2, '0')}:${hours[4]}`;
				const at = minutesOf(time);
				const open = minutesOf(from) <= minutesOf(to) ? at >= minutesOf(from) && at <= minutesOf(to) : at >= minutesOf(from) || at <= minutesOf(to);
				if (!open) return fail('outside_hours', { from, to });
			}
			return ok(time);
		}
		case 'nights':
		case 'party_size': {
			const number = toInteger(raw);
			const max = field.type === 'nights' ? (field.validation?.maxNights ?? field.max ?? 365) : (field.max ?? 100);
			const min = Math.max(1, field.min ?? 1);
			if (number === undefined) return fail('not_understood');
			if (number < min || number > max) return fail(field.type === 'nights' && number > max ? 'too_many_nights' : 'out_of_range', { min, max });
			return ok(number);
		}
		case 'number': {
			const number = typeof raw === 'string' ? Number(raw.trim().replace(',', '.')) : raw;
			if (typeof number !== 'number' || !Number.isFinite(number) || (typeof raw === 'string' && !raw.trim())) return fail('not_understood');
			if ((field.min !== undefined && number < field.min) || (field.max !== undefined && number > field.max)) {
				return fail('out_of_range', { min: field.min ?? '−∞', max: field.max ?? '∞' });
			}
			return ok(number);
		}
		case 'choice': {
			const text = typeof raw === 'string' ? normalizeText(raw) : '';
			const option = (field.choices ?? []).find((each) => [each.id, each.label, ...each.synonyms].some((word) => normalizeText(word) === text));
			return option ? ok(option.id) : fail('not_understood');
		}
		case 'email': {
			const email = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
			return /^[^\s@]+@[^\s@]+\.[a-z]{2,}$/.test(email) ? ok(email) : fail('not_understood');
		}
		case 'phone': {
			const phone = typeof raw === 'string' ? raw.replace(/[\s().-]/g, '') : '';
			return /^\+\d{8,15}$/.test(phone) ? ok(phone) : fail('not_understood');
		}
		case 'booking_ref':
		case 'room_type':
		case 'person_name':
		case 'text': {
			const text = typeof raw === 'string' ? raw.trim() : typeof raw === 'number' ? String(raw) : '';
			if (!text || text.length > 500) return fail('not_understood');
			if (field.type === 'booking_ref') return ok(text.toUpperCase());
			if (field.type === 'room_type') return ok(text.toLowerCase());
			return ok(text);
		}
	}
	return fail('not_understood');
}

const LOCALES: Record<SupportedLanguage, string> = { en: 'en-GB', nl: 'nl-NL', de: 'de-DE', fr: 'fr-FR', es: 'es-ES' };

function formatDate(iso: string, language: SupportedLanguage): string {
	return new Intl.DateTimeFormat(LOCALES[language], { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${iso}T00:00:00Z`));
}

/** A value as the guest reads it in the summary. */
export function formatFieldValue(field: FieldDefinition, value: FieldValue, language: SupportedLanguage): string {
	if (field.type === 'date' && typeof value === 'string') return formatDate(value, language);
	if (field.type === 'date_range' && typeof value === 'object') {
		return `${formatDate(value.start, language)} – ${formatDate(value.end, language)} (${nightsBetween(value)} ${FORM_TEXTS[language].labels.nights.toLowerCase()})`;
	}
	if (field.type === 'choice') return field.choices?.find((option) => option.id === value)?.label ?? String(value);
	if (field.type === 'room_type') {
		const room = DEFAULT_ROOM_CHOICES.find((option) => option.id === value);
		return room ? room.label : String(value);
	}
	return String(value);
}

export function fieldLabel(field: FieldDefinition, language: SupportedLanguage): string {
	return field.label?.trim() || (field.type === 'choice' || field.type === 'number' || field.type === 'text' ? humanize(field.name) : FORM_TEXTS[language].labels[field.type]);
}

function humanize(name: string): string {
	const words = name.replace(/_/g, ' ').trim();
	return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Whether a message names a field ("the dates", "de datum", "Personen") — for "what do you want to change?". */
export function mentionedField(definition: FormDefinition, text: string): FieldDefinition | undefined {
	const normalized = ` ${normalizeText(text)} `;
	for (const field of definition.fields) {
		const names = [field.name, field.name.replace(/_/g, ' '), field.label ?? '', ...SUPPORTED_LANGUAGES.map((language) => fieldLabel(field, language))];
		if (names.some((name) => normalizeText(name) && normalized.includes(` ${normalizeText(name)} `))) return field;
	}
	return undefined;
}
