/**
 * The Chats dashboard's Value view (`?view=value`): CSAT and NPS, the first meaningful response, agent hours
 * saved, ROI, the baseline against the 30/60/90 days after go-live, per intent and room type, and health.
 * Charts are inline SVG; every table has a CSV export (`&format=csv&table=<name>`). Definitions: README,
 * "Chats dashboard → Value".
 */
import type { ChatFilters, ResolvedRange, ScoreGroup, SupportStore, ValueSettings } from '../store';
import { toCsv } from './csv';

/** The dashboard workflow's value settings (Cost Logger → Dashboard → Value Settings); money in the dashboard currency. */
export type ValueDashboardSettings = Omit<ValueSettings, 'currency'>;

export const DEFAULT_VALUE_SETTINGS: ValueDashboardSettings = {
	goLive: '',
	agentHourlyCost: 0,
	handlingMinutes: 8,
	monthlyRunningCost: 0,
	initialInvestment: 0,
	baselineDays: 30,
};

interface ValueTable {
	name: string;
	title: string;
	columns: string[];
	rows: Array<Record<string, string | number | null>>;
}

export interface ValueResponse {
	statusCode: number;
	contentType: string;
	contentDisposition: string;
	body: string;
	filename?: string;
	format: 'html' | 'csv';
	rows?: number;
}

const esc = (value: unknown): string =>
	String(value ?? '').replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] as string);

const round = (value: number | null, digits = 2): number | null => (value === null || !Number.isFinite(value) ? null : Math.round(value * 10 ** digits) / 10 ** digits);

function duration(seconds: number | null): string {
	if (seconds === null) return '–';
	if (seconds < 90) return `${Math.round(seconds)} s`;
	if (seconds < 5400) return `${(seconds / 60).toFixed(1)} min`;
	return `${(seconds / 3600).toFixed(1)} h`;
}

