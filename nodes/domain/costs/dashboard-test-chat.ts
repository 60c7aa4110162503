/**
 * The Chats dashboard's Test chat (`?view=test`): a signed-in admin or agent picks a published bot (a Web
 * Chat Trigger registered in the store's chat_bots) and chats with it, with no phone and no website. Each
 * message is a form post, which the dashboard sends to the bot's trigger with a
 * test-chat token (channel `test`), then waits a few seconds for the answer. A reply that comes later (a
 * person after a handoff) shows live: the page's one small script long-polls the dashboard for new
 * messages (TEST_CHAT_LIVE_SCRIPT); without scripts it shows on the next refresh.
 */
import { randomBytes } from 'node:crypto';

import { conversationIdOf } from '../envelope';
import { signTestChat, testChatConversation, waitForFeed, type WebFeedMessage } from '../channels/web';
import type { ChatBot } from '../store/chat-bots';
import type { SupportStore } from '../store/support-store';
import { escapeHtml, queryString } from './dashboard';

/** POSTs a JSON body to the bot's trigger; the dashboard node passes n8n's HTTP helper, tests may pass their own. */
export type TestChatTransport = (url: string, body: Record<string, unknown>) => Promise<{ statusCode: number; body: unknown }>;

export const fetchTransport: TestChatTransport = async (url, body) => {
	const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(15_000) });
	const text = await response.text();
	let parsed: unknown = text;
	try {
		parsed = JSON.parse(text);
	} catch {
		// not JSON: kept as text for the notice
	}
	return { statusCode: response.status, body: parsed };
};

/** How long the form post waits for the bot's answer before showing the page (which then refreshes itself). */
export const TEST_CHAT_WAIT_MS = 8_000;

export interface TestChatSendResult {
	ok: boolean;
	/** Shown to the user when the message did not go through. */
	problem?: string;
}

export function testChatConversationId(bot: Pick<ChatBot, 'workflowId'>, user: string): string {
	return conversationIdOf(testChatConversation(bot.workflowId, user));
}

/** Sends one test message as `user` to the bot's trigger and waits up to `waitMs` for its answer. */
export async function sendTestChatMessage(
	store: SupportStore,
	bot: ChatBot,
	input: { user: string; text: string; clientId: string; choiceId?: string },
	options: { transport?: TestChatTransport; waitMs?: number; now?: number } = {},
): Promise<TestChatSendResult> {
	const text = input.text.trim();
	if (!text) return { ok: false, problem: 'Type a message first.' };
	const token = signTestChat(bot.testSecret, { bot: bot.id, user: input.user }, options.now);
	let answer;
	try {
		const message = input.choiceId ? { button: { id: input.choiceId, title: text } } : { text };
		answer = await (options.transport ?? fetchTransport)(bot.messageUrl, { test: token, id: input.clientId, ...message });
	} catch (error) {
		return { ok: false, problem: `The bot could not be reached (${(error as Error).message}). Is its workflow still published and n8n reachable at ${bot.messageUrl}?` };
	}
	const body = (answer.body ?? {}) as { id?: unknown; error?: { message?: unknown } };
	if (answer.statusCode !== 202 && answer.statusCode !== 200) {
		const reason = typeof body.error?.message === 'string' ? body.error.message : `HTTP ${answer.statusCode}`;
		return { ok: false, problem: `The bot refused the message: ${reason}` };
	}
	const storedId = typeof body.id === 'number' ? body.id : Number(body.id);
	if (answer.statusCode === 202 && Number.isSafeInteger(storedId) && storedId > 0) {
		const conversationId = testChatConversationId(bot, input.user);
		const deadline = Date.now() + (options.waitMs ?? TEST_CHAT_WAIT_MS);
		let cursor = storedId;
		while (Date.now() < deadline) {
			const messages = await waitForFeed(store, conversationId, cursor, { timeoutMs: deadline - Date.now() });
			if (messages.some((message) => message.author !== 'customer')) break;
			if (messages.length) cursor = messages[messages.length - 1].id;
		}
	}
	return { ok: true };
}

/** A fresh id for the next message's form: a form sent twice (reload, double click) is stored once. */
export function newTestChatClientId(): string {
	return randomBytes(12).toString('base64url');
}

