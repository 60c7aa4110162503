import type { ICredentialDataDecryptedObject, IWebhookFunctions } from 'n8n-workflow';

/**
 * Credentials for a trigger's webhook() calls, kept for a few seconds per credential.
 *
 * Outside an execution, n8n resolves `getCredentials()` through a throw-away workflow that takes a V8
 * isolate of its own with n8n's default `vm` expression engine (`credentials-helper.js`): about as much CPU
 * as the webhook's own isolate, on every webhook. Meta sends three webhooks per reply (the message, then
 * `sent` and `delivered`), so this doubled the isolates per answered message (BENCHMARKS.md, issue O).
 *
 * What a changed credential costs, and what it doesn't:
 * - the trigger asks again at once when the kept App Secret does not verify a webhook's signature (a new
 *   App Secret works immediately) and when opening the store with kept connection details fails;
 * - the setup handshake (GET) always asks n8n;
 * - a replaced App Secret, phone number or store password can still be used for at most `WEBHOOK_CREDENTIAL_TTL_MS`.
 *
 * The decrypted values stay in this process's memory only, as n8n's own do while a node runs; they never
 * reach logs or outputs.
 */
export const WEBHOOK_CREDENTIAL_TTL_MS = 30_000;
/** More credentials than any n8n instance uses in its webhook triggers; the oldest is dropped beyond it. */
const MAX_ENTRIES = 200;

interface Entry {
	data: ICredentialDataDecryptedObject;
	fetchedAt: number;
}

// One map per process, shared by every copy of this module (n8n may load the package from more than one path).
const CACHE_KEY = Symbol.for('n8n-nodes-whatsapp-ai-support.webhookCredentials');
const entries: Map<string, Entry> = ((globalThis as Record<symbol, unknown>)[CACHE_KEY] ??= new Map<string, Entry>()) as Map<string, Entry>;

export type WebhookCredentialContext = Pick<IWebhookFunctions, 'getNode' | 'getCredentials'>;

export interface WebhookCredentialOptions {
	/** Ask n8n even when a kept copy is young enough (and keep the new one). */
	fresh?: boolean;
	/** The current time in ms; for tests. */
	now?: () => number;
}

export interface WebhookCredential<T> {
	data: T;
	/** Whether `data` is a kept copy rather than one n8n just decrypted. */
	cached: boolean;
}

/** The key of the credential the node has selected for `type`, or undefined when n8n did not say which. */
function keyOf(context: WebhookCredentialContext, type: string): string | undefined {
	const node = context.getNode();
	const id = node.credentials?.[type]?.id;
	return id ? `${type}|${id}` : undefined;
}

export async function webhookCredentials<T extends object = ICredentialDataDecryptedObject>(
	context: WebhookCredentialContext,
	type: string,
	options: WebhookCredentialOptions = {},
): Promise<WebhookCredential<T>> {
	const now = (options.now ?? Date.now)();
	const key = keyOf(context, type);
	const kept = key ? entries.get(key) : undefined;
	if (kept && !options.fresh && now - kept.fetchedAt < WEBHOOK_CREDENTIAL_TTL_MS && now >= kept.fetchedAt) {
		return { data: kept.data as T, cached: true };
	}
	const data = await context.getCredentials(type);
	if (key) {
		entries.delete(key);
		entries.set(key, { data, fetchedAt: now });
		while (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
	}
	return { data: data as T, cached: false };
}

/** Drops every kept credential (tests; a credential known to be replaced). */
export function forgetWebhookCredentials(): void {
	entries.clear();
}
