/**
 * The Chats dashboard: one self-contained HTML page (inline CSS and SVG, no script, no external asset)
 * rendered from the store for a GET request's query, plus the CSV / JSON exports the page links to.
 * Every value that comes from the store or the request is HTML-escaped.
 */
import {
	CHAT_EXPORT_COLUMNS,
	MESSAGE_EXPORT_COLUMNS,
	isMetricsError,
	type ChatFilters,
	type ChatMetrics,
	type ChatRow,
	type ConversationDetail,
	type DailyPoint,
	type ResolvedRange,
	type TurnRecord,
} from '../store/analytics';
import type { PersonalDataMask } from '../security/masking';
import type { SupportStore } from '../store/support-store';
import { toCsv } from './csv';
import { DEFAULT_VALUE_SETTINGS, loadValueData, renderValueSections, VALUE_STYLE, valueCsv, type ValueDashboardSettings } from './dashboard-value';

export interface DashboardQuery {
	from?: string;
	to?: string;
	channel?: string;
	assistant?: string;
	customer?: string;
	chat?: string;
	page?: string;
	format?: string;
	dataset?: string;
	/** `value`: the Value view (CSAT, ROI, baseline); otherwise the chats view. */
	view?: string;
	/** `internal`: staff conversations only; `all`; otherwise customers. */
	audience?: string;
	/** The Value view's table to export as CSV. */
	table?: string;
}

export interface DashboardOptions {
	title?: string;
	currency: string;
	timeZone?: string;
	pageSize?: number;
	now?: Date;
	/** False leaves the export links out (a viewer who may not export). */
	exports?: boolean;
	/** Masks personal data in the page and the exports (the analyst role); `chat` is then a pseudonym. */
	mask?: PersonalDataMask;
	/** Extra header content (signed-in user, navigation, sign-out form), already HTML. */
	headerHtml?: string;
	/** The Value view's settings (go-live, costs, investment). */
	value?: Partial<ValueDashboardSettings>;
	/** Staff numbers whose conversations count as internal. */
	internalNumbers?: string[];
}

export interface DashboardResponse {
	statusCode: number;
	contentType: string;
	/** `inline`, or `attachment; filename="…"` for exports. */
	contentDisposition: string;
	body: string;
	filename?: string;
	/** What the response holds, for the node's output: html, csv or json. */
	format: 'html' | 'csv' | 'json';
	rows?: number;
}

export const CHANNEL_LABELS: Record<string, string> = { whatsapp: 'WhatsApp', web: 'Web widget', test: 'Test' };

const QUERY_KEYS: Array<keyof DashboardQuery> = ['from', 'to', 'channel', 'assistant', 'customer', 'chat', 'page', 'format', 'dataset', 'view', 'audience', 'table'];

/** A request's query (values may be arrays, as Express gives them) → plain strings. */
export function normalizeQuery(query: unknown): DashboardQuery {
	const source = query !== null && typeof query === 'object' ? (query as Record<string, unknown>) : {};
	const result: DashboardQuery = {};
	for (const key of QUERY_KEYS) {
		const value = source[key];
		const values = (Array.isArray(value) ? value : [value]).filter((each) => typeof each === 'string' || typeof each === 'number').map(String);
		const joined = key === 'channel' ? values.join(',') : values[0];
		if (joined !== undefined && joined.trim() !== '') result[key] = joined.trim().slice(0, 200);
	}
	return result;
}

