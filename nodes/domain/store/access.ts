/**
 * Dashboard users, sessions, login throttling and the access log (migration 8). Reached as
 * `store.access`; the SQL stays here. Passwords, session tokens and TOTP codes are checked by the
 * callers (nodes/domain/security): this module only keeps hashes and never sees a raw session token.
 */
import type { SqlExecutor } from './driver';

export type DashboardRole = 'admin' | 'agent' | 'analyst';

export const DASHBOARD_ROLES: DashboardRole[] = ['admin', 'agent', 'analyst'];

export interface DashboardUser {
	username: string;
	role: DashboardRole;
	passwordHash: string;
	source: 'dashboard' | 'credential';
	disabled: boolean;
	totpSecret: string | null;
	totpPendingSecret: string | null;
	totpLastStep: number | null;
	createdBy: string | null;
	createdAt: string;
	updatedAt: string;
}

export interface DashboardSession {
	tokenHash: string;
	username: string;
	role: DashboardRole;
	expiresAt: string;
	totpEnabled: boolean;
}

export interface AccessLogEntry {
	id: number;
	at: string;
	actor: string | null;
	role: string | null;
	action: string;
	target: string | null;
	outcome: string;
	sourceIp: string | null;
	detail: Record<string, unknown> | null;
}

export interface AccessLogInput {
	actor?: string | null;
	role?: string | null;
	action: string;
	target?: string | null;
	outcome?: 'ok' | 'denied' | 'failed' | 'locked';
	sourceIp?: string | null;
	detail?: Record<string, unknown>;
	at?: Date;
}

export interface ThrottlePolicy {
	/** Failures within `windowMinutes` that lock the account or address. */
	maxFailures: number;
	windowMinutes: number;
	lockMinutes: number;
}

export const DEFAULT_THROTTLE: ThrottlePolicy = { maxFailures: 5, windowMinutes: 15, lockMinutes: 15 };

/** How long access log rows are kept. */
export const ACCESS_LOG_RETENTION_DAYS = 90;

function iso(value: unknown): string {
	return value instanceof Date ? value.toISOString() : String(value);
}

function toUser(row: Record<string, unknown>): DashboardUser {
	return {
		username: String(row.username),
		role: row.role as DashboardRole,
		passwordHash: String(row.password_hash),
		source: row.source as DashboardUser['source'],
		disabled: row.disabled === true,
		totpSecret: (row.totp_secret as string | null) ?? null,
		totpPendingSecret: (row.totp_pending_secret as string | null) ?? null,
		totpLastStep: row.totp_last_step === null || row.totp_last_step === undefined ? null : Number(row.totp_last_step),
		createdBy: (row.created_by as string | null) ?? null,
		createdAt: iso(row.created_at),
		updatedAt: iso(row.updated_at),
	};
}

export class DashboardAccess {
	constructor(private readonly db: SqlExecutor) {}

	async getUser(username: string): Promise<DashboardUser | undefined> {
		const rows = await this.db.query<Record<string, unknown>>('SELECT * FROM dashboard_users WHERE username = $1', [username.toLowerCase()]);
		return rows[0] ? toUser(rows[0]) : undefined;
	}

	async listUsers(): Promise<DashboardUser[]> {
		return (await this.db.query<Record<string, unknown>>('SELECT * FROM dashboard_users ORDER BY username')).map(toUser);
	}

	async countActiveAdmins(): Promise<number> {
		const rows = await this.db.query<{ count: number }>(`SELECT count(*)::int AS count FROM dashboard_users WHERE role = 'admin' AND NOT disabled`);
		return Number(rows[0].count);
	}

	/** Creates a user; false when the name is taken. */
	async createUser(input: { username: string; role: DashboardRole; passwordHash: string; source?: DashboardUser['source']; createdBy?: string }): Promise<boolean> {
		const rows = await this.db.query(
			`INSERT INTO dashboard_users (username, role, password_hash, source, created_by) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (username) DO NOTHING RETURNING username`,
			[input.username.toLowerCase(), input.role, input.passwordHash, input.source ?? 'dashboard', input.createdBy ?? null],
		);
		return rows.length === 1;
	}

	/**
	 * The first admin, from the dashboard credential: created once, and its password follows the
	 * credential (a changed credential password replaces the stored hash). Other users are untouched.
	 */
	async ensureCredentialAdmin(username: string, passwordMatches: (hash: string) => Promise<boolean>, newHash: () => Promise<string>): Promise<void> {
		const existing = await this.getUser(username);
		if (!existing) {
			await this.createUser({ username, role: 'admin', passwordHash: await newHash(), source: 'credential', createdBy: 'credential' });
			return;
		}
		if (existing.source === 'credential' && !(await passwordMatches(existing.passwordHash))) {
			await this.db.query(`UPDATE dashboard_users SET password_hash = $2, updated_at = now() WHERE username = $1 AND source = 'credential'`, [existing.username, await newHash()]);
		}
	}

