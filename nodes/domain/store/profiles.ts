/**
 * Guest profiles: what a guest told us about themselves, per customer (name, language, stated preferences,
 * past booking references). Written by AI Reply's remember tool, corrected by staff, covered by DSAR
 * export / erase and by retention (a profile not updated within the message retention goes).
 */
import type { SqlExecutor } from './driver';
import type { FieldCodec } from './field-cipher';

export interface GuestProfile {
	customerKey: string;
	name?: string;
	language?: string;
	preferences: string[];
	bookings: string[];
	createdAt: string;
	updatedAt: string;
}

export interface GuestProfileUpdate {
	name?: string;
	language?: string;
	/** Added to the list (duplicates, in any case, are ignored). */
	preferences?: string[];
	bookings?: string[];
}

export type GuestProfileField = 'name' | 'language' | 'preferences' | 'bookings';

/** Lists are kept short: the model gets the profile in every prompt. */
export const MAX_PROFILE_ENTRIES = 20;
export const MAX_PROFILE_TEXT = 200;

function clean(value: string | undefined): string | undefined {
	const text = value?.replace(/\s+/g, ' ').trim().slice(0, MAX_PROFILE_TEXT);
	return text ? text : undefined;
}

function mergeList(existing: string[], added: string[] | undefined): string[] {
	const result = [...existing];
	for (const entry of added ?? []) {
		const text = clean(entry);
		if (text && !result.some((each) => each.toLowerCase() === text.toLowerCase())) result.push(text);
	}
	return result.slice(-MAX_PROFILE_ENTRIES);
}

function toProfile(row: Record<string, unknown> | undefined, fields: FieldCodec): GuestProfile | undefined {
	if (!row) return undefined;
	const iso = (value: unknown) => (value instanceof Date ? value.toISOString() : String(value));
	return {
		customerKey: String(row.customer_key),
		...(row.name ? { name: fields.open(row.name) as string } : {}),
		...(row.language ? { language: String(row.language) } : {}),
		preferences: fields.openJson<string[] | null>(row.preferences) ?? [],
		bookings: fields.openJson<string[] | null>(row.bookings) ?? [],
		createdAt: iso(row.created_at),
		updatedAt: iso(row.updated_at),
	};
}

export async function selectGuestProfile(db: SqlExecutor, fields: FieldCodec, customerKey: string, forUpdate = false): Promise<GuestProfile | undefined> {
	const rows = await db.query<Record<string, unknown>>(`SELECT * FROM guest_profiles WHERE customer_key = $1${forUpdate ? ' FOR UPDATE' : ''}`, [customerKey]);
	return toProfile(rows[0], fields);
}

async function writeProfile(db: SqlExecutor, fields: FieldCodec, customerKey: string, profile: Pick<GuestProfile, 'name' | 'language' | 'preferences' | 'bookings'>): Promise<GuestProfile> {
	const rows = await db.query<Record<string, unknown>>(
		`INSERT INTO guest_profiles (customer_key, name, language, preferences, bookings)
			VALUES ($1, $2, $3, $4::jsonb, $5::jsonb)
		ON CONFLICT (customer_key) DO UPDATE SET name = EXCLUDED.name, language = EXCLUDED.language,
			preferences = EXCLUDED.preferences, bookings = EXCLUDED.bookings, updated_at = now()
		RETURNING *`,
		[customerKey, fields.seal(profile.name), profile.language ?? null, fields.sealJson(profile.preferences), fields.sealJson(profile.bookings)],
	);
	return toProfile(rows[0], fields) as GuestProfile;
}

/** Adds what the guest said; the row is locked while it is merged, so two updates never lose each other. */
export async function mergeGuestProfile(db: SqlExecutor, fields: FieldCodec, customerKey: string, update: GuestProfileUpdate): Promise<GuestProfile> {
	await db.query(`INSERT INTO guest_profiles (customer_key) VALUES ($1) ON CONFLICT (customer_key) DO NOTHING`, [customerKey]);
	const current = (await selectGuestProfile(db, fields, customerKey, true)) as GuestProfile;
	return await writeProfile(db, fields, customerKey, {
		name: clean(update.name) ?? current.name,
		language: clean(update.language)?.toLowerCase() ?? current.language,
		preferences: mergeList(current.preferences, update.preferences),
		bookings: mergeList(current.bookings, update.bookings),
	});
}

/**
 * Staff correction of one field: a new value, or null to delete it. For a list, `remove` takes one entry
 * out (any case) and `value` replaces the whole list.
 */
export async function correctGuestProfile(
	db: SqlExecutor,
	fields: FieldCodec,
	customerKey: string,
	field: GuestProfileField,
	change: { value?: string | string[] | null; remove?: string },
): Promise<GuestProfile | undefined> {
	const current = await selectGuestProfile(db, fields, customerKey, true);
	if (!current) return undefined;
	const next = { name: current.name, language: current.language, preferences: current.preferences, bookings: current.bookings };
	if (field === 'name' || field === 'language') {
		next[field] = typeof change.value === 'string' ? clean(change.value) : undefined;
	} else if (change.remove !== undefined) {
		next[field] = current[field].filter((entry) => entry.toLowerCase() !== change.remove?.trim().toLowerCase());
	} else {
		next[field] = mergeList([], Array.isArray(change.value) ? change.value : typeof change.value === 'string' ? [change.value] : []);
	}
	return await writeProfile(db, fields, customerKey, next);
}
