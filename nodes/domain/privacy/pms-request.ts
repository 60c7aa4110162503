/**
 * A booking pushed by the PMS for a reminder template, checked before anything is sent: the key
 * (current or previous), the booking's fields, and the guest's consent. A refusal is an HTTP answer
 * (400, 403, 409) with a message, never a failed execution; every call goes to the access log, the guest
 * named by the store's keyed hash.
 */
import { matchWebhookKey, type KeyMatch, type WebhookKeys } from '../security/webhook-keys';
import type { SupportStore } from '../store/support-store';
import { deriveConsent } from './consent';

export interface PmsBooking {
	phone: string;
	name: string;
	language: string;
	arrival: string;
	reference: string;
}

export type PmsCheck = { ok: true; booking: PmsBooking; key: KeyMatch } | { ok: false; statusCode: 400 | 403 | 409; error: string };

const LANGUAGES = new Set(['en', 'nl', 'de', 'fr', 'es']);

function text(source: unknown, name: string): string | undefined {
	if (!source || typeof source !== 'object' || Array.isArray(source)) return undefined;
	const value = (source as Record<string, unknown>)[name];
	return typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : undefined;
}

export async function checkPmsBooking(
	store: SupportStore,
	input: { headers: Record<string, unknown>; body: unknown; keys: WebhookKeys; sourceIp?: string },
): Promise<PmsCheck> {
	const { match: key, log: keyLog } = matchWebhookKey(input.headers, input.keys);
	const body = input.body && typeof input.body === 'object' && !Array.isArray(input.body) ? (input.body as Record<string, unknown>) : undefined;
	const guest = body?.guest;
	const phone = (text(guest, 'phone') ?? '').replace(/[\s().-]/g, '').replace(/^\+/, '').replace(/^00/, '');
	const reference = text(body, 'reference') ?? '';
	const log = async (outcome: 'ok' | 'denied' | 'failed', detail: Record<string, unknown>) =>
		await store.access.logAccess({
			actor: 'pms webhook',
			role: 'pms',
			action: 'pms_booking_reminder',
			target: /^\d{8,15}$/.test(phone) ? await store.tombstoneKeyOf(phone) : null,
			outcome,
			sourceIp: input.sourceIp ?? null,
			detail: { ...keyLog, ...(reference ? { reference: reference.slice(0, 40) } : {}), ...detail },
		});
	const refuse = async (statusCode: 400 | 403 | 409, error: string): Promise<PmsCheck> => {
		await log(statusCode === 403 ? 'denied' : 'failed', { status: statusCode });
		return { ok: false, statusCode, error };
	};
	if (!key) return await refuse(403, `Missing or wrong key: send the PMS key in the ${input.keys.header} header.`);
	if (!body || !guest || typeof guest !== 'object') {
		return await refuse(400, 'The body must be a JSON object like {"guest": {"phone": "31612345678", "name": "Anna", "language": "nl"}, "arrival": "2026-12-04", "reference": "HTL-48213"}.');
	}
	if (!/^\d{8,15}$/.test(phone)) return await refuse(400, '"guest.phone" must be the guest\'s mobile number in international format (country code first, 8 to 15 digits).');
	const name = text(guest, 'name') ?? '';
	if (!name || name.length > 100) return await refuse(400, '"guest.name" must be the guest\'s name (up to 100 characters).');
	const arrival = text(body, 'arrival') ?? '';
	if (!/^\d{4}-\d{2}-\d{2}$/.test(arrival) || Number.isNaN(Date.parse(`${arrival}T00:00:00Z`))) return await refuse(400, '"arrival" must be a date as YYYY-MM-DD.');
	if (!reference || reference.length > 60) return await refuse(400, '"reference" must be the booking reference (up to 60 characters).');
	const language = (text(guest, 'language') ?? 'en').toLowerCase().slice(0, 2);
	if (!LANGUAGES.has(language)) return await refuse(400, '"guest.language" must be one of en, nl, de, fr, es.');
	const consent = deriveConsent(await store.listConsentEvents(phone));
	if (consent.service?.status === 'revoked') return await refuse(409, 'The guest opted out of WhatsApp messages (STOP): no reminder is sent.');
	await log('ok', {});
	return { ok: true, booking: { phone, name, language, arrival, reference }, key };
}
