/**
 * n8n glue for Conversation Forms: the form a node's parameters define (Form Name, Fields, Options), shared
 * by the Conversation Form node and the Conversation Form Tool so both read one definition the same way.
 */
import { NodeOperationError, type IDataObject, type IExecuteFunctions, type ISupplyDataFunctions } from 'n8n-workflow';

import {
	FormDefinitionError,
	parseChoices,
	validateFormDefinition,
	type FieldDefinition,
	type FieldType,
	type FormDefinition,
} from '../domain/dialog';
import { SUPPORTED_LANGUAGES, type SupportedLanguage } from '../domain/nlu/types';

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

/** The form of the node's parameters; `startOn` / `startIntents` only where the node has them. */
export function formDefinitionFrom(context: IExecuteFunctions | ISupplyDataFunctions, itemIndex: number, fixed: { startOn?: 'always' } = {}): FormDefinition {
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
	const startOn = fixed.startOn ?? (context.getNodeParameter('startOn', itemIndex, 'intent') as 'intent' | 'always');
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
