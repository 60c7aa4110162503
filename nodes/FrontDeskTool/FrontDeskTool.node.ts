import {
	NodeConnectionTypes,
	NodeOperationError,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type ISupplyDataFunctions,
	type SupplyData,
} from 'n8n-workflow';

import { executeToolNode, packTool } from '../glue/tools';
import { callbackArguments, checkCallbackTime, handoffArguments } from '../domain/tools/pack-tools';
import { ENDS_TURN } from '../domain/tools/tool-loop';

const TOOLS = {
	handOff: {
		name: 'hand_off_to_person',
		description:
			'Hands the conversation to a colleague at the desk. Use it when the guest asks for a person, is upset, or needs something you cannot do. Give the reason in a few words.',
	},
	scheduleCallback: {
		name: 'schedule_callback',
		description:
			'Books a phone call back from the desk. Ask the guest when suits them first; give the time as YYYY-MM-DDTHH:mm in the hotel’s local time and what the call is about. A time outside the desk’s hours is refused with the hours to offer instead.',
	},
} as const;

type Operation = keyof typeof TOOLS;

export class FrontDeskTool implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Front Desk Tool',
		name: 'frontDeskTool',
		icon: 'file:frontDeskTool.svg',
		group: ['transform'],
		version: 1,
		subtitle: '={{ {handOff: "Hand off to a person", scheduleCallback: "Schedule a callback"}[$parameter["operation"]] }}',
		description: 'Lets AI Reply or an AI Agent hand the chat to a person or book a callback from the desk',
		defaults: { name: 'Hand Off to Person' },
		inputs: [],
		outputs: [NodeConnectionTypes.AiTool],
		outputNames: ['Tool'],
		properties: [
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Hand Off to a Person', value: 'handOff', action: 'Hand off to a person' },
					{ name: 'Schedule a Callback', value: 'scheduleCallback', action: 'Schedule a callback' },
				],
				default: 'handOff',
			},
			{
				displayName:
					'With AI Reply, a call ends the turn: the message leaves on Unanswered with reply.handoff and the reason in route.reasons, so a Human Handoff node after it alerts the desk.',
				name: 'notice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Time Zone',
				name: 'timeZone',
				type: 'string',
				default: 'Europe/Amsterdam',
				description: 'The desk’s time zone (IANA name); callback times are in it',
				displayOptions: { show: { operation: ['scheduleCallback'] } },
			},
			{
				displayName: 'Desk Opens At',
				name: 'opensAt',
				type: 'string',
				default: '09:00',
				placeholder: 'HH:mm',
				displayOptions: { show: { operation: ['scheduleCallback'] } },
			},
			{
				displayName: 'Desk Closes At',
				name: 'closesAt',
				type: 'string',
				default: '18:00',
				placeholder: 'HH:mm',
				displayOptions: { show: { operation: ['scheduleCallback'] } },
			},
			{
				displayName: 'Max Days Ahead',
				name: 'maxDaysAhead',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 90 },
				default: 14,
				displayOptions: { show: { operation: ['scheduleCallback'] } },
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add Option',
				default: {},
				options: [
					{ displayName: 'Tool Name', name: 'toolName', type: 'string', default: '', description: 'The name the model calls the tool by; default per operation' },
					{ displayName: 'Tool Description', name: 'toolDescription', type: 'string', typeOptions: { rows: 3 }, default: '', description: 'What the model is told the tool does; default per operation' },
				],
			},
		],
	};

	/** n8n's AI Agent (v3) has the workflow engine run the tool call: one item per call. */
	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await executeToolNode(this, FrontDeskTool.prototype.supplyData);
	}

	async supplyData(this: ISupplyDataFunctions, itemIndex: number): Promise<SupplyData> {
		const operation = this.getNodeParameter('operation', itemIndex) as Operation;
		if (!(operation in TOOLS)) {
			throw new NodeOperationError(this.getNode(), `Unknown operation "${operation}"`, { itemIndex, description: 'Choose Hand Off to a Person or Schedule a Callback.' });
		}
		const options = this.getNodeParameter('options', itemIndex, {}) as { toolName?: string; toolDescription?: string };
		const name = options.toolName?.trim() || TOOLS[operation].name;
		const description = options.toolDescription?.trim() || TOOLS[operation].description;
		if (operation === 'handOff') {
			return {
				response: packTool(this, {
					name,
					description,
					schema: handoffArguments,
					metadata: { [ENDS_TURN]: 'handoff' },
					run: async (args) => ({ reason: args.reason, urgent: args.urgent ?? false, message: 'A colleague takes over this conversation; tell the guest so.' }),
				}),
			};
		}
		const timeZone = String(this.getNodeParameter('timeZone', itemIndex, 'Europe/Amsterdam')).trim();
		try {
			new Intl.DateTimeFormat('en', { timeZone });
		} catch {
			throw new NodeOperationError(this.getNode(), `Unknown time zone "${timeZone}"`, { itemIndex, description: 'Use an IANA time zone name, e.g. Europe/Amsterdam.' });
		}
		const hours = {
			timeZone,
			opensAt: String(this.getNodeParameter('opensAt', itemIndex, '09:00')).trim(),
			closesAt: String(this.getNodeParameter('closesAt', itemIndex, '18:00')).trim(),
			maxDaysAhead: Number(this.getNodeParameter('maxDaysAhead', itemIndex, 14)),
		};
		for (const value of [hours.opensAt, hours.closesAt]) {
			if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(value)) {
				throw new NodeOperationError(this.getNode(), `"${value}" is not a time of day`, { itemIndex, description: 'Write the desk hours as HH:mm, e.g. 09:00 and 18:00.' });
			}
		}
		return {
			response: packTool(this, {
				name,
				description,
				schema: callbackArguments,
				metadata: { [ENDS_TURN]: 'callback' },
				run: async (args) => {
					const checked = checkCallbackTime(args.time, hours, new Date());
					if (!checked.ok) throw new NodeOperationError(this.getNode(), checked.problem);
					return { reason: `call back at ${checked.local} (${timeZone}): ${args.topic}`, at: checked.at.toISOString(), local: checked.local, timeZone, topic: args.topic };
				},
			}),
		};
	}
}
