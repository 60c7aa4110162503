import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { routeItems } from '../glue/items';
import { chatModelInputsAlways } from '../glue/llm';
import { field } from '../glue/parameters';
import { getSupportStore, supportStoreConnectionTest } from '../glue/store';
import {
	FormDefinitionError,
	parseChoices,
	stepForm,
	validateFormDefinition,
	type FieldDefinition,
	type FieldType,
	type FormDefinition,
	type FormState,
	type MessageUnderstanding,
	type StepResult,
} from '../domain/dialog';
import { fillFieldsWithModel } from '../domain/dialog/llm-fill';
import { readConversation } from '../domain/envelope';
import type { ChatModelLike } from '../domain/llm';
import type { Entity } from '../domain/nlu/entities/types';
import { SUPPORTED_LANGUAGES, type SupportedLanguage } from '../domain/nlu/types';
import type { ConversationFormRecord, SupportStore } from '../domain/store';
import { conversationFormProperties, DEFAULT_FORM_TEXT_EXPRESSION } from './description';

const OUTPUT = { ask: 0, complete: 1, cancelled: 2, handoff: 3, not_in_form: 4 } as const;
/** How often a message is re-applied when another message of the same guest changed the form meanwhile. */
const MAX_SAVE_ATTEMPTS = 8;

interface FieldParameters {
	name?: string;
	type?: string;
	required?: boolean;
	label?: string;
	choices?: string;
	min?: number;
	max?: number;
	futureDate?: boolean;
	maxNights?: number;
	openingHours?: string;
	questionEn?: string;
	questionNl?: string;
	questionDe?: string;
	questionFr?: string;
	questionEs?: string;
}

export class ConversationForm implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Conversation Form',
		name: 'conversationForm',
		icon: 'file:conversationForm.svg',
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter["formName"] }}',
		description:
			'Collects the details of a booking or request over several messages (slot filling): asks what is missing, accepts corrections, confirms with buttons, in five languages',
		defaults: { name: 'Conversation Form' },
		inputs: chatModelInputsAlways,
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main, NodeConnectionTypes.Main, NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Ask', 'Complete', 'Cancelled', 'Handoff', 'Not in Form'],
		credentials: [
			{
				name: 'whatsAppSupportStorePostgresApi',
				required: true,
				displayOptions: { show: { supportStore: ['postgres'] } },
				testedBy: 'supportStoreConnectionTest',
			},
		],
		properties: conversationFormProperties,
	};

	methods = { credentialTest: { supportStoreConnectionTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const model = await connectedModel(this);
		// Items that fail (with continue-on-fail) leave on Not in Form, so the workflow still answers them.
		return await routeItems(
			this,
			Object.keys(OUTPUT).length,
			async (json, itemIndex) => {
				const definition = definitionFor(this, itemIndex);
				const conversation = readConversation(json);
				const store = await getSupportStore(this, itemIndex);
				const understanding = await withKnownLanguage(store, conversation.id, understand(this, json, itemIndex));
				const result = await applyMessage(store, conversation, definition, understanding, model);
				if (!result) {
					throw new NodeOperationError(this.getNode(), 'The form of this conversation kept changing while this message was processed', {
						itemIndex,
						description: 'Many messages of one guest arrived at the same moment; retry the execution. Nothing was lost: the form holds what was saved.',
					});
				}
				const routed: IDataObject = { ...json };
				if (result.form) routed.form = result.form as unknown as IDataObject;
				if (result.reply) routed.reply = result.reply as unknown as IDataObject;
				return [OUTPUT[result.outcome], routed];
			},
			{ errorOutput: OUTPUT.not_in_form },
		);
	}
}

async function connectedModel(context: IExecuteFunctions): Promise<ChatModelLike | undefined> {
	let connected: unknown;
	try {
		connected = await context.getInputConnectionData(NodeConnectionTypes.AiLanguageModel, 0);
	} catch {
		return undefined;
	}
	const model = Array.isArray(connected) ? connected[0] : connected;
	return model && typeof (model as ChatModelLike).invoke === 'function' ? (model as ChatModelLike) : undefined;
}

