/**
 * Sending to a web conversation: what WhatsApp Send and Human Handoff build as Cloud API payloads (text,
 * buttons, lists, media) becomes a widget message, stored like a WhatsApp message and announced to the
 * open widgets. Templates do not apply: a web chat has no 24 h window.
 */
import { randomUUID } from 'node:crypto';

import { conversationIdOf, type ConversationRef } from '../../envelope';
import type { SupportStore } from '../../store';
import type { CloudApiMessage } from '../../whatsapp/outbound';
import { announceWebMessage } from './live';

export interface WebOutboundMessage {
	text: string;
	buttons?: Array<{ id: string; title: string }>;
}

export class WebDeliveryError extends Error {
	constructor(
		message: string,
		readonly hint: string,
	) {
		super(message);
		this.name = 'WebDeliveryError';
	}
}

/**
 * Whether replies go to a chat window rather than WhatsApp: the website widget (`web`) and the dashboard's
 * test chat (`test`), which both read the store's feed. Neither has a 24-hour window or templates.
 */
export function isWebConversation(conversation: { channel?: unknown } | undefined): boolean {
	return conversation?.channel === 'web' || conversation?.channel === 'test';
}

/** The widget message for a Cloud API payload built by our WhatsApp builders. */
export function webMessageFromCloudPayload(payload: CloudApiMessage): WebOutboundMessage {
	const type = String(payload.type);
	if (type === 'text') return { text: String((payload.text as { body?: string } | undefined)?.body ?? '') };
	if (type === 'interactive') {
		const interactive = payload.interactive as {
			type?: string;
			header?: { text?: string };
			body?: { text?: string };
			footer?: { text?: string };
			action?: { buttons?: Array<{ reply?: { id?: string; title?: string } }>; sections?: Array<{ rows?: Array<{ id?: string; title?: string }> }> };
		};
		const text = [interactive.header?.text, interactive.body?.text, interactive.footer?.text].filter(Boolean).join('\n');
		const choices =
			interactive.type === 'list'
				? (interactive.action?.sections ?? []).flatMap((section) => section.rows ?? [])
				: (interactive.action?.buttons ?? []).map((button) => button.reply ?? {});
		const buttons = choices
			.filter((choice) => typeof choice.title === 'string')
			.map((choice) => ({ id: String(choice.id ?? choice.title), title: String(choice.title) }));
		return buttons.length ? { text, buttons } : { text };
	}
	if (type === 'template') {
		throw new WebDeliveryError(
			'Templates cannot be sent to a web chat',
			'Web chats have no 24-hour window: send text, buttons or a reply instead (Window Check sends web chats to Open).',
		);
	}
	const media = payload[type] as { caption?: string; link?: string } | undefined;
	const text = [media?.caption, media?.link].filter(Boolean).join('\n');
	if (!text) {
		throw new WebDeliveryError(`A ${type} without a link or caption cannot be shown in the web chat`, 'Send media to web chats by link (Media Source: Link).');
	}
	return { text };
}

/** Stores the messages as sent in the web conversation and wakes its open widgets; returns their ids. */
export async function deliverWebMessages(
	store: SupportStore,
	conversation: ConversationRef,
	messages: WebOutboundMessage[],
	author: 'bot' | 'agent' | 'system',
): Promise<{ conversationId: string; messageIds: string[] }> {
	const record = await store.upsertConversation(conversation);
	const messageIds: string[] = [];
	for (const message of messages) {
		if (!message.text.trim() && !message.buttons?.length) continue;
		const messageId = `web-out:${randomUUID()}`;
		await store.recordOutboundMessage({
			conversationId: record.id,
			waMessageId: messageId,
			author,
			type: message.buttons?.length ? 'interactive' : 'text',
			text: message.text,
			payload: message,
		});
		messageIds.push(messageId);
	}
	announceWebMessage(record.id);
	return { conversationId: record.id || conversationIdOf(conversation), messageIds };
}
