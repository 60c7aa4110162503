// The fuzz corpus (test/fixtures/webhooks/fuzz-corpus.ts) against handleInboundWebhook in-process, with a real
// (PGlite) store: each case must get the status the corpus says our spec gives it, and the store must take
// every valid payload, including text with NUL characters and lone surrogates. The cases that only a
// server can judge (size limit, Content-Encoding, the GET handshake) are left to test/e2e/trigger-fuzz.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { closeAllSupportStores, openSupportStore, type SupportStore } from '../../../nodes/domain/store';
import { handleInboundWebhook } from '../../../nodes/domain/whatsapp/inbound';
import { generateCase, generateCorpus, type CorpusOptions, type FuzzCase } from '../../fixtures/webhooks/fuzz-corpus';

const options: CorpusOptions = {
	seed: 77,
	appSecret: 'fuzz-unit-secret',
	verifyToken: 'fuzz-unit-token',
	phoneNumberId: '1065000000001',
	exclude: ['body-near-limit', 'body-over-limit', 'content-encoding', 'handshake'],
};

/** What the trigger would answer (Node joins a repeated header with ", ", as the server would). */
async function statusFor(fuzzCase: FuzzCase, store: SupportStore): Promise<{ status: number; detail?: string }> {
	const header = fuzzCase.headers['x-hub-signature-256'];
	const outcome = await handleInboundWebhook(
		fuzzCase.body,
		Array.isArray(header) ? header.join(', ') : header,
		{ appSecret: options.appSecret, phoneNumberIds: [options.phoneNumberId] },
		store,
	);
	if (!outcome.accepted) return { status: outcome.statusCode, detail: outcome.message };
	return outcome.storeError ? { status: 500, detail: outcome.storeError.message } : { status: 200 };
}

describe('the webhook fuzz corpus against handleInboundWebhook', () => {
	let folder: string;
	let store: SupportStore;

	beforeAll(async () => {
		folder = mkdtempSync(join(tmpdir(), 'wa-fuzz-'));
		store = await openSupportStore({ backend: 'pglite', dataDir: join(folder, 'pglite') });
	});

	afterAll(async () => {
		await closeAllSupportStores();
		rmSync(folder, { recursive: true, force: true });
	});

	it('is deterministic: a case rebuilt alone has the same bytes and expectation', () => {
		const all = [...generateCorpus(options, 40)];
		for (const fuzzCase of all) expect(generateCase(options, fuzzCase.index)).toEqual(fuzzCase);
		expect(generateCase({ ...options, seed: 78 }, 3).body).not.toEqual(all[3].body);
	});

	it('gets the expected status for 600 cases, and never a 500', async () => {
		const wrong: Array<Record<string, unknown>> = [];
		const categories = new Set<string>();
		let stored = 0;
		for (const fuzzCase of generateCorpus(options, 600)) {
			categories.add(fuzzCase.category);
			const { status, detail } = await statusFor(fuzzCase, store);
			if (status === 200 && fuzzCase.startsExecution) stored++;
			if (!fuzzCase.expected.includes(status)) {
				wrong.push({ index: fuzzCase.index, category: fuzzCase.category, note: fuzzCase.note, expected: fuzzCase.expected, status, detail });
			}
		}
		expect(wrong).toEqual([]);
		expect(categories.size).toBeGreaterThan(25);
		expect(stored).toBeGreaterThan(120);
	}, 120_000);

	it('stores the unicode edge cases (NUL, lone surrogates, RTL, zero-width, emoji) as the customer sent them, made storable', async () => {
		let checked = 0;
		for (let index = 0; checked < 30 && index < 5000; index++) {
			const fuzzCase = generateCase({ ...options, seed: 91 }, index, 'unicode');
			const { status } = await statusFor(fuzzCase, store);
			expect(status).toBe(200);
			const [id] = fuzzCase.messageIds;
			const message = await store.getMessageByWaId(id);
			// A redelivery of an id seen before is a duplicate and stores nothing new.
			if (!message) continue;
			expect(message.text ?? '').not.toMatch(/\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
			checked++;
		}
		expect(checked).toBe(30);
	}, 60_000);
});