function money(amount: number | null, currency: string): string {
	if (amount === null) return '–';
	return `${currency} ${amount.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

const percent = (value: number | null, digits = 1) => (value === null ? '–' : `${(value * 100).toFixed(digits)}%`);
const score = (value: number | null) => (value === null ? '–' : value.toFixed(2));

/** Vertical bars with labels, as inline SVG. */
export function barChart(bars: Array<{ label: string; value: number; title?: string }>, options: { label: string; max?: number; name: string }): string {
	const width = 420;
	const height = 170;
	const top = 12;
	const bottom = 26;
	const left = 30;
	const plotHeight = height - top - bottom;
	const max = Math.max(options.max ?? 0, ...bars.map((bar) => bar.value), 1e-9);
	const step = (width - left - 8) / Math.max(1, bars.length);
	const barWidth = Math.min(40, step * 0.7);
	const parts = [`<line x1="${left}" y1="${top + plotHeight}" x2="${width - 4}" y2="${top + plotHeight}" class="axis"/>`];
	bars.forEach((bar, index) => {
		const x = left + index * step + (step - barWidth) / 2;
		const h = (Math.max(0, bar.value) / max) * plotHeight;
		parts.push(
			`<rect class="bar" x="${x.toFixed(1)}" y="${(top + plotHeight - h).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${h.toFixed(1)}" data-label="${esc(bar.label)}" data-value="${bar.value}"><title>${esc(bar.title ?? `${bar.label}: ${bar.value}`)}</title></rect>`,
			`<text x="${(x + barWidth / 2).toFixed(1)}" y="${height - 10}" class="tick" text-anchor="middle">${esc(bar.label)}</text>`,
			`<text x="${(x + barWidth / 2).toFixed(1)}" y="${(top + plotHeight - h - 3).toFixed(1)}" class="tick" text-anchor="middle">${esc(round(bar.value, 2))}</text>`,
		);
	});
	return `<svg class="chart small" data-chart="${esc(options.name)}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(options.label)}" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`;
}

/** A line over labelled points (null values leave a gap), as inline SVG. */
export function lineChart(points: Array<{ label: string; value: number | null }>, options: { label: string; min?: number; max?: number; name: string }): string {
	const width = 420;
	const height = 170;
	const top = 12;
	const bottom = 26;
	const left = 30;
	const plotHeight = height - top - bottom;
	const values = points.map((point) => point.value).filter((value): value is number => value !== null);
	const min = options.min ?? Math.min(0, ...values);
	const max = Math.max(options.max ?? 0, ...values, min + 1e-9);
	const step = (width - left - 8) / Math.max(1, points.length - 1);
	const parts = [`<line x1="${left}" y1="${top + plotHeight}" x2="${width - 4}" y2="${top + plotHeight}" class="axis"/>`];
	const coordinates: string[] = [];
	points.forEach((point, index) => {
		const x = left + (points.length === 1 ? (width - left) / 2 : index * step);
		if (point.value !== null) {
			const y = top + plotHeight - ((point.value - min) / (max - min)) * plotHeight;
			coordinates.push(`${x.toFixed(1)},${y.toFixed(1)}`);
			parts.push(`<circle class="point" cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="3" data-label="${esc(point.label)}" data-value="${point.value}"><title>${esc(`${point.label}: ${round(point.value, 2)}`)}</title></circle>`);
		}
		const every = Math.max(1, Math.ceil(points.length / 6));
		if (index % every === 0 || index === points.length - 1) parts.push(`<text x="${x.toFixed(1)}" y="${height - 10}" class="tick" text-anchor="middle">${esc(point.label.slice(5))}</text>`);
	});
	if (coordinates.length > 1) parts.unshift(`<polyline class="trend-line" points="${coordinates.join(' ')}"/>`);
	parts.push(`<text x="${left - 4}" y="${top + 4}" class="tick" text-anchor="end">${esc(round(max, 1))}</text>`, `<text x="${left - 4}" y="${top + plotHeight}" class="tick" text-anchor="end">${esc(round(min, 1))}</text>`);
	return `<svg class="chart small" data-chart="${esc(options.name)}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(options.label)}" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`;
}

function scoreColumns(group: ScoreGroup): Record<string, number | null> {
	return { sent: group.sent, answered: group.answered, response_rate_pct: group.responseRate === null ? null : round(group.responseRate * 100, 1), average: round(group.average, 2) };
}

export interface ValueData {
	settings: ValueSettings;
	tables: ValueTable[];
	tiles: Array<{ key: string; label: string; value: string; hint: string }>;
	charts: string[];
	notice?: string;
}

/** Everything the Value view shows, computed from the store for the filters. */
export async function loadValueData(store: SupportStore, filters: ChatFilters, range: ResolvedRange, settings: ValueSettings): Promise<ValueData> {
	const { currency } = settings;
	const response = await store.analytics.firstMeaningfulResponse(filters);
	const savings = await store.analytics.savings(filters, settings);
	const surveys = await store.analytics.surveyFigures(filters, { timeZone: range.timeZone });
	const { from: _from, to: _to, ...scopeOnly } = filters;
	const comparison = await store.analytics.baselineComparison(scopeOnly, settings);
	const byIntent = await store.analytics.categories(filters, 'intent');
	const byRoom = await store.analytics.categories(filters, 'roomType');
	const health = await store.analytics.health(filters, { timeZone: range.timeZone });
	const { csat, nps } = surveys;

	const tiles = [
		{ key: 'firstResponseAvg', label: 'First meaningful response (avg)', value: duration(response.averageSeconds), hint: 'The bot\'s answer, or a person\'s first reply after a handoff; holding messages do not count' },
		{ key: 'firstResponseMedian', label: 'First meaningful response (median)', value: duration(response.medianSeconds), hint: 'Half of the contacts got their first real answer this fast' },
		{ key: 'firstResponseP90', label: 'First meaningful response (p90)', value: duration(response.p90Seconds), hint: '90% of the contacts got their first real answer this fast' },
		{ key: 'hoursSavedMonth', label: 'Agent hours saved / month', value: savings.hoursSavedPerMonth.toFixed(1), hint: `${savings.botResolvedChats} chats resolved by the bot × ${settings.handlingMinutes} min, per 30 days` },
		{ key: 'savingsYear', label: 'Labour savings / year', value: money(savings.savingsPerYear, currency), hint: `${money(savings.savingsPerMonth, currency)} a month at ${money(settings.agentHourlyCost, currency)} an hour` },
		{ key: 'runningYear', label: 'Running costs / year', value: money(savings.runningCostsPerYear, currency), hint: 'WhatsApp and LLM costs logged in the range (per month) plus the monthly running cost, × 12' },
		{ key: 'roi', label: 'ROI', value: savings.roiPercent === null ? '–' : `${savings.roiPercent.toFixed(1)}%`, hint: '(annual labour savings − annual running costs) ÷ initial investment' },
		{ key: 'csat', label: 'CSAT (1–5)', value: score(csat.average), hint: `${csat.answered} of ${csat.sent} surveys answered (${percent(csat.responseRate)})` },
		{ key: 'csatResponseRate', label: 'CSAT response rate', value: percent(csat.responseRate), hint: 'Surveys answered ÷ surveys sent in the range' },
		{ key: 'nps', label: 'NPS', value: nps.npsScore === null ? '–' : nps.npsScore.toFixed(0), hint: `% promoters (9–10) − % detractors (0–6), ${nps.answered} answers` },
		{ key: 'failedDelivery', label: 'Failed deliveries', value: percent(health.failedDeliveryRate), hint: `${health.failedMessages} of ${health.outboundMessages} outbound messages` },
		{ key: 'llmErrors', label: 'LLM timeouts / errors', value: `${percent(health.llmTimeoutRate)} / ${percent(health.llmErrorRate)}`, hint: `${health.llmTimeouts} timeouts and ${health.llmErrors} errors in ${health.llmTurns} model turns` },
	];

	const pct = (value: number | null) => (value === null ? null : round(value * 100, 1));
	const tables: ValueTable[] = [
		{
			name: 'summary',
			title: 'Summary',
			columns: ['figure', 'value'],
			rows: [
				{ figure: 'Contacts started', value: response.contacts },
				{ figure: 'Contacts with a meaningful response', value: response.answered },
				{ figure: 'First meaningful response, average (s)', value: round(response.averageSeconds, 1) },
				{ figure: 'First meaningful response, median (s)', value: round(response.medianSeconds, 1) },
				{ figure: 'First meaningful response, p90 (s)', value: round(response.p90Seconds, 1) },
				{ figure: 'Chats resolved by the bot', value: savings.botResolvedChats },
				{ figure: 'Agent hours saved per month', value: round(savings.hoursSavedPerMonth, 2) },
				{ figure: `Labour savings per year (${currency})`, value: round(savings.savingsPerYear, 2) },
				{ figure: `Running costs per year (${currency})`, value: round(savings.runningCostsPerYear, 2) },
				{ figure: 'ROI %', value: round(savings.roiPercent, 2) },
				{ figure: 'CSAT surveys sent', value: csat.sent },
				{ figure: 'CSAT answers', value: csat.answered },
				{ figure: 'CSAT response rate %', value: pct(csat.responseRate) },
				{ figure: 'CSAT average (1–5)', value: round(csat.average, 2) },
				{ figure: 'CSAT comments after a low score', value: csat.comments },
				{ figure: 'NPS surveys sent', value: nps.sent },
				{ figure: 'NPS answers', value: nps.answered },
				{ figure: 'NPS response rate %', value: pct(nps.responseRate) },
				{ figure: 'NPS (−100 to 100)', value: round(nps.npsScore, 1) },
				{ figure: 'Outbound messages', value: health.outboundMessages },
				{ figure: 'Failed deliveries %', value: pct(health.failedDeliveryRate) },
				{ figure: 'Model turns', value: health.llmTurns },
				{ figure: 'LLM timeout rate %', value: pct(health.llmTimeoutRate) },
				{ figure: 'LLM error rate %', value: pct(health.llmErrorRate) },
			],
		},
		{
			name: 'roi',
			title: 'Hours saved and ROI',
			columns: ['figure', 'value'],
			rows: [
				{ figure: 'Days in range', value: round(savings.days, 2) },
				{ figure: 'Chats resolved by the bot', value: savings.botResolvedChats },
				{ figure: 'Agent hours saved', value: round(savings.hoursSaved, 2) },
				{ figure: 'Agent hours saved per month', value: round(savings.hoursSavedPerMonth, 2) },
				{ figure: `Labour savings per month (${currency})`, value: round(savings.savingsPerMonth, 2) },
				{ figure: `Labour savings per year (${currency})`, value: round(savings.savingsPerYear, 2) },
				{ figure: `Logged WhatsApp + LLM costs (${currency})`, value: round(savings.loggedCosts, 2) },
				{ figure: `Running costs per year (${currency})`, value: round(savings.runningCostsPerYear, 2) },
				{ figure: `Net per year (${currency})`, value: round(savings.netPerYear, 2) },
				{ figure: 'ROI %', value: round(savings.roiPercent, 2) },
				{ figure: 'Payback (months)', value: round(savings.paybackMonths, 1) },
			],
		},
		{
			name: 'baseline',
			title: comparison ? `Baseline against after go-live (${comparison.goLive.slice(0, 10)})` : 'Baseline against after go-live',
			columns: ['period', 'chats', 'first_response_seconds', 'first_response_change_pct', 'agent_hours_per_month', 'agent_hours_change_pct', 'csat', 'csat_change_pct', 'automation_rate_pct'],
			rows: (comparison?.periods ?? []).map((period, index) => {
				const changed = index > 0 ? comparison!.changes[index - 1] : undefined;
				return {
					period: period.label,
					chats: period.chats,
					first_response_seconds: round(period.firstResponseSeconds, 1),
					first_response_change_pct: round(changed?.firstResponse ?? null, 1),
					agent_hours_per_month: round(period.agentHoursPerMonth, 2),
					agent_hours_change_pct: round(changed?.agentHoursPerMonth ?? null, 1),
					csat: round(period.csat, 2),
					csat_change_pct: round(changed?.csat ?? null, 1),
					automation_rate_pct: period.automationRate === null ? null : round(period.automationRate * 100, 1),
				};
			}),
		},
		{
			name: 'csat',
			title: 'CSAT by route and intent',
			columns: ['group', 'sent', 'answered', 'response_rate_pct', 'average'],
			rows: [
				...csat.byRoute.map((group) => ({ group: `route: ${group.key === 'bot' ? 'bot' : 'person'}`, ...scoreColumns(group) })),
				...csat.byIntent.map((group) => ({ group: `intent: ${group.key}`, ...scoreColumns(group) })),
			],
		},
		{
			name: 'nps',
			title: 'NPS by route and intent',
			columns: ['group', 'sent', 'answered', 'response_rate_pct', 'average', 'nps'],
			rows: [
				...nps.byRoute.map((group) => ({ group: `route: ${group.key === 'bot' ? 'bot' : 'person'}`, ...scoreColumns(group), nps: round(group.npsScore, 1) })),
				...nps.byIntent.map((group) => ({ group: `intent: ${group.key}`, ...scoreColumns(group), nps: round(group.npsScore, 1) })),
			],
		},
		{
			name: 'survey-trend',
			title: 'Surveys per week of sending',
			columns: ['week', 'survey', 'sent', 'answered', 'average', 'nps'],
			rows: [
				...csat.trend.map((week) => ({ week: week.week, survey: 'CSAT', sent: week.sent, answered: week.answered, average: round(week.average, 2), nps: null })),
				...nps.trend.map((week) => ({ week: week.week, survey: 'NPS', sent: week.sent, answered: week.answered, average: round(week.average, 2), nps: round(week.npsScore, 1) })),
			].sort((a, b) => a.week.localeCompare(b.week) || a.survey.localeCompare(b.survey)),
		},
		{
			name: 'csat-distribution',
			title: 'Survey answers per score',
			columns: ['survey', 'score', 'answers'],
			rows: [
				...Object.entries(csat.distribution).map(([key, count]) => ({ survey: 'CSAT', score: Number(key), answers: count })),
				...Object.entries(nps.distribution).map(([key, count]) => ({ survey: 'NPS', score: Number(key), answers: count })),
			],
		},
		{
			name: 'intents',
			title: 'Per intent',
			columns: ['intent', 'chats', 'bot_resolved', 'automation_rate_pct', 'csat_answers', 'csat'],
			rows: byIntent.map((row) => ({ intent: row.category, chats: row.chats, bot_resolved: row.botResolved, automation_rate_pct: row.automationRate === null ? null : round(row.automationRate * 100, 1), csat_answers: row.csatAnswered, csat: round(row.csat, 2) })),
		},
		{
			name: 'room-types',
			title: 'Per room type',
			columns: ['room_type', 'chats', 'bot_resolved', 'automation_rate_pct', 'csat_answers', 'csat'],
			rows: byRoom.map((row) => ({ room_type: row.category, chats: row.chats, bot_resolved: row.botResolved, automation_rate_pct: row.automationRate === null ? null : round(row.automationRate * 100, 1), csat_answers: row.csatAnswered, csat: round(row.csat, 2) })),
		},
		{
			name: 'health',
			title: 'Health: negative sentiment per week',
			columns: ['week', 'turns', 'negative', 'negative_share_pct'],
			rows: health.sentimentTrend.map((week) => ({ week: week.week, turns: week.turns, negative: week.negative, negative_share_pct: week.negativeShare === null ? null : round(week.negativeShare * 100, 1) })),
		},
	];

	const charts = [
		`<figure><figcaption>CSAT answers per score</figcaption>${barChart(
			Object.entries(csat.distribution).map(([key, count]) => ({ label: key, value: count })),
			{ label: 'CSAT answers per score', name: 'csat-distribution' },
		)}</figure>`,
		`<figure><figcaption>NPS answers per score</figcaption>${barChart(
			Object.entries(nps.distribution).map(([key, count]) => ({ label: key, value: count })),
			{ label: 'NPS answers per score', name: 'nps-distribution' },
		)}</figure>`,
		`<figure><figcaption>CSAT per week</figcaption>${lineChart(csat.trend.map((week) => ({ label: week.week, value: week.average })), { label: 'Average CSAT per week', min: 1, max: 5, name: 'csat-trend' })}</figure>`,
		`<figure><figcaption>First meaningful response: baseline and after go-live (minutes)</figcaption>${barChart(
			(comparison?.periods ?? []).map((period) => ({ label: period.label.replace(/ \(.*\)$/, '').replace('Days ', ''), value: (period.firstResponseSeconds ?? 0) / 60, title: `${period.label}: ${duration(period.firstResponseSeconds)}` })),
			{ label: 'First meaningful response per period, in minutes', name: 'baseline-response' },
		)}</figure>`,
		`<figure><figcaption>Negative sentiment per week (%)</figcaption>${lineChart(
			health.sentimentTrend.map((week) => ({ label: week.week, value: week.negativeShare === null ? null : week.negativeShare * 100 })),
			{ label: 'Share of negative turns per week', min: 0, max: 100, name: 'sentiment-trend' },
		)}</figure>`,
	];
	const notice = comparison ? undefined : 'Set the go-live date (Build Page → Value Settings) to compare the baseline with the 30/60/90 days after go-live.';
	return { settings, tables, tiles, charts, notice };
}

export const VALUE_STYLE = `
.value-grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(430px,1fr));gap:12px}figure{margin:0}figcaption{font-size:12px;color:#50575e}
.chart.small{max-width:430px}.chart .point{fill:#128c7e}.chart .trend-line{fill:none;stroke:#128c7e;stroke-width:2}
nav.views a{color:#fff;margin-right:14px}nav.views a.active{font-weight:700;text-decoration:underline}
.settings dl{display:grid;grid-template-columns:max-content auto;gap:2px 12px;margin:0}.settings dt{color:#50575e}
`;

/** The Value view's HTML (cards to put inside the dashboard's main element). */
export function renderValueSections(data: ValueData, csvHref: (table: string) => string): string {
	const { settings } = data;
	const tile = (each: ValueData['tiles'][number]) =>
		`<div class="tile" data-metric="${esc(each.key)}" title="${esc(each.hint)}"><div class="value">${esc(each.value)}</div><div class="label">${esc(each.label)}</div></div>`;
	const table = (each: ValueTable) =>
		`<section class="card" data-table="${esc(each.name)}"><h2 style="font-size:15px;margin:0 0 6px">${esc(each.title)}</h2>${
			each.rows.length
				? `<table><thead><tr>${each.columns.map((column) => `<th>${esc(column.replace(/_/g, ' '))}</th>`).join('')}</tr></thead><tbody>${each.rows
						.map((row) => `<tr>${each.columns.map((column) => `<td${typeof row[column] === 'number' ? ' class="num"' : ''}>${esc(row[column] ?? '–')}</td>`).join('')}</tr>`)
						.join('')}</tbody></table>`
				: '<p class="muted">No data in this range.</p>'
		}<p class="exports"><a href="${esc(csvHref(each.name))}" data-export="value-${esc(each.name)}">CSV</a></p></section>`;
	const settingsCard = `<section class="card settings" aria-label="Value settings"><h2 style="font-size:15px;margin:0 0 6px">Settings</h2><dl>
<dt>Go-live</dt><dd>${esc(settings.goLive || 'not set')}</dd>
<dt>Agent hourly cost</dt><dd>${esc(money(settings.agentHourlyCost, settings.currency))}</dd>
<dt>Handling time per conversation</dt><dd>${esc(settings.handlingMinutes)} min</dd>
<dt>Monthly running cost</dt><dd>${esc(money(settings.monthlyRunningCost, settings.currency))}</dd>
<dt>Initial investment</dt><dd>${esc(money(settings.initialInvestment, settings.currency))}</dd>
</dl><p class="muted">Edit them on the dashboard workflow: Build Page → Value Settings.</p></section>`;
	return `${data.notice ? `<div class="notice" role="status">${esc(data.notice)}</div>` : ''}
<section class="tiles" aria-label="Value">${data.tiles.map(tile).join('\n')}</section>
<section class="card value-grid" aria-label="Value charts">${data.charts.join('')}</section>
<div class="value-grid">${settingsCard}${data.tables.map(table).join('')}</div>`;
}

/** `format=csv&table=<name>` of the Value view. */
export function valueCsv(data: ValueData, tableName: string, filePrefix: string): ValueResponse | undefined {
	const table = data.tables.find((each) => each.name === tableName);
	if (!table) return undefined;
	const filename = `${filePrefix}-value-${table.name}.csv`.replace(/[^\w.-]/g, '_');
	return {
		statusCode: 200,
		format: 'csv',
		contentType: 'text/csv; charset=utf-8',
		contentDisposition: `attachment; filename="${filename}"`,
		body: toCsv(table.rows, table.columns, { bom: true }),
		filename,
		rows: table.rows.length,
	};
}
