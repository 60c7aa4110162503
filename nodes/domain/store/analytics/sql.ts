/** What the chat analytics share: the filters, number and date conversions, and the SQL scope of a range. */
export interface ChatFilters {
	/** Range start (inclusive). */
	from: Date;
	/** Range end (exclusive). */
	to: Date;
	/**
	 * Conversation channels: whatsapp, web, test. Empty or undefined: every channel except `test` (the
	 * dashboard's test chats stay out of the metrics); `all`: every channel, test chats included.
	 */
	channels?: string[];
	/** Assistant name or workflow id recorded on the conversation's turns in the range. */
	assistant?: string;
	/** Part of the customer's name, number, WhatsApp id or user id (case-insensitive). */
	customer?: string;
	/**
	 * Whose conversations: `customers` (default) leaves out internal ones, `internal` shows only those, `all`
	 * both. Internal: marked by an Internal Recipient send (the duty manager, agents), or a number in
	 * `internalNumbers`.
	 */
	audience?: Audience;
	/** Staff numbers (digits, with country code) or user ids whose conversations are internal. */
	internalNumbers?: string[];
	/**
	 * Set by the store when it encrypts: keyed hashes (under every configured key) of the customer search's
	 * digits and words and of the internal numbers, matched against `wa_id_hmac` and `customer_name_hmacs`.
	 */
	lookupHashes?: { customerNumber: string[]; customerWords: string[][]; internalNumbers: string[] };
}

/** A text column as plain text for ILIKE / equality: empty when it holds ciphertext (never matched by accident). */
function plainColumn(column: string): string {
	return `CASE WHEN ${column} LIKE 'enc:v1:%' THEN '' ELSE coalesce(${column}, '') END`;
}

export type Audience = 'customers' | 'internal' | 'all';

/**
 * A list of staff numbers or user ids as typed in a node parameter ("+31 6 1234 5678, 15550100001") → the
 * keys conversations are stored under: digits only for numbers, user ids as they are.
 */
export function parseInternalNumbers(value: string | string[] | undefined): string[] {
	const entries = (Array.isArray(value) ? value : String(value ?? '').split(/[,;\n]+/))
		.map((entry) => entry.trim())
		.filter(Boolean)
		// "31612345678 15550100001": several whole numbers apart; "+31 6 1234 5678": one number in groups.
		.flatMap((entry) => {
			const parts = entry.split(/\s+/);
			return parts.length > 1 && parts.every((part) => /^\+?\d{7,}$/.test(part)) ? parts : [entry];
		});
	const keys = entries
		.map((entry) => (/^[+\d\s().-]+$/.test(entry) ? entry.replace(/\D/g, '') : entry.replace(/[^\w.-]/g, '')))
		.filter(Boolean);
	return [...new Set(keys)];
}

/** The channel of the dashboard's test chats, left out of the metrics unless asked for. */
export const TEST_CHANNEL = 'test';
/** The channel filter value that takes every channel, test chats included. */
export const ALL_CHANNELS = 'all';

/** The SQL condition (on conversations `c`) that a conversation is internal. */
export function internalCondition(filters: Pick<ChatFilters, 'internalNumbers' | 'lookupHashes'>, params: Params): string {
	const numbers = parseInternalNumbers(filters.internalNumbers);
	if (!numbers.length) return '(c.internal_role IS NOT NULL)';
	const list = params.add(numbers);
	const hashes = filters.lookupHashes?.internalNumbers.length ? ` OR c.wa_id_hmac = ANY(${params.add(filters.lookupHashes.internalNumbers)}::text[])` : '';
	return `(c.internal_role IS NOT NULL OR c.customer_key = ANY(${list}::text[]) OR ${plainColumn('c.wa_id')} = ANY(${list}::text[])${hashes})`;
}

export class MetricsError extends Error {
	constructor(
		message: string,
		readonly hint: string,
	) {
		super(message);
		this.name = 'MetricsError';
	}
}

/**
 * By name, not `instanceof`: the store that threw may come from another copy of this module (one store per
 * data folder is shared process-wide, e.g. between the built pack and tests that load the sources).
 */
export function isMetricsError(error: unknown): error is MetricsError {
	return error instanceof Error && error.name === 'MetricsError' && typeof (error as MetricsError).hint === 'string';
}

export class Params {
	readonly values: unknown[] = [];

	add(value: unknown): string {
		this.values.push(value);
		return `$${this.values.length}`;
	}
}

export function num(value: unknown): number {
	if (value === null || value === undefined) return 0;
	const parsed = typeof value === 'number' ? value : Number(value);
	return Number.isFinite(parsed) ? parsed : 0;
}

export function optionalNumber(value: unknown): number | null {
	return value === null || value === undefined ? null : num(value);
}

