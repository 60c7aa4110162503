/**
 * The Conversation Form's model: what a form asks (fields), what it remembers per conversation (state),
 * and what one message does to it (a step). No n8n here; the node is a thin adapter.
 */
import type { EntityType, EntityValue, Entity } from '../nlu/entities/types';
import type { SupportedLanguage } from '../nlu/types';

export type FieldType = EntityType | 'choice' | 'number' | 'text';

export interface ChoiceOption {
	/** What the form stores, e.g. `breakfast`. */
	id: string;
	/** What the guest sees in the summary. */
	label: string;
	/** Words that pick this option, in any of the five languages (the label and id count too). */
	synonyms: string[];
}

export interface FieldValidation {
	/** date / date_range: not before today (in the business time zone). */
	futureDate?: boolean;
	/** date_range / nights: at most this many nights. */
	maxNights?: number;
	/** time: `HH:MM-HH:MM`, e.g. `12:00-22:00`. */
	openingHours?: string;
}

export interface FieldDefinition {
	name: string;
	type: FieldType;
	required: boolean;
	/** Shown in the summary; defaults to a label per type and language. */
	label?: string;
	choices?: ChoiceOption[];
	/** number: bounds; party_size: max people (min is always 1). */
	min?: number;
	max?: number;
	validation?: FieldValidation;
	/** Overrides of the default question, per language. */
	questions?: Partial<Record<SupportedLanguage, string>>;
}

export interface FormDefinition {
	name: string;
	fields: FieldDefinition[];
	/** Intents (from the Intent Classifier) that start this form when no form is active. */
	startIntents: string[];
	/** 'intent': start on a start intent; 'always': every message starts or continues the form. */
	startOn: 'intent' | 'always';
	idleMinutes: number;
	maxAttempts: number;
	defaultLanguage: SupportedLanguage;
	timeZone: string;
	/** A message with no value and another intent at or above this confidence is a side question. */
	sideQuestionConfidence: number;
}

export type ValueSource = 'entity' | 'parser' | 'llm' | 'button';
export type FieldValue = EntityValue;
export type ActiveStatus = 'asking' | 'confirming';
export type FormStatus = ActiveStatus | 'complete' | 'cancelled' | 'handoff';

/** What the store keeps for the one active form of a conversation. */
export interface FormState {
	name: string;
	status: ActiveStatus;
	values: Record<string, FieldValue>;
	sources: Record<string, ValueSource>;
	/** Failed attempts per field (and `_confirm` / `_change` for those questions). */
	attempts: Record<string, number>;
	/** The field last asked; `_change` while asking what to change. */
	askedField: string | null;
	language: SupportedLanguage;
	startedAt: string;
	lastActiveAt: string;
	/** A side question left the form; the next message without a value gets the question again, uncounted. */
	resumePending?: boolean;
	/** A date range of which only the arrival is known yet. */
	partialRange?: { field: string; start: string };
}

/** What the node understood of one message. */
export interface MessageUnderstanding {
	text: string;
	intent?: string;
	confidence?: number;
	/** `nlu.language`, when the classifier was sure of it. */
	language?: SupportedLanguage;
	entities: Entity[];
	/** The id of a reply button or list row the guest tapped. */
	buttonId?: string;
	/** When the message was written: relative dates and "future" resolve against it. */
	reference: Date;
	/** What a chat model may see: the masked text when the Consent Gate masked personal data. */
	modelText?: string;
	/** Values a chat model proposed for fields the rules left empty (validated like any other). */
	llmValues?: Record<string, unknown>;
}

export interface ReplyButton {
	id: string;
	title: string;
}

export interface FormReply {
	text: string;
	language: SupportedLanguage;
	source: 'form';
	buttons?: ReplyButton[];
}

export type StepOutcome = 'ask' | 'complete' | 'cancelled' | 'handoff' | 'not_in_form';

export type InvalidReason =
	| 'not_understood'
	| 'invalid_date'
	| 'past_date'
	| 'end_before_start'
	| 'too_many_nights'
	| 'out_of_range'
	| 'outside_hours';

export interface FieldProblem {
	field: string;
	reason: InvalidReason;
	/** Numbers or times the explanation names (bounds, opening hours). */
	details?: Record<string, string | number>;
}

/** The `form` key the node adds to the item. */
export interface FormOutput {
	name: string;
	status: FormStatus;
	values: Record<string, FieldValue>;
	missing: string[];
	source: Record<string, ValueSource>;
	/** The language the form speaks with this guest. */
	language?: SupportedLanguage;
	ask?: { field: string; text: string; problem?: FieldProblem };
	summary?: string;
	/** Not in Form with a form active: the message was a side question; the form asks again next turn. */
	sideQuestion?: boolean;
	/** Handoff: why. */
	reason?: string;
	/** Fields this message filled or changed. */
	filled?: string[];
}

export interface StepResult {
	outcome: StepOutcome;
	/** The state to keep; null when the form ends (or none was active and none started). */
	state: FormState | null;
	/** False when the message changes nothing in the store (a side question, or no form at all). */
	changed: boolean;
	form?: FormOutput;
	reply?: FormReply;
}

export const BUTTON_CONFIRM = 'form:confirm';
export const BUTTON_CHANGE = 'form:change';
export const BUTTON_CANCEL = 'form:cancel';