	async updateUser(username: string, changes: { role?: DashboardRole; disabled?: boolean; passwordHash?: string }): Promise<boolean> {
		const rows = await this.db.query(
			`UPDATE dashboard_users SET role = coalesce($2, role), disabled = coalesce($3, disabled), password_hash = coalesce($4, password_hash), updated_at = now()
			WHERE username = $1 RETURNING username`,
			[username.toLowerCase(), changes.role ?? null, changes.disabled ?? null, changes.passwordHash ?? null],
		);
		if (rows.length && (changes.disabled || changes.passwordHash || changes.role)) await this.deleteSessionsOf(username);
		return rows.length === 1;
	}

	/** Deletes a user, refusing to remove the last active admin (in the same statement). */
	async deleteUser(username: string): Promise<'deleted' | 'not_found' | 'last_admin'> {
		const rows = await this.db.query<{ username: string }>(
			`DELETE FROM dashboard_users u WHERE u.username = $1
				AND (u.role <> 'admin' OR u.disabled OR (SELECT count(*) FROM dashboard_users a WHERE a.role = 'admin' AND NOT a.disabled) > 1)
			RETURNING username`,
			[username.toLowerCase()],
		);
		if (rows.length) return 'deleted';
		return (await this.getUser(username)) ? 'last_admin' : 'not_found';
	}

	async setTotpPending(username: string, secret: string | null): Promise<void> {
		await this.db.query('UPDATE dashboard_users SET totp_pending_secret = $2, updated_at = now() WHERE username = $1', [username.toLowerCase(), secret]);
	}

	/** Turns the pending secret into the active one (or clears both with `null`). */
	async setTotpSecret(username: string, secret: string | null, step: number | null): Promise<void> {
		await this.db.query('UPDATE dashboard_users SET totp_secret = $2, totp_pending_secret = NULL, totp_last_step = $3, updated_at = now() WHERE username = $1', [
			username.toLowerCase(),
			secret,
			step,
		]);
	}

	/**
	 * Records the time step of an accepted TOTP code. Conditional, so the same code (or an older one)
	 * cannot be used twice, even by two concurrent logins.
	 */
	async useTotpStep(username: string, step: number): Promise<boolean> {
		const rows = await this.db.query(
			'UPDATE dashboard_users SET totp_last_step = $2 WHERE username = $1 AND (totp_last_step IS NULL OR totp_last_step < $2) RETURNING username',
			[username.toLowerCase(), step],
		);
		return rows.length === 1;
	}

	// Sessions ----------------------------------------------------------------------------------

	async createSession(input: { tokenHash: string; formTokenHash: string; username: string; expiresAt: Date; sourceIp?: string | null }): Promise<void> {
		await this.db.query('INSERT INTO dashboard_sessions (token_hash, form_token_hash, username, expires_at, source_ip) VALUES ($1, $2, $3, $4, $5)', [
			input.tokenHash,
			input.formTokenHash,
			input.username.toLowerCase(),
			input.expiresAt,
			input.sourceIp ?? null,
		]);
	}

	/**
	 * The live session of a cookie token hash or a form token hash, with its user's current role;
	 * disabled users have none.
	 */
	async getSession(by: { tokenHash: string } | { formTokenHash: string }, now: Date = new Date()): Promise<DashboardSession | undefined> {
		const column = 'tokenHash' in by ? 's.token_hash' : 's.form_token_hash';
		const rows = await this.db.query<Record<string, unknown>>(
			`SELECT s.token_hash, s.username, u.role, s.expires_at, u.totp_secret IS NOT NULL AS totp_enabled
			FROM dashboard_sessions s JOIN dashboard_users u ON u.username = s.username
			WHERE ${column} = $1 AND s.expires_at > $2 AND NOT u.disabled`,
			['tokenHash' in by ? by.tokenHash : by.formTokenHash, now],
		);
		const row = rows[0];
		return row
			? { tokenHash: String(row.token_hash), username: String(row.username), role: row.role as DashboardRole, expiresAt: iso(row.expires_at), totpEnabled: row.totp_enabled === true }
			: undefined;
	}

	async deleteSession(tokenHash: string): Promise<void> {
		await this.db.query('DELETE FROM dashboard_sessions WHERE token_hash = $1', [tokenHash]);
	}

	async deleteSessionsOf(username: string): Promise<void> {
		await this.db.query('DELETE FROM dashboard_sessions WHERE username = $1', [username.toLowerCase()]);
	}

	// Login throttle ----------------------------------------------------------------------------