/** Whether the last message is the tester's and still unanswered (the page then refreshes itself). */
export function awaitingAnswer(messages: WebFeedMessage[]): boolean {
	return messages.length > 0 && messages[messages.length - 1].author === 'customer';
}

/** How long one live-feed request of the Test chat page waits for a new message before answering with none. */
export const TEST_CHAT_FEED_WAIT_MS = 20_000;

/**
 * The Test chat page's only script: it asks the dashboard (action `test-feed`, named by the page's form
 * token, since n8n's sandboxed page sends no cookie) for messages after the last one shown and appends them
 * as text (textContent, never HTML), so a person's reply after a handoff shows within the store's poll
 * interval. A message with quick-reply buttons reloads the page, which renders them as forms. Without
 * scripts the page still works (form posts, Refresh, the meta refresh while an answer is awaited).
 */
export const TEST_CHAT_LIVE_SCRIPT = `(function () {
// The page puts this script in its head: start once the body is there.
if (document.readyState === 'loading') {
	document.addEventListener('DOMContentLoaded', start);
} else {
	start();
}
function start() {
var section = document.querySelector('.test-chat[data-bot]');
if (!section || !window.fetch || !window.URLSearchParams) return;
var list = section.querySelector('ol.timeline');
var form = section.querySelector('form.send');
var csrf = form && form.querySelector('input[name=csrf]');
var refresh = section.querySelector('a[data-refresh]');
if (!list || !form || !csrf) return;
// The form's own address (form.action would be its hidden input named "action").
var url = form.getAttribute('action') || '';
var labels = { customer: 'you', agent: 'staff' };
function lastId() {
	var items = list.querySelectorAll('li[data-id]');
	return items.length ? Number(items[items.length - 1].getAttribute('data-id')) || 0 : 0;
}
function add(message) {
	if (list.querySelector('li[data-id="' + Number(message.id) + '"]')) return;
	var placeholder = list.querySelector('li:not([data-id])');
	if (placeholder) placeholder.remove();
	var item = document.createElement('li');
	var author = String(message.author);
	item.className = 'event ' + author;
	item.setAttribute('data-author', author);
	item.setAttribute('data-id', String(Number(message.id)));
	item.setAttribute('data-live', 'true');
	var who = document.createElement('div');
	who.className = 'muted';
	who.textContent = labels[author] || author;
	var text = document.createElement('div');
	text.className = 'text';
	text.textContent = String(message.text == null ? '' : message.text);
	item.appendChild(who);
	item.appendChild(text);
	list.appendChild(item);
	if (author !== 'customer') {
		var waiting = section.querySelector('[data-waiting]');
		if (waiting) waiting.remove();
	}
}
function poll(delay) {
	setTimeout(function () {
		var body = new URLSearchParams({ action: 'test-feed', csrf: csrf.value, bot: section.getAttribute('data-bot') || '', after: String(lastId()) });
		fetch(url, { method: 'POST', body: body, credentials: 'omit' })
			.then(function (response) {
				if (response.status !== 200) throw new Error(response.status >= 400 && response.status < 500 ? 'stop' : 'retry');
				return response.json();
			})
			.then(function (data) {
				var messages = (data && data.messages) || [];
				for (var i = 0; i < messages.length; i++) {
					if (messages[i].buttons && messages[i].buttons.length && refresh) {
						window.location.href = refresh.href;
						return;
					}
					add(messages[i]);
				}
				poll(0);
			})
			.catch(function (error) {
				if (!error || error.message !== 'stop') poll(5000);
			});
	}, delay);
}
poll(0);
}
})();`;

export const TEST_CHAT_STYLE = `.test-chat .timeline{list-style:none;padding:0;margin:0;display:flex;flex-direction:column;gap:8px}
.test-chat .event{border-radius:8px;padding:8px 10px;max-width:85%}.test-chat .event.customer{background:#fff;border:1px solid #dde3e1;margin-left:auto}
.test-chat .event.bot{background:#dcf8c6}.test-chat .event.agent{background:#d9e8ff}.test-chat .event.system{background:#f0f0f0;font-size:12px}
.test-chat .text{white-space:pre-wrap;word-wrap:break-word}.test-chat .choices{margin-top:4px;display:flex;flex-wrap:wrap;gap:4px}
.test-chat form.send{display:flex;gap:8px;margin-top:12px}.test-chat form.send input[name=text]{flex:1}`;

