/**
 * Key rotation: re-encrypts every personal field not yet sealed with the current key (rows sealed with an
 * older key, and plain rows written before a key was set), in batches. Each batch is one transaction that
 * locks its rows, so live writes are never lost. It can stop at any point (a run limit, a crash, a restart):
 * a new run selects only the rows still to do, so it simply goes on where the last one stopped.
 */
import type { SqlDriver, SqlExecutor } from './driver';
import { nameWords, numberDigits, type FieldCodec } from './field-cipher';

interface EncryptedTable {
	table: string;
	/** The primary key, and its SQL type (for the batches' keyset pagination). */
	key: string;
	keyType: 'bigint' | 'text';
	text: string[];
	json: string[];
	/** Columns worked out from the opened values (the keyed hashes of a conversation). */
	derived?: (open: Record<string, string | null>, fields: FieldCodec) => Record<string, unknown>;
}

/** Every table with encrypted fields; the same list as the README's "Encryption at rest" table. */
export const ENCRYPTED_TABLES: EncryptedTable[] = [
	{ table: 'messages', key: 'id', keyType: 'bigint', text: ['text'], json: ['payload'] },
	{
		table: 'conversations',
		key: 'id',
		keyType: 'text',
		text: ['customer_name', 'wa_id'],
		json: [],
		derived: (open, fields) => ({
			wa_id_hmac: fields.lookupHash(numberDigits(open.wa_id) || null),
			customer_name_hmacs: open.customer_name ? nameWords(open.customer_name).map((word) => fields.lookupHash(word)) : null,
		}),
	},
	{ table: 'handoffs', key: 'id', keyType: 'bigint', text: ['summary'], json: ['context'] },
	{ table: 'conversation_forms', key: 'conversation_id', keyType: 'text', text: [], json: ['field_values'] },
	{ table: 'guest_profiles', key: 'customer_key', keyType: 'text', text: ['name'], json: ['preferences', 'bookings'] },
	{ table: 'surveys', key: 'id', keyType: 'bigint', text: ['comment'], json: [] },
];

export interface KeyRotationOptions {
	/** Rows per transaction. */
	batchSize?: number;
	/** Stop after this many batches (0: until done); a later run goes on. */
	maxBatches?: number;
}

export interface KeyRotationResult {
	/** The id of the key every row is sealed with once `done`. */
	keyId: string;
	/** Rows re-encrypted by this run, per table. */
	rotated: Record<string, number>;
	batches: number;
	/** Rows still to re-encrypt (0 when done). */
	remaining: number;
	done: boolean;
}

/** SQL: the rows of a table holding a value not sealed with `keyId`. */
function staleCondition(spec: EncryptedTable, keyId: string): string {
	const current = `'enc:v1:${keyId}:%'`;
	const text = spec.text.map((column) => `(${column} IS NOT NULL AND ${column} NOT LIKE ${current})`);
	const json = spec.json.map((column) => `(${column} IS NOT NULL AND coalesce(${column}->>'$enc', '') NOT LIKE ${current})`);
	return [...text, ...json].join(' OR ');
}

async function countStale(db: SqlExecutor, keyId: string): Promise<number> {
	let total = 0;
	for (const spec of ENCRYPTED_TABLES) {
		const rows = await db.query<{ count: number | string }>(`SELECT count(*)::int AS count FROM ${spec.table} WHERE ${staleCondition(spec, keyId)}`);
		total += Number(rows[0].count);
	}
	return total;
}

async function rotateBatch(
	tx: SqlExecutor,
	spec: EncryptedTable,
	fields: FieldCodec & { keyId: string },
	batchSize: number,
	after: unknown,
): Promise<{ count: number; last: unknown }> {
	const columns = [spec.key, ...spec.text, ...spec.json];
	// Keyset pagination on the primary key: each batch starts where the last one ended, so a large table is
	// read once per run, not once per batch. SKIP LOCKED: a row a live write holds is left for the next run
	// (`remaining` counts it) rather than waited for.
	const rows = await tx.query<Record<string, unknown>>(
		`SELECT ${columns.join(', ')} FROM ${spec.table}
		WHERE ($2::text IS NULL OR ${spec.key} > $2::${spec.keyType}) AND (${staleCondition(spec, fields.keyId)})
		ORDER BY ${spec.key} LIMIT $1 FOR UPDATE SKIP LOCKED`,
		[batchSize, after === undefined ? null : String(after)],
	);
	for (const row of rows) {
		const open: Record<string, string | null> = {};
		const values: Record<string, unknown> = {};
		for (const column of spec.text) {
			open[column] = fields.open(row[column]);
			values[column] = fields.seal(open[column]);
		}
		for (const column of spec.json) values[column] = row[column] === null ? null : fields.sealJson(fields.openJson(row[column]));
		Object.assign(values, spec.derived?.(open, fields));
		const names = Object.keys(values);
		const casts: Record<string, string> = { customer_name_hmacs: '::text[]' };
		const assignments = names.map((name, index) => `${name} = $${index + 2}${spec.json.includes(name) ? '::jsonb' : (casts[name] ?? '')}`);
		await tx.query(`UPDATE ${spec.table} SET ${assignments.join(', ')} WHERE ${spec.key} = $1`, [row[spec.key], ...names.map((name) => values[name])]);
	}
	return { count: rows.length, last: rows.length ? rows[rows.length - 1][spec.key] : after };
}

/** Re-encrypts, in batches, every field not sealed with the current key. Needs a store with a key. */
export async function rotateEncryptionKey(driver: SqlDriver, fields: FieldCodec, options: KeyRotationOptions = {}): Promise<KeyRotationResult> {
	if (!fields.encrypting || !fields.keyId) throw new Error('The support store has no encryption key to rotate to');
	const cipher = fields as FieldCodec & { keyId: string };
	const batchSize = Math.max(1, Math.min(options.batchSize ?? 500, 10_000));
	const maxBatches = Math.max(0, options.maxBatches ?? 0);
	const rotated: Record<string, number> = Object.fromEntries(ENCRYPTED_TABLES.map((spec) => [spec.table, 0]));
	let batches = 0;
	for (const spec of ENCRYPTED_TABLES) {
		let after: unknown;
		for (;;) {
			if (maxBatches && batches >= maxBatches) {
				const remaining = await countStale(driver, cipher.keyId);
				return { keyId: cipher.keyId, rotated, batches, remaining, done: remaining === 0 };
			}
			const batch = await driver.transaction(async (tx) => await rotateBatch(tx, spec, cipher, batchSize, after));
			if (batch.count === 0) break;
			batches++;
			rotated[spec.table] += batch.count;
			after = batch.last;
			if (batch.count < batchSize) break;
		}
	}
	const remaining = await countStale(driver, cipher.keyId);
	return { keyId: cipher.keyId, rotated, batches, remaining, done: remaining === 0 };
}