export function iso(value: unknown): string | null {
	if (value === null || value === undefined) return null;
	return value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString();
}

export function text(value: unknown): string | null {
	return value === null || value === undefined ? null : String(value);
}

/** Rounds money to 6 decimals (the costs table's scale), avoiding float noise such as 0.30000000000000004. */
export function roundMoney(amount: number): number {
	return Math.round(amount * 1e6) / 1e6;
}

export function ratio(part: number, whole: number): number | null {
	return whole > 0 ? part / whole : null;
}

export function likePattern(value: string): string {
	return `%${value.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

/** The conversations the filters select, as a CTE body; the range is given as parameters too. */
export function scopeCte(filters: ChatFilters, params: Params): { sql: string; from: string; to: string } {
	const from = params.add(filters.from);
	const to = params.add(filters.to);
	const conditions: string[] = [];
	const audience = filters.audience ?? 'customers';
	if (audience !== 'all') conditions.push(`${audience === 'internal' ? '' : 'NOT '}${internalCondition(filters, params)}`);
	const channels = (filters.channels ?? []).map((channel) => channel.trim()).filter(Boolean);
	if (!channels.length) conditions.push(`c.channel <> ${params.add(TEST_CHANNEL)}`);
	else if (!channels.includes(ALL_CHANNELS)) conditions.push(`c.channel = ANY(${params.add(channels)}::text[])`);
	const customer = filters.customer?.trim();
	if (customer) {
		const pattern = params.add(likePattern(customer));
		const alternatives = [
			`c.customer_key ILIKE ${pattern}`,
			`${plainColumn('c.wa_id')} ILIKE ${pattern}`,
			`coalesce(c.user_id, '') ILIKE ${pattern}`,
			`${plainColumn('c.customer_name')} ILIKE ${pattern}`,
		];
		// Encrypted rows: the whole number (its digits), or every word of the name, through their keyed hashes.
		const hashes = filters.lookupHashes;
		if (hashes?.customerNumber.length) alternatives.push(`c.wa_id_hmac = ANY(${params.add(hashes.customerNumber)}::text[])`);
		for (const perKey of hashes?.customerWords ?? []) {
			if (perKey.length) alternatives.push(`c.customer_name_hmacs @> ${params.add(perKey)}::text[]`);
		}
		conditions.push(`(${alternatives.join(' OR ')})`);
	}
	const assistant = filters.assistant?.trim();
	if (assistant) {
		const value = params.add(assistant);
		conditions.push(
			`EXISTS (SELECT 1 FROM turns t WHERE t.conversation_id = c.id AND (t.assistant = ${value} OR t.workflow_id = ${value}) AND t.asked_at >= ${from} AND t.asked_at < ${to})`,
		);
	}
	const where = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
	return {
		sql: `scope AS (SELECT c.* FROM conversations c ${where}),
			in_range AS (
				SELECT m.* FROM messages m JOIN scope s ON s.id = m.conversation_id
				WHERE m.sent_at >= ${from}::timestamptz AND m.sent_at < ${to}::timestamptz
			)`,
		from: `${from}::timestamptz`,
		to: `${to}::timestamptz`,
	};
}

/**
 * Whether the filters narrow the conversations (costs without a conversation then no longer count). The
 * default channel filter (all but test chats) and `all` do not.
 */
export function narrowed(filters: ChatFilters): boolean {
	const channels = (filters.channels ?? []).map((channel) => channel.trim()).filter(Boolean);
	return Boolean((filters.audience ?? 'customers') === 'internal' || (channels.length && !channels.includes(ALL_CHANNELS)) || filters.customer?.trim() || filters.assistant?.trim());
}

/** Every customer turn of the scoped conversations (all time), with its first reply. */
export const TURNS_CTE = `
	ordered AS (
		SELECT m.conversation_id, m.author, m.sent_at,
			count(*) FILTER (WHERE m.author IN ('bot', 'agent')) OVER (
				PARTITION BY m.conversation_id ORDER BY m.sent_at, m.id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
			) AS segment
		FROM messages m JOIN scope s ON s.id = m.conversation_id
	),
	all_turns AS (
		SELECT q.conversation_id, q.asked_at, r.sent_at AS replied_at, r.author AS replied_by
		FROM (
			SELECT conversation_id, segment, min(sent_at) AS asked_at FROM ordered WHERE author = 'customer' GROUP BY conversation_id, segment
		) q
		LEFT JOIN ordered r ON r.conversation_id = q.conversation_id AND r.segment = q.segment AND r.author IN ('bot', 'agent')
	)`;

export function json(value: unknown): string | null {
	return value === undefined ? null : JSON.stringify(value);
}
