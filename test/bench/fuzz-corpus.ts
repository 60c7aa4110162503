// A deterministic corpus of webhook requests for fuzzing the WhatsApp AI Trigger, each with the status our
// spec gives it. Used by `npm run bench:fuzz` (test/bench/fuzz.bench.ts, 10,000 cases against a real n8n),
// by test/e2e/trigger-fuzz.test.ts (a few hundred inside `npm test`) and by the in-process corpus check in
// test/unit/whatsapp/webhook-fuzz.test.ts.
//
// Reproducible: case i depends only on (seed, i) and the options, so any failing case can be rebuilt
// alone with `generateCase(options, i)`.
//
// The spec the expectations encode (README "WhatsApp AI Trigger", nodes/shared/whatsapp/inbound.ts and
// webhook.ts):
// - POST, signature missing, malformed or not matching the raw bytes → 401 (checked before anything else;
//   the header's `sha256=` prefix and hex digits are case-insensitive and surrounding spaces are ignored).
// - Signed, but the body is not JSON, not a JSON object, not `whatsapp_business_account`, structurally
//   wrong, has a content field of the wrong type, or nests deeper than 64 levels → 400.
// - Signed and a WhatsApp payload → 200, whatever the Content-Type (the signature and the bytes decide):
//   new events start an execution; duplicates, other phone numbers and other fields are acknowledged. A copy of
//   a stored message that has no reply yet is acknowledged while the message is younger than 10 s, then
//   answered 503 (deliver again later) until it is started again (nodes/shared/whatsapp/inbound.ts,
//   REDELIVERY_TIMING): a redelivery gets 200 or 503.
// - A body over n8n's size limit → 413; a Content-Encoding that does not match the bytes → 400.
// - GET handshake: the right verify token → 200 with the challenge; anything else → 403.
import { gzipSync } from 'node:zlib';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';

import {
	createTempUserFolder,
	importCredentials,
	importWorkflows,
	readPackageJson,
	repoRoot,
	startN8n,
	type CredentialJson,
	type N8nServer,
	type WorkflowJson,
} from '../helpers/n8n-server';
import { startGraphSandbox, type GraphSandbox, type GraphSandboxOptions } from '../sandbox/graph-sandbox';
import { signWebhookBody } from '../sandbox/webhook-signer';
import { demoCredentials, demoWebhookUrl } from '../tools/demo';

// ---------------------------------------------------------------------------------------------------------
// Cases

export const FUZZ_CATEGORIES = [
	'valid-message',
	'valid-fixture',
	'valid-status',
	'valid-batch',
	'valid-duplicate',
	'other-phone-number',
	'other-field',
	'signature-missing',
	'signature-wrong-secret',
	'signature-malformed',
	'signature-other-body',
	'signature-variant',
	'garbage-signed',
	'empty-body',
	'truncated-json',
	'not-json',
	'json-not-object',
	'not-whatsapp',
	'invalid-fixture',
	'structure-type-confusion',
	'content-type-confusion',
	'nulls',
	'arrays-for-objects',
	'prototype-keys',
	'unicode',
	'invalid-utf8',
	'huge-string',
	'huge-unknown-type',
	'body-near-limit',
	'body-over-limit',
	'deep-nesting',
	'content-type',
	'content-encoding',
	'byte-mutation',
	'handshake',
] as const;

export type FuzzCategory = (typeof FUZZ_CATEGORIES)[number];

export interface FuzzCase {
	index: number;
	category: FuzzCategory;
	/** What was done, for reports (short). */
	note: string;
	method: 'POST' | 'GET';
	/** For GET: the query string, without `?`. */
	query?: string;
	body: Buffer;
	/** Header name → value, or several values to send the header more than once. */
	headers: Record<string, string | string[]>;
	/** The statuses the spec allows (one, except where a random byte change may or may not keep a valid payload). */
	expected: number[];
	/** For a successful handshake: the exact body the answer must have. */
	expectedBody?: string;
	/** Whether the case carries new events for our number, so that it starts an execution. */
	startsExecution: boolean;
	/** Inbound message ids (for the executions a case may start). */
	messageIds: string[];
}

export interface CorpusOptions {
	seed: number;
	appSecret: string;
	verifyToken: string;
	/** The credential's phone number id; others count as another number's events. */
	phoneNumberId: string;
	/** n8n's body limit (N8N_PAYLOAD_SIZE_MAX, default 16 MiB), for the near and over-limit cases. */
	payloadLimitBytes?: number;
	/** Unix seconds that message timestamps are based on. Default: a fixed time, so bytes are reproducible. */
	nowSeconds?: number;
	/** Leave out categories (e.g. the 16 MiB bodies in a quick run). */
	exclude?: FuzzCategory[];
}

export const DEFAULT_PAYLOAD_LIMIT_BYTES = 16 * 1024 * 1024;
const DEFAULT_NOW_SECONDS = 1_795_262_400;

/** How often each category is drawn. Huge bodies are rare: they are slow and their point is made by a few. */
const WEIGHTS: Record<FuzzCategory, number> = {
	'valid-message': 7,
	'valid-fixture': 4,
	'valid-status': 3,
	'valid-batch': 0.6,
	'valid-duplicate': 4,
	'other-phone-number': 2,
	'other-field': 2,
	'signature-missing': 4,
	'signature-wrong-secret': 4,
	'signature-malformed': 4,
	'signature-other-body': 3,
	'signature-variant': 1.5,
	'garbage-signed': 5,
	'empty-body': 1,
	'truncated-json': 7,
	'not-json': 3,
	'json-not-object': 3,
	'not-whatsapp': 2,
	'invalid-fixture': 2,
	'structure-type-confusion': 9,
	'content-type-confusion': 7,
	nulls: 4,
	'arrays-for-objects': 4,
	'prototype-keys': 4,
	unicode: 6,
	'invalid-utf8': 2,
	'huge-string': 0.8,
	'huge-unknown-type': 0.3,
	'body-near-limit': 0.03,
	'body-over-limit': 0.03,
	'deep-nesting': 3,
	'content-type': 3,
	'content-encoding': 1.5,
	'byte-mutation': 7,
	handshake: 3,
};

// ---------------------------------------------------------------------------------------------------------
// Seeded randomness

/** mulberry32: small, fast, good enough for test data; the same seed always gives the same stream. */
export function seededRandom(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let mixed = state;
		mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
		mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
		return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
	};
}

/** One independent stream per case, so case i never depends on the cases before it. */
function caseSeed(seed: number, index: number): number {
	let hash = (seed ^ 0x9e3779b9) >>> 0;
	hash = Math.imul(hash ^ index, 0x85ebca6b) >>> 0;
	hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35) >>> 0;
	return (hash ^ (hash >>> 16)) >>> 0;
}

class Dice {
	constructor(readonly next: () => number) {}

	int(min: number, max: number): number {
		return min + Math.floor(this.next() * (max - min + 1));
	}

	chance(probability: number): boolean {
		return this.next() < probability;
	}

	pick<T>(items: readonly T[]): T {
		return items[Math.floor(this.next() * items.length)];
	}

	weighted<T extends string>(weights: Partial<Record<T, number>>): T {
		const entries = Object.entries(weights) as Array<[T, number]>;
		const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
		let roll = this.next() * total;
		for (const [name, weight] of entries) {
			roll -= weight;
			if (roll < 0) return name;
		}
		return entries[entries.length - 1][0];
	}

	bytes(length: number): Buffer {
		const buffer = Buffer.alloc(length);
		for (let offset = 0; offset < length; offset++) buffer[offset] = Math.floor(this.next() * 256);
		return buffer;
	}
}

