export { countryFromPhoneNumber, countryFromUserId, phoneDigits } from './calling-codes';
export { csvCell, parseCsv, toCsv, type CsvValue } from './csv';
export {
	buildDashboardResponse,
	CHANNEL_LABELS,
	escapeHtml,
	formatDuration,
	formatMoney,
	normalizeQuery,
	renderDailyChart,
	renderDashboardPage,
	type DashboardOptions,
	type DashboardQuery,
	type DashboardResponse,
} from './dashboard';
export {
	DEFAULT_MODEL_PRICES,
	findModelPrice,
	normalizeModelName,
	priceLlmUsage,
	resolveModelPrices,
	type LlmPrice,
	type ModelPrice,
	type ModelPriceTable,
} from './llm-pricing';
export { CostLogError, extractToolCalls, logCosts, type CostEnvelope, type LlmCostEntry, type WhatsAppCostEntry } from './log';
export {
	DEFAULT_RATE_CARD,
	findRate,
	fromUsd,
	marketOf,
	normalizeCategory,
	RateCardError,
	resolveRateCard,
	type RateCard,
	type RateCardMarket,
} from './rate-card';
export { CHARGEABLE_STATUSES, isFreePricing, priceWhatsAppStatus, recipientCountry, type WhatsAppPrice } from './whatsapp-pricing';
