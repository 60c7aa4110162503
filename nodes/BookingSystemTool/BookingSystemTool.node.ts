import {
	NodeConnectionTypes,
	NodeOperationError,
	type IHttpRequestOptions,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type ISupplyDataFunctions,
	type SupplyData,
} from 'n8n-workflow';

import { executeToolNode, packTool } from '../glue/tools';
import {
	availabilityArguments,
	checkAvailability,
	lookUpReservation,
	reservationLookupArguments,
	type BookingSystemClient,
} from '../domain/tools/pack-tools';
import { NEEDS_PERSONAL_DATA } from '../domain/tools/tool-privacy';

const TOOLS = {
	checkAvailability: {
		name: 'check_availability',
		description:
			'Checks which rooms are free for a stay and what they cost. Give checkIn and checkOut as YYYY-MM-DD and the number of guests; roomType only if the guest asked for one. When nothing fits, the answer lists the nearest alternative dates.',
	},
	lookUpReservation: {
		name: 'look_up_reservation',
		description:
			"Looks up a guest's reservation by its booking reference (e.g. BK-48213), or the reservations made with an e-mail address. Answers status, room, dates, guests and price.",
	},
} as const;

type Operation = keyof typeof TOOLS;

export class BookingSystemTool implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Booking System Tool',
		name: 'bookingSystemTool',
		icon: 'file:bookingSystemTool.svg',
		group: ['transform'],
		version: 1,
		subtitle: '={{ {checkAvailability: "Check availability and price", lookUpReservation: "Look up a reservation"}[$parameter["operation"]] }}',
		description: 'Lets AI Reply or an AI Agent check availability and prices, or look up a reservation, in your booking system',
		defaults: { name: 'Check Availability' },
		inputs: [],
		outputs: [NodeConnectionTypes.AiTool],
		outputNames: ['Tool'],
		// n8n's own Header Auth credential, as HTTP Request nodes use for the booking system.
		// eslint-disable-next-line n8n-nodes-base/node-class-description-credentials-name-unsuffixed
		credentials: [{ name: 'httpHeaderAuth', required: true }],
		properties: [
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Check Availability and Price', value: 'checkAvailability', action: 'Check availability and price' },
					{ name: 'Look Up Reservation', value: 'lookUpReservation', action: 'Look up a reservation' },
				],
				default: 'checkAvailability',
			},
			{
				displayName: 'Booking System URL',
				name: 'baseUrl',
				type: 'string',
				required: true,
				default: 'http://127.0.0.1:5691',
				placeholder: 'https://pms.example.com/api',
				description:
					'Base URL of a booking system with the booking sandbox’s API (GET /availability, GET /reservations/{ref}, GET /reservations?email=). The demo sandbox runs on port 5691.',
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add Option',
				default: {},
				options: [
					{ displayName: 'Tool Name', name: 'toolName', type: 'string', default: '', placeholder: 'check_availability', description: 'The name the model calls the tool by; default per operation' },
					{ displayName: 'Tool Description', name: 'toolDescription', type: 'string', typeOptions: { rows: 3 }, default: '', description: 'What the model is told the tool does; default per operation' },
					{ displayName: 'Timeout (Ms)', name: 'timeoutMs', type: 'number', typeOptions: { minValue: 500 }, default: 10000, description: 'How long to wait for the booking system' },
				],
			},
		],
	};

	/** n8n's AI Agent (v3) has the workflow engine run the tool call: one item per call. */
	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await executeToolNode(this, BookingSystemTool.prototype.supplyData);
	}

	async supplyData(this: ISupplyDataFunctions, itemIndex: number): Promise<SupplyData> {
		const operation = this.getNodeParameter('operation', itemIndex) as Operation;
		if (!(operation in TOOLS)) {
			throw new NodeOperationError(this.getNode(), `Unknown operation "${operation}"`, { itemIndex, description: 'Choose Check Availability and Price or Look Up Reservation.' });
		}
		const baseUrl = String(this.getNodeParameter('baseUrl', itemIndex, '')).trim().replace(/\/+$/, '');
		if (!/^https?:\/\//i.test(baseUrl)) {
			throw new NodeOperationError(this.getNode(), 'The Booking System URL is not an http(s) URL', { itemIndex, description: 'Enter the base URL, e.g. http://127.0.0.1:5691 for the demo sandbox.' });
		}
		const options = this.getNodeParameter('options', itemIndex, {}) as { toolName?: string; toolDescription?: string; timeoutMs?: number };
		const client = bookingClient(this, baseUrl, options.timeoutMs ?? 10_000);
		const name = options.toolName?.trim() || TOOLS[operation].name;
		const description = options.toolDescription?.trim() || TOOLS[operation].description;
		const tool =
			operation === 'checkAvailability'
				? packTool(this, { name, description, schema: availabilityArguments, run: async (args) => await checkAvailability(client, args) })
				: packTool(this, {
						name,
						description,
						schema: reservationLookupArguments,
						run: async (args) => await lookUpReservation(client, args),
						// Looking up by e-mail needs the real address, restored from the execution's memory.
						metadata: { [NEEDS_PERSONAL_DATA]: true },
					});
		return { response: tool };
	}
}

/** GETs with the Header Auth credential; a non-2xx answer becomes an error the model can read. */
function bookingClient(context: ISupplyDataFunctions, baseUrl: string, timeoutMs: number): BookingSystemClient {
	return {
		async get(path, query) {
			const request: IHttpRequestOptions = {
				method: 'GET',
				url: `${baseUrl}${path}`,
				qs: query,
				json: true,
				timeout: timeoutMs,
				returnFullResponse: true,
				ignoreHttpStatusErrors: true,
			};
			let response: { statusCode: number; body: unknown };
			try {
				response = (await context.helpers.httpRequestWithAuthentication.call(context, 'httpHeaderAuth', request)) as { statusCode: number; body: unknown };
			} catch (error) {
				throw new NodeOperationError(context.getNode(), `The booking system did not answer (${(error as Error).message})`);
			}
			if (response.statusCode >= 200 && response.statusCode < 300) {
				if (response.body === null || typeof response.body !== 'object') throw new NodeOperationError(context.getNode(), 'The booking system answered something that is not JSON');
				return response.body;
			}
			const problem = (response.body as { error?: { code?: string; message?: string } } | undefined)?.error;
			throw new NodeOperationError(context.getNode(), `The booking system answered ${response.statusCode}${problem?.code ? ` ${problem.code}` : ''}${problem?.message ? `: ${problem.message}` : ''}`);
		},
	};
}
