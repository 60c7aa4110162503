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
import { getSupportStore, supportStoreConnectionTest, supportStoreProperty } from '../glue/store';
import { buildDashboardResponse, logCosts, resolveModelPrices, resolveRateCard, type ModelPriceTable, type RateCard } from '../domain/costs';
import type { ValueDashboardSettings } from '../domain/costs/dashboard-value';
import { importHistoricalMessage } from '../domain/costs/import';
import { readConversation } from '../domain/envelope';
import { parseInternalNumbers } from '../domain/store';
import { handleDashboardRequest } from '../domain/security/dashboard-auth';
import { costLoggerProperties } from './description';

interface RangeOptions {
	timeZone?: string;
	contactGapHours?: number;
	reopenDays?: number;
	topIntents?: number;
	pageSize?: number;
	secureCookie?: boolean;
	strictCookie?: boolean;
	maxFailedLogins?: number;
	lockoutMinutes?: number;
	sessionHours?: number;
}

export class CostLogger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Cost Logger',
		name: 'costLogger',
		icon: 'file:costLogger.svg',
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["operation"]}}',
		description: 'Records WhatsApp and LLM costs per message and turns, and reports chat metrics, exports and the Chats dashboard',
		defaults: { name: 'Cost Logger' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{
				name: 'chatsDashboardAdminApi',
				required: true,
				displayOptions: { show: { operation: ['dashboard'] } },
			},
			{
				name: 'whatsAppSupportStorePostgresApi',
				required: true,
				displayOptions: { show: { supportStore: ['postgres'] } },
				testedBy: 'supportStoreConnectionTest',
			},
		],
		properties: [...costLoggerProperties, supportStoreProperty],
	};

	methods = { credentialTest: { supportStoreConnectionTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const operation = this.getNodeParameter('operation', 0) as string;
		// Prices are parsed once per execution, not per item.
		let prices: { rateCard: RateCard; modelPrices: ModelPriceTable } | undefined;

		return await routeItems(this, 1, async (json, itemIndex) => {
			if (operation === 'importMessages') {
				const text = (name: string) => String(this.getNodeParameter(name, itemIndex, '') ?? '');
				const imported = await importHistoricalMessage(await getSupportStore(this, itemIndex), {
					phoneNumberId: text('phoneNumberId'),
					customer: text('importCustomer'),
					customerName: text('importCustomerName'),
					author: text('importAuthor'),
					text: text('importText'),
					sentAt: text('importSentAt'),
					messageId: text('importMessageId'),
				});
				return [0, { ...json, imported: imported as unknown as IDataObject }];
			}
			if (operation !== 'log') {
				const report = await runReport(this, operation, json, itemIndex);
				return [0, report.json, report.binary];
			}
			prices ??= {
				rateCard: resolveRateCard(jsonParameter(this, 'rateCardOverride', itemIndex)),
				modelPrices: resolveModelPrices(jsonParameter(this, 'modelPrices', itemIndex)),
			};
			const workflow = this.getWorkflow();
			const cost = await logCosts({
				store: await getSupportStore(this, itemIndex),
				item: json,
				currency: this.getNodeParameter('currency', itemIndex, 'USD') as string,
				rateCard: prices.rateCard,
				modelPrices: prices.modelPrices,
				turn: {
					record: this.getNodeParameter('recordTurns', itemIndex, true) as boolean,
					workflowId: workflow.id,
					workflowName: workflow.name,
					assistant: (this.getNodeParameter('assistantName', itemIndex, '') as string).trim() || workflow.name || undefined,
				},
				fallbackKey: `${this.getExecutionId()}:${itemIndex}`,
			});
			return [0, { ...json, cost: cost as unknown as IDataObject }];
		});
	}
}

function jsonParameter(context: IExecuteFunctions, name: string, itemIndex: number): string | IDataObject {
	const value = context.getNodeParameter(name, itemIndex, '{}') as string | IDataObject;
	return value ?? '{}';
}

function timeZoneOf(context: IExecuteFunctions, options: RangeOptions): string {
	return options.timeZone?.trim() || context.getTimezone() || 'UTC';
}