function definitionFor(context: IExecuteFunctions, itemIndex: number): FormDefinition {
	const options = context.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const rawFields = ((context.getNodeParameter('fields', itemIndex, {}) as { field?: FieldParameters[] }).field ?? []) as FieldParameters[];
	const fields: FieldDefinition[] = rawFields.map((raw) => {
		const type = (raw.type ?? 'text') as FieldType;
		const questions: FieldDefinition['questions'] = {};
		for (const language of SUPPORTED_LANGUAGES) {
			const question = raw[`question${language.charAt(0).toUpperCase()}${language.slice(1)}` as keyof FieldParameters];
			if (typeof question === 'string' && question.trim()) questions[language] = question.trim();
		}
		const max = Number(raw.max ?? 0);
		return {
			name: String(raw.name ?? '').trim(),
			type,
			required: raw.required !== false,
			label: raw.label?.trim() || undefined,
			choices: type === 'choice' ? parseChoices(raw.choices ?? '') : undefined,
			min: type === 'number' ? Number(raw.min ?? 0) : undefined,
			max: max > 0 ? max : undefined,
			validation: {
				futureDate: (type === 'date' || type === 'date_range') && raw.futureDate !== false,
				maxNights: Number(raw.maxNights ?? 0) > 0 ? Number(raw.maxNights) : undefined,
				openingHours: raw.openingHours?.trim() || undefined,
			},
			questions,
		};
	});
	const startOn = context.getNodeParameter('startOn', itemIndex, 'intent') as 'intent' | 'always';
	const definition: FormDefinition = {
		name: String(context.getNodeParameter('formName', itemIndex, '')).trim(),
		fields,
		startOn,
		startIntents:
			startOn === 'intent'
				? String(context.getNodeParameter('startIntents', itemIndex, ''))
						.split(',')
						.map((intent) => intent.trim())
						.filter(Boolean)
				: [],
		idleMinutes: Number(options.idleMinutes ?? 30),
		maxAttempts: Number(options.maxAttempts ?? 3),
		defaultLanguage: (options.defaultLanguage as SupportedLanguage) ?? 'en',
		timeZone: (typeof options.timeZone === 'string' && options.timeZone.trim()) || context.getTimezone() || 'UTC',
		sideQuestionConfidence: Number(options.sideQuestionConfidence ?? 0.6),
	};
	try {
		validateFormDefinition(definition);
		new Intl.DateTimeFormat('en', { timeZone: definition.timeZone });
	} catch (error) {
		if (error instanceof FormDefinitionError) throw new NodeOperationError(context.getNode(), error.message, { itemIndex, description: error.hint });
		throw new NodeOperationError(context.getNode(), `Unknown time zone "${definition.timeZone}"`, {
			itemIndex,
			description: 'Set Options › Time Zone to an IANA zone such as Europe/Amsterdam.',
		});
	}
	return definition;
}

function supportedLanguage(value: unknown): SupportedLanguage | undefined {
	return SUPPORTED_LANGUAGES.includes(value as SupportedLanguage) ? (value as SupportedLanguage) : undefined;
}

function understand(context: IExecuteFunctions, json: IDataObject, itemIndex: number): MessageUnderstanding {
	const options = context.getNode().parameters.options as IDataObject | undefined;
	// The default expression is read from the item directly (see itemParameter in glue/parameters.ts).
	const text =
		options?.text === undefined || options.text === DEFAULT_FORM_TEXT_EXPRESSION
			? field(json.message, 'text')
			: context.getNodeParameter('options.text', itemIndex, '');
	const nlu = (json.nlu ?? {}) as IDataObject;
	const message = (json.message ?? {}) as IDataObject;
	const interactive = message.interactive as IDataObject | undefined;
	const button = message.button as IDataObject | undefined;
	const timestamp = messageTime(message.timestamp);
	const profile = json.profile as IDataObject | undefined;
	return {
		text: typeof text === 'string' ? text : '',
		modelText: typeof message.textMasked === 'string' ? message.textMasked : undefined,
		intent: typeof nlu.intent === 'string' ? nlu.intent : undefined,
		confidence: typeof nlu.confidence === 'number' ? nlu.confidence : undefined,
		language: supportedLanguage(nlu.language) ?? supportedLanguage(profile?.language),
		entities: Array.isArray(nlu.entities) ? (nlu.entities as unknown[]).filter(isEntity) : [],
		buttonId: typeof interactive?.id === 'string' ? interactive.id : typeof button?.payload === 'string' ? button.payload : undefined,
		reference: timestamp && !Number.isNaN(timestamp.getTime()) ? timestamp : new Date(),
	};
}

/** Below this many words of letters, a message tells little about its language ("Tafel reserveren", "ok"). */
const SURE_LANGUAGE_WORDS = 3;

