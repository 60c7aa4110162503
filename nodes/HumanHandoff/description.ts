import type { INodeProperties } from 'n8n-workflow';

/** Reason's default: the Confidence Router's reasons. */
export const DEFAULT_REASON_EXPRESSION = "={{ ($json.route && $json.route.reasons && $json.route.reasons.join('; ')) || 'handed off by workflow' }}";

/** Outputs per operation; runs inside an n8n expression, so it must stay a self-contained plain function. */
export function humanHandoffOutputs(parameters: { operation?: string }) {
	if ((parameters.operation ?? 'handOff') === 'check') {
		return [
			{ type: 'main', displayName: 'With Human' },
			{ type: 'main', displayName: 'With Bot' },
		];
	}
	if (parameters.operation === 'checkDeskRequest') {
		return [
			{ type: 'main', displayName: 'Accepted' },
			{ type: 'main', displayName: 'Refused' },
		];
	}
	return [{ type: 'main' }];
}

const show = (...operations: string[]) => ({ show: { operation: operations } });

export const humanHandoffProperties: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Agent Reply',
				value: 'agentReply',
				action: 'Send an agent reply',
				description: "Send an agent's text to the customer (e.g. from Slack or Chatwoot) and store it",
			},
			{
				name: 'Check',
				value: 'check',
				action: 'Check whether a person has the chat',
				description: 'Route each message to With Human (bot stays silent) or With Bot',
			},
			{
				name: 'Check Desk Request',
				value: 'checkDeskRequest',
				action: 'Check an agent desk call',
				description:
					'Check the key (current or previous), the body and the handoff state of an agent desk webhook call: Accepted, or Refused with the HTTP status and a message. Logs every call.',
			},
			{
				name: 'Hand Off',
				value: 'handOff',
				action: 'Hand the chat to a person',
				description: 'Mark the chat "with human" and build the context package for your agents',
			},
			{
				name: 'Release',
				value: 'release',
				action: 'Give the chat back to the bot',
			},
		],
		default: 'handOff',
	},
	{
		displayName: 'Desk Call',
		name: 'deskAction',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Reply', value: 'reply', description: 'Body: { "conversationId", "text", "agent" }' },
			{ name: 'Release', value: 'release', description: 'Body: { "conversationId", "agent" }' },
		],
		default: 'reply',
		displayOptions: show('checkDeskRequest'),
	},
	{
		displayName: 'Reason',
		name: 'reason',
		type: 'string',
		default: DEFAULT_REASON_EXPRESSION,
		displayOptions: show('handOff'),
	},
	{
		displayName: 'Transcript Messages',
		name: 'transcriptLength',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 200 },
		default: 20,
		description: 'How many of the latest messages go into the context package',
		displayOptions: show('handOff'),
	},
	{
		displayName: 'Mask Alert',
		name: 'maskAlert',
		type: 'boolean',
		default: true,
		description:
			"Whether `handoff.alert` (the duty manager's alert template: customer, reason, summary) shows initials and a partial number instead of the name and number, with e-mails, numbers and IDs in the text masked",
		displayOptions: show('handOff'),
	},
	{
		displayName: 'Mask Context Package',
		name: 'maskPackage',
		type: 'boolean',
		default: false,
		description:
			'Whether the whole package for agents (`handoff.text`, summary, transcript, customer) is masked the same way. Off: agents get the full text they need to help; the store keeps the original either way.',
		displayOptions: show('handOff'),
	},
	{
		displayName: 'Send Holding Message',
		name: 'sendHoldingMessage',
		type: 'boolean',
		default: true,
		description: 'Whether to tell the customer in their language that a colleague will take over (once per handoff)',
		displayOptions: show('handOff'),
	},
	{
		displayName: 'Holding Message',
		name: 'holdingMessage',
		type: 'string',
		typeOptions: { rows: 2 },
		default: '',
		placeholder: 'Leave empty for the built-in text in en, nl, de, fr or es',
		displayOptions: { show: { operation: ['handOff'], sendHoldingMessage: [true] } },
	},
	{
		displayName: 'Release After Inactivity (Hours)',
		name: 'inactivityHours',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 24,
		description: 'A handoff with no activity for this long goes back to the bot; 0 keeps it with the person until released',
		displayOptions: show('check'),
	},
	{
		displayName: 'Conversation',
		name: 'conversationSource',
		type: 'options',
		options: [
			{ name: 'From the Item (Envelope)', value: 'envelope' },
			{ name: 'Conversation ID', value: 'id' },
		],
		default: 'envelope',
		displayOptions: show('release', 'agentReply'),
	},
	{
		displayName: 'Conversation ID',
		name: 'conversationId',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'whatsapp:1065000000001:31612345678',
		description: "The ID from the handoff package (handoff.conversationId), e.g. carried in a Slack thread's metadata",
		displayOptions: { show: { operation: ['release', 'agentReply'], conversationSource: ['id'] } },
	},
	{
		displayName: 'Released By',
		name: 'releasedBy',
		type: 'string',
		default: 'agent',
		displayOptions: show('release'),
	},
	{
		displayName: 'Text',
		name: 'text',
		type: 'string',
		typeOptions: { rows: 3 },
		default: '',
		required: true,
		displayOptions: show('agentReply'),
	},
	{
		displayName: 'Agent Name',
		name: 'agentName',
		type: 'string',
		default: '',
		description: 'Stored with the message in the conversation history',
		displayOptions: show('agentReply'),
	},
];
