/**
 * Keeps PII restore maps in this process's memory only, keyed per execution and message, so a later node
 * of the same execution can put the customer's own data back into a reply. Nothing is written to the
 * item (which n8n saves with the execution). Entries expire after a few minutes.
 */
const VAULT_KEY = Symbol.for('n8n-nodes-whatsapp-ai-support.restoreVault');
const TTL_MS = 15 * 60_000;

type Vault = Map<string, { map: Record<string, string>; expires: number }>;

function vault(): Vault {
	return ((globalThis as Record<symbol, unknown>)[VAULT_KEY] ??= new Map()) as Vault;
}

function sweep(now: number): void {
	for (const [key, entry] of vault()) if (entry.expires <= now) vault().delete(key);
}

export function rememberRestoreMap(key: string, map: Record<string, string>, now = Date.now()): void {
	sweep(now);
	if (Object.keys(map).length > 0) vault().set(key, { map, expires: now + TTL_MS });
}

export function recallRestoreMap(key: string, now = Date.now()): Record<string, string> | undefined {
	const entry = vault().get(key);
	return entry && entry.expires > now ? entry.map : undefined;
}

export function restoreVaultKey(executionId: string | undefined, messageId: string | undefined): string {
	return `${executionId ?? 'no-execution'}:${messageId ?? 'no-message'}`;
}
