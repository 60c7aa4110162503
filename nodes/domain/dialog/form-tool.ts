/**
 * A Conversation Form as a tool a model can call (AI Reply, n8n's AI Agent): start the form, or continue
 * the one in progress, with the values the guest already gave. The form itself (validation, questions in
 * the guest's language, confirmation) is the same state machine the Conversation Form node runs; the model
 * only passes values, and relays the form's question. The node then continues the form with the guest's
 * next messages.
 */
import { z } from 'zod';

import { SUPPORTED_LANGUAGES, type SupportedLanguage } from '../nlu/types';
import { describeField } from './llm-fill';
import { BUTTON_CANCEL, type FormDefinition, type MessageUnderstanding, type StepResult } from './types';

export const formToolArguments = z.object({
	values: z
		.record(z.string(), z.unknown())
		.optional()
		.describe('Values the guest already stated, by field name, in the formats listed; leave out anything not said'),
	language: z.enum(SUPPORTED_LANGUAGES).optional().describe('The language the guest writes in: en, nl, de, fr or es'),
	cancel: z.boolean().optional().describe('True to stop the form because the guest no longer wants it'),
});

export type FormToolArguments = z.infer<typeof formToolArguments>;

/** The tool's name: `start_<form name>` unless set. */
export function formToolName(definition: FormDefinition): string {
	return `start_${definition.name.toLowerCase().replace(/[^a-z0-9_]+/g, '_')}`.slice(0, 64);
}

export function formToolDescription(definition: FormDefinition, purpose?: string): string {
	const what = purpose?.trim() || `Starts or continues the "${definition.name}" form, which collects what is needed step by step, validates it and confirms it with the guest.`;
	return `${what} Pass the values the guest already gave; the answer is the form's next question, which you send to the guest as it is. Fields:\n${definition.fields.map(describeField).join('\n')}`;
}

/** The tool call as a message the form reads: no text of its own, the model's values, the guest's language. */
export function formToolMessage(args: FormToolArguments, context: { language?: SupportedLanguage; now: Date }): MessageUnderstanding {
	return {
		text: '',
		entities: [],
		language: args.language ?? context.language,
		reference: context.now,
		llmValues: args.values ?? {},
		...(args.cancel ? { buttonId: BUTTON_CANCEL } : {}),
	};
}

/** What the model is told: where the form stands and what to send the guest. */
export function formToolAnswer(definition: FormDefinition, result: StepResult | undefined): Record<string, unknown> {
	if (!result) return { status: 'busy', instruction: 'The form is being changed by another message right now; try again.' };
	const form = result.form;
	if (result.outcome === 'not_in_form' || !form) {
		return { status: 'other_form_active', instruction: `Another form is in progress in this conversation; "${definition.name}" cannot start until it ends.` };
	}
	const base = { form: definition.name, status: form.status, values: form.values, missing: form.missing, ...(form.filled?.length ? { filled: form.filled } : {}) };
	if (result.outcome === 'ask') {
		return {
			...base,
			question: result.reply?.text ?? '',
			...(result.reply?.buttons?.length ? { buttons: result.reply.buttons.map((button) => button.title) } : {}),
			instruction: 'Send the guest this question as it is. The form continues with their next message; do not ask for these details yourself.',
		};
	}
	if (result.outcome === 'cancelled') return { ...base, message: result.reply?.text ?? '', instruction: 'The form is stopped; tell the guest so.' };
	if (result.outcome === 'handoff') return { ...base, reason: form.reason, instruction: 'The form could not be completed; a colleague takes over.' };
	return { ...base, summary: form.summary, instruction: 'The form is complete.' };
}
