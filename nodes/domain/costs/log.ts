import { conversationIdOf, customerKeyOf, type ConversationRef } from '../envelope';
import { deriveConsent } from '../privacy/consent';
import { roundMoney, type ToolCallRecord } from '../store/analytics';
import type { SupportStore } from '../store/support-store';
import { priceLlmUsage, type ModelPriceTable, type TokenUsageInput } from './llm-pricing';
import { fromUsd, type RateCard } from './rate-card';
import { priceWhatsAppStatus, type NotRecordedReason, type StatusForPricing } from './whatsapp-pricing';

/** The envelope's `cost` key (docs/ARCHITECTURE.md §2). Amounts are in `currency`. */
export interface CostEnvelope {
	currency: string;
	/** What this item added (0 when everything was already recorded). */
	total: number;
	whatsapp: WhatsAppCostEntry | null;
	llm: LlmCostEntry | null;
	/**
	 * Set when no turn was recorded for this message although Record Turns is on: `analytics_opt_out` when the
	 * customer withdrew the analytics scope (only the costs billing needs are kept).
	 */
	turnSkipped?: 'analytics_opt_out';
	warnings?: string[];
}

export interface WhatsAppCostEntry {
	messageId: string;
	amount: number;
	currency: string;
	category: string | null;
	pricingType: string | null;
	pricingModel: string | null;
	country: string | null;
	market: string;
	free: boolean;
	/** True when this item recorded the message's cost; false when it was already recorded or not recordable. */
	charged: boolean;
	/** Why nothing was recorded: already_charged, not_delivered_yet, failed or no_pricing. */
	reason?: NotRecordedReason | 'already_charged';
	conversationId: string | null;
	rateCardEffectiveFrom: string;
}

export interface LlmCallCost {
	source: 'reply' | 'nlu';
	model: string;
	inputTokens: number;
	outputTokens: number;
	estimated: boolean;
	amount: number;
	priced: boolean;
	charged: boolean;
}

export interface LlmCostEntry {
	amount: number;
	currency: string;
	inputTokens: number;
	outputTokens: number;
	calls: LlmCallCost[];
	/** True when at least one call was recorded by this item. */
	charged: boolean;
}

export interface TurnContext {
	/** Record the turn (intent, route, answer, workflow) for metrics; default true. */
	record: boolean;
	workflowId?: string;
	workflowName?: string;
	assistant?: string;
}

export interface LogCostsInput {
	store: SupportStore;
	/** The item's JSON: a status event from the trigger, or a message envelope at the end of the pipeline. */
	item: Record<string, unknown>;
	currency: string;
	rateCard: RateCard;
	modelPrices: ModelPriceTable;
	turn: TurnContext;
	/** Used as the LLM cost key when the item has no message id (e.g. execution id + item index). */
	fallbackKey: string;
	now?: Date;
}

export class CostLogError extends Error {
	constructor(
		message: string,
		readonly hint: string,
	) {
		super(message);
		this.name = 'CostLogError';
	}
}