/**
 * A tapped button (its title is our own text) or a message of one or two words: the guest's known language
 * (kept in the store from earlier messages) wins over what the classifier guessed, so a form started from
 * the welcome's buttons speaks the guest's language.
 */
async function withKnownLanguage(store: SupportStore, conversationId: string, message: MessageUnderstanding): Promise<MessageUnderstanding> {
	const words = message.text.split(/\s+/).filter((word) => /\p{L}{2,}/u.test(word)).length;
	if (!message.buttonId && words >= SURE_LANGUAGE_WORDS) return message;
	const known = supportedLanguage((await store.getConversation(conversationId))?.language);
	return known ? { ...message, language: known } : message;
}

/** ISO text, or WhatsApp's seconds since 1970 (as a number or digits). */
function messageTime(value: unknown): Date | undefined {
	if (typeof value === 'number' || (typeof value === 'string' && /^\d+$/.test(value))) {
		const seconds = Number(value);
		return new Date(seconds < 1e12 ? seconds * 1000 : seconds);
	}
	return typeof value === 'string' ? new Date(value) : undefined;
}

function isEntity(value: unknown): value is Entity {
	const entity = value as Entity | null;
	return typeof entity === 'object' && entity !== null && typeof entity.type === 'string' && entity.value !== undefined && entity.value !== null;
}

/** The model is asked when the rules could not use the answer, or the message is long enough to hold more. */
function worthAskingTheModel(result: StepResult, message: MessageUnderstanding): boolean {
	if (!message.text.trim()) return false;
	if (result.form?.ask?.problem?.reason === 'not_understood') return true;
	return message.text.trim().split(/\s+/).length >= 4;
}

function stateOf(record: ConversationFormRecord): FormState {
	return {
		name: record.formName,
		status: record.status,
		values: record.values as FormState['values'],
		sources: record.sources as FormState['sources'],
		attempts: record.attempts,
		askedField: record.askedField,
		resumePending: record.resumePending,
		partialRange: record.partialRange ?? undefined,
		language: supportedLanguage(record.language) ?? 'en',
		startedAt: record.startedAt,
		lastActiveAt: record.lastActiveAt,
	};
}

/**
 * Loads the conversation's form, steps it with the message and saves it if nobody else saved meanwhile;
 * otherwise re-reads and re-applies, so two messages at the same moment both land, one after the other.
 */
async function applyMessage(
	store: SupportStore,
	conversation: ReturnType<typeof readConversation>,
	definition: FormDefinition,
	message: MessageUnderstanding,
	model: ChatModelLike | undefined,
): Promise<StepResult | undefined> {
	let conversationStored = false;
	for (let attempt = 0; attempt < MAX_SAVE_ATTEMPTS; attempt++) {
		const now = new Date();
		const record = await store.loadConversationForm(conversation.id);
		const active = record && Date.parse(record.expiresAt) > now.getTime() ? record : undefined;
		if (active && active.formName !== definition.name) return { outcome: 'not_in_form', state: null, changed: false };
		const input = { definition, state: active ? stateOf(active) : undefined, message, now };
		let result = stepForm(input);
		if (model && result.outcome === 'ask' && result.state?.status === 'asking' && !message.buttonId && worthAskingTheModel(result, message)) {
			const llmValues = await fillFieldsWithModel(model, definition, result.state, message);
			if (Object.keys(llmValues).length) result = stepForm({ ...input, message: { ...message, llmValues } });
		}
		if (!result.changed) return result;
		if (result.state) {
			if (!record && !conversationStored) {
				await store.upsertConversation(conversation);
				conversationStored = true;
			}
			const saved = await store.saveConversationForm(
				{
					conversationId: conversation.id,
					formName: definition.name,
					status: result.state.status,
					values: result.state.values,
					sources: result.state.sources,
					attempts: result.state.attempts,
					askedField: result.state.askedField,
					resumePending: result.state.resumePending === true,
					partialRange: result.state.partialRange ?? null,
					language: result.state.language,
					startedAt: result.state.startedAt,
					lastActiveAt: result.state.lastActiveAt,
					expiresAt: new Date(now.getTime() + definition.idleMinutes * 60_000).toISOString(),
				},
				record ? record.version : null,
			);
			if (saved) return result;
		} else if (!active || (await store.clearConversationForm(conversation.id, active.version))) {
			return result;
		}
	}
	return undefined;
}
