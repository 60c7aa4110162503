import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';

import { EncryptionKeyError, fieldCodecFor, keyFingerprint, parseKeyList, type FieldCodec } from './field-cipher';
import { runMigrations } from './migrations';
import { createPgliteDriver } from './pglite-driver';
import { createPostgresDriver, type PostgresConnection } from './postgres-driver';
import { SupportStore } from './support-store';

export const DEFAULT_SCHEMA = 'whatsapp_support';

/** The encryption key of personal fields, and older keys still read during a rotation. */
export interface StoreEncryption {
	key?: string;
	olderKeys?: string[];
}

export type StoreConfig =
	| { backend: 'pglite'; dataDir: string; encryption?: StoreEncryption }
	| { backend: 'postgres'; connection: PostgresConnection; schema?: string; encryption?: StoreEncryption };

/**
 * The store's encryption keys: the configuration's (the Postgres credential), else the environment's
 * WHATSAPP_SUPPORT_ENCRYPTION_KEY and WHATSAPP_SUPPORT_ENCRYPTION_KEYS_OLD (comma or newline separated).
 */
export function resolveEncryption(config: StoreConfig, env: NodeJS.ProcessEnv = process.env): Required<StoreEncryption> {
	const key = config.encryption?.key?.trim() || env.WHATSAPP_SUPPORT_ENCRYPTION_KEY?.trim() || '';
	const olderKeys = config.encryption?.olderKeys?.length ? config.encryption.olderKeys : parseKeyList(env.WHATSAPP_SUPPORT_ENCRYPTION_KEYS_OLD);
	return { key, olderKeys: olderKeys.map((older) => older.trim()).filter((older) => older && older !== key) };
}

function fieldsFor(encryption: Required<StoreEncryption>): FieldCodec {
	try {
		return fieldCodecFor(encryption.key, encryption.olderKeys);
	} catch (error) {
		if (error instanceof EncryptionKeyError) throw new StoreConfigurationError(error.message, error.hint);
		throw error;
	}
}

/** A configuration the admin must fix; the message says how. */
export class StoreConfigurationError extends Error {
	constructor(
		message: string,
		readonly hint: string,
	) {
		super(message);
		this.name = 'StoreConfigurationError';
	}
}

/**
 * Where the embedded store keeps its data: WHATSAPP_SUPPORT_STORE_DIR if set, else inside the n8n user
 * folder (N8N_USER_FOLDER, or the home folder, + /.n8n), next to n8n's own data.
 */
export function defaultPgliteDataDir(env: NodeJS.ProcessEnv = process.env): string {
	if (env.WHATSAPP_SUPPORT_STORE_DIR) return env.WHATSAPP_SUPPORT_STORE_DIR;
	const userFolder = env.N8N_USER_FOLDER || homedir();
	return join(userFolder, '.n8n', 'whatsapp-ai-support', 'pglite');
}

export function isQueueMode(env: NodeJS.ProcessEnv = process.env): boolean {
	return (env.EXECUTIONS_MODE ?? '').trim().toLowerCase() === 'queue';
}

/**
 * PGlite lives inside one process. In n8n queue mode several workers run executions, and each would
 * get its own private database: dedupe and handoffs would silently break. Refuse it.
 */
export function assertBackendAllowed(config: StoreConfig, env: NodeJS.ProcessEnv = process.env): void {
	if (config.backend === 'pglite' && isQueueMode(env)) {
		throw new StoreConfigurationError(
			'The embedded support store (PGlite) cannot be used in n8n queue mode',
			"n8n runs in queue mode (EXECUTIONS_MODE=queue), where several processes share the state. Set the node's 'Support Store' to 'PostgreSQL' and select a 'WhatsApp Support Store (Postgres)' credential.",
		);
	}
}

export function validateSchemaName(schema: string): string {
	if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
		throw new StoreConfigurationError(
			`Invalid store schema name "${schema}"`,
			'Use lower-case letters, digits and underscores only, starting with a letter or underscore (e.g. whatsapp_support).',
		);
	}
	return schema;
}

