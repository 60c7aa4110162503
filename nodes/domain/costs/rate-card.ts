import defaultCard from './rate-card-2025-07.json';

/** Rates per template category in one currency, e.g. { marketing: 0.1597, utility: 0.05 }. */
export type CategoryRates = Record<string, number>;

export interface RateCardMarket {
	name: string;
	/** ISO 3166-1 alpha-2 countries billed at this market's rates. */
	countries: string[];
	/** Per currency (USD, EUR), per category. */
	rates: Record<string, CategoryRates>;
}

export interface RateCard {
	name: string;
	/** The date the rates took effect, YYYY-MM-DD. */
	effectiveFrom: string;
	source: string;
	currencies: string[];
	/** Units of each currency per 1 USD (LLM prices are in USD). */
	exchangeRates: Record<string, number>;
	/** Categories that are never charged (service conversations, referral conversions). */
	freeCategories: string[];
	/** The market for countries no market lists, and for unknown countries. */
	fallbackMarket: string;
	markets: Record<string, RateCardMarket>;
}

/** A rate card or override the admin must fix; the hint says how. */
export class RateCardError extends Error {
	constructor(
		message: string,
		readonly hint: string,
	) {
		super(message);
		this.name = 'RateCardError';
	}
}

export const DEFAULT_RATE_CARD: RateCard = defaultCard as RateCard;

const OVERRIDE_HINT =
	'Give a JSON object with the parts of the rate card to change, e.g. { "effectiveFrom": "2026-10-01", "markets": { "NL": { "rates": { "EUR": { "marketing": 0.1321 } } } } }. New markets need "countries" and "rates".';

function isObject(value: unknown): value is Record<string, unknown> {
	return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Objects merge key by key; anything else (numbers, strings, arrays) replaces. */
function deepMerge(base: unknown, change: unknown): unknown {
	if (!isObject(base) || !isObject(change)) return structuredClone(change);
	const merged: Record<string, unknown> = { ...structuredClone(base) };
	for (const [key, value] of Object.entries(change)) merged[key] = key in merged ? deepMerge(merged[key], value) : structuredClone(value);
	return merged;
}

function validateCard(card: RateCard): RateCard {
	if (!isObject(card.markets) || Object.keys(card.markets).length === 0) {
		throw new RateCardError('The rate card has no markets', OVERRIDE_HINT);
	}
	if (!card.markets[card.fallbackMarket]) {
		throw new RateCardError(`The rate card's fallback market "${card.fallbackMarket}" is not one of its markets`, OVERRIDE_HINT);
	}
	for (const [key, market] of Object.entries(card.markets)) {
		if (!isObject(market) || !Array.isArray(market.countries) || !isObject(market.rates)) {
			throw new RateCardError(`Rate card market "${key}" needs "countries" (a list) and "rates" (per currency)`, OVERRIDE_HINT);
		}
		for (const [currency, rates] of Object.entries(market.rates)) {
			if (!isObject(rates)) throw new RateCardError(`Rates of market "${key}" in ${currency} must be an object of category → amount`, OVERRIDE_HINT);
			for (const [category, amount] of Object.entries(rates)) {
				if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) {
					throw new RateCardError(`Rate "${category}" of market "${key}" in ${currency} is not a non-negative number`, OVERRIDE_HINT);
				}
			}
		}
	}
	for (const [currency, rate] of Object.entries(card.exchangeRates ?? {})) {
		if (typeof rate !== 'number' || !(rate > 0)) throw new RateCardError(`Exchange rate for ${currency} must be a positive number`, OVERRIDE_HINT);
	}
	return card;
}

/**
 * The shipped card with the user's changes applied (a partial card, merged key by key). A country
 * listed under a market in the override moves to that market.
 */
export function resolveRateCard(override?: string | Record<string, unknown> | null, base: RateCard = DEFAULT_RATE_CARD): RateCard {
	let change: unknown = override;
	if (typeof override === 'string') {
		if (!override.trim()) return base;
		try {
			change = JSON.parse(override);
		} catch (error) {
			throw new RateCardError(`Rate Card Override is not valid JSON: ${(error as Error).message}`, OVERRIDE_HINT);
		}
	}
	if (change === undefined || change === null) return base;
	if (!isObject(change)) throw new RateCardError('Rate Card Override must be a JSON object', OVERRIDE_HINT);
	if (Object.keys(change).length === 0) return base;
	const merged = deepMerge(base, change) as RateCard;
	const overridden = isObject(change.markets) ? change.markets : {};
	for (const [key, market] of Object.entries(overridden)) {
		const moved = isObject(market) && Array.isArray(market.countries) ? (market.countries as string[]).map((code) => String(code).toUpperCase()) : [];
		if (!moved.length) continue;
		merged.markets[key].countries = moved;
		for (const [otherKey, other] of Object.entries(merged.markets)) {
			if (otherKey !== key) other.countries = other.countries.filter((code) => !moved.includes(code));
		}
	}
	return validateCard(merged);
}

/** Meta's category names vary in spelling (authentication-international); one form here. */
export function normalizeCategory(category: string | undefined | null): string {
	return String(category ?? '').trim().toLowerCase().replace(/[\s-]+/g, '_');
}

export interface MarketRate {
	market: string;
	marketName: string;
	/** The category whose rate was used (authentication for authentication_international where the market has none). */
	rateCategory: string;
	amount: number;
	currency: string;
	/** False when the card has no rate for this category and currency: amount is 0 then. */
	found: boolean;
}

export function marketOf(card: RateCard, country: string | undefined): string {
	if (country) {
		const code = country.toUpperCase();
		for (const [key, market] of Object.entries(card.markets)) if (market.countries.includes(code)) return key;
	}
	return card.fallbackMarket;
}

const CATEGORY_FALLBACKS: Record<string, string[]> = {
	authentication_international: ['authentication'],
	marketing_lite: ['marketing'],
};

/** The per-message rate for a delivered template of `category` to `country`, in `currency`. */
export function findRate(card: RateCard, country: string | undefined, category: string, currency: string): MarketRate {
	const market = marketOf(card, country);
	const normalized = normalizeCategory(category);
	const rates = card.markets[market].rates[currency.toUpperCase()] ?? {};
	for (const candidate of [normalized, ...(CATEGORY_FALLBACKS[normalized] ?? [])]) {
		if (typeof rates[candidate] === 'number') {
			return { market, marketName: card.markets[market].name, rateCategory: candidate, amount: rates[candidate], currency: currency.toUpperCase(), found: true };
		}
	}
	return { market, marketName: card.markets[market].name, rateCategory: normalized, amount: 0, currency: currency.toUpperCase(), found: false };
}

/** Converts a USD amount with the card's exchange rates; throws for a currency the card does not know. */
export function fromUsd(card: RateCard, amountUsd: number, currency: string): number {
	const rate = card.exchangeRates?.[currency.toUpperCase()];
	if (typeof rate !== 'number') {
		throw new RateCardError(`The rate card has no exchange rate for ${currency}`, `Add it to the Rate Card Override, e.g. { "exchangeRates": { "${currency.toUpperCase()}": 0.86 } } (units per 1 USD).`);
	}
	return amountUsd * rate;
}
