/** The costs of one conversation, per WhatsApp category and per LLM model. */
import type { SqlExecutor } from '../driver';
import { num, roundMoney, text } from './sql';

export interface ConversationCosts {
	conversationId: string;
	/** Totals per currency. */
	totals: Array<{ currency: string; total: number; whatsapp: number; llm: number }>;
	whatsapp: {
		/** Per category and pricing type (regular, free_customer_service, free_entry_point). */
		byCategory: Array<{ category: string | null; pricingType: string | null; currency: string; messages: number; amount: number }>;
		messages: number;
		chargedMessages: number;
	};
	llm: {
		byModel: Array<{ model: string | null; currency: string; calls: number; inputTokens: number; outputTokens: number; amount: number }>;
		calls: number;
	};
}

export async function conversationCosts(db: SqlExecutor, conversationId: string): Promise<ConversationCosts> {
	const whatsappRows = await db.query<Record<string, unknown>>(
		`SELECT category, pricing_type, currency, count(*)::int AS messages, sum(amount)::float8 AS amount
		FROM costs WHERE conversation_id = $1 AND kind = 'whatsapp'
		GROUP BY category, pricing_type, currency ORDER BY category NULLS LAST, pricing_type NULLS LAST, currency`,
		[conversationId],
	);
	const llmRows = await db.query<Record<string, unknown>>(
		`SELECT model, currency, count(*)::int AS calls, coalesce(sum(input_tokens), 0)::int AS input_tokens,
			coalesce(sum(output_tokens), 0)::int AS output_tokens, sum(amount)::float8 AS amount
		FROM costs WHERE conversation_id = $1 AND kind = 'llm'
		GROUP BY model, currency ORDER BY model NULLS LAST, currency`,
		[conversationId],
	);
	const byCategory = whatsappRows.map((row) => ({
		category: text(row.category),
		pricingType: text(row.pricing_type),
		currency: String(row.currency),
		messages: num(row.messages),
		amount: roundMoney(num(row.amount)),
	}));
	const byModel = llmRows.map((row) => ({
		model: text(row.model),
		currency: String(row.currency),
		calls: num(row.calls),
		inputTokens: num(row.input_tokens),
		outputTokens: num(row.output_tokens),
		amount: roundMoney(num(row.amount)),
	}));
	const totals = new Map<string, { currency: string; total: number; whatsapp: number; llm: number }>();
	const totalFor = (currency: string) => totals.get(currency) ?? totals.set(currency, { currency, total: 0, whatsapp: 0, llm: 0 }).get(currency)!;
	for (const row of byCategory) totalFor(row.currency).whatsapp += row.amount;
	for (const row of byModel) totalFor(row.currency).llm += row.amount;
	return {
		conversationId,
		totals: [...totals.values()].map((each) => ({
			currency: each.currency,
			whatsapp: roundMoney(each.whatsapp),
			llm: roundMoney(each.llm),
			total: roundMoney(each.whatsapp + each.llm),
		})),
		whatsapp: {
			byCategory,
			messages: byCategory.reduce((sum, row) => sum + row.messages, 0),
			chargedMessages: byCategory.filter((row) => row.amount > 0).reduce((sum, row) => sum + row.messages, 0),
		},
		llm: { byModel, calls: byModel.reduce((sum, row) => sum + row.calls, 0) },
	};
}