/** A report operation: the item's JSON and, for an export, the file. */
async function runReport(context: IExecuteFunctions, operation: string, item: IDataObject, itemIndex: number): Promise<INodeExecutionData> {
	const parameter = <T>(name: string, fallback: T) => context.getNodeParameter(name, itemIndex, fallback) as T;
	const store = await getSupportStore(context, itemIndex);
	const options = parameter<RangeOptions>('options', {});
	switch (operation) {
		case 'conversationCosts': {
			const conversationId = parameter('conversationId', '').trim() || readConversation(item).id;
			const costs = await store.analytics.conversationCosts(conversationId);
			return { json: { ...item, conversationCosts: costs as unknown as IDataObject } };
		}
		case 'metrics': {
			const range = await store.analytics.resolveDateRange({ from: parameter('dateFrom', ''), to: parameter('dateTo', ''), timeZone: timeZoneOf(context, options) });
			const metrics = await store.analytics.computeMetrics(
				{ from: range.from, to: range.to, channels: parameter<string[]>('channels', []), assistant: parameter('assistant', ''), customer: parameter('customer', '') },
				{ currency: parameter('currency', 'USD'), contactGapHours: options.contactGapHours, reopenDays: options.reopenDays, topIntents: options.topIntents },
			);
			return {
				json: { metrics: { ...metrics, range: { from: range.fromDay, to: range.toDay, timeZone: range.timeZone, fromTime: metrics.range.from, toTime: metrics.range.to } } as unknown as IDataObject },
			};
		}
		case 'export': {
			const format = parameter<string>('format', 'csv');
			const response = await buildDashboardResponse(
				store,
				{
					from: parameter('dateFrom', ''),
					to: parameter('dateTo', ''),
					channel: parameter<string[]>('channels', []).join(','),
					assistant: parameter('assistant', ''),
					customer: parameter('customer', ''),
					format,
					dataset: parameter('dataset', 'chats'),
				},
				{ currency: parameter('currency', 'USD'), timeZone: timeZoneOf(context, options) },
			);
			const binaryPropertyName = parameter('binaryPropertyName', 'data').trim() || 'data';
			const file = await context.helpers.prepareBinaryData(Buffer.from(response.body, 'utf8'), response.filename, response.contentType.split(';')[0]);
			const json: IDataObject = { export: { format: response.format, dataset: format === 'json' ? 'chats and messages' : parameter('dataset', 'chats'), rows: response.rows ?? 0, fileName: response.filename ?? null } };
			if (response.format === 'json') (json.export as IDataObject).data = JSON.parse(response.body) as IDataObject;
			return { json, binary: { [binaryPropertyName]: file } };
		}
		case 'dashboard': {
			const query = (item.query ?? {}) as IDataObject;
			if (typeof query !== 'object' || Array.isArray(query) || typeof item.headers !== 'object') {
				throw new NodeOperationError(context.getNode(), 'The item is not a Webhook request', {
					itemIndex,
					description: 'Put the Cost Logger (Dashboard) right after a Webhook node, whose output has `query`, `body` and `headers`.',
				});
			}
			const admin = await context.getCredentials<{ username?: string; password?: string }>('chatsDashboardAdminApi', itemIndex);
			if (!admin.username?.trim() || !admin.password || admin.password.length < 10) {
				throw new NodeOperationError(context.getNode(), 'The Chats Dashboard Admin credential needs a user name and a password of at least 10 characters', {
					itemIndex,
					description: 'Open the credential on this node and set the first admin’s user name and password.',
				});
			}
			const response = await handleDashboardRequest(
				store,
				{ query, body: item.body, headers: item.headers as IDataObject },
				{
					title: parameter('title', 'Chats'),
					currency: parameter('currency', 'USD'),
					timeZone: timeZoneOf(context, options),
					pageSize: options.pageSize,
					admin: { username: admin.username, password: admin.password },
					secureCookie: options.secureCookie,
					sameSite: options.strictCookie ? 'Strict' : 'Lax',
					sessionHours: options.sessionHours,
					...readValueSettings(context.getNodeParameter('valueSettings', itemIndex, {}) as IDataObject),
					throttle: { maxFailures: options.maxFailedLogins ?? 5, windowMinutes: 15, lockMinutes: options.lockoutMinutes ?? 15 },
				},
			);
			// Only the response leaves the node: the request (password, cookie) is not passed on.
			return {
				json: {
					statusCode: response.statusCode,
					contentType: response.contentType,
					contentDisposition: response.contentDisposition,
					setCookie: response.setCookie,
					location: response.location,
					format: response.format,
					fileName: response.filename ?? null,
					rows: response.rows ?? null,
					body: response.body,
				},
			};
		}
		default:
			throw new NodeOperationError(context.getNode(), `Unknown operation "${operation}"`, { itemIndex });
	}
}

/** The Value Settings collection → the dashboard's value settings and internal numbers (0 means "not entered"). */
function readValueSettings(settings: IDataObject): { value: Partial<ValueDashboardSettings>; internalNumbers: string[] } {
	const number = (name: string) => (typeof settings[name] === 'number' && Number.isFinite(settings[name]) ? (settings[name] as number) : undefined);
	const entered = (name: string) => (number(name) ? number(name) : undefined);
	const firstResponseMinutes = entered('baselineFirstResponseMinutes');
	const manualBaseline = {
		...(firstResponseMinutes !== undefined ? { firstResponseSeconds: firstResponseMinutes * 60 } : {}),
		...(entered('baselineAgentHoursPerMonth') !== undefined ? { agentHoursPerMonth: entered('baselineAgentHoursPerMonth') } : {}),
		...(entered('baselineCsat') !== undefined ? { csat: entered('baselineCsat') } : {}),
	};
	const value: Partial<ValueDashboardSettings> = {
		goLive: typeof settings.goLive === 'string' ? settings.goLive.trim() : undefined,
		agentHourlyCost: number('agentHourlyCost'),
		handlingMinutes: number('handlingMinutes'),
		monthlyRunningCost: number('monthlyRunningCost'),
		initialInvestment: number('initialInvestment'),
		baselineDays: number('baselineDays'),
		...(Object.keys(manualBaseline).length ? { manualBaseline } : {}),
	};
	for (const key of Object.keys(value) as Array<keyof typeof value>) if (value[key] === undefined) delete value[key];
	const internalNumbers = parseInternalNumbers(typeof settings.internalNumbers === 'string' ? settings.internalNumbers : '');
	return { value, internalNumbers };
}
