/**
 * A Conversation Form kept in the store: load the conversation's active form, step it with one message and
 * save it only if nobody saved meanwhile (optimistic concurrency on the record's version); otherwise re-read
 * and re-apply, so two messages at the same moment both land, one after the other. Shared by the Conversation
 * Form node and the Conversation Form Tool, so a form started by a model continues in the node.
 */
import type { ConversationRef } from '../envelope';
import type { ConversationFormInput, ConversationFormRecord } from '../store/types';
import { SUPPORTED_LANGUAGES, type SupportedLanguage } from '../nlu/types';
import { stepForm } from './machine';
import type { FormDefinition, FormState, MessageUnderstanding, StepResult } from './types';

/** What a form needs of the SupportStore. */
export interface FormStore {
	loadConversationForm(conversationId: string): Promise<ConversationFormRecord | undefined>;
	saveConversationForm(input: ConversationFormInput, expectedVersion: number | null): Promise<ConversationFormRecord | undefined>;
	clearConversationForm(conversationId: string, expectedVersion?: number): Promise<boolean>;
	upsertConversation(ref: ConversationRef): Promise<unknown>;
}

export interface ApplyFormOptions {
	/** Values a chat model proposes for a step the rules could not complete (the node's Chat Model input). */
	fill?: (result: StepResult, state: FormState, message: MessageUnderstanding) => Promise<Record<string, unknown>>;
	/** Start the form even when the definition's start rule would not (a tool was asked to start it). */
	forceStart?: boolean;
	/** A message with nothing new for an active form asks its question again, without counting a failed answer. */
	repeatQuestion?: boolean;
	now?: () => Date;
}

/** How often a message is re-applied when another message of the same guest changed the form meanwhile. */
const MAX_SAVE_ATTEMPTS = 8;

function supportedLanguage(value: unknown): SupportedLanguage | undefined {
	return SUPPORTED_LANGUAGES.includes(value as SupportedLanguage) ? (value as SupportedLanguage) : undefined;
}

export function formStateOf(record: ConversationFormRecord): FormState {
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
 * Steps the conversation's form with a message and stores the result. Returns undefined when the form kept
 * changing under it (many messages at once); a form of another name that is active leaves it alone
 * (outcome `not_in_form`).
 */
export async function applyFormMessage(
	store: FormStore,
	conversation: ConversationRef & { id: string },
	definition: FormDefinition,
	message: MessageUnderstanding,
	options: ApplyFormOptions = {},
): Promise<StepResult | undefined> {
	let conversationStored = false;
	for (let attempt = 0; attempt < MAX_SAVE_ATTEMPTS; attempt++) {
		const now = options.now?.() ?? new Date();
		const record = await store.loadConversationForm(conversation.id);
		const active = record && Date.parse(record.expiresAt) > now.getTime() ? record : undefined;
		if (active && active.formName !== definition.name) return { outcome: 'not_in_form', state: null, changed: false };
		const state = active ? formStateOf(active) : undefined;
		if (state && options.repeatQuestion) state.resumePending = true;
		const input = { definition, state, message, now, forceStart: options.forceStart };
		let result = stepForm(input);
		if (options.fill && result.state) {
			const llmValues = await options.fill(result, result.state, message);
			if (Object.keys(llmValues).length) result = stepForm({ ...input, message: { ...message, llmValues: { ...message.llmValues, ...llmValues } } });
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