// ---------------------------------------------------------------------------------------------------------
// Building blocks: customers, texts, payloads

type Json = Record<string, unknown>;

const QUESTIONS = [
	'Is er parkeergelegenheid bij het hotel?',
	'What time is check-in?',
	'Hoe laat is het ontbijt?',
	'Gibt es WLAN im Zimmer?',
	'Est-ce que le petit-déjeuner est inclus ?',
	'¿Tienen piscina?',
	'Can I bring my dog?',
	'Die Heizung ist kaputt, das ist unverschämt!',
	'I want to talk to a person please',
	'Do you have a spa?',
	'hello',
	'Kan ik later uitchecken?',
	'Is there a gym?',
	'How far is the station?',
];

/** Text that tends to break things: direction marks, zero-width and joiners, combining marks, controls. */
export const UNICODE_SAMPLES = [
	'\u202eevil.exe\u202c reversed',
	'مرحبا، هل يوجد موقف سيارات؟',
	'שלום \u200f\u200e mixed RTL',
	'zero\u200bwidth\u200c\u200d joiners\u2060',
	'👨‍👩‍👧‍👦 family, 👍🏽 skin tone, 🏳️‍🌈 flag',
	'𝕏 𝔸𝕤𝕥𝕣𝕒𝕝 𝟘𝟙𝟚 \u{1F600}',
	'e\u0301\u0302\u0303\u0304\u0305 Z̷̡̢̛͓͔̗a̶l̸g̵o̵',
	'\ufeffBOM at start',
	'line\u2028separator\u2029paragraph',
	'controls \u0001\u0007\u001b[31m\u007f',
	'private use \ue000\uf8ff and noncharacters \ufffe\uffff',
	'日本語のテキスト、中文字符、한국어',
	'हिन्दी में सवाल है',
	'<script>alert(1)</script> {{ $json }} ${process.exit()} %s %n',
	"'; DROP TABLE messages; --",
];
/** Strings that JSON can carry but UTF-8 and PostgreSQL text cannot: NUL and lone surrogates. */
export const UNSTORABLE_SAMPLES = ['nul\u0000inside', '\u0000', 'lone high \ud800', 'lone low \udc00 end', '\udbff\udbff two highs', 'tail \ud83d'];

const TYPE_CONFUSION_VALUES: unknown[] = [42, -1, 0, 1.5, 1e308, true, false, [], ['x'], {}, { nested: { x: 1 } }, '', 'text', null];

export interface CaseContext {
	options: Required<Omit<CorpusOptions, 'exclude'>> & { exclude: FuzzCategory[] };
	dice: Dice;
	index: number;
}

function customerNumber(context: CaseContext): string {
	// Unique per case and run seed; digits only, as a wa_id is.
	return `49${String(context.options.seed % 1000).padStart(3, '0')}${String(context.index).padStart(7, '0')}`;
}

function messageId(context: CaseContext, part = 0): string {
	return `wamid.FZ${context.options.seed.toString(36)}.${context.index}.${part}`;
}

function timestampFor(context: CaseContext): string {
	// Mostly within the service window, sometimes older than 24 h (the template path).
	const age = context.dice.chance(0.85) ? context.dice.int(0, 3_600) : context.dice.int(25 * 3_600, 72 * 3_600);
	return String(context.options.nowSeconds - age);
}