function record(value: unknown): Record<string, unknown> | undefined {
	return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function stringOf(value: unknown): string | undefined {
	return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}

function dateOf(value: unknown, fallback: Date): Date {
	const parsed = typeof value === 'string' || typeof value === 'number' ? new Date(value) : undefined;
	return parsed && !Number.isNaN(parsed.getTime()) ? parsed : fallback;
}

function conversationRefOf(item: Record<string, unknown>): (ConversationRef & { id?: string }) | undefined {
	const conversation = record(item.conversation) as (ConversationRef & { id?: string }) | undefined;
	const customer = record(conversation?.customer);
	if (!conversation?.channel || !conversation.phoneNumberId || !customer || !(customer.userId || customer.waId)) return undefined;
	return conversation;
}

/**
 * The conversation a cost belongs to: the status's callback data (our conversation id, set by WhatsApp
 * Send) when it names a stored conversation, else the envelope's conversation (created if new).
 */
async function resolveConversationId(store: SupportStore, item: Record<string, unknown>, callbackData?: string): Promise<string | null> {
	const ref = conversationRefOf(item);
	const known = await store.firstExistingConversation([callbackData, stringOf(record(item.conversation)?.id), ref ? conversationIdOf(ref) : undefined]);
	if (known) return known;
	return ref ? (await store.upsertConversation(ref)).id : null;
}

async function logWhatsAppStatus(input: LogCostsInput, status: StatusForPricing & { timestamp?: string; callbackData?: string }): Promise<WhatsAppCostEntry> {
	const fallbackWaId = stringOf(record(record(input.item.conversation)?.customer)?.waId);
	const price = priceWhatsAppStatus(status, input.rateCard, input.currency, fallbackWaId);
	const conversationId = price.recordable ? await resolveConversationId(input.store, input.item, status.callbackData) : null;
	const entry: WhatsAppCostEntry = {
		messageId: status.messageId,
		amount: price.amount,
		currency: price.currency,
		category: price.category,
		pricingType: price.pricingType,
		pricingModel: price.pricingModel,
		country: price.country,
		market: price.market,
		free: price.free,
		charged: false,
		conversationId,
		rateCardEffectiveFrom: price.rateCardEffectiveFrom,
	};
	if (!price.recordable) return { ...entry, amount: 0, reason: price.reason };
	const inserted = await input.store.recordCost({
		conversationId: conversationId ?? undefined,
		kind: 'whatsapp',
		sourceKey: price.sourceKey,
		category: price.category ?? undefined,
		pricingType: price.pricingType ?? undefined,
		country: price.country ?? undefined,
		amount: price.amount,
		currency: price.currency,
		details: {
			messageId: status.messageId,
			status: status.status,
			market: price.market,
			pricingModel: price.pricingModel,
			rateCard: price.rateCardEffectiveFrom,
			...(price.rateFound ? {} : { rateMissing: true }),
		},
		occurredAt: dateOf(status.timestamp, input.now ?? new Date()),
	});
	return inserted ? { ...entry, charged: true } : { ...entry, amount: 0, charged: false, reason: 'already_charged' };
}

function usageOf(value: unknown): TokenUsageInput | undefined {
	const usage = record(value);
	if (!usage) return undefined;
	const inputTokens = Number(usage.inputTokens ?? usage.input_tokens ?? usage.promptTokens ?? usage.prompt_tokens ?? 0);
	const outputTokens = Number(usage.outputTokens ?? usage.output_tokens ?? usage.completionTokens ?? usage.completion_tokens ?? 0);
	if (!(inputTokens > 0) && !(outputTokens > 0)) return undefined;
	return { inputTokens, outputTokens, model: stringOf(usage.model) ?? stringOf(usage.modelName), estimated: usage.estimated === true };
}

async function logLlmUsage(input: LogCostsInput, conversationId: string | null, messageKey: string, occurredAt: Date): Promise<LlmCostEntry | null> {
	const sources: Array<['reply' | 'nlu', TokenUsageInput | undefined]> = [
		['reply', usageOf(record(input.item.reply)?.usage)],
		['nlu', usageOf(record(input.item.nlu)?.usage)],
	];
	const calls: LlmCallCost[] = [];
	for (const [source, usage] of sources) {
		if (!usage) continue;
		const price = priceLlmUsage(usage, input.modelPrices);
		const amount = roundMoney(fromUsd(input.rateCard, price.amountUsd, input.currency));
		const charged = await input.store.recordCost({
			conversationId: conversationId ?? undefined,
			kind: 'llm',
			sourceKey: `${messageKey}:${source}`,
			category: source,
			model: price.model,
			inputTokens: price.inputTokens,
			outputTokens: price.outputTokens,
			amount,
			currency: input.currency.toUpperCase(),
			details: { priceKey: price.priceKey, priced: price.priced, estimated: price.estimated, amountUsd: price.amountUsd, pricesAsOf: input.modelPrices.asOf },
			occurredAt,
		});
		calls.push({
			source,
			model: price.model,
			inputTokens: price.inputTokens,
			outputTokens: price.outputTokens,
			estimated: price.estimated,
			amount: charged ? amount : 0,
			priced: price.priced,
			charged,
		});
	}
	if (!calls.length) return null;
	return {
		amount: roundMoney(calls.reduce((sum, call) => sum + call.amount, 0)),
		currency: input.currency.toUpperCase(),
		inputTokens: calls.reduce((sum, call) => sum + call.inputTokens, 0),
		outputTokens: calls.reduce((sum, call) => sum + call.outputTokens, 0),
		calls,
		charged: calls.some((call) => call.charged),
	};
}

const MAX_TOOL_TEXT = 2000;

/** Tool inputs and outputs can be large: keep them whole up to MAX_TOOL_TEXT characters, else cut as text. */
function clip(value: unknown): unknown {
	if (value === undefined) return undefined;
	const text = typeof value === 'string' ? value : JSON.stringify(value);
	if (text === undefined || text.length <= MAX_TOOL_TEXT) return value;
	return `${text.slice(0, MAX_TOOL_TEXT)}…`;
}

/**
 * Function (tool) calls made while answering: `reply.toolCalls` / `reply.functionCalls` ({ name, input |
 * arguments | args, output | result }), or an n8n AI Agent's `intermediateSteps` ({ action: { tool,
 * toolInput }, observation }).
 */
export function extractToolCalls(item: Record<string, unknown>): ToolCallRecord[] {
	const reply = record(item.reply);
	const lists = [reply?.toolCalls, reply?.functionCalls, reply?.intermediateSteps, item.intermediateSteps];
	const calls: ToolCallRecord[] = [];
	for (const list of lists) {
		if (!Array.isArray(list)) continue;
		for (const entry of list) {
			const call = record(entry);
			if (!call) continue;
			const action = record(call.action);
			const name = stringOf(call.name) ?? stringOf(call.tool) ?? stringOf(action?.tool) ?? stringOf(record(call.function)?.name);
			if (!name) continue;
			const number = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
			calls.push({
				name,
				input: clip(call.input ?? call.arguments ?? call.args ?? action?.toolInput ?? record(call.function)?.arguments),
				output: clip(call.output ?? call.result ?? call.observation),
				...(number(call.resultSize) !== undefined ? { resultSize: number(call.resultSize) } : {}),
				...(number(call.durationMs) !== undefined ? { durationMs: number(call.durationMs) } : {}),
				...(stringOf(call.error) ? { error: clip(stringOf(call.error)) as string } : {}),
			});
		}
	}
	return calls.slice(0, 50);
}

/** What the value figures need besides the columns: the handoff, why the model gave no answer, the room type. */
function turnDetails(handoff: Record<string, unknown> | undefined, reply: Record<string, unknown> | undefined, form: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
	const values = record(form?.values);
	const roomType = stringOf(values?.room_type) ?? stringOf(values?.roomType);
	const details: Record<string, unknown> = {
		...(handoff ? { handoffId: handoff.id ?? null, handoffReason: handoff.reason ?? null } : {}),
		...(stringOf(reply?.reason) ? { replyReason: stringOf(reply?.reason) } : {}),
		...(roomType ? { roomType } : {}),
	};
	return Object.keys(details).length ? details : undefined;
}

async function logTurn(input: LogCostsInput, conversationId: string, messageId: string, askedAt: Date): Promise<void> {
	const item = input.item;
	const nlu = record(item.nlu);
	const route = record(item.route);
	const reply = record(item.reply);
	const sent = record(item.sent);
	const handoff = record(item.handoff);
	const sentIds = Array.isArray(sent?.messageIds) ? sent.messageIds : [];
	const decision = stringOf(route?.decision);
	const confidence = typeof nlu?.confidence === 'number' && Number.isFinite(nlu.confidence) ? nlu.confidence : undefined;
	await input.store.recordTurn({
		conversationId,
		messageId,
		askedAt,
		workflowId: input.turn.workflowId,
		workflowName: input.turn.workflowName,
		assistant: input.turn.assistant,
		intent: stringOf(nlu?.intent),
		confidence,
		route: decision,
		replySource: stringOf(reply?.source),
		answered: Boolean(stringOf(reply?.text)) || sentIds.length > 0,
		human: decision === 'human' || Boolean(handoff),
		language: stringOf(nlu?.language) ?? stringOf(reply?.language),
		sentiment: stringOf(record(nlu?.sentiment)?.label),
		toolCalls: extractToolCalls(item),
		details: turnDetails(handoff, reply, record(item.form)),
	});
}

/** Whether the customer's consent log says the analytics scope is revoked (an opt-out of analytics, or a STOP). */
async function analyticsWithdrawn(store: SupportStore, ref: ConversationRef): Promise<boolean> {
	const events = await store.listConsentEvents(customerKeyOf(ref.customer));
	return events.length > 0 && deriveConsent(events).analytics.status === 'revoked';
}

/**
 * Logs what one item cost. A status event (`status` with pricing) records the WhatsApp charge of its
 * message, once per message id however many statuses arrive; a message envelope records its LLM token
 * costs (`reply.usage`, `nlu.usage`) once per message, and the turn (intent, route, answer, workflow).
 */
export async function logCosts(input: LogCostsInput): Promise<CostEnvelope> {
	const currency = input.currency.toUpperCase();
	if (!input.rateCard.currencies.includes(currency) && input.rateCard.exchangeRates[currency] === undefined) {
		throw new CostLogError(`The rate card has no ${currency} rates`, `Choose ${input.rateCard.currencies.join(' or ')}, or add ${currency} rates to the Rate Card Override.`);
	}
	const item = input.item;
	const warnings: string[] = [];
	const status = record(item.status) as (StatusForPricing & { timestamp?: string; callbackData?: string }) | undefined;
	if (status && stringOf(status.messageId) && stringOf(status.status)) {
		const whatsapp = await logWhatsAppStatus({ ...input, currency }, status);
		if (whatsapp.charged && whatsapp.amount === 0 && !whatsapp.free) {
			warnings.push(`No ${currency} rate for category "${whatsapp.category}" in market ${whatsapp.market}: recorded as 0. Add it to the Rate Card Override.`);
		}
		return { currency, total: whatsapp.amount, whatsapp, llm: null, ...(warnings.length ? { warnings } : {}) };
	}

	const ref = conversationRefOf(item);
	if (!ref) {
		throw new CostLogError(
			'The item is neither a WhatsApp status nor a message envelope',
			'Connect the Cost Logger (Log) to the Statuses output of the WhatsApp AI Trigger, or at the end of the pipeline where items carry `conversation`, `message`, `nlu` and `reply`.',
		);
	}
	const conversationId = await resolveConversationId(input.store, item);
	const message = record(item.message);
	const messageId = stringOf(message?.id);
	const askedAt = dateOf(message?.timestamp, input.now ?? new Date());
	const llm = await logLlmUsage({ ...input, currency }, conversationId, messageId ?? input.fallbackKey, askedAt);
	for (const call of llm?.calls ?? []) {
		if (!call.priced) warnings.push(`No price for model "${call.model}": recorded as 0. Add it to Model Prices.`);
	}
	let turnSkipped: CostEnvelope['turnSkipped'];
	if (input.turn.record && conversationId && messageId) {
		// The analytics scope is enforced here: a customer who withdrew it gets no turn (intent, route, language,
		// sentiment, tools); the cost rows above stay, because billing needs them.
		if (await analyticsWithdrawn(input.store, ref)) turnSkipped = 'analytics_opt_out';
		else await logTurn(input, conversationId, messageId, askedAt);
	}
	return { currency, total: llm?.amount ?? 0, whatsapp: null, llm, ...(turnSkipped ? { turnSkipped } : {}), ...(warnings.length ? { warnings } : {}) };
}
