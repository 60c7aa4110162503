/**
 * Live delivery to open widgets. A reply is written to the store by whichever execution sends it (the
 * workflow answering the guest, or agent-desk-bridge minutes later), while the widget's connection is held
 * by the trigger's webhook, possibly in another process. So the webhook asks the store for messages after
 * the widget's cursor every `pollMs` (500 ms: the delay stays well under 2 s, with one indexed query per
 * open widget per interval); a message written in the same process (PGlite, a single n8n) also wakes it at
 * once through an in-process signal.
 */
import { EventEmitter } from 'node:events';

import type { MessageRecord, SupportStore } from '../../store';

export interface WebFeedMessage {
	/** The store's id: the widget's cursor. */
	id: number;
	direction: 'inbound' | 'outbound';
	author: string;
	text: string;
	buttons?: Array<{ id: string; title: string }>;
	at: string;
}

export const LIVE_POLL_MS = 500;

const written = new EventEmitter();
written.setMaxListeners(0);

/** Tells open feeds in this process that the conversation has a new message. */
export function announceWebMessage(conversationId: string): void {
	written.emit(conversationId);
}

export function toFeedMessage(record: MessageRecord): WebFeedMessage {
	const payload = (record.payload ?? {}) as { buttons?: unknown };
	const buttons = Array.isArray(payload.buttons)
		? payload.buttons
				.filter((button): button is { id: string; title: string } => typeof button?.id === 'string' && typeof button?.title === 'string')
				.map(({ id, title }) => ({ id, title }))
		: undefined;
	return {
		id: record.id,
		direction: record.direction,
		author: record.author,
		text: record.text ?? '',
		...(buttons?.length ? { buttons } : {}),
		at: record.sentAt,
	};
}

/** The conversation's messages after `afterId`; the last `historyLimit` when `afterId` is 0 (a widget (re)loading). */
export async function readFeed(store: SupportStore, conversationId: string, afterId: number, historyLimit = 50): Promise<WebFeedMessage[]> {
	const records = afterId > 0 ? await store.listMessagesAfter(conversationId, afterId) : await store.listMessages(conversationId, historyLimit);
	return records.map(toFeedMessage).sort((a, b) => a.id - b.id);
}

/**
 * Waits until the conversation has messages after `afterId` (returns them), `timeoutMs` passes or `signal`
 * aborts (returns []).
 */
export async function waitForFeed(
	store: SupportStore,
	conversationId: string,
	afterId: number,
	options: { timeoutMs: number; pollMs?: number; signal?: AbortSignal },
): Promise<WebFeedMessage[]> {
	const deadline = Date.now() + options.timeoutMs;
	const pollMs = options.pollMs ?? LIVE_POLL_MS;
	for (;;) {
		const messages = await readFeed(store, conversationId, afterId);
		if (messages.length > 0 || options.signal?.aborted || Date.now() >= deadline) return messages;
		await new Promise<void>((resolve) => {
			const done = () => {
				clearTimeout(timer);
				written.off(conversationId, done);
				options.signal?.removeEventListener('abort', done);
				resolve();
			};
			const timer = setTimeout(done, Math.min(pollMs, Math.max(0, deadline - Date.now())));
			written.on(conversationId, done);
			options.signal?.addEventListener('abort', done);
		});
	}
}
