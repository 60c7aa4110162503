import type { SqlDriver, SqlExecutor } from './driver';

export interface Migration {
	version: number;
	name: string;
	sql: string;
}

/**
 * Versioned, forward-only migrations. Never edit one that has shipped: add a new version instead.
 * Tables live in the store's own schema (search_path), so a shared database stays tidy.
 */
export const migrations: Migration[] = [
	{
		version: 1,
		name: 'initial support store',
		sql: `
CREATE TABLE conversations (
	id text PRIMARY KEY,
	channel text NOT NULL,
	phone_number_id text NOT NULL,
	customer_key text NOT NULL,
	wa_id text,
	user_id text,
	customer_name text,
	state text NOT NULL DEFAULT 'bot' CHECK (state IN ('bot', 'human')),
	last_inbound_at timestamptz,
	entry_point_at timestamptz,
	referral jsonb,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX conversations_customer_key ON conversations (customer_key);
CREATE INDEX conversations_updated_at ON conversations (updated_at);

CREATE TABLE messages (
	id bigserial PRIMARY KEY,
	conversation_id text NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
	wa_message_id text UNIQUE,
	direction text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
	author text NOT NULL CHECK (author IN ('customer', 'bot', 'agent', 'system')),
	type text NOT NULL,
	text text,
	payload jsonb,
	status text,
	status_at timestamptz,
	callback_data text,
	sent_at timestamptz NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX messages_conversation_sent_at ON messages (conversation_id, sent_at);
CREATE INDEX messages_created_at ON messages (created_at);

CREATE TABLE processed_events (
	event_key text PRIMARY KEY,
	kind text NOT NULL,
	processed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX processed_events_processed_at ON processed_events (processed_at);

CREATE TABLE consent_events (
	id bigserial PRIMARY KEY,
	customer_key text NOT NULL,
	conversation_id text,
	scope text NOT NULL,
	action text NOT NULL CHECK (action IN ('opt_in', 'opt_out', 'erased')),
	source text NOT NULL,
	evidence jsonb,
	occurred_at timestamptz NOT NULL DEFAULT now(),
	recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX consent_events_customer ON consent_events (customer_key, occurred_at);

-- The consent log is append-only. Rows can only be deleted by a data-subject erasure, which
-- sets whatsapp_support.consent_erasure = 'on' for its own transaction and leaves a tombstone.
CREATE FUNCTION consent_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' AND coalesce(current_setting('whatsapp_support.consent_erasure', true), '') = 'on' THEN
		RETURN OLD;
	END IF;
	RAISE EXCEPTION 'consent_events is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER consent_events_append_only BEFORE UPDATE OR DELETE ON consent_events
	FOR EACH ROW EXECUTE FUNCTION consent_events_append_only();
CREATE TRIGGER consent_events_no_truncate BEFORE TRUNCATE ON consent_events
	FOR EACH STATEMENT EXECUTE FUNCTION consent_events_append_only();

CREATE TABLE handoffs (
	id bigserial PRIMARY KEY,
	conversation_id text NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
	status text NOT NULL CHECK (status IN ('open', 'released')),
	reason text,
	summary text,
	context jsonb,
	opened_at timestamptz NOT NULL DEFAULT now(),
	last_activity_at timestamptz NOT NULL DEFAULT now(),
	released_at timestamptz,
	released_by text
);
-- At most one open handoff per conversation: concurrent hand-offs collapse into one row.
CREATE UNIQUE INDEX handoffs_one_open ON handoffs (conversation_id) WHERE status = 'open';

CREATE TABLE costs (
	id bigserial PRIMARY KEY,
	conversation_id text REFERENCES conversations (id) ON DELETE SET NULL,
	kind text NOT NULL CHECK (kind IN ('whatsapp', 'llm')),
	source_key text NOT NULL,
	category text,
	pricing_type text,
	country text,
	model text,
	input_tokens integer,
	output_tokens integer,
	amount numeric(14, 6) NOT NULL,
	currency text NOT NULL,
	details jsonb,
	occurred_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (kind, source_key)
);
CREATE INDEX costs_conversation ON costs (conversation_id);
CREATE INDEX costs_occurred_at ON costs (occurred_at);
`,
	},
	{
		version: 2,
		name: 'unanswered streak per conversation',
		sql: `ALTER TABLE conversations ADD COLUMN unanswered_streak integer NOT NULL DEFAULT 0;`,
	},
	{
		version: 3,
		name: 'turns: what the pipeline made of each customer message (for metrics)',
		// Written by the Cost Logger at the end of the pipeline: the intent, route and reply of a customer
		// message, and which workflow / assistant handled it. Messages cannot hold it (retention may blank
		// their payload while analytics are kept longer).
		sql: `
CREATE TABLE turns (
	id bigserial PRIMARY KEY,
	conversation_id text NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
	message_id text NOT NULL,
	asked_at timestamptz NOT NULL,
	workflow_id text,
	workflow_name text,
	assistant text,
	intent text,
	confidence real,
	route text,
	reply_source text,
	answered boolean,
	human boolean,
	language text,
	sentiment text,
	tool_calls jsonb,
	details jsonb,
	recorded_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (conversation_id, message_id)
);
CREATE INDEX turns_asked_at ON turns (asked_at);
CREATE INDEX turns_assistant ON turns (assistant);
`,
	},
	{
		version: 4,
		name: 'delivery leases: which execution answers an inbound message',
		// The trigger stores a message before n8n has created the execution that answers it. The lease token
		// travels in the item; the first pack node of the execution confirms it. A redelivery of a message
		// whose lease was never confirmed (n8n failed to create or queue the execution) takes the lease over,
		// and a run holding an outdated token stops at that node: exactly one execution goes on.
		sql: `
ALTER TABLE processed_events ADD COLUMN lease_token text;
ALTER TABLE processed_events ADD COLUMN lease_started_at timestamptz;
ALTER TABLE processed_events ADD COLUMN confirmed_at timestamptz;
ALTER TABLE processed_events ADD COLUMN lease_takeovers integer NOT NULL DEFAULT 0;
`,
	},
	{
		version: 5,
		name: 'small talk: last known language, captionless media in a row, reactions on messages',
		// The language of short messages ("ok", "👍") cannot be told from them: the last one that could be told
		// is kept. A second voice note or photo without caption in a row goes to a person. A reaction is kept
		// on the message it reacts to.
		sql: `
ALTER TABLE conversations ADD COLUMN language text;
ALTER TABLE conversations ADD COLUMN media_without_text_streak integer NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN reaction text;
ALTER TABLE messages ADD COLUMN reacted_at timestamptz;
`,
	},
	{
		version: 6,
		name: 'conversation forms: the one active Conversation Form per conversation',
		// At most one active form per conversation (the primary key). Writers compare `version` (optimistic
		// concurrency): of two messages processed at the same moment, one wins and the other re-reads and
		// re-applies, so the row always reflects both. A finished form (complete, cancelled, handoff) is deleted.
		sql: `
CREATE TABLE conversation_forms (
	conversation_id text PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
	form_name text NOT NULL,
	status text NOT NULL CHECK (status IN ('asking', 'confirming')),
	field_values jsonb NOT NULL DEFAULT '{}'::jsonb,
	value_sources jsonb NOT NULL DEFAULT '{}'::jsonb,
	attempts jsonb NOT NULL DEFAULT '{}'::jsonb,
	asked_field text,
	resume_pending boolean NOT NULL DEFAULT false,
	partial_range jsonb,
	language text NOT NULL,
	started_at timestamptz NOT NULL,
	last_active_at timestamptz NOT NULL,
	expires_at timestamptz NOT NULL,
	version integer NOT NULL DEFAULT 1
);
CREATE INDEX conversation_forms_expires_at ON conversation_forms (expires_at);
`,
	},
	{
		version: 7,
		name: 'guest profiles: name, language, stated preferences and booking references per customer',
		// Keyed on the customer, not the conversation: a guest keeps one profile across channels' threads.
		sql: `
CREATE TABLE guest_profiles (
	customer_key text PRIMARY KEY,
	name text,
	language text,
	preferences jsonb NOT NULL DEFAULT '[]'::jsonb,
	bookings jsonb NOT NULL DEFAULT '[]'::jsonb,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX guest_profiles_updated_at ON guest_profiles (updated_at);
`,
	},
	{
		// 5, 6 and 7 belong to other changes; the runner applies every missing version, in order.
		version: 8,
		name: 'dashboard users, sessions, login throttle, access log, store secrets',
		sql: `
CREATE TABLE dashboard_users (
	username text PRIMARY KEY CHECK (username = lower(username) AND length(username) BETWEEN 1 AND 64),
	role text NOT NULL CHECK (role IN ('admin', 'agent', 'analyst')),
	password_hash text NOT NULL,
	source text NOT NULL DEFAULT 'dashboard' CHECK (source IN ('dashboard', 'credential')),
	disabled boolean NOT NULL DEFAULT false,
	totp_secret text,
	totp_pending_secret text,
	totp_last_step bigint,
	created_by text,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now()
);

-- Only SHA-256 hashes of a session's token (the cookie) and of its form token (CSRF) are kept.
CREATE TABLE dashboard_sessions (
	token_hash text PRIMARY KEY,
	form_token_hash text NOT NULL UNIQUE,
	username text NOT NULL REFERENCES dashboard_users (username) ON DELETE CASCADE,
	created_at timestamptz NOT NULL DEFAULT now(),
	expires_at timestamptz NOT NULL,
	source_ip text
);
CREATE INDEX dashboard_sessions_user ON dashboard_sessions (username);

-- Failed logins per account ('user') and per source address ('ip') in a sliding window.
CREATE TABLE dashboard_login_throttle (
	kind text NOT NULL CHECK (kind IN ('user', 'ip')),
	subject text NOT NULL,
	failures integer NOT NULL DEFAULT 0,
	window_started_at timestamptz NOT NULL,
	locked_until timestamptz,
	PRIMARY KEY (kind, subject)
);

CREATE TABLE access_log (
	id bigserial PRIMARY KEY,
	at timestamptz NOT NULL DEFAULT now(),
	actor text,
	role text,
	action text NOT NULL,
	target text,
	outcome text NOT NULL DEFAULT 'ok',
	source_ip text,
	detail jsonb
);
CREATE INDEX access_log_at ON access_log (at);
CREATE INDEX access_log_actor ON access_log (actor, at);

-- Secrets the store makes for itself when none is configured (the erasure tombstone's HMAC key).
CREATE TABLE store_secrets (
	name text PRIMARY KEY,
	secret text NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now()
);
`,
	},
	{
		version: 9,
		name: 'internal recipients and satisfaction surveys',
		// Conversations with staff (the duty manager who gets handoff alerts, agents) are marked `internal_role`
		// and kept out of customer metrics. A survey is sent at most once per conversation end (the unique key);
		// the once-per-N-days rule per guest is checked under a per-guest advisory lock when one is claimed.
		sql: `
ALTER TABLE conversations ADD COLUMN internal_role text;

CREATE TABLE surveys (
	id bigserial PRIMARY KEY,
	conversation_id text NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
	customer_key text NOT NULL,
	kind text NOT NULL CHECK (kind IN ('csat', 'nps')),
	reason text NOT NULL CHECK (reason IN ('bot_idle', 'handoff_released')),
	route text NOT NULL CHECK (route IN ('bot', 'person')),
	intent text,
	language text NOT NULL,
	conversation_started_at timestamptz,
	conversation_ended_at timestamptz NOT NULL,
	sent_at timestamptz NOT NULL,
	wa_message_id text,
	status text NOT NULL DEFAULT 'sent' CHECK (status IN ('sent', 'answered', 'follow_up', 'commented')),
	score integer CHECK (score BETWEEN 0 AND 10),
	answered_at timestamptz,
	follow_up_asked_at timestamptz,
	comment text,
	commented_at timestamptz,
	UNIQUE (conversation_id, conversation_ended_at)
);
CREATE INDEX surveys_customer_sent_at ON surveys (customer_key, sent_at);
CREATE INDEX surveys_sent_at ON surveys (sent_at);
`,
	},
	{
		version: 10,
		name: 'encryption at rest: keyed hashes to find a customer by number or name',
		// With an encryption key, wa_id and customer_name hold ciphertext. A customer is still found by an HMAC of
		// the number's digits, and a name search by the HMACs of its lower-case words (see field-cipher.ts).
		sql: `
ALTER TABLE conversations ADD COLUMN wa_id_hmac text;
ALTER TABLE conversations ADD COLUMN customer_name_hmacs text[];
CREATE INDEX conversations_wa_id_hmac ON conversations (wa_id_hmac);
CREATE INDEX conversations_customer_name_hmacs ON conversations USING gin (customer_name_hmacs);
`,
	},
	{
		version: 11,
		name: 'chat bots for the dashboard test chat',
		// A Web Chat Trigger registers itself here when its workflow is published (and marks itself inactive when
		// unpublished), so the Chats dashboard can list the bots a user may test. `test_secret` signs the
		// dashboard's test-chat tokens: only what can read this store can start a test chat.
		sql: `
CREATE TABLE chat_bots (
	id text PRIMARY KEY,
	workflow_id text NOT NULL,
	name text NOT NULL,
	site_id text NOT NULL,
	message_url text NOT NULL,
	test_secret text NOT NULL,
	active boolean NOT NULL DEFAULT true,
	registered_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now()
);
`,
	},
];

