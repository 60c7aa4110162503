/**
 * Chat analytics over the support store: metrics, the daily series, conversation costs, the chat list,
 * exports and the timeline of one conversation. Reached as `store.analytics`; the SQL stays in this folder.
 */
import type { SqlExecutor } from '../driver';
import { nameWords, numberDigits, PLAIN_FIELDS, type FieldCodec } from '../field-cipher';
import { conversationCosts } from './costs';
import { exportMessages, listChats } from './exports';
import { computeMetrics, dailySeries, resolveDateRange, type DateRangeInput, type MetricsOptions } from './metrics';
import { parseInternalNumbers, type ChatFilters } from './sql';
import { conversationDetail } from './timeline';
import { listAssistants } from './turns';
import { baselineComparison, categories, firstMeaningfulResponse, health, savings, surveyFigures, type ValueSettings } from './value';

export type { ConversationCosts } from './costs';
export { CHAT_EXPORT_COLUMNS, MESSAGE_EXPORT_COLUMNS, type ChatRow, type MessageExportRow } from './exports';
export type { ChatMetrics, DailyPoint, DateRangeInput, MetricsOptions, ResolvedRange } from './metrics';
export { isMetricsError, MetricsError, parseInternalNumbers, roundMoney, type Audience, type ChatFilters } from './sql';
export type { ConversationDetail, TimelineHandoff, TimelineMessage } from './timeline';
export type { ToolCallRecord, TurnInput, TurnRecord } from './turns';
export {
	goLiveDate,
	type BaselineComparison,
	type CategoryRow,
	type FirstResponseFigures,
	type HealthFigures,
	type PeriodFigures,
	type SavingsFigures,
	type ScoreGroup,
	type SurveyFigures,
	type SurveyKindFigures,
	type ValueSettings,
} from './value';

export class ChatAnalytics {
	constructor(
		private readonly db: SqlExecutor,
		private readonly fields: FieldCodec = PLAIN_FIELDS,
	) {}

	/** With encryption, the filters also carry the keyed hashes that find encrypted customers. */
	private hashed<T extends Omit<ChatFilters, 'from' | 'to'>>(filters: T): T {
		if (!this.fields.encrypting || (!filters.customer?.trim() && !filters.internalNumbers?.length)) return filters;
		const digits = numberDigits(filters.customer);
		const words = nameWords(filters.customer);
		// One list of word hashes per key: a name matches when all its words are there under the same key.
		const perKey = words.length ? words.map((word) => this.fields.lookupHashes(word)) : [];
		const keys = perKey[0]?.length ?? 0;
		return {
			...filters,
			lookupHashes: {
				customerNumber: digits ? this.fields.lookupHashes(digits) : [],
				customerWords: Array.from({ length: keys }, (_unused, key) => perKey.map((hashes) => hashes[key])),
				internalNumbers: parseInternalNumbers(filters.internalNumbers)
					.filter((key) => /^\d+$/.test(key))
					.flatMap((digits) => this.fields.lookupHashes(digits)),
			},
		};
	}

	/** Whole days in a time zone → [start, end) timestamps, using the database's time zone rules. */
	async resolveDateRange(input: DateRangeInput = {}) {
		return await resolveDateRange(this.db, input);
	}

	async computeMetrics(filters: ChatFilters, options: MetricsOptions = {}) {
		return await computeMetrics(this.db, this.hashed(filters), options);
	}

	/** One point per day of the range (in the time zone), for the dashboard's chart. */
	async dailySeries(filters: ChatFilters, options: { timeZone?: string; currency: string }) {
		return await dailySeries(this.db, this.hashed(filters), options);
	}

	async conversationCosts(conversationId: string) {
		return await conversationCosts(this.db, conversationId);
	}

	/** Conversations with any message in the range (newest activity first), with counts and costs in `currency`. */
	async listChats(filters: ChatFilters, options: { currency: string; limit?: number; offset?: number }) {
		return await listChats(this.db, this.fields, this.hashed(filters), options);
	}

	/** Every message in the range of the filtered conversations (or one conversation), oldest first per chat. */
	async exportMessages(filters: ChatFilters, options: { conversationId?: string; limit?: number } = {}) {
		return await exportMessages(this.db, this.fields, this.hashed(filters), options);
	}

	async conversationDetail(conversationId: string, options: { limit?: number } = {}) {
		return await conversationDetail(this.db, this.fields, conversationId, options);
	}

	/** Assistant names (and workflow names) seen on turns, for filter lists. */
	async listAssistants() {
		return await listAssistants(this.db);
	}

	/** CSAT and NPS of the surveys sent in the range: averages, distribution, response rate, by route and intent, trend. */
	async surveyFigures(filters: ChatFilters, options: { timeZone?: string } = {}) {
		return await surveyFigures(this.db, this.hashed(filters), options);
	}

	/** Time to the first meaningful reply per contact started in the range: average, median, p90. */
	async firstMeaningfulResponse(filters: ChatFilters) {
		return await firstMeaningfulResponse(this.db, this.hashed(filters));
	}

	/** Agent hours saved by bot-resolved chats, and ROI against the running costs and the investment. */
	async savings(filters: ChatFilters, settings: ValueSettings) {
		return await savings(this.db, this.hashed(filters), settings);
	}

	/** The baseline (a period before go-live, or figures entered by hand) next to days 1–30, 31–60 and 61–90. */
	async baselineComparison(filters: Omit<ChatFilters, 'from' | 'to'>, settings: ValueSettings) {
		return await baselineComparison(this.db, this.hashed(filters), settings);
	}

	/** Chats, bot-resolved share and CSAT per intent or per room type. */
	async categories(filters: ChatFilters, by: 'intent' | 'roomType') {
		return await categories(this.db, this.hashed(filters), by);
	}

	/** Failed deliveries, LLM timeouts and errors, and the weekly negative-sentiment share. */
	async health(filters: ChatFilters, options: { timeZone?: string } = {}) {
		return await health(this.db, this.hashed(filters), options);
	}
}
