import defaultPrices from './llm-prices.json';
import { RateCardError } from './rate-card';

export interface ModelPrice {
	/** USD per 1 million input (prompt) tokens. */
	input: number;
	/** USD per 1 million output (completion) tokens. */
	output: number;
}

export interface ModelPriceTable {
	asOf: string;
	source: string;
	models: Record<string, ModelPrice>;
}

export const DEFAULT_MODEL_PRICES: ModelPriceTable = defaultPrices as ModelPriceTable;

const PRICES_HINT =
	'Give a JSON object of model name → prices in USD per 1 million tokens, e.g. { "gpt-4.1-mini": { "input": 0.4, "output": 1.6 }, "my-model*": { "input": 1, "output": 2 } }.';

/** The default table with the user's models added or replaced (a plain `{ model: { input, output } }` object, or `{ models: … }`). */
export function resolveModelPrices(override?: string | Record<string, unknown> | null, base: ModelPriceTable = DEFAULT_MODEL_PRICES): ModelPriceTable {
	let change: unknown = override;
	if (typeof override === 'string') {
		if (!override.trim()) return base;
		try {
			change = JSON.parse(override);
		} catch (error) {
			throw new RateCardError(`Model Prices is not valid JSON: ${(error as Error).message}`, PRICES_HINT);
		}
	}
	if (change === undefined || change === null) return base;
	if (typeof change !== 'object' || Array.isArray(change)) throw new RateCardError('Model Prices must be a JSON object', PRICES_HINT);
	const entries = ((change as { models?: unknown }).models ?? change) as Record<string, unknown>;
	const models: Record<string, ModelPrice> = { ...base.models };
	for (const [name, price] of Object.entries(entries)) {
		const { input, output } = (price ?? {}) as Partial<ModelPrice>;
		if (typeof input !== 'number' || typeof output !== 'number' || input < 0 || output < 0) {
			throw new RateCardError(`Model Prices: "${name}" needs non-negative numbers "input" and "output"`, PRICES_HINT);
		}
		models[name.trim().toLowerCase()] = { input, output };
	}
	return { ...base, models };
}

/** Lower case, without a provider prefix such as `openai/` or Gemini's `models/`. */
export function normalizeModelName(model: string): string {
	const name = model.trim().toLowerCase();
	return name.startsWith('ollama/') ? name : name.replace(/^(openai|anthropic|mistral|mistralai|google|models)\//, '');
}

export interface PriceMatch {
	/** The table key used, or 'local' for an unlisted Ollama-style tag, or null when unpriced. */
	key: string | null;
	price: ModelPrice | null;
}

/** Exact name first, then the longest `prefix*` key, then any `name:tag` as a local model (free). */
export function findModelPrice(table: ModelPriceTable, model: string): PriceMatch {
	const name = normalizeModelName(model);
	const exact = table.models[name];
	if (exact) return { key: name, price: exact };
	let best: string | null = null;
	for (const key of Object.keys(table.models)) {
		if (key.endsWith('*') && name.startsWith(key.slice(0, -1)) && (best === null || key.length > best.length)) best = key;
	}
	if (best) return { key: best, price: table.models[best] };
	if (/^[^/\s]+:[^/\s]+$/.test(name)) return { key: 'local', price: { input: 0, output: 0 } };
	return { key: null, price: null };
}

export interface TokenUsageInput {
	inputTokens?: number;
	outputTokens?: number;
	model?: string;
	estimated?: boolean;
}

export interface LlmPrice {
	model: string;
	inputTokens: number;
	outputTokens: number;
	estimated: boolean;
	/** Price in USD (the table's currency). */
	amountUsd: number;
	/** False when no price is known for the model (amount 0): add it to Model Prices. */
	priced: boolean;
	priceKey: string | null;
}

function tokens(value: unknown): number {
	return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.round(value) : 0;
}

export function priceLlmUsage(usage: TokenUsageInput, table: ModelPriceTable): LlmPrice {
	const model = (usage.model ?? '').trim() || 'unknown';
	const inputTokens = tokens(usage.inputTokens);
	const outputTokens = tokens(usage.outputTokens);
	const match = findModelPrice(table, model);
	const amountUsd = match.price ? (inputTokens * match.price.input + outputTokens * match.price.output) / 1_000_000 : 0;
	return { model, inputTokens, outputTokens, estimated: usage.estimated === true, amountUsd, priced: match.price !== null, priceKey: match.key };
}