/** The Test chat section: the bot picker, the transcript and the message form. */
export function renderTestChat(input: {
	bots: ChatBot[];
	bot?: ChatBot;
	messages: WebFeedMessage[];
	csrfField: string;
	clientId: string;
	withPerson: boolean;
	problem?: string;
}): string {
	const { bots, bot } = input;
	if (!bots.length) {
		return `<section class="card test-chat" data-bots="0"><h2>Test chat</h2><p>No bot is published yet. Publish a workflow with a <strong>Web Chat Trigger</strong> (for example hotel-concierge); it then appears here.</p></section>`;
	}
	const picker = `<form class="pick-bot" method="get" action=""><input type="hidden" name="view" value="test"><label>Bot <select name="bot">${bots
		.map((each) => `<option value="${escapeHtml(each.id)}"${each.id === bot?.id ? ' selected' : ''}>${escapeHtml(each.name)}</option>`)
		.join('')}</select></label> <button type="submit">Open</button></form>`;
	if (!bot) return `<section class="card test-chat" data-bots="${bots.length}"><h2>Test chat</h2>${picker}<p class="muted">Pick a bot to chat with it. Test chats are type Test: they stay out of the metrics unless the Type filter shows them.</p></section>`;
	const transcript = input.messages
		.map((message) => {
			const author = message.author === 'customer' ? 'you' : message.author === 'agent' ? 'staff' : message.author;
			const choices = message.buttons?.length
				? `<div class="choices">${message.buttons
						.map(
							(button) =>
								`<form class="inline" method="post" action="${escapeHtml(queryString({ view: 'test', bot: bot.id }))}"><input type="hidden" name="action" value="test-send">${input.csrfField}<input type="hidden" name="bot" value="${escapeHtml(bot.id)}"><input type="hidden" name="id" value="${escapeHtml(input.clientId)}"><input type="hidden" name="text" value="${escapeHtml(button.title)}"><input type="hidden" name="choice" value="${escapeHtml(button.id)}"><button type="submit" data-choice="${escapeHtml(button.id)}">${escapeHtml(button.title)}</button></form>`,
						)
						.join('')}</div>`
				: '';
			return `<li class="event ${escapeHtml(message.author)}" data-author="${escapeHtml(message.author)}" data-id="${message.id}"><div class="muted">${escapeHtml(author)}</div><div class="text">${escapeHtml(message.text)}</div>${choices}</li>`;
		})
		.join('\n');
	const waiting = awaitingAnswer(input.messages) && !input.withPerson ? '<p class="muted" data-waiting="true">Waiting for the answer…</p>' : '';
	const refresh = `<a href="${escapeHtml(queryString({ view: 'test', bot: bot.id }))}" data-refresh="true">Refresh</a>`;
	return `<section class="card test-chat" data-bots="${bots.length}" data-bot="${escapeHtml(bot.id)}"><h2>Test chat</h2>${picker}
${input.problem ? `<div class="notice" role="alert">${escapeHtml(input.problem)}</div>` : ''}
<p class="muted">You are chatting with <strong>${escapeHtml(bot.name)}</strong> as a guest would, through the same nodes. This chat is type Test: it stays out of the metrics unless the Type filter shows Test chats.${input.withPerson ? ' A person has this chat now: their replies show here.' : ''} ${refresh}</p>
<ol class="timeline">${transcript || '<li class="muted">No messages yet: say hello.</li>'}</ol>${waiting}
<form class="send" method="post" action="${escapeHtml(queryString({ view: 'test', bot: bot.id }))}"><input type="hidden" name="action" value="test-send">${input.csrfField}<input type="hidden" name="bot" value="${escapeHtml(bot.id)}"><input type="hidden" name="id" value="${escapeHtml(input.clientId)}"><input name="text" maxlength="2000" autocomplete="off" required placeholder="Type a message" aria-label="Message"><button type="submit">Send</button></form></section>`;
}
