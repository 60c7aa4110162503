/**
 * Optional: a chat model fills the form's missing fields from a message the rules could not read. Its
 * values go through the same validation as any other (`source: 'llm'`); a failing model changes nothing.
 */
import { z } from 'zod';

import { invokeStructured, type ChatModelLike, type InvokeOptions } from '../llm';
import { dayIn } from './fields';
import type { FieldDefinition, FormDefinition, FormState, MessageUnderstanding } from './types';

const VALUE_FORMATS: Record<string, string> = {
	date: 'YYYY-MM-DD',
	date_range: '{"start": "YYYY-MM-DD", "end": "YYYY-MM-DD"} (end = departure day)',
	time: 'HH:MM, 24 h',
	nights: 'integer',
	party_size: 'integer, all people',
	room_type: 'one of single, double, twin, family, suite',
	email: 'email address',
	phone: 'E.164, e.g. +31612345678',
	booking_ref: 'the reference as written',
	person_name: 'the name as written',
	number: 'number',
	text: 'short text',
};

/** One line per field: its name and the format a model should give its value in. */
export function describeField(field: FieldDefinition): string {
	const format = field.type === 'choice' ? `one of ${(field.choices ?? []).map((option) => JSON.stringify(option.id)).join(', ')}` : VALUE_FORMATS[field.type];
	return `- ${field.name}: ${format}`;
}

const answerSchema = z.object({ values: z.record(z.string(), z.unknown()) });

/** The fields still empty after the rules, asked of the model; returns only names of those fields. */
export async function fillFieldsWithModel(
	model: ChatModelLike,
	definition: FormDefinition,
	state: FormState,
	message: MessageUnderstanding,
	options: InvokeOptions = {},
): Promise<Record<string, unknown>> {
	const empty = definition.fields.filter((field) => state.values[field.name] === undefined);
	if (!empty.length || !message.text.trim()) return {};
	const today = dayIn(message.reference, definition.timeZone);
	try {
		const { value } = await invokeStructured(
			model,
			[
				{
					role: 'system',
					content: `You extract form values from a guest's chat message. Today is ${today}. Fill only fields the message states; leave out anything not said. Fields:\n${empty.map(describeField).join('\n')}\nAnswer {"values": {field: value}}.`,
				},
				{ role: 'user', content: message.modelText ?? message.text },
			],
			answerSchema,
			{ timeoutMs: 15_000, repairAttempts: 0, ...options },
		);
		const names = new Set(empty.map((field) => field.name));
		return Object.fromEntries(Object.entries(value.values).filter(([name]) => names.has(name)));
	} catch {
		return {};
	}
}