function cacheKey(config: StoreConfig, schema: string): string {
	if (config.backend === 'pglite') return `pglite|${config.dataDir}`;
	const { host, port, database, user, password, ssl } = config.connection;
	const secret = createHash('sha256').update(password ?? '').digest('hex');
	return `postgres|${host}|${port}|${database}|${user}|${JSON.stringify(ssl ?? false)}|${secret}|${schema}`;
}

// Shared through globalThis so that every copy of this module in the process (n8n may load the package
// from more than one path; tests load both sources and dist) uses one PGlite instance per folder:
// two instances on the same folder would corrupt it.
const STORES_KEY = Symbol.for('n8n-nodes-whatsapp-ai-support.openStores');
const openStores: Map<string, Promise<SupportStore>> = ((globalThis as Record<symbol, unknown>)[STORES_KEY] ??=
	new Map<string, Promise<SupportStore>>()) as Map<string, Promise<SupportStore>>;

const FINGERPRINTS_KEY = Symbol.for('n8n-nodes-whatsapp-ai-support.openStoreKeys');
const openFingerprints: Map<string, string> = ((globalThis as Record<symbol, unknown>)[FINGERPRINTS_KEY] ??= new Map<string, string>()) as Map<string, string>;

async function createStore(config: StoreConfig, schema: string, env: NodeJS.ProcessEnv): Promise<SupportStore> {
	const fields = fieldsFor(resolveEncryption(config, env));
	const driver =
		config.backend === 'pglite'
			? await createPgliteDriver(config.dataDir)
			: createPostgresDriver(config.connection, `${schema},public`);
	try {
		if (driver.kind === 'pglite') await driver.query(`SET search_path TO ${schema}, public`);
		await runMigrations(driver, schema);
	} catch (error) {
		await driver.close().catch(() => undefined);
		throw error;
	}
	return new SupportStore(driver, schema, { hmacKey: env.WHATSAPP_SUPPORT_HMAC_KEY?.trim() || undefined, fields });
}

/**
 * Opens (once per process and configuration) a migrated store. Every node of every execution shares
 * the same PGlite instance or Postgres pool.
 */
export async function openSupportStore(
	config: StoreConfig,
	env: NodeJS.ProcessEnv = process.env,
): Promise<SupportStore> {
	assertBackendAllowed(config, env);
	// One PGlite folder holds one store, so its schema is fixed.
	const schema = validateSchemaName((config.backend === 'postgres' && config.schema) || DEFAULT_SCHEMA);
	const encryption = resolveEncryption(config, env);
	const fingerprint = keyFingerprint(encryption.key, encryption.olderKeys);
	// One PGlite folder must have one instance; a Postgres store per key configuration is fine.
	const key = config.backend === 'pglite' ? cacheKey(config, schema) : `${cacheKey(config, schema)}|${fingerprint}`;
	let opening = openStores.get(key);
	if (opening && config.backend === 'pglite' && openFingerprints.get(key) !== fingerprint) {
		throw new StoreConfigurationError(
			'The encryption keys of the embedded support store changed while n8n was running',
			'Restart n8n after changing WHATSAPP_SUPPORT_ENCRYPTION_KEY or WHATSAPP_SUPPORT_ENCRYPTION_KEYS_OLD.',
		);
	}
	if (!opening) {
		openFingerprints.set(key, fingerprint);
		opening = createStore(config, schema, env);
		openStores.set(key, opening);
		// A failed open (server down, bad password) must not be cached: the next execution retries.
		opening.catch(() => {
			openStores.delete(key);
			openFingerprints.delete(key);
		});
	}
	return await opening;
}

/** Closes every store this process opened (tests, shutdown). */
export async function closeAllSupportStores(): Promise<void> {
	const pending = [...openStores.values()];
	openStores.clear();
	openFingerprints.clear();
	await Promise.all(pending.map(async (opening) => await (await opening.catch(() => undefined))?.close()));
}