const MIGRATION_LOCK_NAME = 'n8n-nodes-whatsapp-ai-support:migrations';

async function appliedVersions(session: SqlExecutor, schema: string): Promise<Set<number>> {
	const rows = await session.query<{ version: number }>(`SELECT version FROM ${schema}.schema_migrations`);
	return new Set(rows.map((row) => Number(row.version)));
}

/**
 * Brings the schema up to date. Safe to run from many processes at once: a session-level advisory
 * lock lets one run while the others wait, then find nothing left to do.
 */
export async function runMigrations(
	driver: SqlDriver,
	schema: string,
	list: Migration[] = migrations,
): Promise<number[]> {
	return await driver.withSession(async (session) => {
		await session.query('SELECT pg_advisory_lock(hashtext($1))', [`${MIGRATION_LOCK_NAME}:${schema}`]);
		try {
			await driver.execScript(
				session,
				`CREATE SCHEMA IF NOT EXISTS ${schema};
				CREATE TABLE IF NOT EXISTS ${schema}.schema_migrations (
					version integer PRIMARY KEY,
					name text NOT NULL,
					applied_at timestamptz NOT NULL DEFAULT now()
				);`,
			);
			const done = await appliedVersions(session, schema);
			const applied: number[] = [];
			for (const migration of [...list].sort((a, b) => a.version - b.version)) {
				if (done.has(migration.version)) continue;
				await session.query('BEGIN');
				try {
					await driver.execScript(session, `SET LOCAL search_path TO ${schema}, public;\n${migration.sql}`);
					await session.query(`INSERT INTO ${schema}.schema_migrations (version, name) VALUES ($1, $2)`, [
						migration.version,
						migration.name,
					]);
					await session.query('COMMIT');
				} catch (error) {
					await session.query('ROLLBACK');
					throw new Error(`Support store migration ${migration.version} (${migration.name}) failed: ${error.message}`);
				}
				applied.push(migration.version);
			}
			return applied;
		} finally {
			await session.query('SELECT pg_advisory_unlock(hashtext($1))', [`${MIGRATION_LOCK_NAME}:${schema}`]);
		}
	});
}