	/** The time until which the account or address is locked, if it is. */
	async lockedUntil(keys: Array<{ kind: 'user' | 'ip'; subject: string }>, now: Date = new Date()): Promise<Date | undefined> {
		if (!keys.length) return undefined;
		const rows = await this.db.query<{ locked_until: Date | string }>(
			`SELECT max(locked_until) AS locked_until FROM dashboard_login_throttle
			WHERE (kind, subject) IN (SELECT * FROM unnest($1::text[], $2::text[])) AND locked_until > $3`,
			[keys.map((key) => key.kind), keys.map((key) => key.subject), now],
		);
		const until = rows[0]?.locked_until;
		return until ? new Date(until) : undefined;
	}

	/**
	 * Counts one failed login against each key in one statement per key (an upsert, so concurrent
	 * attempts all count); returns the latest lock it set, if any.
	 */
	async recordLoginFailure(keys: Array<{ kind: 'user' | 'ip'; subject: string }>, policy: ThrottlePolicy = DEFAULT_THROTTLE, now: Date = new Date()): Promise<Date | undefined> {
		let locked: Date | undefined;
		for (const key of keys) {
			const rows = await this.db.query<{ locked_until: Date | string | null }>(
				`INSERT INTO dashboard_login_throttle AS t (kind, subject, failures, window_started_at, locked_until)
				VALUES ($1, $2, 1, $3, CASE WHEN $4::int <= 1 THEN $3::timestamptz + make_interval(mins => $6::int) END)
				ON CONFLICT (kind, subject) DO UPDATE SET
					failures = CASE WHEN t.window_started_at <= $3::timestamptz - make_interval(mins => $5::int) THEN 1 ELSE t.failures + 1 END,
					window_started_at = CASE WHEN t.window_started_at <= $3::timestamptz - make_interval(mins => $5::int) THEN $3 ELSE t.window_started_at END,
					locked_until = CASE
						WHEN (CASE WHEN t.window_started_at <= $3::timestamptz - make_interval(mins => $5::int) THEN 1 ELSE t.failures + 1 END) >= $4::int
						THEN $3::timestamptz + make_interval(mins => $6::int)
						ELSE t.locked_until END
				RETURNING locked_until`,
				[key.kind, key.subject, now, policy.maxFailures, policy.windowMinutes, policy.lockMinutes],
			);
			const until = rows[0]?.locked_until ? new Date(rows[0].locked_until) : undefined;
			if (until && until > now && (!locked || until > locked)) locked = until;
		}
		return locked;
	}

	async clearLoginFailures(kind: 'user' | 'ip', subject: string): Promise<void> {
		await this.db.query('DELETE FROM dashboard_login_throttle WHERE kind = $1 AND subject = $2', [kind, subject]);
	}

	// Access log ----------------------------------------------------------------------------------

	async logAccess(entry: AccessLogInput): Promise<void> {
		await this.db.query(
			`INSERT INTO access_log (at, actor, role, action, target, outcome, source_ip, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)`,
			[
				entry.at ?? new Date(),
				entry.actor ?? null,
				entry.role ?? null,
				entry.action,
				entry.target ?? null,
				entry.outcome ?? 'ok',
				entry.sourceIp ?? null,
				entry.detail === undefined ? null : JSON.stringify(entry.detail),
			],
		);
	}

	async listAccessLog(options: { limit?: number; actor?: string; action?: string } = {}): Promise<AccessLogEntry[]> {
		const rows = await this.db.query<Record<string, unknown>>(
			`SELECT * FROM access_log WHERE ($1::text IS NULL OR actor = $1) AND ($2::text IS NULL OR action = $2) ORDER BY at DESC, id DESC LIMIT $3`,
			[options.actor ?? null, options.action ?? null, Math.min(Math.max(options.limit ?? 200, 1), 5000)],
		);
		return rows.map((row) => ({
			id: Number(row.id),
			at: iso(row.at),
			actor: (row.actor as string | null) ?? null,
			role: (row.role as string | null) ?? null,
			action: String(row.action),
			target: (row.target as string | null) ?? null,
			outcome: String(row.outcome),
			sourceIp: (row.source_ip as string | null) ?? null,
			detail: (row.detail as Record<string, unknown> | null) ?? null,
		}));
	}

	/** Removes access log rows older than the retention, expired sessions and stale throttle rows. */
	async purge(options: { accessLogDays?: number; now?: Date } = {}): Promise<{ accessLog: number; sessions: number }> {
		const now = options.now ?? new Date();
		const before = new Date(now.getTime() - (options.accessLogDays ?? ACCESS_LOG_RETENTION_DAYS) * 86_400_000);
		const accessLog = (await this.db.query('DELETE FROM access_log WHERE at < $1 RETURNING id', [before])).length;
		const sessions = (await this.db.query('DELETE FROM dashboard_sessions WHERE expires_at <= $1 RETURNING token_hash', [now])).length;
		await this.db.query(`DELETE FROM dashboard_login_throttle WHERE coalesce(locked_until, window_started_at) < $1::timestamptz - interval '1 day'`, [now]);
		return { accessLog, sessions };
	}
}