function changeValue(context: CaseContext, parts: Json, phoneNumberId = context.options.phoneNumberId): Json {
	return { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550000001', phone_number_id: phoneNumberId }, ...parts };
}

function envelope(values: Json[], field = 'messages'): Json {
	return { object: 'whatsapp_business_account', entry: [{ id: '1065000000000', changes: values.map((value) => ({ value, field })) }] };
}

/** A text message from a new customer; `text` defaults to a guest question. */
function textMessage(context: CaseContext, text?: string, part = 0): { payload: Json; id: string } {
	const from = customerNumber(context);
	const id = messageId(context, part);
	const payload = envelope([
		changeValue(context, {
			contacts: [{ profile: { name: context.dice.pick(['Anna', 'Jonas', 'Sofia', 'Piet', 'Ali', 'Mei']) }, wa_id: from }],
			messages: [{ from, id, timestamp: timestampFor(context), type: 'text', text: { body: text ?? context.dice.pick(QUESTIONS) } }],
		}),
	]);
	return { payload, id };
}

/** The message object inside a one-message envelope built by textMessage. */
function messageOf(payload: Json): Json {
	return ((((payload.entry as Json[])[0].changes as Json[])[0].value as Json).messages as Json[])[0];
}

function valueOf(payload: Json): Json {
	return ((payload.entry as Json[])[0].changes as Json[])[0].value as Json;
}

const FIXTURE_DIR = path.resolve(__dirname, '..', 'fixtures', 'webhooks');
let fixtureCache: { valid: Array<[string, Json]>; invalid: Array<[string, Json]> } | undefined;

function fixtures(): { valid: Array<[string, Json]>; invalid: Array<[string, Json]> } {
	if (!fixtureCache) {
		const all = readdirSync(FIXTURE_DIR)
			.filter((name) => name.endsWith('.json'))
			.sort()
			.map((name) => [name, JSON.parse(readFileSync(path.join(FIXTURE_DIR, name), 'utf8')) as Json] as [string, Json]);
		fixtureCache = { valid: all.filter(([name]) => !name.startsWith('invalid-')), invalid: all.filter(([name]) => name.startsWith('invalid-')) };
	}
	return fixtureCache;
}

const SENDER_KEYS = new Set(['from', 'wa_id', 'recipient_id']);
const USER_ID_KEYS = new Set(['user_id', 'from_user_id', 'recipient_user_id']);

/**
 * A real-world payload from the fixtures made new: fresh message and status ids, fresh customers (the same
 * mapping everywhere in the payload, so contacts still join), current timestamps.
 */
function freshFixture(context: CaseContext, fixture: Json): { payload: Json; messageIds: string[] } {
	const payload = structuredClone(fixture);
	const senders = new Map<string, string>();
	const users = new Map<string, string>();
	const messageIds: string[] = [];
	let part = 0;
	const timestamp = timestampFor(context);
	const renumber = (map: Map<string, string>, value: string, make: (count: number) => string) => {
		if (value === '') return value;
		if (!map.has(value)) map.set(value, make(map.size));
		return map.get(value)!;
	};
	const walk = (node: unknown, parentKey: string) => {
		if (Array.isArray(node)) {
			for (const item of node) walk(item, parentKey);
			return;
		}
		if (!node || typeof node !== 'object') return;
		const object = node as Json;
		for (const [key, value] of Object.entries(object)) {
			if (typeof value === 'string') {
				if (key === 'id' && (parentKey === 'messages' || parentKey === 'statuses')) {
					object[key] = messageId(context, part++);
					if (parentKey === 'messages') messageIds.push(object[key] as string);
				} else if (SENDER_KEYS.has(key) && /^\d+$/.test(value)) {
					object[key] = renumber(senders, value, (count) => `${customerNumber(context)}${count}`);
				} else if (USER_ID_KEYS.has(key) && value) {
					object[key] = renumber(users, value, (count) => `US.FZ${context.options.seed}x${context.index}x${count}`);
				} else if (key === 'timestamp' && /^\d+$/.test(value)) {
					object[key] = timestamp;
				}
			} else {
				walk(value, key);
			}
		}
	};
	walk(payload, '');
	return { payload, messageIds };
}

function hasOurEvents(payload: Json, phoneNumberId: string): boolean {
	return JSON.stringify(payload).includes(`"phone_number_id":"${phoneNumberId}"`) && /"(messages|statuses)":\[\{/.test(JSON.stringify(payload));
}

// ---------------------------------------------------------------------------------------------------------
// Path rules: what the spec says about each place in a one-text-message payload

type Rule =
	| 'object-constant'
	/** entry, changes: a list of objects; empty is valid (nothing to do). */
	| 'required-array'
	/** entry[i], changes[j], value, metadata, message: objects whose own fields are required, so any other value fails. */
	| 'required-object'
	/** contacts[i], text: must be objects; all their fields are optional. */
	| 'open-object'
	/** messages: optional list of message objects. */
	| 'message-list'
	/** contacts, statuses, errors: optional lists of objects, next to the message. */
	| 'optional-list'
	/** profile, context, referral: optional objects with optional fields. */
	| 'optional-object'
	| 'non-empty-string'
	| 'optional-string'
	| 'timestamp'
	/** field, phone_number_id: another non-empty string is valid but not ours (acknowledged, nothing runs). */
	| 'selector'
	/**
	 * from: optional; absent, null or empty falls back to the value's single contact; otherwise a WhatsApp id
	 * (the phone number's digits, an optional `+`), since that is where the reply goes.
	 */
	| 'sender';

const VALUE = ['entry', 0, 'changes', 0, 'value'] as const;
const MESSAGE = [...VALUE, 'messages', 0] as const;

/** Structure: the envelope, entries, changes, value, metadata, message ids and types. */
const STRUCTURE_PATHS: Array<[Array<string | number>, Rule]> = [
	[['object'], 'object-constant'],
	[['entry'], 'required-array'],
	[['entry', 0], 'required-object'],
	[['entry', 0, 'id'], 'non-empty-string'],
	[['entry', 0, 'changes'], 'required-array'],
	[['entry', 0, 'changes', 0], 'required-object'],
	[['entry', 0, 'changes', 0, 'field'], 'selector'],
	[[...VALUE], 'required-object'],
	[[...VALUE, 'metadata'], 'required-object'],
	[[...VALUE, 'metadata', 'phone_number_id'], 'selector'],
	[[...VALUE, 'messages'], 'message-list'],
	[[...MESSAGE], 'required-object'],
	[[...MESSAGE, 'id'], 'non-empty-string'],
	[[...MESSAGE, 'type'], 'non-empty-string'],
	[[...MESSAGE, 'timestamp'], 'timestamp'],
];

/** Content: fields that are optional, or that only the text type needs, and must have their type when present. */
const CONTENT_PATHS: Array<[Array<string | number>, Rule]> = [
	[[...VALUE, 'metadata', 'display_phone_number'], 'optional-string'],
	[[...VALUE, 'contacts'], 'optional-list'],
	[[...VALUE, 'contacts', 0], 'open-object'],
	[[...VALUE, 'contacts', 0, 'profile'], 'optional-object'],
	[[...VALUE, 'contacts', 0, 'profile', 'name'], 'optional-string'],
	[[...VALUE, 'statuses'], 'optional-list'],
	[[...VALUE, 'errors'], 'optional-list'],
	[[...MESSAGE, 'from'], 'sender'],
	[[...MESSAGE, 'text'], 'open-object'],
	[[...MESSAGE, 'text', 'body'], 'optional-string'],
	[[...MESSAGE, 'context'], 'optional-object'],
	[[...MESSAGE, 'referral'], 'optional-object'],
	[[...MESSAGE, 'errors'], 'optional-list'],
];

function isPlainObject(value: unknown): boolean {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * What the spec answers when the value at a place with `rule` in a valid one-message payload becomes
 * `value`, and whether the message is then still a new message for our number (so an execution starts).
 */
function expectationFor(rule: Rule, value: unknown, original: unknown): { status: number; startsExecution: boolean } {
	const absent = value === null || value === undefined;
	const bad = { status: 400, startsExecution: false };
	const runs = { status: 200, startsExecution: true };
	const acknowledged = { status: 200, startsExecution: false };
	const emptyList = Array.isArray(value) && value.length === 0;
	switch (rule) {
		case 'object-constant':
			return value === 'whatsapp_business_account' ? runs : bad;
		case 'required-array':
			return emptyList ? acknowledged : bad;
		case 'required-object':
			return value === original ? runs : bad;
		case 'open-object':
			return isPlainObject(value) ? runs : bad;
		case 'message-list':
			return absent || emptyList ? acknowledged : bad;
		case 'optional-list':
			return absent || emptyList ? runs : bad;
		case 'optional-object':
			return absent || isPlainObject(value) ? runs : bad;
		case 'non-empty-string':
			return typeof value === 'string' && value !== '' ? runs : bad;
		case 'optional-string':
			return absent || typeof value === 'string' ? runs : bad;
		case 'timestamp': {
			const number = typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
			return typeof number === 'number' && Number.isFinite(number) && Math.abs(number) <= 8_640_000_000_000 ? runs : bad;
		}
		case 'selector':
			if (typeof value !== 'string' || value === '') return bad;
			return value === original ? runs : acknowledged;
		case 'sender':
			return absent || value === '' || (typeof value === 'string' && /^\+?\d{1,20}$/.test(value)) ? runs : bad;
	}
}

function getAt(root: unknown, route: Array<string | number>): unknown {
	let node = root;
	for (const step of route) node = (node as Record<string | number, unknown> | undefined)?.[step];
	return node;
}

function setAt(root: Json, route: Array<string | number>, value: unknown): void {
	let node = root as Record<string | number, unknown>;
	for (const step of route.slice(0, -1)) node = node[step] as Record<string | number, unknown>;
	const last = route[route.length - 1];
	if (value === undefined) {
		if (Array.isArray(node) && typeof last === 'number') node.splice(last, 1);
		else delete node[last];
	} else {
		node[last] = value;
	}
}

function routeName(route: Array<string | number>): string {
	return route.map((step) => (typeof step === 'number' ? `[${step}]` : `.${step}`)).join('').replace(/^\./, '');
}

// ---------------------------------------------------------------------------------------------------------
// Generators, one per category

interface Draft {
	note: string;
	body: Buffer | string | Json | unknown[];
	expected: number | number[];
	startsExecution?: boolean;
	messageIds?: string[];
	/** undefined: sign the final bytes; null: no header; a string or list: send this instead. */
	signature?: string | string[] | null;
	headers?: Record<string, string | string[]>;
	method?: 'GET';
	query?: string;
	expectedBody?: string;
}

type CaseGenerator = (context: CaseContext) => Draft;

const GENERATORS: Record<FuzzCategory, CaseGenerator> = {
	'valid-message': (context) => {
		const text = context.dice.chance(0.8) ? undefined : context.dice.pick([...UNICODE_SAMPLES, 'x'.repeat(context.dice.int(1, 5000))]);
		const { payload, id } = textMessage(context, text);
		return { note: 'one text message', body: payload, expected: 200, startsExecution: true, messageIds: [id] };
	},
	'valid-fixture': (context) => {
		const [name, fixture] = context.dice.pick(fixtures().valid);
		const { payload, messageIds } = freshFixture(context, fixture);
		return { note: name, body: payload, expected: 200, startsExecution: hasOurEvents(payload, context.options.phoneNumberId), messageIds };
	},
	'valid-status': (context) => {
		const status = context.dice.pick(['sent', 'delivered', 'read', 'failed', 'played']);
		const statusObject: Json = { id: messageId(context), status, timestamp: timestampFor(context), recipient_id: customerNumber(context) };
		if (status !== 'failed' && context.dice.chance(0.6)) {
			statusObject.pricing = { billable: true, pricing_model: 'PMP', category: context.dice.pick(['service', 'utility', 'marketing']), type: 'regular' };
		}
		if (status === 'failed') statusObject.errors = [{ code: 131026, title: 'Message undeliverable' }];
		return { note: `status ${status}`, body: envelope([changeValue(context, { statuses: [statusObject] })]), expected: 200, startsExecution: true };
	},
	'valid-batch': (context) => {
		const count = context.dice.int(2, 40);
		const messages: Json[] = [];
		const contacts: Json[] = [];
		for (let part = 0; part < count; part++) {
			const from = `${customerNumber(context)}${part}`;
			contacts.push({ profile: { name: `Guest ${part}` }, wa_id: from });
			messages.push({ from, id: messageId(context, part), timestamp: timestampFor(context), type: 'text', text: { body: context.dice.pick(QUESTIONS) } });
		}
		return {
			note: `${count} messages in one POST`,
			body: envelope([changeValue(context, { contacts, messages })]),
			expected: 200,
			startsExecution: true,
			messageIds: messages.map((message) => message.id as string),
		};
	},
	'valid-duplicate': (context) => {
		// Meta delivers at least once: the same message again, as an earlier case sent it (regenerated, so the
		// bytes are identical). Any earlier case index is fine: a non-message case regenerates as itself.
		const earlier = context.dice.int(Math.max(0, context.index - 50), Math.max(0, context.index - 1));
		const original = generateCase(context.options, earlier, 'valid-message');
		return {
			note: `redelivery of case ${earlier}`,
			body: original.body,
			// 503 when the earlier message is over 10 s old and has no reply yet (see the top of this file).
			expected: [200, 503],
			startsExecution: context.index === 0,
			messageIds: original.messageIds,
		};
	},
	'other-phone-number': (context) => {
		const { payload } = textMessage(context);
		setAt(payload, [...VALUE, 'metadata', 'phone_number_id'], `1065${context.dice.int(100000000, 999999999)}`);
		return { note: 'message for another phone number of the app', body: payload, expected: 200 };
	},
	'other-field': (context) => {
		const field = context.dice.pick(['account_update', 'message_template_status_update', 'phone_number_quality_update', 'security', 'flows']);
		const value = context.dice.pick<unknown>([{ event: 'VERIFIED_ACCOUNT' }, { anything: [1, 2, 3] }, 'a string', 7, []]);
		return { note: `field ${field}`, body: envelope([value as Json], field), expected: 200 };
	},
	'signature-missing': (context) => {
		const { payload } = textMessage(context);
		return context.dice.chance(0.7)
			? { note: 'no X-Hub-Signature-256', body: payload, expected: 401, signature: null }
			: { note: 'empty X-Hub-Signature-256', body: payload, expected: 401, signature: '' };
	},
	'signature-wrong-secret': (context) => {
		const { payload } = textMessage(context);
		const body = JSON.stringify(payload);
		return { note: 'signed with another secret', body, expected: 401, signature: signWebhookBody(body, `${context.options.appSecret}-not`) };
	},
	'signature-malformed': (context) => {
		const { payload } = textMessage(context);
		const body = JSON.stringify(payload);
		const good = signWebhookBody(body, context.options.appSecret);
		const variants: Array<[string, string | string[]]> = [
			['sha1 prefix', `sha1=${good.slice(7, 47)}`],
			['no prefix', good.slice(7)],
			['63 hex digits', good.slice(0, -1)],
			['65 hex digits', `${good}0`],
			['non-hex digit', `${good.slice(0, -1)}g`],
			['space inside', `sha256= ${good.slice(7)}`],
			['base64 instead of hex', `sha256=${Buffer.from(good.slice(7), 'hex').toString('base64')}`],
			['two headers', [good, good]],
			['4 KB header', `sha256=${'a'.repeat(4096)}`],
			['random text', context.dice.bytes(20).toString('base64')],
		];
		const [note, signature] = context.dice.pick(variants);
		return { note: `signature ${note}`, body, expected: 401, signature };
	},
	'signature-other-body': (context) => {
		const { payload } = textMessage(context);
		const body = Buffer.from(JSON.stringify(payload));
		const signature = signWebhookBody(body, context.options.appSecret);
		const changed = Buffer.from(body);
		const roll = context.dice.next();
		let note: string;
		if (roll < 0.4) {
			const at = context.dice.int(0, changed.length - 1);
			changed[at] ^= 1 << context.dice.int(0, 7);
			note = 'one bit flipped after signing';
		} else if (roll < 0.7) {
			note = 'whitespace added after signing';
			return { note, body: Buffer.concat([body, Buffer.from('\n')]), expected: 401, signature };
		} else {
			note = 'signature of the previous message';
			return { note, body: JSON.stringify(textMessage(context, 'another text', 1).payload), expected: 401, signature };
		}
		return { note, body: changed, expected: 401, signature };
	},
	'signature-variant': (context) => {
		const { payload, id } = textMessage(context);
		const body = JSON.stringify(payload);
		const good = signWebhookBody(body, context.options.appSecret);
		const [note, signature] = context.dice.pick<[string, string]>([
			['upper-case hex digits', `sha256=${good.slice(7).toUpperCase()}`],
			['upper-case prefix', `SHA256=${good.slice(7)}`],
			['surrounding spaces', `  ${good} `],
		]);
		return { note: `valid signature, ${note}`, body, expected: 200, signature, startsExecution: true, messageIds: [id] };
	},
	'garbage-signed': (context) => {
		const length = context.dice.pick([1, 2, 16, 256, 4096, 65_536]);
		const kind = context.dice.pick(['random bytes', 'printable', 'html']);
		const body =
			kind === 'random bytes'
				? context.dice.bytes(length)
				: kind === 'printable'
					? Buffer.from(Array.from({ length }, () => String.fromCharCode(context.dice.int(32, 126))).join(''))
					: Buffer.from('<!DOCTYPE html><html><body>502 Bad Gateway</body></html>');
		// Random bytes can, very rarely, be valid JSON (e.g. a lone digit): that is still not a WhatsApp payload.
		return { note: `${kind}, ${body.length} bytes`, body, expected: 400 };
	},
	'empty-body': (context) =>
		context.dice.chance(0.5)
			? { note: 'empty body, signed', body: Buffer.alloc(0), expected: 400 }
			: { note: 'empty body, unsigned', body: Buffer.alloc(0), expected: 401, signature: null },
	'truncated-json': (context) => {
		const { payload } = context.dice.chance(0.5) ? textMessage(context) : freshFixture(context, context.dice.pick(fixtures().valid)[1]);
		const text = Buffer.from(JSON.stringify(payload));
		// Any proper prefix of a serialised object is unfinished JSON (the closing brace is the last byte).
		const cut = context.dice.int(0, text.length - 1);
		return { note: `cut at byte ${cut} of ${text.length}`, body: text.subarray(0, cut), expected: 400 };
	},
	'not-json': (context) => {
		const [note, body] = context.dice.pick<[string, string]>([
			['form-encoded', 'object=whatsapp_business_account&entry=1'],
			['XML', '<?xml version="1.0"?><object>whatsapp_business_account</object>'],
			['plain text', 'hello'],
			['JSON with trailing garbage', '{"object":"whatsapp_business_account","entry":[]} trailing'],
			['JSON with comments', '{/* c */"object":"whatsapp_business_account","entry":[]}'],
			['single quotes', "{'object':'whatsapp_business_account','entry':[]}"],
			['NaN literal', '{"object":"whatsapp_business_account","entry":[NaN]}'],
			['two documents', '{"object":"whatsapp_business_account","entry":[]}{"object":"whatsapp_business_account","entry":[]}'],
			['raw NUL byte in a string', '{"object":"whatsapp_business_account\u0000","entry":[]}'],
			['unescaped newline in a string', '{"object":"whatsapp_business_\naccount","entry":[]}'],
			['BOM then JSON', '\ufeff{"object":"whatsapp_business_account","entry":[]}'],
		]);
		return { note, body, expected: 400 };
	},
	'json-not-object': (context) => {
		const value = context.dice.pick<unknown>([null, 0, -1.5, true, false, 'whatsapp_business_account', [], [{}], [envelope([])]]);
		return { note: `top-level ${JSON.stringify(value).slice(0, 40)}`, body: JSON.stringify(value), expected: 400 };
	},
	'not-whatsapp': (context) => {
		const object = context.dice.pick<unknown>(['page', 'instagram', 'user', 'WHATSAPP_BUSINESS_ACCOUNT', 'whatsapp_business_account ', '', undefined]);
		const { payload } = textMessage(context);
		if (object === undefined) delete payload.object;
		else payload.object = object;
		return { note: `object ${JSON.stringify(object) ?? 'missing'}`, body: payload, expected: 400 };
	},
	'invalid-fixture': (context) => {
		const [name, fixture] = context.dice.pick(fixtures().invalid);
		return { note: name, body: fixture, expected: 400 };
	},
	'structure-type-confusion': (context) => mutatedAt(context, STRUCTURE_PATHS),
	'content-type-confusion': (context) => mutatedAt(context, CONTENT_PATHS),
	nulls: (context) => {
		const { payload, id } = textMessage(context);
		const [route, rule] = context.dice.pick([...STRUCTURE_PATHS, ...CONTENT_PATHS]);
		const original = getAt(payload, route);
		// Removing a list element would change the list, not null a value: elements are only ever nulled.
		const remove = typeof route[route.length - 1] === 'string' && context.dice.chance(0.3);
		setAt(payload, route, remove ? undefined : null);
		const expectation = expectationFor(rule, null, original);
		return {
			note: `${routeName(route)} ${remove ? 'missing' : 'null'}`,
			body: payload,
			expected: expectation.status,
			startsExecution: expectation.startsExecution,
			messageIds: [id],
		};
	},
	'arrays-for-objects': (context) => {
		const { payload } = textMessage(context);
		const objectRoutes = [...STRUCTURE_PATHS, ...CONTENT_PATHS].filter(([, rule]) => ['required-object', 'open-object', 'optional-object'].includes(rule));
		const [route] = context.dice.pick(objectRoutes);
		const original = getAt(payload, route);
		setAt(payload, route, context.dice.chance(0.5) ? [original] : []);
		if (context.dice.chance(0.2)) return { note: 'the whole body wrapped in an array', body: [payload], expected: 400 };
		return { note: `${routeName(route)} is an array`, body: payload, expected: 400 };
	},
	'prototype-keys': (context) => {
		const { payload, id } = textMessage(context);
		const polluting = { polluted: 'yes', isAdmin: true, toString: 'x', entry: [] };
		const roll = context.dice.next();
		let text = JSON.stringify(payload);
		if (roll < 0.35) {
			// Extra keys next to valid fields: ignored, and no object's prototype changes.
			const where = context.dice.pick(['"type":"text"', '"messaging_product":"whatsapp"', '"object":"whatsapp_business_account"', '"field":"messages"']);
			const extra = `"__proto__":${JSON.stringify(polluting)},"constructor":{"prototype":${JSON.stringify(polluting)}},"prototype":{"x":1}`;
			text = text.replace(where, `${where},${extra}`);
			return { note: `__proto__/constructor next to ${where}`, body: text, expected: 200, startsExecution: true, messageIds: [id] };
		}
		if (roll < 0.6) {
			// A required field only under __proto__ is missing, not inherited.
			const route = context.dice.pick([['entry'], [...MESSAGE, 'id'], [...VALUE, 'metadata']] as Array<Array<string | number>>);
			const value = getAt(payload, route);
			setAt(payload, route, undefined);
			const holder = getAt(payload, route.slice(0, -1)) as Json;
			Object.defineProperty(holder, '__proto__', { value: { [route[route.length - 1]]: value }, enumerable: true });
			return { note: `${routeName(route)} only under __proto__`, body: JSON.stringify(payload), expected: 400 };
		}
		// A message whose type names a prototype property: an unknown type, kept whole.
		const type = context.dice.pick(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']);
		const message = messageOf(payload);
		message.type = type;
		delete message.text;
		return { note: `message type ${type}`, body: payload, expected: 200, startsExecution: true, messageIds: [id] };
	},
	unicode: (context) => {
		const sample = context.dice.chance(0.5) ? context.dice.pick(UNSTORABLE_SAMPLES) : context.dice.pick(UNICODE_SAMPLES);
		const { payload, id } = textMessage(context, sample);
		const where = context.dice.pick(['text', 'name', 'both', 'keys']);
		const value = valueOf(payload);
		if (where === 'name' || where === 'both') ((value.contacts as Json[])[0].profile as Json).name = sample;
		if (where === 'name') (messageOf(payload).text as Json).body = context.dice.pick(QUESTIONS);
		if (where === 'keys') (messageOf(payload) as Json)[`x-${sample}`] = sample;
		return { note: `${where}: ${JSON.stringify(sample).slice(0, 30)}`, body: payload, expected: 200, startsExecution: true, messageIds: [id] };
	},
	'invalid-utf8': (context) => {
		// Bytes that are not UTF-8 inside a JSON string: decoding turns them into U+FFFD, so the payload stays valid.
		const { payload, id } = textMessage(context, 'MARKER');
		const [before, after] = JSON.stringify(payload).split('MARKER');
		const bad = context.dice.pick([Buffer.from([0xff]), Buffer.from([0xc0, 0xaf]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80]), Buffer.from([0xe2, 0x82])]);
		return {
			note: `invalid UTF-8 ${bad.toString('hex')} in the text`,
			body: Buffer.concat([Buffer.from(`${before}Hi `), bad, Buffer.from(` there${after}`)]),
			expected: 200,
			startsExecution: true,
			messageIds: [id],
		};
	},
	'huge-string': (context) => {
		const size = context.dice.pick([65_536, 262_144, 1_048_576]);
		const where = context.dice.pick(['text', 'name', 'unknown field']);
		const { payload, id } = textMessage(context, where === 'text' ? 'Is er parkeergelegenheid? '.repeat(Math.ceil(size / 26)).slice(0, size) : undefined);
		if (where === 'name') ((valueOf(payload).contacts as Json[])[0].profile as Json).name = 'N'.repeat(size);
		if (where === 'unknown field') messageOf(payload).x_padding = 'p'.repeat(size);
		return { note: `${size} characters in the ${where}`, body: payload, expected: 200, startsExecution: true, messageIds: [id] };
	},
	'huge-unknown-type': (context) => {
		// A type this parser does not know is kept whole (message.raw), so its size reaches the store and n8n.
		const { payload, id } = textMessage(context);
		const message = messageOf(payload);
		message.type = 'future_type';
		delete message.text;
		message.future_type = { items: Array.from({ length: context.dice.pick([100, 2_000]) }, (_, item) => ({ item, note: 'x'.repeat(100) })) };
		return { note: 'unknown type with a large body', body: payload, expected: 200, startsExecution: true, messageIds: [id] };
	},
	'body-near-limit': (context) => {
		const { payload, id } = textMessage(context);
		const base = Buffer.byteLength(JSON.stringify(payload));
		messageOf(payload).x_padding = 'p'.repeat(context.options.payloadLimitBytes - base - 64 * 1024);
		return { note: 'a valid payload 64 KiB under the size limit', body: payload, expected: 200, startsExecution: true, messageIds: [id] };
	},
	'body-over-limit': (context) => {
		const { payload } = textMessage(context);
		messageOf(payload).x_padding = 'p'.repeat(context.options.payloadLimitBytes + 1024);
		return { note: 'a valid payload just over the size limit', body: payload, expected: 413 };
	},
	'deep-nesting': (context) => {
		const { payload, id } = textMessage(context);
		const depth = context.dice.pick([8, 20, 70, 1_000, 100_000]);
		const open = context.dice.chance(0.5) ? '[' : '{"a":';
		const close = open === '[' ? ']' : '}';
		const nested = `${open.repeat(depth)}${open === '[' ? '' : '1'}${close.repeat(depth)}`;
		const where = context.dice.pick(['message', 'top']);
		const text = JSON.stringify(payload).replace(where === 'message' ? '"type":"text"' : '"object":"whatsapp_business_account"', (found) => `${found},"x_deep":${nested}`);
		// The message sits 8 levels down; the body is refused once anything nests deeper than 64 levels.
		const total = depth + (where === 'message' ? 8 : 1);
		const tooDeep = total > 64;
		return {
			note: `${depth} levels of ${open === '[' ? 'arrays' : 'objects'} in the ${where}`,
			body: text,
			expected: tooDeep ? 400 : 200,
			startsExecution: !tooDeep,
			messageIds: tooDeep ? [] : [id],
		};
	},
	'content-type': (context) => {
		const { payload, id } = textMessage(context);
		const contentType = context.dice.pick<string | null>([
			'text/plain',
			'application/x-www-form-urlencoded',
			'multipart/form-data; boundary=xyz',
			'application/xml',
			'application/json; charset=iso-8859-1',
			'application/octet-stream',
			'image/png',
			null,
		]);
		return {
			note: `Content-Type ${contentType ?? 'missing'}`,
			body: payload,
			expected: 200,
			startsExecution: true,
			messageIds: [id],
			headers: contentType === null ? { 'content-type': '' } : { 'content-type': contentType },
		};
	},
	'content-encoding': (context) => {
		const { payload, id } = textMessage(context);
		const body = JSON.stringify(payload);
		const roll = context.dice.next();
		if (roll < 0.5) {
			return { note: 'Content-Encoding gzip on plain bytes', body, expected: 400, headers: { 'content-encoding': 'gzip' } };
		}
		if (roll < 0.75) {
			return { note: 'Content-Encoding deflate on random bytes', body: context.dice.bytes(200), expected: 400, headers: { 'content-encoding': 'deflate' } };
		}
		// Real gzip, signed over the bytes sent: the server checks the signature over what it decoded, so it fails.
		const zipped = gzipSync(Buffer.from(body));
		return { note: 'gzip, signed over the compressed bytes', body: zipped, expected: 401, headers: { 'content-encoding': 'gzip' }, messageIds: [id] };
	},
	'byte-mutation': (context) => {
		const source = context.dice.chance(0.6) ? textMessage(context).payload : freshFixture(context, context.dice.pick(fixtures().valid)[1]).payload;
		const bytes = Buffer.from(JSON.stringify(source));
		const operations: string[] = [];
		let mutated = bytes;
		for (let count = context.dice.int(1, 4); count > 0; count--) {
			const at = context.dice.int(0, mutated.length - 1);
			const roll = context.dice.next();
			if (roll < 0.4) {
				mutated = Buffer.from(mutated);
				mutated[at] = context.dice.int(0, 255);
				operations.push(`byte ${at} replaced`);
			} else if (roll < 0.6) {
				mutated = Buffer.concat([mutated.subarray(0, at), mutated.subarray(at + 1)]);
				operations.push(`byte ${at} deleted`);
			} else if (roll < 0.8) {
				const insert = Buffer.from(context.dice.pick(['"', '{', '}', '[', ']', ',', ':', '\\', 'null', '0', '\u0000', 'é']));
				mutated = Buffer.concat([mutated.subarray(0, at), insert, mutated.subarray(at)]);
				operations.push(`${JSON.stringify(insert.toString())} inserted at ${at}`);
			} else {
				const length = context.dice.int(1, 40);
				mutated = Buffer.concat([mutated.subarray(0, at), mutated.subarray(at, at + length), mutated.subarray(at)]);
				operations.push(`${length} bytes repeated at ${at}`);
			}
		}
		// Unparseable JSON is always a 400; a change that keeps JSON may keep a valid payload, or not.
		let parses = true;
		try {
			JSON.parse(mutated.toString('utf8'));
		} catch {
			parses = false;
		}
		return { note: operations.join(', '), body: mutated, expected: parses ? [200, 400] : 400 };
	},
	handshake: (context) => {
		const challenge = String(context.dice.int(1, 2 ** 31));
		const token = encodeURIComponent(context.options.verifyToken);
		const [note, query, expected] = context.dice.pick<[string, string, number]>([
			['right token', `hub.mode=subscribe&hub.verify_token=${token}&hub.challenge=${challenge}`, 200],
			['wrong token', `hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=${challenge}`, 403],
			['no token', `hub.mode=subscribe&hub.challenge=${challenge}`, 403],
			['unsubscribe', `hub.mode=unsubscribe&hub.verify_token=${token}&hub.challenge=${challenge}`, 403],
			['token as array', `hub.mode=subscribe&hub.verify_token[]=${token}&hub.challenge=${challenge}`, 403],
			['repeated token', `hub.mode=subscribe&hub.verify_token=${token}&hub.verify_token=${token}&hub.challenge=${challenge}`, 403],
			['nothing', '', 403],
			['token with NUL', `hub.mode=subscribe&hub.verify_token=${token}%00&hub.challenge=${challenge}`, 403],
		]);
		return { note: `handshake, ${note}`, method: 'GET', query, body: Buffer.alloc(0), expected, expectedBody: expected === 200 ? challenge : undefined };
	},
};

function mutatedAt(context: CaseContext, paths: Array<[Array<string | number>, Rule]>): Draft {
	const { payload, id } = textMessage(context);
	const [route, rule] = context.dice.pick(paths);
	const original = getAt(payload, route);
	// Strings would only rename ids (a valid but different customer), so `from` gets non-strings only.
	const candidates = rule === 'sender' ? TYPE_CONFUSION_VALUES.filter((value) => typeof value !== 'string' || value === '') : TYPE_CONFUSION_VALUES;
	const value = structuredClone(context.dice.pick(candidates));
	setAt(payload, route, value);
	const expectation = expectationFor(rule, value, original);
	return {
		note: `${routeName(route)} = ${JSON.stringify(value)}`,
		body: payload,
		expected: expectation.status,
		startsExecution: expectation.startsExecution && expectation.status === 200,
		messageIds: expectation.status === 200 ? [id] : [],
	};
}

// ---------------------------------------------------------------------------------------------------------
// The corpus

function resolvedOptions(options: CorpusOptions): CaseContext['options'] {
	return {
		seed: options.seed >>> 0,
		appSecret: options.appSecret,
		verifyToken: options.verifyToken,
		phoneNumberId: options.phoneNumberId,
		payloadLimitBytes: options.payloadLimitBytes ?? DEFAULT_PAYLOAD_LIMIT_BYTES,
		nowSeconds: options.nowSeconds ?? DEFAULT_NOW_SECONDS,
		exclude: options.exclude ?? [],
	};
}

/** Case `index` of the corpus; `category` forces one (used to regenerate an earlier message for a redelivery). */
export function generateCase(options: CorpusOptions, index: number, category?: FuzzCategory): FuzzCase {
	const resolved = resolvedOptions(options);
	const dice = new Dice(seededRandom(caseSeed(resolved.seed, index)));
	const weights = Object.fromEntries(Object.entries(WEIGHTS).filter(([name]) => !resolved.exclude.includes(name as FuzzCategory))) as Record<FuzzCategory, number>;
	const drawn = dice.weighted(weights);
	const chosen = category ?? drawn;
	const draft = GENERATORS[chosen]({ options: resolved, dice, index });

	const body = Buffer.isBuffer(draft.body) ? draft.body : Buffer.from(typeof draft.body === 'string' ? draft.body : JSON.stringify(draft.body), 'utf8');
	const headers: Record<string, string | string[]> = {};
	if (draft.method !== 'GET') {
		headers['content-type'] = 'application/json';
		if (draft.signature === undefined) headers['x-hub-signature-256'] = signWebhookBody(body, resolved.appSecret);
		else if (draft.signature !== null) headers['x-hub-signature-256'] = draft.signature;
	}
	for (const [name, value] of Object.entries(draft.headers ?? {})) {
		if (value === '') delete headers[name];
		else headers[name] = value;
	}
	return {
		index,
		category: chosen,
		note: draft.note,
		method: draft.method ?? 'POST',
		query: draft.query,
		body,
		headers,
		expected: Array.isArray(draft.expected) ? draft.expected : [draft.expected],
		expectedBody: draft.expectedBody,
		startsExecution: draft.startsExecution ?? false,
		messageIds: draft.messageIds ?? [],
	};
}

/** Cases 0 … count-1, built one at a time (a few are 16 MiB). */
export function* generateCorpus(options: CorpusOptions, count: number): Generator<FuzzCase> {
	for (let index = 0; index < count; index++) yield generateCase(options, index);
}

// ---------------------------------------------------------------------------------------------------------
// Sending a case and judging the answer

export interface FuzzResult {
	index: number;
	category: FuzzCategory;
	note: string;
	expected: number[];
	/** The HTTP status, or undefined when no answer came (transport error or timeout). */
	status?: number;
	/** Start of the answer body. */
	body?: string;
	/** ECONNRESET, EPIPE, timeout …: the server dropped or never answered the request. */
	transportError?: string;
	durationMs: number;
	/** The status is not one the spec allows, or the handshake echoed something else. */
	mismatch: boolean;
}

/**
 * Sends one case to the trigger's URL (GET cases go to the same URL with their query). A new connection per
 * request, so a crash shows as a transport error on the requests in flight.
 */
export function sendCase(url: string, fuzzCase: FuzzCase, timeoutMs = 60_000): Promise<FuzzResult> {
	const started = performance.now();
	const target = new URL(fuzzCase.method === 'GET' && fuzzCase.query ? `${url}?${fuzzCase.query}` : url);
	const finish = (outcome: { status?: number; body?: string; transportError?: string }): FuzzResult => {
		const statusOk = outcome.status !== undefined && fuzzCase.expected.includes(outcome.status);
		const bodyOk = fuzzCase.expectedBody === undefined || outcome.body === fuzzCase.expectedBody;
		return {
			index: fuzzCase.index,
			category: fuzzCase.category,
			note: fuzzCase.note,
			expected: fuzzCase.expected,
			...outcome,
			durationMs: Math.round(performance.now() - started),
			mismatch: !(statusOk && bodyOk),
		};
	};
	return new Promise((resolve) => {
		const headers: http.OutgoingHttpHeaders = { ...fuzzCase.headers, 'user-agent': 'facebookexternalua' };
		if (fuzzCase.method === 'POST') headers['content-length'] = String(fuzzCase.body.length);
		let settled = false;
		const settle = (outcome: { status?: number; body?: string; transportError?: string }) => {
			if (settled) return;
			settled = true;
			resolve(finish(outcome));
		};
		const request = http.request(target, { method: fuzzCase.method, headers, agent: false, timeout: timeoutMs }, (response) => {
			const chunks: Buffer[] = [];
			let size = 0;
			response.on('data', (chunk: Buffer) => {
				if (size < 4096) chunks.push(chunk);
				size += chunk.length;
			});
			response.on('error', (error) => settle({ status: response.statusCode, transportError: (error as NodeJS.ErrnoException).code ?? error.message }));
			response.on('end', () => settle({ status: response.statusCode, body: Buffer.concat(chunks).toString('utf8').slice(0, 4096) }));
		});
		request.on('timeout', () => {
			settle({ transportError: `no answer within ${timeoutMs} ms` });
			request.destroy();
		});
		request.on('error', (error) => settle({ transportError: (error as NodeJS.ErrnoException).code ?? error.message }));
		if (fuzzCase.method === 'POST') request.end(fuzzCase.body);
		else request.end();
	});
}

/** Runs `cases` with at most `concurrency` requests in flight; `onResult` sees each answer as it comes. */
export async function runCases(
	url: string,
	cases: Iterable<FuzzCase>,
	options: { concurrency: number; timeoutMs?: number; onResult?: (result: FuzzResult, fuzzCase: FuzzCase) => void },
): Promise<FuzzResult[]> {
	const results: FuzzResult[] = [];
	const iterator = cases[Symbol.iterator]();
	const worker = async () => {
		for (let next = iterator.next(); !next.done; next = iterator.next()) {
			const result = await sendCase(url, next.value, options.timeoutMs);
			results.push(result);
			options.onResult?.(result, next.value);
		}
	};
	await Promise.all(Array.from({ length: options.concurrency }, worker));
	return results.sort((left, right) => left.index - right.index);
}

/** n8n log lines that mean a crash-class problem, whatever the request. */
export const CRASH_LOG_PATTERN = /unhandled ?rejection|uncaught ?exception|unhandled 'error' event|\bFATAL\b|heap out of memory|Maximum call stack size exceeded/i;

export interface FuzzSummary {
	cases: number;
	byStatus: Record<string, number>;
	byCategory: Record<string, { cases: number; mismatches: number; transportErrors: number; statuses: Record<string, number> }>;
	mismatches: number;
	transportErrors: number;
	/** The first few mismatches, to start debugging from. */
	firstMismatches: Array<Pick<FuzzResult, 'index' | 'category' | 'note' | 'expected' | 'status' | 'transportError'> & { body?: string }>;
	slowestMs: number;
}

export function summarizeResults(results: FuzzResult[], keep = 15): FuzzSummary {
	const byStatus: Record<string, number> = {};
	const byCategory: FuzzSummary['byCategory'] = {};
	for (const result of results) {
		const status = result.status === undefined ? `no answer (${result.transportError})` : String(result.status);
		byStatus[status] = (byStatus[status] ?? 0) + 1;
		const category = (byCategory[result.category] ??= { cases: 0, mismatches: 0, transportErrors: 0, statuses: {} });
		category.cases++;
		category.statuses[status] = (category.statuses[status] ?? 0) + 1;
		if (result.mismatch) category.mismatches++;
		if (result.transportError) category.transportErrors++;
	}
	const mismatched = results.filter((result) => result.mismatch);
	return {
		cases: results.length,
		byStatus,
		byCategory,
		mismatches: mismatched.length,
		transportErrors: results.filter((result) => result.transportError).length,
		firstMismatches: mismatched.slice(0, keep).map(({ index, category, note, expected, status, transportError, body }) => ({
			index,
			category,
			note,
			expected,
			status,
			transportError,
			body: body?.slice(0, 200),
		})),
		slowestMs: results.reduce((max, result) => Math.max(max, result.durationMs), 0),
	};
}

// ---------------------------------------------------------------------------------------------------------
// A real n8n with the shipped support workflow (for the fuzz bench, its e2e test and the faults bench)

export const SUPPORT_WORKFLOW_FILE = path.join(repoRoot, 'workflows', 'whatsapp-ai-support.json');
const PACKAGE_PREFIX = 'n8n-nodes-whatsapp-ai-support.';
const STORE_CREDENTIAL = { id: 'fuzzSupportStorePg', name: 'Support store (Postgres)' };
const OPENAI_CREDENTIAL = { id: 'fuzzLocalOpenAi01', name: 'Local OpenAI-compatible' };

export interface SupportStackOptions {
	/** Where every node keeps state: the embedded store (default) or a PostgreSQL server. */
	postgres?: { host: string; port: number; database: string; user: string; schema?: string };
	/** Answer with a model (AI Reply's Model Source = credential) on an OpenAI-compatible server. */
	llm?: { baseUrl: string; apiKey: string; modelName: string; timeoutMs: number };
	sandbox?: GraphSandboxOptions;
	/** Extra n8n environment variables. */
	env?: Record<string, string>;
	logFile?: string;
	/** Sees every line n8n prints. */
	onLine?: (line: string) => void;
	prefix?: string;
}

export interface SupportStack {
	sandbox: GraphSandbox;
	server: N8nServer;
	/** The support workflow first, then the workflows it calls (the agent desk bridge). */
	workflowIds: string[];
	webhookUrl: string;
	/** Executions with status `error` over all imported workflows. */
	countFailedExecutions(): Promise<number>;
	/** The node and message of up to `limit` failed executions, for reports. */
	failedExecutionDetails(limit?: number): Promise<Array<{ id: string; workflowId: string; node?: string; message?: string }>>;
	stop(): Promise<void>;
}

/** Node type names (without prefix) of our nodes that have the Support Store parameter, read from dist/. */
async function nodesWithStoreParameter(): Promise<Set<string>> {
	const names = new Set<string>();
	for (const file of readPackageJson().n8n?.nodes ?? []) {
		const exported = (await import(path.join(repoRoot, file))) as Record<string, new () => { description: { name: string; properties: Array<{ name: string }> } }>;
		for (const NodeClass of Object.values(exported)) {
			if (typeof NodeClass !== 'function') continue;
			const { description } = new NodeClass();
			if (description.properties.some((property) => property.name === 'supportStore')) names.add(description.name);
		}
	}
	return names;
}

/** The support workflow and every workflow of workflows/ that it calls, adapted to the options. */
export async function supportWorkflows(options: Pick<SupportStackOptions, 'postgres' | 'llm'> = {}): Promise<WorkflowJson[]> {
	const main = JSON.parse(readFileSync(SUPPORT_WORKFLOW_FILE, 'utf8')) as WorkflowJson;
	const calledIds = new Set(
		main.nodes
			.filter((node) => node.type === 'n8n-nodes-base.executeWorkflow')
			.map((node) => (node.parameters.workflowId as { value?: string } | undefined)?.value)
			.filter((id): id is string => Boolean(id)),
	);
	const called = readdirSync(path.dirname(SUPPORT_WORKFLOW_FILE))
		.filter((name) => name.endsWith('.json'))
		.map((name) => JSON.parse(readFileSync(path.join(path.dirname(SUPPORT_WORKFLOW_FILE), name), 'utf8')) as WorkflowJson)
		.filter((workflow) => workflow.id && calledIds.has(workflow.id));
	const withStore = options.postgres ? await nodesWithStoreParameter() : new Set<string>();
	for (const workflow of [main, ...called]) {
		for (const node of workflow.nodes) {
			if (!node.type.startsWith(PACKAGE_PREFIX)) continue;
			const typeName = node.type.slice(PACKAGE_PREFIX.length);
			if (withStore.has(typeName)) {
				node.parameters = { ...node.parameters, supportStore: 'postgres' };
				node.credentials = { ...node.credentials, whatsAppSupportStorePostgresApi: STORE_CREDENTIAL };
			}
			if (options.llm && typeName === 'aiReply') {
				node.parameters = { ...node.parameters, modelSource: 'credential', modelName: options.llm.modelName, modelTimeoutMs: options.llm.timeoutMs };
				node.credentials = { ...node.credentials, openAiApi: OPENAI_CREDENTIAL };
			}
		}
	}
	return [main, ...called];
}

/** Starts the Graph sandbox and n8n with the support workflow active, and the credentials pointing at them. */
export async function startSupportStack(options: SupportStackOptions = {}): Promise<SupportStack> {
	const sandbox = await startGraphSandbox(options.sandbox);
	let server: N8nServer | undefined;
	try {
		const userFolder = createTempUserFolder(options.prefix ?? 'n8n-fuzz-');
		const credentials: CredentialJson[] = demoCredentials().map((credential) =>
			credential.type === 'whatsAppCloudApi' ? { ...credential, data: { ...(credential.data as Json), baseUrl: sandbox.baseUrl } } : credential,
		);
		if (options.postgres) {
			credentials.push({
				...STORE_CREDENTIAL,
				type: 'whatsAppSupportStorePostgresApi',
				data: { ...options.postgres, password: '', ssl: 'disable', schema: options.postgres.schema ?? 'whatsapp_support' },
			});
		}
		if (options.llm) {
			credentials.push({ ...OPENAI_CREDENTIAL, type: 'openAiApi', data: { apiKey: options.llm.apiKey, url: options.llm.baseUrl, organizationId: '', header: false } });
		}
		await importCredentials(userFolder, credentials);
		const imported = await importWorkflows(userFolder, await supportWorkflows(options));
		server = await startN8n({ userFolder, removeUserFolderOnStop: true, env: options.env, logFile: options.logFile, onLine: options.onLine });
		await server.rest.ensureOwner();
		// Sub-workflows first: n8n refuses to publish a workflow that calls an unpublished one.
		for (const workflow of [...imported].reverse()) await server.rest.activateWorkflow(workflow.id);
		const running = server;
		const workflowIds = imported.map((workflow) => workflow.id);
		return {
			sandbox,
			server: running,
			workflowIds,
			webhookUrl: demoWebhookUrl(running.baseUrl),
			countFailedExecutions: async () => {
				let total = 0;
				for (const id of workflowIds) total += await running.rest.countExecutions(id, 'error');
				return total;
			},
			failedExecutionDetails: async (limit = 10) => {
				const details: Array<{ id: string; workflowId: string; node?: string; message?: string }> = [];
				for (const workflowId of workflowIds) {
					const query = new URLSearchParams({ filter: JSON.stringify({ workflowId, status: ['error'] }), limit: String(limit) });
					const { results } = await running.rest.rest<{ results: Array<{ id: string }> }>('GET', `/executions?${query}`);
					for (const { id } of results.slice(0, limit - details.length)) {
						const execution = await running.rest.rest<{ data: string }>('GET', `/executions/${id}`);
						details.push({ id, workflowId, ...failureOf(execution.data) });
					}
				}
				return details;
			},
			stop: async () => {
				await running.stop();
				await sandbox.close();
			},
		};
	} catch (error) {
		await server?.stop();
		await sandbox.close();
		throw error;
	}
}

/** The failing node and message of an execution, from n8n's flattened execution data. */
function failureOf(data: unknown): { node?: string; message?: string } {
	try {
		const flat = (typeof data === 'string' ? JSON.parse(data) : data) as unknown[];
		const text = (value: unknown) => (typeof value === 'string' && /^\d+$/.test(value) ? flat[Number(value)] : value);
		const resultData = text((text(flat[0]) as Json)?.resultData) as Json | undefined;
		const error = text(resultData?.error) as Json | undefined;
		const node = text(error?.node) as Json | undefined;
		return { node: text(node?.name) as string | undefined, message: text(error?.message) as string | undefined };
	} catch {
		return {};
	}
}
