/**
 * The Conversation Form's state machine: given the active form (or none) and what one message says, the
 * new state, where the message goes (Ask, Complete, Cancelled, Handoff, Not in Form) and what to say.
 */
import type { DateRangeValue, Entity, EntityType } from '../nlu/entities/types';
import type { SupportedLanguage } from '../nlu/types';
import {
	DEFAULT_ROOM_CHOICES,
	dayIn,
	fieldLabel,
	formatFieldValue,
	mentionedField,
	nightsBetween,
	validateFieldValue,
} from './fields';
import {
	cancelLanguage,
	isCancelMessage,
	isChangeMessage,
	isConfirmMessage,
	matchChoice,
	mentionsRangeStart,
	normalizeText,
	parseDates,
	parseEmail,
	parseNumber,
	parsePhone,
	parseStartDay,
	parseTime,
} from './parse';
import { fillTemplate, FORM_TEXTS } from './texts';
import {
	BUTTON_CANCEL,
	BUTTON_CHANGE,
	BUTTON_CONFIRM,
	type FieldDefinition,
	type FieldProblem,
	type FieldValue,
	type FormDefinition,
	type FormOutput,
	type FormReply,
	type FormState,
	type MessageUnderstanding,
	type ReplyButton,
	type StepResult,
	type ValueSource,
} from './types';