export function escapeHtml(value: unknown): string {
	return String(value ?? '').replace(/[&<>"'`]/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** `?a=1&b=2` with empty values left out; escaped for use in an HTML attribute by the caller. */
export function queryString(values: Record<string, string | undefined>): string {
	const params = new URLSearchParams();
	for (const [key, value] of Object.entries(values)) if (value !== undefined && value !== '') params.set(key, value);
	const text = params.toString();
	return text ? `?${text}` : '?';
}

function channelsOf(query: DashboardQuery): string[] {
	return (query.channel ?? '')
		.split(',')
		.map((each) => each.trim().toLowerCase())
		.filter(Boolean);
}

function formatTime(iso: string | null | undefined, timeZone: string): string {
	if (!iso) return '';
	// sv-SE formats as 2026-11-20 10:00:00, which sorts and reads the same everywhere.
	return new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(
		new Date(iso),
	);
}

export function formatDuration(seconds: number | null): string {
	if (seconds === null || !Number.isFinite(seconds)) return '–';
	if (seconds < 60) return `${Math.round(seconds)} s`;
	if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
	return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

export function formatMoney(amount: number | null, currency: string): string {
	if (amount === null || !Number.isFinite(amount)) return '–';
	return `${currency} ${amount !== 0 && Math.abs(amount) < 1 ? amount.toFixed(4) : amount.toFixed(2)}`;
}

function percent(value: number | null): string {
	if (value === null) return '–';
	const points = value * 100;
	return `${Number.isInteger(Math.round(points * 10) / 10) ? Math.round(points) : points.toFixed(1)}%`;
}

function channelBadge(channel: string): string {
	const known = CHANNEL_LABELS[channel] ? channel : 'other';
	return `<span class="badge ch-${escapeHtml(known)}" data-channel="${escapeHtml(channel)}">${escapeHtml(CHANNEL_LABELS[channel] ?? channel)}</span>`;
}

// ---------------------------------------------------------------------------------------------
// Chart
// ---------------------------------------------------------------------------------------------

/** Chats per day as bars and cost per day as a line, as inline SVG (no script, no external asset). */
export function renderDailyChart(points: DailyPoint[], currency: string): string {
	const width = 720;
	const height = 200;
	const left = 36;
	const right = 70;
	const top = 14;
	const bottom = 28;
	const plotWidth = width - left - right;
	const plotHeight = height - top - bottom;
	const maxChats = Math.max(1, ...points.map((point) => point.chats));
	const maxCost = Math.max(0, ...points.map((point) => point.cost));
	const step = plotWidth / Math.max(1, points.length);
	const barWidth = Math.max(1, Math.min(28, step * 0.7));
	const parts: string[] = [];
	parts.push(`<line x1="${left}" y1="${top + plotHeight}" x2="${left + plotWidth}" y2="${top + plotHeight}" class="axis"/>`);
	parts.push(`<text x="${left - 6}" y="${top + 4}" class="tick" text-anchor="end">${maxChats}</text>`);
	parts.push(`<text x="${left - 6}" y="${top + plotHeight}" class="tick" text-anchor="end">0</text>`);
	if (maxCost > 0) parts.push(`<text x="${width - 2}" y="${top + 4}" class="tick cost" text-anchor="end">${escapeHtml(formatMoney(maxCost, currency))}</text>`);
	const line: string[] = [];
	points.forEach((point, index) => {
		const x = left + index * step + (step - barWidth) / 2;
		const barHeight = (point.chats / maxChats) * plotHeight;
		const label = `${point.day}: ${point.chats} chats, ${point.customerMessages} customer messages, ${point.botMessages} bot and ${point.agentMessages} agent replies, ${point.handoffs} handoffs, ${formatMoney(point.cost, currency)}`;
		parts.push(
			`<rect class="bar" x="${x.toFixed(1)}" y="${(top + plotHeight - barHeight).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${barHeight.toFixed(1)}" data-day="${escapeHtml(point.day)}" data-chats="${point.chats}"><title>${escapeHtml(label)}</title></rect>`,
		);
		if (maxCost > 0) line.push(`${(x + barWidth / 2).toFixed(1)},${(top + plotHeight - (point.cost / maxCost) * plotHeight).toFixed(1)}`);
		const labelEvery = Math.max(1, Math.ceil(points.length / 8));
		if (index % labelEvery === 0 || index === points.length - 1) {
			parts.push(`<text x="${(x + barWidth / 2).toFixed(1)}" y="${height - 10}" class="tick" text-anchor="middle">${escapeHtml(point.day.slice(5))}</text>`);
		}
	});
	if (line.length > 1) parts.push(`<polyline class="cost-line" points="${line.join(' ')}"/>`);
	return `<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="Chats per day (bars) and cost per day (line)" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`;
}

// ---------------------------------------------------------------------------------------------
// Page
// ---------------------------------------------------------------------------------------------

export interface DashboardPage {
	title: string;
	query: DashboardQuery;
	range: ResolvedRange;
	currency: string;
	metrics: ChatMetrics;
	daily: DailyPoint[];
	chats: { total: number; chats: ChatRow[] };
	page: number;
	pageSize: number;
	assistants: string[];
	detail?: ConversationDetail;
	notice?: string;
	generatedAt: Date;
	exports?: boolean;
	headerHtml?: string;
	/** The Value view's sections, shown instead of the chats view. */
	valueHtml?: string;
}

const STYLE = `
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2327;background:#f4f6f5}
header{background:#075e54;color:#fff;padding:12px 20px;display:flex;flex-wrap:wrap;gap:8px 20px;align-items:baseline}
header h1{margin:0;font-size:20px}header .range{opacity:.85}
main{padding:16px 20px;display:grid;gap:16px}
.card{background:#fff;border:1px solid #dde3e1;border-radius:8px;padding:12px 14px}
form.filters{display:flex;flex-wrap:wrap;gap:10px;align-items:end}
form.filters label{display:flex;flex-direction:column;font-size:12px;color:#50575e;gap:2px}
form.filters input,form.filters select{font:inherit;padding:4px 6px;border:1px solid #c3c9c7;border-radius:4px;min-width:120px}
button{font:inherit;padding:5px 14px;background:#128c7e;color:#fff;border:0;border-radius:4px;cursor:pointer}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px}
.tile{background:#fff;border:1px solid #dde3e1;border-radius:8px;padding:10px 12px}
.tile .value{font-size:20px;font-weight:600;white-space:nowrap}.tile .label{font-size:12px;color:#50575e}
.chart{width:100%;max-width:900px;height:auto}.chart .bar{fill:#25d366}.chart .axis{stroke:#8c8f94}
.chart .tick{font-size:10px;fill:#50575e}.chart .tick.cost{fill:#b85c00}.chart .cost-line{fill:none;stroke:#b85c00;stroke-width:2}
.legend{font-size:12px;color:#50575e}.legend .sw{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px;vertical-align:middle}
.layout{display:grid;grid-template-columns:minmax(0,1fr);gap:16px}@media(min-width:1100px){.layout.with-chat{grid-template-columns:minmax(0,1.1fr) minmax(0,1fr)}}
table{width:100%;border-collapse:collapse}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #eef1f0;vertical-align:top}
th{font-size:12px;color:#50575e;font-weight:600}tr.selected{background:#e7f6f1}td.num,th.num{text-align:right;white-space:nowrap}
.badge{display:inline-block;font-size:11px;padding:1px 7px;border-radius:10px;color:#fff;white-space:nowrap}
.ch-whatsapp{background:#128c7e}.ch-web{background:#3b6fd8}.ch-test{background:#8a6d00}.ch-other{background:#6c7781}
.who{font-size:11px;font-weight:600;text-transform:uppercase;letter-spacing:.03em}
.muted{color:#6c7781;font-size:12px}.exports a{margin-right:12px}
.timeline{list-style:none;margin:0;padding:0;display:grid;gap:8px}
.event{border-radius:8px;padding:8px 10px;max-width:92%}
.event.customer{background:#fff;border:1px solid #dde3e1}.event.bot{background:#dcf8c6;margin-left:auto}
.event.agent{background:#d9e8ff;margin-left:auto}.event.system{background:#f0f0f0;margin:0 auto;font-size:12px}
.event.handoff{background:#fff4e5;border:1px solid #f0c36d;margin:0 auto}
.event .text{white-space:pre-wrap;word-wrap:break-word}.chips{margin-top:4px;display:flex;flex-wrap:wrap;gap:4px}
.chip{font-size:11px;background:#eef1f0;border-radius:4px;padding:0 6px}
details.tool{margin-top:4px;font-size:12px}details.tool pre{white-space:pre-wrap;margin:4px 0;background:#f7f7f7;padding:4px}
.notice{background:#fff4e5;border:1px solid #f0c36d;border-radius:6px;padding:8px 12px}
.pager a{margin-right:10px}
`;

function tile(label: string, value: string, key: string, hint?: string): string {
	return `<div class="tile" data-metric="${escapeHtml(key)}"${hint ? ` title="${escapeHtml(hint)}"` : ''}><div class="value">${escapeHtml(value)}</div><div class="label">${escapeHtml(label)}</div></div>`;
}

function filterValues(query: DashboardQuery, range: ResolvedRange): Record<string, string | undefined> {
	return { from: range.fromDay, to: range.toDay, channel: query.channel, assistant: query.assistant, customer: query.customer, audience: query.audience, view: query.view };
}

function renderFilters(page: DashboardPage): string {
	const { query, range, assistants } = page;
	const channel = channelsOf(query)[0] ?? '';
	// Test chats (from the dashboard's Test chat) stay out of the metrics unless Test or All is chosen.
	const channelOptions = [['', 'All but test chats'], ['whatsapp', 'WhatsApp'], ['web', 'Web widget'], ['test', 'Test'], ['all', 'All, with test chats']]
		.map(([value, label]) => `<option value="${value}"${value === channel ? ' selected' : ''}>${label}</option>`)
		.join('');
	const assistantList = [...new Set([...(query.assistant ? [query.assistant] : []), ...assistants])];
	const assistantOptions = ['<option value="">All assistants</option>']
		.concat(assistantList.map((name) => `<option value="${escapeHtml(name)}"${name === query.assistant ? ' selected' : ''}>${escapeHtml(name)}</option>`))
		.join('');
	return `<form class="filters card" method="get" action="" aria-label="Filters">
<label>From<input type="date" name="from" value="${escapeHtml(range.fromDay)}"></label>
<label>To<input type="date" name="to" value="${escapeHtml(range.toDay)}"></label>
<label>Type<select name="channel">${channelOptions}</select></label>
<label>Assistant<select name="assistant">${assistantOptions}</select></label>
<label>Customer<input type="search" name="customer" placeholder="name or number" value="${escapeHtml(query.customer ?? '')}"></label>
<label>Who<select name="audience">${[['', 'Guests'], ['internal', 'Internal (staff)'], ['all', 'Everyone']].map(([value, label]) => `<option value="${value}"${value === (query.audience ?? '') ? ' selected' : ''}>${label}</option>`).join('')}</select></label>
${query.view ? `<input type="hidden" name="view" value="${escapeHtml(query.view)}">` : ''}
<button type="submit">Apply</button> <a href="?">Reset</a>
</form>`;
}

function renderTiles(metrics: ChatMetrics): string {
	const { cost } = metrics;
	return `<section class="tiles" aria-label="Metrics">
${tile('Chats', String(metrics.chats), 'chats', 'Conversations with a customer message in the range')}
${tile('Messages per chat', metrics.messagesPerChat === null ? '–' : metrics.messagesPerChat.toFixed(1), 'messagesPerChat')}
${tile('Response rate', percent(metrics.responseRate), 'responseRate', 'Customer turns that got a bot or agent reply')}
${tile('Avg response time', formatDuration(metrics.responseTimeAvgSeconds), 'responseTimeAvg')}
${tile('P90 response time', formatDuration(metrics.responseTimeP90Seconds), 'responseTimeP90', '90% of replies came at least this fast')}
${tile('Automation rate', percent(metrics.automationRate), 'automationRate', 'Chats answered by the bot alone: no agent, no handoff')}
${tile('Handoff rate', percent(metrics.handoffRate), 'handoffRate', 'Chats with a handoff to a person')}
${tile('First-contact resolution', percent(metrics.firstContactResolution), 'firstContactResolution', 'Contacts answered without handoff and with no new contact within 7 days')}
${tile('Bot / agent replies', `${metrics.answeredByBot} / ${metrics.answeredByAgent}`, 'answeredBy', 'Turns answered first by the bot / by a person')}
${tile('Total cost', formatMoney(cost.total, cost.currency), 'costTotal', `WhatsApp ${formatMoney(cost.whatsapp, cost.currency)}, LLM ${formatMoney(cost.llm, cost.currency)}`)}
${tile('Cost per chat', formatMoney(cost.perChat, cost.currency), 'costPerChat')}
</section>`;
}

function renderIntents(metrics: ChatMetrics): string {
	if (!metrics.topIntents.length) return '<p class="muted">No intents recorded in this range (the Cost Logger records them at the end of the pipeline).</p>';
	const rows = metrics.topIntents
		.map((intent) => `<tr><td>${escapeHtml(intent.intent)}</td><td class="num">${intent.turns}</td><td class="num">${percent(intent.share)}</td><td class="num">${intent.human}</td></tr>`)
		.join('');
	return `<table class="intents"><thead><tr><th>Top intents</th><th class="num">Turns</th><th class="num">Share</th><th class="num">To a person</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function renderExports(page: DashboardPage): string {
	if (page.exports === false) return '';
	const base = filterValues(page.query, page.range);
	const link = (label: string, values: Record<string, string | undefined>, key: string) =>
		`<a href="${escapeHtml(queryString({ ...base, ...values }))}" data-export="${key}">${label}</a>`;
	return `<p class="exports">Export: ${link('Chats (CSV)', { format: 'csv', dataset: 'chats' }, 'chats-csv')}${link('Messages (CSV)', { format: 'csv', dataset: 'messages' }, 'messages-csv')}${link('Top intents (CSV)', { format: 'csv', dataset: 'intents' }, 'intents-csv')}${link('Chats and messages (JSON)', { format: 'json' }, 'json')}</p>`;
}

function renderChatList(page: DashboardPage): string {
	const base = filterValues(page.query, page.range);
	const selected = page.detail?.conversation.id;
	if (!page.chats.chats.length) return '<div class="card chats"><p class="muted">No chats match these filters.</p></div>';
	const rows = page.chats.chats
		.map((chat) => {
			const name = chat.customerName ? `${escapeHtml(chat.customerName)}<br><span class="muted">${escapeHtml(chat.customerKey)}</span>` : escapeHtml(chat.customerKey);
			const href = escapeHtml(queryString({ ...base, page: page.page > 1 ? String(page.page) : undefined, chat: chat.conversationId }));
			const people = chat.agentMessages || chat.handoffs ? `<span class="chip">person: ${chat.agentMessages} msg${chat.handoffs ? `, ${chat.handoffs} handoff` : ''}</span>` : '';
			return `<tr class="chat-row${chat.conversationId === selected ? ' selected' : ''}" data-conversation="${escapeHtml(chat.conversationId)}">
<td>${channelBadge(chat.channel)}</td>
<td><a class="open-chat" href="${href}">${name}</a></td>
<td>${escapeHtml(formatTime(chat.lastMessageAt, page.range.timeZone))}<br><span class="muted">${escapeHtml((chat.lastText ?? '').slice(0, 80))}</span></td>
<td class="num">${chat.messages}<br><span class="muted">${chat.botMessages} bot</span></td>
<td>${escapeHtml(chat.intents ?? '')}${people ? `<div class="chips">${people}</div>` : ''}</td>
<td class="num">${escapeHtml(formatMoney(chat.totalCost, chat.currency))}</td>
</tr>`;
		})
		.join('');
	const pages = Math.max(1, Math.ceil(page.chats.total / page.pageSize));
	const pager =
		pages > 1
			? `<p class="pager">${page.page > 1 ? `<a href="${escapeHtml(queryString({ ...base, page: String(page.page - 1) }))}">← Newer</a>` : ''}Page ${page.page} of ${pages}${page.page < pages ? ` <a href="${escapeHtml(queryString({ ...base, page: String(page.page + 1) }))}">Older →</a>` : ''}</p>`
			: '';
	return `<div class="card chats"><table class="chat-list"><thead><tr><th>Type</th><th>Customer</th><th>Last message</th><th class="num">Messages</th><th>Intents</th><th class="num">Cost</th></tr></thead><tbody>${rows}</tbody></table>
<p class="muted">${page.chats.total} chats with activity in the range.</p>${pager}</div>`;
}

/** Duration, answer size and error of a tool call, as AI Reply records them. */
function toolCallFacts(call: NonNullable<TurnRecord['toolCalls']>[number]): string {
	const facts: string[] = [];
	if (call.durationMs !== undefined) facts.push(`${call.durationMs} ms`);
	if (call.resultSize !== undefined && !call.error) facts.push(`${call.resultSize} characters`);
	if (call.error) facts.push(`error: ${call.error}`);
	return facts.length ? ` <span class="muted">(${escapeHtml(facts.join(' · '))})</span>` : '';
}

function turnChips(turn: TurnRecord): string {
	const chips: string[] = [];
	if (turn.intent) chips.push(`intent: ${turn.intent}${turn.confidence !== undefined ? ` (${turn.confidence.toFixed(2)})` : ''}`);
	if (turn.route) chips.push(`route: ${turn.route}`);
	if (turn.replySource) chips.push(`answer: ${turn.replySource}`);
	if (turn.sentiment) chips.push(`sentiment: ${turn.sentiment}`);
	if (turn.language) chips.push(`language: ${turn.language}`);
	if (turn.assistant || turn.workflowName) chips.push(`assistant: ${turn.assistant ?? turn.workflowName}`);
	const tools = (turn.toolCalls ?? [])
		.map(
			(call) =>
				`<details class="tool" data-tool="${escapeHtml(call.name)}"${call.error ? ' data-error="true"' : ''}><summary>Function call: ${escapeHtml(call.name)}${toolCallFacts(call)}</summary><pre>${escapeHtml(
					typeof call.input === 'string' ? call.input : JSON.stringify(call.input ?? null, null, 1),
				)}</pre>${call.output !== undefined ? `<pre>→ ${escapeHtml(typeof call.output === 'string' ? call.output : JSON.stringify(call.output, null, 1))}</pre>` : ''}</details>`,
		)
		.join('');
	return `<div class="chips">${chips.map((chip) => `<span class="chip">${escapeHtml(chip)}</span>`).join('')}</div>${tools}`;
}

function renderConversation(page: DashboardPage): string {
	const detail = page.detail;
	if (!detail) return '';
	const { conversation, costs } = detail;
	const zone = page.range.timeZone;
	const turnsByMessage = new Map(detail.turns.map((turn) => [turn.messageId, turn]));
	type Event = { at: string; order: number; html: string };
	const events: Event[] = [];
	detail.messages.forEach((message, index) => {
		const turn = message.waMessageId ? turnsByMessage.get(message.waMessageId) : undefined;
		if (turn) turnsByMessage.delete(message.waMessageId as string);
		const body = message.text ?? `[${message.type}]`;
		events.push({
			at: message.sentAt,
			order: index,
			html: `<li class="event ${escapeHtml(message.author)}" data-author="${escapeHtml(message.author)}"><div><span class="who">${escapeHtml(message.author)}</span> <span class="muted"><time datetime="${escapeHtml(message.sentAt)}">${escapeHtml(formatTime(message.sentAt, zone))}</time>${message.type !== 'text' ? ` · ${escapeHtml(message.type)}` : ''}${message.status ? ` · ${escapeHtml(message.status)}` : ''}</span></div><div class="text">${escapeHtml(body)}</div>${turn ? turnChips(turn) : ''}</li>`,
		});
	});
	for (const turn of turnsByMessage.values()) {
		events.push({ at: turn.askedAt, order: 1e6, html: `<li class="event system" data-event="turn"><span class="muted">${escapeHtml(formatTime(turn.askedAt, zone))}</span>${turnChips(turn)}</li>` });
	}
	for (const handoff of detail.handoffs) {
		events.push({
			at: handoff.openedAt,
			order: 2e6,
			html: `<li class="event handoff" data-event="handoff"><strong>Handed off to a person</strong> <span class="muted">${escapeHtml(formatTime(handoff.openedAt, zone))}</span>${handoff.reason ? `<div>Reason: ${escapeHtml(handoff.reason)}</div>` : ''}${handoff.summary ? `<div class="text">${escapeHtml(handoff.summary)}</div>` : ''}</li>`,
		});
		if (handoff.releasedAt) {
			events.push({
				at: handoff.releasedAt,
				order: 2e6,
				html: `<li class="event handoff" data-event="release"><strong>Back to the bot</strong> <span class="muted">${escapeHtml(formatTime(handoff.releasedAt, zone))}${handoff.releasedBy ? ` · by ${escapeHtml(handoff.releasedBy)}` : ''}</span></li>`,
			});
		}
	}
	events.sort((a, b) => a.at.localeCompare(b.at) || a.order - b.order);
	const costLines = costs.totals.length
		? costs.totals.map((total) => `${formatMoney(total.total, total.currency)} (WhatsApp ${formatMoney(total.whatsapp, total.currency)}, LLM ${formatMoney(total.llm, total.currency)})`).join('; ')
		: 'no costs recorded';
	const categories = costs.whatsapp.byCategory
		.map((row) => `<span class="chip">${escapeHtml(row.category ?? '?')}${row.pricingType ? `/${escapeHtml(row.pricingType)}` : ''}: ${row.messages} msg → ${escapeHtml(formatMoney(row.amount, row.currency))}</span>`)
		.concat(costs.llm.byModel.map((row) => `<span class="chip">${escapeHtml(row.model ?? '?')}: ${row.inputTokens}+${row.outputTokens} tokens → ${escapeHtml(formatMoney(row.amount, row.currency))}</span>`))
		.join('');
	const exportHref = escapeHtml(queryString({ format: 'csv', dataset: 'messages', chat: conversation.id, from: page.range.fromDay, to: page.range.toDay }));
	return `<section class="card conversation" aria-label="Conversation" data-conversation="${escapeHtml(conversation.id)}">
<h2>${channelBadge(conversation.channel)} ${escapeHtml(conversation.customerName ?? conversation.customerKey)}</h2>
<p class="muted">${escapeHtml(conversation.customerKey)} · ${escapeHtml(conversation.id)} · now with ${conversation.state === 'human' ? 'a person' : 'the bot'}</p>
<p class="chat-cost"><strong>Cost:</strong> ${escapeHtml(costLines)}</p><div class="chips">${categories}</div>
${page.exports === false ? '' : `<p class="exports"><a href="${exportHref}" data-export="chat-csv">This chat's messages (CSV)</a></p>`}
${detail.truncated ? '<p class="muted">Older messages are not shown.</p>' : ''}
<ol class="timeline">${events.map((event) => event.html).join('\n')}</ol>
</section>`;
}

export function renderDashboardPage(page: DashboardPage): string {
	const title = page.title || 'Chats';
	return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${escapeHtml(title)}</title><style>${STYLE}${VALUE_STYLE}</style></head>
<body>
<header><h1>${escapeHtml(title)}</h1><span class="range">${escapeHtml(page.range.fromDay)} – ${escapeHtml(page.range.toDay)} (${escapeHtml(page.range.timeZone)})</span>
<span class="muted" style="color:#cfe">generated ${escapeHtml(formatTime(page.generatedAt.toISOString(), page.range.timeZone))}</span>
<nav class="views"><a href="${escapeHtml(queryString({ ...filterValues(page.query, page.range), view: undefined }))}"${page.valueHtml ? '' : ' class="active"'}>Chats</a><a href="${escapeHtml(queryString({ ...filterValues(page.query, page.range), view: 'value' }))}" data-view="value"${page.valueHtml ? ' class="active"' : ''}>Value</a></nav>${page.headerHtml ?? ''}</header>
<main>
${page.notice ? `<div class="notice" role="alert">${escapeHtml(page.notice)}</div>` : ''}
${renderFilters(page)}
${page.valueHtml ?? `${renderTiles(page.metrics)}
<section class="card" aria-label="Daily chart"><div class="legend">Per day:<span class="sw" style="background:#25d366"></span>chats<span class="sw" style="background:#b85c00"></span>cost (${escapeHtml(page.currency)})</div>${renderDailyChart(page.daily, page.currency)}</section>
<section class="card">${renderIntents(page.metrics)}${renderExports(page)}</section>
<div class="layout${page.detail ? ' with-chat' : ''}">${renderChatList(page)}${renderConversation(page)}</div>`}
</main></body></html>
`;
}

// ---------------------------------------------------------------------------------------------
// Request → response
// ---------------------------------------------------------------------------------------------

function fileName(prefix: string, range: ResolvedRange, extension: string): string {
	return `${prefix}-${range.fromDay}_${range.toDay}.${extension}`.replace(/[^\w.-]/g, '_');
}

async function rangeFor(store: SupportStore, query: DashboardQuery, options: DashboardOptions): Promise<{ range: ResolvedRange; notice?: string }> {
	try {
		return { range: await store.analytics.resolveDateRange({ from: query.from, to: query.to, timeZone: options.timeZone }) };
	} catch (error) {
		if (!isMetricsError(error) || !(query.from || query.to)) throw error;
		return { range: await store.analytics.resolveDateRange({ timeZone: options.timeZone }), notice: `${error.message}. ${error.hint} Showing the last 30 days.` };
	}
}

/**
 * Answers one GET of the dashboard: the HTML page, or with `format=csv` (dataset `chats` or
 * `messages`, optionally one `chat`) / `format=json` an export of the same filters.
 */
export async function buildDashboardResponse(store: SupportStore, rawQuery: unknown, options: DashboardOptions): Promise<DashboardResponse> {
	const query = normalizeQuery(rawQuery);
	const mask = options.mask;
	// A masked viewer cannot search by name or number: that would tell whether a customer wrote.
	if (mask) delete query.customer;
	const currency = options.currency.toUpperCase();
	const { range, notice } = await rangeFor(store, query, options);
	const audience = query.audience === 'internal' || query.audience === 'all' ? query.audience : 'customers';
	const filters: ChatFilters = { from: range.from, to: range.to, channels: channelsOf(query), assistant: query.assistant, customer: query.customer, audience, internalNumbers: options.internalNumbers };
	const listChats = async (listOptions: { currency: string; limit?: number; offset?: number }) => {
		const result = await store.analytics.listChats(filters, listOptions);
		return mask ? { ...result, chats: result.chats.map((chat) => mask.chat(chat)) } : result;
	};
	const exportMessages = async (conversationId?: string) => {
		const rows = await store.analytics.exportMessages(filters, { conversationId });
		return mask ? rows.map((row) => mask.message(row)) : rows;
	};
	// The pseudonym of a chat leads back to it only among the chats of the same filters.
	const chatId = mask && query.chat ? (await store.analytics.listChats(filters, { currency, limit: 100_000 })).chats.find((chat) => mask.conversationId(chat.conversationId) === query.chat)?.conversationId : query.chat;
	const format = (query.format ?? 'html').toLowerCase();
	const value = query.view === 'value' ? await loadValueData(store, filters, range, { ...DEFAULT_VALUE_SETTINGS, ...options.value, currency }) : undefined;
	if (value && format === 'csv') {
		const tableName = query.table ?? 'roi';
		const csv = valueCsv(value, tableName, `${range.fromDay}_${range.toDay}`);
		if (csv) return csv;
		// An unknown table is a mistake in the link, not a request for the chats export.
		const known = value.tables.map((each) => each.name).join(', ');
		return {
			statusCode: 400,
			format: 'csv',
			contentType: 'text/plain; charset=utf-8',
			contentDisposition: 'inline',
			body: `Unknown Value table "${tableName.slice(0, 60)}". Use one of: ${known}.`,
		};
	}

	if (format === 'csv' || format === 'json') {
		const dataset = (query.dataset ?? (query.chat ? 'messages' : 'chats')).toLowerCase();
		if (format === 'json') {
			const chats = (await listChats({ currency, limit: 100_000 })).chats.filter((chat) => !query.chat || chat.conversationId === query.chat);
			const messages = query.chat && !chatId ? [] : await exportMessages(chatId);
			const body = JSON.stringify({ range: { from: range.fromDay, to: range.toDay, timeZone: range.timeZone }, currency, chats, messages }, null, 1);
			const filename = fileName('chats', range, 'json');
			return { statusCode: 200, format: 'json', contentType: 'application/json; charset=utf-8', contentDisposition: `attachment; filename="${filename}"`, body, filename, rows: chats.length + messages.length };
		}
		if (dataset === 'intents') {
			const { topIntents } = await store.analytics.computeMetrics(filters, { currency, timeZone: range.timeZone });
			const rows = topIntents.map((row) => ({ intent: row.intent, turns: row.turns, share_pct: Math.round(row.share * 1000) / 10, to_a_person: row.human }));
			const filename = fileName('intents', range, 'csv');
			return {
				statusCode: 200,
				format: 'csv',
				contentType: 'text/csv; charset=utf-8',
				contentDisposition: `attachment; filename="${filename}"`,
				body: toCsv(rows, ['intent', 'turns', 'share_pct', 'to_a_person'], { bom: true }),
				filename,
				rows: rows.length,
			};
		}
		if (dataset === 'messages') {
			const rows = query.chat && !chatId ? [] : await exportMessages(chatId);
			const filename = fileName(query.chat ? 'chat-messages' : 'messages', range, 'csv');
			return {
				statusCode: 200,
				format: 'csv',
				contentType: 'text/csv; charset=utf-8',
				contentDisposition: `attachment; filename="${filename}"`,
				body: toCsv(rows as unknown as Array<Record<string, unknown>>, MESSAGE_EXPORT_COLUMNS, { bom: true }),
				filename,
				rows: rows.length,
			};
		}
		const rows = (await listChats({ currency, limit: 100_000 })).chats;
		const filename = fileName('chats', range, 'csv');
		return {
			statusCode: 200,
			format: 'csv',
			contentType: 'text/csv; charset=utf-8',
			contentDisposition: `attachment; filename="${filename}"`,
			body: toCsv(rows as unknown as Array<Record<string, unknown>>, CHAT_EXPORT_COLUMNS, { bom: true }),
			filename,
			rows: rows.length,
		};
	}

	const pageSize = Math.max(1, options.pageSize ?? 50);
	const pageNumber = Math.max(1, Math.floor(Number(query.page) || 1));
	const [metrics, daily, chats, assistants] = [
		await store.analytics.computeMetrics(filters, { currency, timeZone: range.timeZone }),
		await store.analytics.dailySeries(filters, { currency, timeZone: range.timeZone }),
		await listChats({ currency, limit: pageSize, offset: (pageNumber - 1) * pageSize }),
		await store.analytics.listAssistants(),
	];
	const found = chatId ? await store.analytics.conversationDetail(chatId) : undefined;
	const detail = found && mask ? mask.detail(found) : found;
	const missing = query.chat && !detail ? `Chat "${query.chat}" was not found.` : undefined;
	const body = renderDashboardPage({
		title: options.title ?? 'Chats',
		query,
		range,
		currency,
		metrics,
		daily,
		chats,
		page: pageNumber,
		pageSize,
		assistants,
		detail,
		notice: [notice, missing].filter(Boolean).join(' ') || undefined,
		generatedAt: options.now ?? new Date(),
		exports: options.exports,
		headerHtml: options.headerHtml,
		valueHtml: value ? renderValueSections(value, (table) => queryString({ ...filterValues(query, range), view: 'value', format: 'csv', table })) : undefined,
	});
	return { statusCode: missing ? 404 : notice ? 400 : 200, format: 'html', contentType: 'text/html; charset=utf-8', contentDisposition: 'inline', body };
}
