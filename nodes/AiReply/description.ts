import type { INodeProperties } from 'n8n-workflow';

import { LANGUAGE_OPTIONS } from '../glue/languages';

export function aiReplyProperties(defaultSystemPrompt: string): INodeProperties[] {
	return [
		{
			displayName: 'Business Profile',
			name: 'businessProfile',
			type: 'collection',
			placeholder: 'Add Detail',
			default: {},
			options: [
				{ displayName: 'Name', name: 'name', type: 'string', default: '', placeholder: 'Hotel Zonneveld' },
				{ displayName: 'Tone', name: 'tone', type: 'string', default: 'friendly, warm and concise', placeholder: 'friendly, warm and concise' },
				{
					displayName: 'Facts',
					name: 'facts',
					type: 'string',
					typeOptions: { rows: 4 },
					default: '',
					placeholder: '4-star boutique hotel in Amsterdam, 42 rooms, reception open 24/7',
				},
			],
		},
		{
			displayName: 'Knowledge Base',
			name: 'knowledge',
			type: 'fixedCollection',
			typeOptions: { multipleValues: true, sortable: true },
			default: {},
			placeholder: 'Add Entry',
			description:
				"Questions and answers the bot may use, per language. Entries can also come from the node's Knowledge Base input (Google Sheets, Notion, files …).",
			options: [
				{
					displayName: 'Entry',
					name: 'entry',
					values: [
						{ displayName: 'Question', name: 'question', type: 'string', default: '' },
						{ displayName: 'Answer', name: 'answer', type: 'string', typeOptions: { rows: 3 }, default: '' },
						{
							displayName: 'Language',
							name: 'language',
							type: 'options',
							options: [{ name: 'Any', value: '' }, ...LANGUAGE_OPTIONS],
							default: '',
						},
					],
				},
			],
		},
		{
			displayName: 'Knowledge Base Input Fields',
			name: 'knowledgeFields',
			type: 'collection',
			placeholder: 'Map a Field',
			default: {},
			description: 'Field names of the items on the Knowledge Base input',
			options: [
				{ displayName: 'Question Field', name: 'question', type: 'string', default: 'question' },
				{ displayName: 'Answer Field', name: 'answer', type: 'string', default: 'answer' },
				{ displayName: 'Language Field', name: 'language', type: 'string', default: 'language' },
			],
		},
		{
			displayName: 'System Prompt',
			name: 'systemPrompt',
			type: 'string',
			typeOptions: { rows: 10 },
			default: defaultSystemPrompt,
			description:
				'Used with a model. {{business}}, {{tone}}, {{facts}} and {{language}} are filled in; the knowledge entries and the answer format are added after it.',
		},
		{
			displayName: 'History Messages',
			name: 'historyLength',
			type: 'number',
			typeOptions: { minValue: 0, maxValue: 50 },
			default: 10,
			description: 'How many earlier messages of this conversation (from the store) the model sees',
		},
		{
			displayName: 'Entries per Answer',
			name: 'topK',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 20 },
			default: 4,
			description: 'How many of the most relevant knowledge entries are given to the model',
		},
		{
			displayName: 'Minimum Match (Without Model)',
			name: 'minCoverage',
			type: 'number',
			typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 2 },
			default: 0.35,
			description: 'Without a model: how much of the question an entry must cover to be sent as the answer',
		},
		{
			displayName: 'Remember Guests',
			name: 'rememberGuests',
			type: 'boolean',
			default: false,
			description:
				"Whether to keep a profile per guest in the support store (name, language, stated preferences, booking references): the model gets it and a tool to add to it, and returning guests are greeted by name (also without a model). Guests who opted out are not remembered.",
		},
		{
			displayName: 'Default Language',
			name: 'defaultLanguage',
			type: 'options',
			options: LANGUAGE_OPTIONS,
			default: 'en',
			description: 'Used when the language cannot be told from the message (e.g. "ok 👍")',
		},
	];
}

/** Limits of the tool-calling loop, shown when a model is used (tools need one). */
export const toolSettingsProperty: INodeProperties = {
	displayName: 'Tool Settings',
	name: 'toolSettings',
	type: 'collection',
	placeholder: 'Add Setting',
	default: {},
	description: 'Used when tools are connected to the Tool input',
	displayOptions: { hide: { modelSource: ['none'] } },
	options: [
		{
			displayName: 'Max Tool Calls per Message',
			name: 'maxToolCalls',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 20 },
			default: 5,
			description: 'A model asking for more tool calls while answering one message sends it to Unanswered',
		},
		{
			displayName: 'Tool Timeout (Ms)',
			name: 'toolTimeoutMs',
			type: 'number',
			typeOptions: { minValue: 100 },
			default: 15000,
			description: 'How long one tool call may take; the model is then told the tool did not answer',
		},
		{
			displayName: 'Total Timeout (Ms)',
			name: 'turnTimeoutMs',
			type: 'number',
			typeOptions: { minValue: 1000 },
			default: 60000,
			description: 'How long answering one message may take, all model and tool calls together; past it the message goes to Unanswered',
		},
		{
			displayName: 'Tools Given Personal Data',
			name: 'personalDataTools',
			type: 'string',
			default: '',
			placeholder: 'e.g. send_confirmation, find_reservations',
			description:
				"Comma-separated tool names (or *) that receive the customer's real e-mail, phone … instead of the placeholders the model sees. The pack's own tools ask for it themselves when they need it.",
		},
	],
};
