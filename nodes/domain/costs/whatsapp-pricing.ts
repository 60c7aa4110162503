import { countryFromPhoneNumber, countryFromUserId } from './calling-codes';
import { findRate, normalizeCategory, type RateCard } from './rate-card';

/** The `status.pricing` of a WhatsApp status webhook (see whatsapp/webhook.ts). */
export interface PricingInfo {
	pricingModel?: string;
	category?: string;
	type?: string;
	billable?: boolean;
}

export interface StatusForPricing {
	messageId: string;
	status: string;
	recipientId?: string;
	recipientUserId?: string;
	conversation?: { id: string };
	pricing?: PricingInfo;
}

/** Meta charges a template when it is delivered; later statuses repeat the same pricing. */
export const CHARGEABLE_STATUSES = ['delivered', 'read', 'played'];

export type NotRecordedReason = 'no_pricing' | 'not_delivered_yet' | 'failed';

export interface WhatsAppPrice {
	/** Whether this status carries the message's price (a delivered-or-later status with pricing). */
	recordable: boolean;
	/** Why nothing is recorded for this status. */
	reason?: NotRecordedReason;
	/** The unique key the price is recorded under: one charge per message (per conversation under the old CBP). */
	sourceKey: string;
	amount: number;
	currency: string;
	category: string | null;
	pricingType: string | null;
	pricingModel: string | null;
	/** ISO country of the recipient, when known. */
	country: string | null;
	market: string;
	marketName: string;
	free: boolean;
	/** False when the card had no rate for the category (amount 0): update the card. */
	rateFound: boolean;
	rateCardEffectiveFrom: string;
}

/** A free pricing type (free_customer_service, free_entry_point) or a free category costs nothing. */
export function isFreePricing(card: RateCard, pricing: PricingInfo): boolean {
	const type = normalizeCategory(pricing.type);
	if (type.startsWith('free')) return true;
	if (card.freeCategories.includes(normalizeCategory(pricing.category))) return true;
	// `billable` is deprecated, but when it is the only signal, false means free.
	return !type && pricing.billable === false;
}

/** The recipient's country: from the number, else the country prefix of a business-scoped user id. */
export function recipientCountry(status: Pick<StatusForPricing, 'recipientId' | 'recipientUserId'>, fallbackWaId?: string): string | undefined {
	return countryFromPhoneNumber(status.recipientId) ?? countryFromPhoneNumber(fallbackWaId) ?? countryFromUserId(status.recipientUserId);
}

/**
 * The price of the message a status is about. Statuses other than delivered / read / played, and those
 * without pricing, are not recordable: under per-message pricing Meta charges on delivery.
 */
export function priceWhatsAppStatus(status: StatusForPricing, card: RateCard, currency: string, fallbackWaId?: string): WhatsAppPrice {
	const pricing = status.pricing;
	const country = recipientCountry(status, fallbackWaId);
	const category = pricing?.category ? normalizeCategory(pricing.category) : null;
	const pricingModel = pricing?.pricingModel?.toUpperCase() ?? null;
	// Under the old per-conversation model (CBP) one charge covered the whole 24 h conversation.
	const sourceKey = pricingModel === 'CBP' && status.conversation?.id ? `cbp:${status.conversation.id}` : status.messageId;
	const rate = findRate(card, country, category ?? 'service', currency);
	const base = {
		sourceKey,
		currency: currency.toUpperCase(),
		category,
		pricingType: pricing?.type ? normalizeCategory(pricing.type) : null,
		pricingModel,
		country: country ?? null,
		market: rate.market,
		marketName: rate.marketName,
		rateCardEffectiveFrom: card.effectiveFrom,
	};
	if (!pricing) return { ...base, recordable: false, reason: 'no_pricing', amount: 0, free: false, rateFound: true };
	const status_ = status.status.toLowerCase();
	if (status_ === 'failed') return { ...base, recordable: false, reason: 'failed', amount: 0, free: false, rateFound: true };
	if (!CHARGEABLE_STATUSES.includes(status_)) return { ...base, recordable: false, reason: 'not_delivered_yet', amount: 0, free: false, rateFound: true };
	if (isFreePricing(card, pricing)) return { ...base, recordable: true, amount: 0, free: true, rateFound: true };
	return { ...base, recordable: true, amount: rate.amount, free: false, rateFound: rate.found };
}
