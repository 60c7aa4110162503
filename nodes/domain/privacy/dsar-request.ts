/**
 * A data-subject request arriving over the DSAR webhook, checked before anything runs: the key
 * (current or previous), the action and the customer. A refusal is an HTTP answer (400, 403, 404) with a
 * message, never a failed execution. Every request goes to the access log, the customer named by the
 * store's keyed hash (the same as an erasure tombstone), so the log keeps no number after an erasure.
 */
import { matchWebhookKey, type KeyMatch, type WebhookKeys } from '../security/webhook-keys';
import type { SupportStore } from '../store/support-store';

export type DsarAction = 'export' | 'erase';

export type DsarCheck =
	| { ok: true; action: DsarAction; customer: string; key: KeyMatch }
	| { ok: false; statusCode: 400 | 403 | 404; error: string };

function field(source: unknown, name: string): string {
	if (!source || typeof source !== 'object' || Array.isArray(source)) return '';
	const value = (source as Record<string, unknown>)[name];
	const first = Array.isArray(value) ? value[0] : value;
	return typeof first === 'string' || typeof first === 'number' ? String(first).trim() : '';
}

export async function checkDsarRequest(
	store: SupportStore,
	input: { headers: Record<string, unknown>; query: unknown; body: unknown; keys: WebhookKeys; sourceIp?: string },
): Promise<DsarCheck> {
	const { match: key, log: keyLog } = matchWebhookKey(input.headers, input.keys);
	const action = field(input.query, 'action') || field(input.body, 'action');
	const customer = field(input.query, 'customer') || field(input.body, 'customer');
	const log = async (outcome: 'ok' | 'denied' | 'failed', detail: Record<string, unknown>) =>
		await store.access.logAccess({
			actor: 'dsar webhook',
			role: 'dsar',
			action: action === 'export' || action === 'erase' ? `dsar_${action}` : 'dsar',
			target: customer ? await store.tombstoneKeyOf(customer) : null,
			outcome,
			sourceIp: input.sourceIp ?? null,
			detail: { ...keyLog, ...detail },
		});
	const refuse = async (statusCode: 400 | 403 | 404, error: string): Promise<DsarCheck> => {
		await log(statusCode === 403 ? 'denied' : 'failed', { status: statusCode });
		return { ok: false, statusCode, error };
	};
	if (!key) return await refuse(403, `Missing or wrong key: send the DSAR key in the ${input.keys.header} header.`);
	if (action !== 'export' && action !== 'erase') return await refuse(400, 'action must be export or erase (?action=export&customer=…).');
	if (!customer || customer.length > 200) {
		return await refuse(400, 'customer must be the customer key: the WhatsApp number in international format without + (e.g. 31612345678), or the user ID.');
	}
	if (action === 'erase') {
		const stored = await store.exportCustomer(customer);
		const erasedBefore = stored.consentEvents.length > 0 && stored.consentEvents.every((event) => event.customerKey !== customer);
		if (!stored.conversations.length && !stored.messages.length && (erasedBefore || !stored.consentEvents.length)) {
			return await refuse(404, erasedBefore ? 'This customer was already erased: only the consent tombstone is left.' : 'Nothing is stored for this customer.');
		}
	}
	await log('ok', {});
	return { ok: true, action, customer, key };
}
