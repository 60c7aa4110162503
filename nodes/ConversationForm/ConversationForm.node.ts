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
import { formDefinitionFrom } from '../glue/forms';
import { getSupportStore, supportStoreConnectionTest } from '../glue/store';
import type { MessageUnderstanding, StepResult } from '../domain/dialog';
import { applyFormMessage } from '../domain/dialog/persist';
import { fillFieldsWithModel } from '../domain/dialog/llm-fill';
import { customerKeyOf, readConversation } from '../domain/envelope';
import type { FormDefinition, FormOutput } from '../domain/dialog';
import { mayRememberGuest, profileFromForm } from '../domain/reply/profile-from-form';
import type { ChatModelLike } from '../domain/llm';
import type { Entity } from '../domain/nlu/entities/types';
import { SUPPORTED_LANGUAGES, type SupportedLanguage } from '../domain/nlu/types';
import type { SupportStore } from '../domain/store';
import { conversationFormProperties, DEFAULT_FORM_TEXT_EXPRESSION } from './description';

const OUTPUT = { ask: 0, complete: 1, cancelled: 2, handoff: 3, not_in_form: 4 } as const;

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
				const definition = formDefinitionFrom(this, itemIndex);
				const conversation = readConversation(json);
				const store = await getSupportStore(this, itemIndex);
				const understanding = await withKnownLanguage(store, conversation.id, understand(this, json, itemIndex));
				const result = await applyFormMessage(store, conversation, definition, understanding, {
					fill: async (stepped, state, message) =>
						model && stepped.outcome === 'ask' && state.status === 'asking' && !message.buttonId && worthAskingTheModel(stepped, message)
							? await fillFieldsWithModel(model, definition, state, message)
							: {},
				});
				if (!result) {
					throw new NodeOperationError(this.getNode(), 'The form of this conversation kept changing while this message was processed', {
						itemIndex,
						description: 'Many messages of one guest arrived at the same moment; retry the execution. Nothing was lost: the form holds what was saved.',
					});
				}
				const routed: IDataObject = { ...json };
				if (result.outcome === 'complete' && result.form) {
					const profile = await rememberFromForm(this, itemIndex, store, customerKeyOf(conversation.customer), definition, result.form);
					if (profile) routed.profile = profile;
				}
				if (result.form) routed.form = result.form as unknown as IDataObject;
				if (result.reply) routed.reply = result.reply as unknown as IDataObject;
				return [OUTPUT[result.outcome], routed];
			},
			{ errorOutput: OUTPUT.not_in_form },
		);
	}
}

/** With Remember in Guest Profile on: the completed form's name, language, references and preferences, consent permitting. */
async function rememberFromForm(
	context: IExecuteFunctions,
	itemIndex: number,
	store: SupportStore,
	customerKey: string,
	definition: FormDefinition,
	form: FormOutput,
): Promise<IDataObject | undefined> {
	const options = context.getNodeParameter('options', itemIndex, {}) as { rememberInProfile?: boolean; profilePreferenceFields?: string };
	if (!options.rememberInProfile) return undefined;
	if (!mayRememberGuest(await store.listConsentEvents(customerKey))) return undefined;
	const update = profileFromForm(definition, form, (options.profilePreferenceFields ?? '').split(','));
	if (!update) return undefined;
	const saved = await store.updateGuestProfile(customerKey, update);
	return { name: saved.name ?? null, language: saved.language ?? null, preferences: saved.preferences, bookings: saved.bookings };
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