/** The pseudo-fields whose attempts are counted: the confirmation and "what to change?" questions. */
const CONFIRM_QUESTION = '_confirm';
const CHANGE_QUESTION = '_change';
/** Intents that are never a side question: small talk does not interrupt a form. */
const NEUTRAL_INTENTS = new Set(['greeting', 'thanks_goodbye', 'out_of_scope', 'no_text', 'unknown', 'other', 'affirm', 'deny']);
const BUTTON_TITLE_LIMIT = 20;
/** A message needs this many words before its detected language replaces the form's language. */
const SURE_LANGUAGE_WORDS = 3;
/** Up to this many words, an answer to the name question is taken as a bare name. */
const BARE_NAME_WORDS = 4;
/** A side question is a question: a question mark, or at least this many words. */
const SIDE_QUESTION_WORDS = 4;
const NAME_INTRODUCTION = /^(my name is|i am|it is|ik ben|mijn naam is|op naam van|ich bin|ich heiße|mein name ist|auf den namen|je suis|je m'appelle|au nom de|me llamo|soy|mi nombre es|a nombre de)\s+/i;
/** Reply buttons a choice question gets (WhatsApp allows three). */
const MAX_CHOICE_BUTTONS = 3;

interface Candidate {
	field: FieldDefinition;
	value: unknown;
	source: ValueSource;
}

export interface StepInput {
	definition: FormDefinition;
	/** The active form of this node; undefined when none is active (or it expired). */
	state: FormState | undefined;
	message: MessageUnderstanding;
	now: Date;
	/** Start even without a start intent (the node's explicit start). */
	forceStart?: boolean;
}

/** Whether a stored form is past its idle time. */
export function isFormExpired(lastActiveAt: string, idleMinutes: number, now: Date): boolean {
	return now.getTime() - Date.parse(lastActiveAt) > idleMinutes * 60_000;
}

/** The button id for a choice option, e.g. `form:breakfast:yes`. */
export function choiceButtonId(field: string, option: string): string {
	return `form:${field}:${option}`;
}

function truncateTitle(title: string): string {
	return title.length <= BUTTON_TITLE_LIMIT ? title : `${title.slice(0, BUTTON_TITLE_LIMIT - 1)}…`;
}

function entitiesOf(entities: Entity[], type: EntityType): Entity[] {
	return entities.filter((entity) => entity.type === type);
}

/** Every value the message offers, per field: entities first, then the form's own parsers, then the model. */
function collectCandidates(definition: FormDefinition, state: FormState, message: MessageUnderstanding, today: string): Candidate[] {
	const candidates = new Map<string, Candidate>();
	const asked = definition.fields.find((field) => field.name === state.askedField);
	const offer = (field: FieldDefinition, value: unknown, source: ValueSource) => {
		if (value !== undefined && !candidates.has(field.name)) candidates.set(field.name, { field, value, source });
	};
	const text = message.text;

	// Buttons the form sent for a choice question.
	if (message.buttonId?.startsWith('form:')) {
		const rest = message.buttonId.slice('form:'.length);
		const colon = rest.indexOf(':');
		const field = colon > 0 ? definition.fields.find((each) => each.name === rest.slice(0, colon)) : undefined;
		if (field) offer(field, rest.slice(colon + 1), 'button');
	}

	// Entities, shared out over the fields of their type: the asked field first, then empty ones, in order.
	const used = new Set<Entity>();
	const fieldsByPriority = [...definition.fields].sort((a, b) => {
		const rank = (field: FieldDefinition) => (field === asked ? 0 : state.values[field.name] === undefined ? 1 : 2);
		return rank(a) - rank(b);
	});
	for (const field of fieldsByPriority) {
		if (field.type === 'choice' || field.type === 'number' || field.type === 'text') continue;
		const entity = entitiesOf(message.entities, field.type).find((each) => !used.has(each));
		if (entity) {
			used.add(entity);
			offer(field, entity.value, 'entity');
		}
	}

	for (const field of definition.fields) {
		if (candidates.has(field.name)) continue;
		const isAsked = field === asked;
		switch (field.type) {
			case 'date_range': {
				const range = dateRangeFrom(field, state, message, today);
				if (range) offer(field, range.value, range.source);
				break;
			}
			case 'date': {
				const dates = entitiesOf(message.entities, 'date').length ? [] : parseDates(text, today);
				if (dates.length) offer(field, dates[0].ok ? dates[0].value : `invalid:${dates[0].text}`, 'parser');
				break;
			}
			case 'choice': {
				const option = matchChoice(text, field.choices ?? [], isAsked);
				if (option) offer(field, option.id, 'parser');
				break;
			}
			case 'room_type': {
				const option = matchChoice(text, DEFAULT_ROOM_CHOICES, isAsked);
				if (option) offer(field, option.id, 'parser');
				break;
			}
			case 'email':
				offer(field, parseEmail(text), 'parser');
				break;
			case 'phone':
				offer(field, parsePhone(text), 'parser');
				break;
			case 'number':
			case 'party_size':
			case 'nights':
				if (isAsked) offer(field, parseNumber(text, message.language ?? state.language), 'parser');
				break;
			case 'time':
				offer(field, parseTime(text, isAsked), 'parser');
				break;
			case 'booking_ref':
				offer(field, text.match(/\b[A-Z]{2,4}-?\d{4,8}\b/i)?.[0], 'parser');
				break;
		}
	}

	// A name or free text is the whole answer to its question, unless the answer held something else.
	const takesWholeAnswer = asked && (asked.type === 'person_name' || asked.type === 'text');
	if (takesWholeAnswer && candidates.size === 0 && text.trim() && !isCancelMessage(text) && !(text.includes('?') && isSideQuestion(definition, message))) {
		const answer = asked.type === 'person_name' ? text.replace(NAME_INTRODUCTION, '') : text;
		offer(asked as FieldDefinition, answer.trim(), 'parser');
	}

	for (const [name, value] of Object.entries(message.llmValues ?? {})) {
		const field = definition.fields.find((each) => each.name === name);
		if (!field || value === null || value === undefined || value === '') continue;
		// The model was offered the catalog's room ids: anything else is an invention.
		if (field.type === 'room_type') offer(field, matchChoice(String(value), DEFAULT_ROOM_CHOICES, true)?.id, 'llm');
		else offer(field, value, 'llm');
	}
	return [...candidates.values()];
}

/** A date range from the message: an entity, two dates, a date and nights, or a new start ("vanaf de 13e"). */
function dateRangeFrom(field: FieldDefinition, state: FormState, message: MessageUnderstanding, today: string): { value: unknown; source: ValueSource } | undefined {
	const entityDates = entitiesOf(message.entities, 'date').map((entity) => String(entity.value));
	const parsed = entityDates.length ? entityDates.map((value) => ({ ok: true as const, value })) : parseDates(message.text, today);
	const source: ValueSource = entityDates.length ? 'entity' : 'parser';
	const invalid = parsed.find((date) => !date.ok);
	if (invalid) return { value: { start: 'invalid', end: 'invalid' }, source };
	const dates = parsed.filter((date): date is { ok: true; value: string } => date.ok).map((date) => date.value);
	const nightsEntity = entitiesOf(message.entities, 'nights')[0];
	const nights = nightsEntity ? Number(nightsEntity.value) : undefined;
	if (dates.length >= 2) return { value: { start: dates[0], end: dates[1] }, source };
	const current = state.values[field.name] as DateRangeValue | undefined;
	const arrival = state.partialRange?.field === field.name ? state.partialRange.start : undefined;
	const single = dates[0] ?? parseStartDay(message.text, today);
	if (!single) {
		if (nights && current) return { value: { start: current.start, end: addDays(current.start, nights) }, source: 'entity' };
		// Arrival known, "3" or "3 nights" for "until when (or how many nights)?".
		const count = nights ?? (arrival && state.askedField === field.name ? nightsAnswer(message.text, message.language ?? state.language) : undefined);
		if (arrival && count !== undefined && Number.isInteger(count) && count > 0) return { value: { start: arrival, end: addDays(arrival, count) }, source: nights ? 'entity' : 'parser' };
		return undefined;
	}
	if (nights) return { value: { start: single, end: addDays(single, nights) }, source };
	if (current) {
		// A correction of one end: "from the 13th" moves the arrival (keeping the nights if the old departure no longer fits).
		if (mentionsRangeStart(message.text) || single < current.start) {
			return { value: { start: single, end: current.end > single ? current.end : addDays(single, nightsBetween(current)) }, source };
		}
		return { value: { start: current.start, end: single }, source };
	}
	if (arrival && !mentionsRangeStart(message.text)) return { value: { start: arrival, end: single }, source };
	// One date so far: the arrival. The form keeps it and asks until when.
	return { value: { start: single, partial: true }, source };
}

const NIGHT_WORDS = /\b(nights?|nachten|nacht|nachte|nuits?|noches?)\b/g;

/** "3", "drie", "3 nachten", "trois nuits": a number of nights, and nothing else. */
function nightsAnswer(text: string, language: SupportedLanguage): number | undefined {
	const rest = normalizeText(text).replace(NIGHT_WORDS, '').trim();
	return rest && !rest.includes(' ') ? parseNumber(rest, language) : undefined;
}

function addDays(iso: string, days: number): string {
	return new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

function missingFields(definition: FormDefinition, values: Record<string, FieldValue>): FieldDefinition[] {
	return definition.fields.filter((field) => field.required && values[field.name] === undefined);
}

function questionFor(field: FieldDefinition, language: SupportedLanguage): string {
	const custom = field.questions?.[language]?.trim();
	if (custom) return custom;
	const texts = FORM_TEXTS[language];
	if (field.type === 'choice') return fillTemplate(texts.choiceQuestion, { options: (field.choices ?? []).map((option) => option.label).join(', ') });
	if (field.type === 'number' && field.min !== undefined && field.max !== undefined) {
		return `${texts.questions.number} ${fillTemplate(texts.numberQuestion, { min: field.min, max: field.max })}`;
	}
	return texts.questions[field.type];
}

function problemText(problem: FieldProblem, language: SupportedLanguage): string {
	return fillTemplate(FORM_TEXTS[language].problems[problem.reason], problem.details ?? {});
}

export function summaryOf(definition: FormDefinition, values: Record<string, FieldValue>, language: SupportedLanguage): string {
	return definition.fields
		.filter((field) => values[field.name] !== undefined)
		.map((field) => `• ${fieldLabel(field, language)}: ${formatFieldValue(field, values[field.name], language)}`)
		.join('\n');
}

export function confirmButtons(language: SupportedLanguage): ReplyButton[] {
	const texts = FORM_TEXTS[language];
	return [
		{ id: BUTTON_CONFIRM, title: truncateTitle(texts.confirmButton) },
		{ id: BUTTON_CHANGE, title: truncateTitle(texts.changeButton) },
	];
}

/** Words of letters in a message: "2", "ja" or "Anna de Vries" say little about the language. */
function letterWords(text: string): number {
	return text.split(/\s+/).filter((word) => /\p{L}{2,}/u.test(word)).length;
}

/** The message's language when it says enough, else the form's, else the node's default. */
function languageOf(message: MessageUnderstanding, state: FormState | undefined, definition: FormDefinition): SupportedLanguage {
	if (state && letterWords(message.text) < SURE_LANGUAGE_WORDS) return state.language;
	// A bare name answering the name question ("Sanne de Boer") says nothing about the language.
	const asked = state && definition.fields.find((field) => field.name === state.askedField);
	if (state && asked?.type === 'person_name' && letterWords(message.text) <= BARE_NAME_WORDS && !NAME_INTRODUCTION.test(message.text.trim())) return state.language;
	return message.language ?? state?.language ?? definition.defaultLanguage;
}

function output(definition: FormDefinition, state: FormState, status: FormOutput['status'], extra: Partial<FormOutput> = {}): FormOutput {
	return {
		name: definition.name,
		status,
		values: { ...state.values },
		missing: missingFields(definition, state.values).map((field) => field.name),
		source: { ...state.sources },
		language: state.language,
		...extra,
	};
}

function askField(definition: FormDefinition, state: FormState, field: FieldDefinition, problem: FieldProblem | undefined, filled: string[]): StepResult {
	const language = state.language;
	const arrivalKnown = field.type === 'date_range' && state.partialRange?.field === field.name;
	const question = arrivalKnown ? FORM_TEXTS[language].rangeEndQuestion : questionFor(field, language);
	const text = problem ? `${problemText(problem, language)} ${question}` : question;
	const next: FormState = { ...state, status: 'asking', askedField: field.name };
	const reply: FormReply = { text, language, source: 'form' };
	const options = field.type === 'choice' ? (field.choices ?? []) : [];
	if (options.length > 0 && options.length <= MAX_CHOICE_BUTTONS) {
		reply.buttons = options.map((option) => ({ id: choiceButtonId(field.name, option.id), title: truncateTitle(option.label) }));
	}
	return { outcome: 'ask', state: next, changed: true, reply, form: output(definition, next, 'asking', { ask: { field: field.name, text, problem }, filled }) };
}

function askConfirmation(definition: FormDefinition, state: FormState, problem: FieldProblem | undefined, filled: string[]): StepResult {
	const language = state.language;
	const summary = summaryOf(definition, state.values, language);
	const question = fillTemplate(FORM_TEXTS[language].confirm, { summary });
	const text = problem ? `${problemText(problem, language)}\n${question}` : question;
	const next: FormState = { ...state, status: 'confirming', askedField: CONFIRM_QUESTION };
	return {
		outcome: 'ask',
		state: next,
		changed: true,
		reply: { text, language, source: 'form', buttons: confirmButtons(language) },
		form: output(definition, next, 'confirming', { ask: { field: CONFIRM_QUESTION, text, problem }, summary, filled }),
	};
}

function askWhatToChange(definition: FormDefinition, state: FormState, problem: FieldProblem | undefined): StepResult {
	const language = state.language;
	const fields = definition.fields.map((field) => fieldLabel(field, language)).join(', ');
	const question = fillTemplate(FORM_TEXTS[language].changeQuestion, { fields });
	const text = problem ? `${problemText(problem, language)} ${question}` : question;
	const next: FormState = { ...state, status: 'asking', askedField: CHANGE_QUESTION };
	return { outcome: 'ask', state: next, changed: true, reply: { text, language, source: 'form' }, form: output(definition, next, 'asking', { ask: { field: CHANGE_QUESTION, text, problem } }) };
}

/** The arrival is known: "Until which date (or for how many nights)?" — the range field stays asked. */
function askRangeEnd(definition: FormDefinition, state: FormState, field: FieldDefinition, filled: string[]): StepResult {
	const text = FORM_TEXTS[state.language].rangeEndQuestion;
	const next: FormState = { ...state, status: 'asking', askedField: field.name };
	return { outcome: 'ask', state: next, changed: true, reply: { text, language: state.language, source: 'form' }, form: output(definition, next, 'asking', { ask: { field: field.name, text }, filled }) };
}

/** Asks whatever comes next: a field with a problem, the first missing field, or the confirmation. */
function askNext(definition: FormDefinition, state: FormState, problem: FieldProblem | undefined, filled: string[]): StepResult {
	if (problem) {
		if (problem.field === CONFIRM_QUESTION) return askConfirmation(definition, state, problem, filled);
		if (problem.field === CHANGE_QUESTION) return askWhatToChange(definition, state, problem);
		const field = definition.fields.find((each) => each.name === problem.field);
		if (field) return askField(definition, state, field, problem, filled);
	}
	const missing = missingFields(definition, state.values);
	if (missing.length) return askField(definition, state, missing[0], undefined, filled);
	return askConfirmation(definition, state, undefined, filled);
}

function ended(definition: FormDefinition, state: FormState, outcome: 'cancelled' | 'handoff', extra: Partial<FormOutput> = {}): StepResult {
	const text = outcome === 'cancelled' ? FORM_TEXTS[state.language].cancelled : FORM_TEXTS[state.language].handoff;
	return {
		outcome,
		state: null,
		changed: true,
		reply: { text, language: state.language, source: 'form' },
		form: output(definition, state, outcome, extra),
	};
}

/**
 * Another informational intent, with good confidence, in a message that reads like a question. Short answers
 * the rules cannot read ("dubbel", "20:00") often get a confident but wrong intent: those are failed answers.
 */
function isSideQuestion(definition: FormDefinition, message: MessageUnderstanding): boolean {
	if (!message.intent || message.buttonId) return false;
	if (NEUTRAL_INTENTS.has(message.intent) || definition.startIntents.includes(message.intent)) return false;
	if (!message.text.includes('?') && letterWords(message.text) < SIDE_QUESTION_WORDS) return false;
	return (message.confidence ?? 0) >= definition.sideQuestionConfidence;
}

/** One message through the form. Pure: the caller loads the state and stores the result. */
export function stepForm(input: StepInput): StepResult {
	const { definition, message, now } = input;
	const today = dayIn(message.reference, definition.timeZone);
	let state = input.state;
	const starting = !state;
	if (!state) {
		const starts = input.forceStart || definition.startOn === 'always' || (message.intent !== undefined && definition.startIntents.includes(message.intent));
		if (!starts) return { outcome: 'not_in_form', state: null, changed: false };
		state = {
			name: definition.name,
			status: 'asking',
			values: {},
			sources: {},
			attempts: {},
			askedField: null,
			language: languageOf(message, undefined, definition),
			startedAt: now.toISOString(),
			lastActiveAt: now.toISOString(),
		};
	}
	state = { ...state, language: languageOf(message, state, definition), lastActiveAt: now.toISOString() };

	const candidates = collectCandidates(definition, state, message, today);
	// "Yes, cancel it" confirms a cancellation form: a yes while confirming wins over cancel words.
	const confirmed = state.status === 'confirming' && candidates.length === 0 && (message.buttonId === BUTTON_CONFIRM || (!message.buttonId && isConfirmMessage(message.text)));
	if (confirmed && missingFields(definition, state.values).length === 0) {
		return {
			outcome: 'complete',
			state: null,
			changed: true,
			form: output(definition, state, 'complete', { summary: summaryOf(definition, state.values, state.language) }),
		};
	}
	if (!starting && (message.buttonId === BUTTON_CANCEL || (candidates.length === 0 && isCancelMessage(message.text)))) {
		// "Laat maar" is Dutch whatever language the form was in; a language-neutral "stop" keeps the form's.
		const spoken = cancelLanguage(message.text);
		const language = spoken && spoken !== 'en' ? spoken : state.language;
		return ended(definition, { ...state, language }, 'cancelled');
	}

	const values = { ...state.values };
	const sources = { ...state.sources };
	const filled: string[] = [];
	const problems: FieldProblem[] = [];
	let arrivalOnly: FieldDefinition | undefined;
	for (const candidate of candidates) {
		const partial = candidate.value as { start?: string; partial?: boolean };
		if (candidate.field.type === 'date_range' && partial?.partial && typeof partial.start === 'string') {
			if (candidate.field.validation?.futureDate && partial.start < today) problems.push({ field: candidate.field.name, reason: 'past_date' });
			else {
				state = { ...state, partialRange: { field: candidate.field.name, start: partial.start } };
				arrivalOnly = candidate.field;
			}
			continue;
		}
		const checked = validateFieldValue(candidate.field, candidate.value, today);
		if (checked.ok) {
			values[candidate.field.name] = checked.value;
			sources[candidate.field.name] = candidate.source;
			filled.push(candidate.field.name);
		} else if (candidate.source !== 'llm') {
			// A model's value that does not fit is dropped; the guest is only told about what they wrote.
			problems.push(checked.problem);
		}
	}
	const progress = filled.length > 0 || problems.length > 0 || arrivalOnly !== undefined;
	state = { ...state, values, sources, resumePending: progress ? false : state.resumePending };
	if (state.partialRange && filled.includes(state.partialRange.field)) state = { ...state, partialRange: undefined };

	if (arrivalOnly && problems.length === 0) return askRangeEnd(definition, state, arrivalOnly, filled);
	if (starting) return askNext(definition, state, problems[0], filled);

	const wasConfirming = state.status === 'confirming';
	if (filled.length === 0 && problems.length === 0) {
		if (message.buttonId === BUTTON_CHANGE || (wasConfirming && isChangeMessage(message.text))) {
			return askWhatToChange(definition, state, undefined);
		}
		if (state.askedField === CHANGE_QUESTION) {
			const field = mentionedField(definition, message.text);
			if (field) {
				const reopened = { ...state.values };
				delete reopened[field.name];
				const reopenedSources = { ...state.sources };
				delete reopenedSources[field.name];
				return askField(definition, { ...state, values: reopened, sources: reopenedSources }, field, undefined, []);
			}
		}
		if (isSideQuestion(definition, message)) {
			// Kept as it was, but marked: the next message that gives nothing is asked again, not counted as a failure.
			const kept: FormState = { ...(input.state as FormState), resumePending: true, lastActiveAt: now.toISOString() };
			return { outcome: 'not_in_form', state: kept, changed: true, form: output(definition, kept, kept.status, { sideQuestion: true }) };
		}
		if (state.resumePending) {
			const resumed: FormState = { ...state, resumePending: false };
			return askNext(definition, resumed, undefined, []);
		}
		const asked = state.askedField ?? missingFields(definition, state.values)[0]?.name ?? CONFIRM_QUESTION;
		problems.push({ field: asked, reason: 'not_understood' });
	}

	// Failed attempts: each field with a problem; too many on one field hands the guest to a person.
	const attempts = { ...state.attempts };
	for (const problem of problems) {
		attempts[problem.field] = (attempts[problem.field] ?? 0) + 1;
		if (attempts[problem.field] >= definition.maxAttempts) {
			return ended(definition, { ...state, attempts }, 'handoff', { reason: 'too_many_attempts', ask: { field: problem.field, text: '', problem } });
		}
	}
	for (const name of filled) delete attempts[name];
	state = { ...state, attempts };
	return askNext(definition, state, problems[0], filled);
}

export type { FormState };
