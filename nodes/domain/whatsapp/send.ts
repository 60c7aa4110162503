import { conversationIdOf, customerKeyOf, type ConversationRef } from '../envelope';
import type { SupportStore } from '../store';
import type { GraphClient, SendResult } from './graph-client';
import { GraphApiError, GraphErrorCode } from './graph-errors';
import type { CloudApiMessage } from './outbound';

export interface DeliveryInput {
	client: GraphClient;
	store: SupportStore;
	conversation: ConversationRef;
	/** Message parts in order (long text is several parts). */
	payloads: CloudApiMessage[];
	/** Sent instead when Meta answers 131047 (outside the 24 h window). */
	fallbackTemplate?: CloudApiMessage;
	author: 'bot' | 'agent' | 'system';
}

export interface DeliveryResult {
	conversationId: string;
	messageIds: string[];
	attempts: number;
	/** True when the window was closed and the fallback template went out instead. */
	fallbackUsed: boolean;
	sent: CloudApiMessage[];
}

function summaryText(payload: CloudApiMessage): string | undefined {
	const text = payload.text as { body?: string } | undefined;
	if (text?.body) return text.body;
	const interactive = payload.interactive as { body?: { text?: string } } | undefined;
	if (interactive?.body?.text) return interactive.body.text;
	const template = payload.template as { name?: string } | undefined;
	if (template?.name) return `[template ${template.name}]`;
	const type = payload.type as string;
	const media = payload[type] as { caption?: string } | undefined;
	return media?.caption;
}

/**
 * Sends the parts in order and stores each sent message. A closed window (131047) switches to the
 * fallback template when one is set; a marketing opt-out (131050) is written to the consent log.
 * Retries for throughput and server errors happen inside the Graph client.
 */
export async function deliverMessages(input: DeliveryInput): Promise<DeliveryResult> {
	// A reply's conversation exists already (the inbound message stored it, and this execution has read it):
	// no write then. A first message to a new number creates it.
	const conversation = {
		id:
			(await input.store.firstExistingConversation([conversationIdOf(input.conversation)])) ??
			(await input.store.upsertConversation(input.conversation)).id,
		customerKey: customerKeyOf(input.conversation.customer),
	};
	const result: DeliveryResult = {
		conversationId: conversation.id,
		messageIds: [],
		attempts: 0,
		fallbackUsed: false,
		sent: [],
	};

	const sendAndStore = async (payload: CloudApiMessage): Promise<SendResult> => {
		const sent = await input.client.sendMessage(payload);
		result.attempts += sent.attempts;
		result.messageIds.push(sent.messageId);
		result.sent.push(payload);
		await input.store.recordOutboundMessage({
			conversationId: conversation.id,
			waMessageId: sent.messageId,
			author: input.author,
			type: String(payload.type),
			text: summaryText(payload),
			payload,
			callbackData: payload.biz_opaque_callback_data as string | undefined,
		});
		return sent;
	};

	for (const payload of input.payloads) {
		try {
			await sendAndStore(payload);
		} catch (error) {
			if (error instanceof GraphApiError) {
				result.attempts += (error as GraphApiError & { attempts?: number }).attempts ?? 1;
				if (error.code === GraphErrorCode.outsideWindow && input.fallbackTemplate && result.messageIds.length === 0) {
					await sendAndStore(input.fallbackTemplate);
					result.fallbackUsed = true;
					return result;
				}
				if (error.code === GraphErrorCode.marketingOptOut) {
					await input.store.appendConsentEvent({
						customerKey: conversation.customerKey,
						conversationId: conversation.id,
						scope: 'marketing',
						action: 'opt_out',
						source: 'whatsapp_error_131050',
						evidence: { message: error.message, fbtraceId: error.fbtraceId },
					});
				}
			}
			throw error;
		}
	}
	return result;
}

export function defaultCallbackData(conversation: ConversationRef): string {
	return conversationIdOf(conversation);
}
