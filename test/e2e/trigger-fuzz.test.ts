// A small fuzz run inside `npm test`: 400 cases of the deterministic webhook corpus (test/fixtures/webhooks/fuzz-corpus.ts;
// the full run is `npm run bench:fuzz`) against the WhatsApp AI Trigger of the shipped support workflow in a
// real n8n. Every answer must be the status our spec gives the case, and afterwards n8n must still run and
// answer customers, with no crash lines in its log and no failed execution.
import {
	CRASH_LOG_PATTERN,
	generateCase,
	generateCorpus,
	runCases,
	sendCase,
	startSupportStack,
	type CorpusOptions,
	type FuzzResult,
	type SupportStack,
} from '../fixtures/webhooks/fuzz-corpus';
import { DEMO_APP_SECRET, DEMO_PHONE_NUMBER_ID, DEMO_VERIFY_TOKEN } from '../../scripts/demo';

const CASES = 400;
const corpus: CorpusOptions = {
	seed: 424_242,
	appSecret: DEMO_APP_SECRET,
	verifyToken: DEMO_VERIFY_TOKEN,
	phoneNumberId: DEMO_PHONE_NUMBER_ID,
	nowSeconds: Math.floor(Date.now() / 1000),
	// The 16 MiB bodies belong to the bench; one is slow to build and send, and proves nothing new here.
	exclude: ['body-near-limit'],
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('WhatsApp AI Trigger under a fuzz corpus, in a real n8n server', () => {
	let stack: SupportStack;
	const crashLines: string[] = [];
	let results: FuzzResult[] = [];

	beforeAll(async () => {
		stack = await startSupportStack({
			prefix: 'n8n-e2e-fuzz-',
			onLine: (line) => {
				if (CRASH_LOG_PATTERN.test(line)) crashLines.push(line.slice(0, 500));
			},
		});
		// The first message opens the store and trains the classifier; keep that out of the corpus's timeouts.
		const warmUp = await sendCase(stack.webhookUrl, { ...generateCase({ ...corpus, seed: 1 }, 0, 'valid-message'), index: -1 }, 120_000);
		if (warmUp.status !== 200) throw new Error(`warm-up message answered ${warmUp.status ?? warmUp.transportError}`);
		await stack.server.rest.waitForExecutions(stack.workflowIds[0], 1, 120_000);

		results = await runCases(stack.webhookUrl, generateCorpus(corpus, CASES), { concurrency: 6, timeoutMs: 60_000 });
		// Let the executions the corpus started finish before anything is counted.
		let previous = -1;
		for (let stable = 0, round = 0; stable < 2 && round < 40; round++) {
			await sleep(3000);
			const count = await stack.server.rest.countExecutions(stack.workflowIds[0]);
			stable = count === previous ? stable + 1 : 0;
			previous = count;
		}
	}, 900_000);

	afterAll(async () => {
		await stack?.stop();
	}, 60_000);

	it('covers the corpus: many categories, each outcome class', () => {
		expect(results).toHaveLength(CASES);
		expect(new Set(results.map((result) => result.category)).size).toBeGreaterThan(25);
		const statuses = new Set(results.map((result) => result.status));
		for (const status of [200, 400, 401, 403]) expect(statuses).toContain(status);
	});

	it('answers every case with the status the spec gives it, and never drops a connection', () => {
		const wrong = results
			.filter((result) => result.mismatch || result.transportError)
			.map(({ index, category, note, expected, status, transportError, body }) => ({ index, category, note, expected, status, transportError, body: body?.slice(0, 120) }));
		expect(wrong).toEqual([]);
	});

	it('leaves n8n running, without crash lines in its log, still answering customers', async () => {
		expect(stack.server.isRunning()).toBe(true);
		expect(crashLines).toEqual([]);
		const health = await fetch(`${stack.server.baseUrl}/healthz`);
		expect(health.status).toBe(200);

		const normal = generateCase({ ...corpus, seed: 2 }, 0, 'valid-message');
		const customer = JSON.parse(normal.body.toString('utf8')).entry[0].changes[0].value.messages[0].from as string;
		const answer = await sendCase(stack.webhookUrl, { ...normal, index: -2 }, 60_000);
		expect(answer.status).toBe(200);
		let replied = false;
		for (let waited = 0; !replied && waited < 60_000; waited += 500) {
			replied = stack.sandbox.sentMessages().some((message) => message.to === customer);
			if (!replied) await sleep(500);
		}
		expect(replied).toBe(true);
	}, 120_000);

	it('has no failed execution', async () => {
		const failed = await stack.countFailedExecutions();
		const causes = failed > 0 ? await stack.failedExecutionDetails(10) : [];
		expect({ failed, causes }).toEqual({ failed: 0, causes: [] });
	}, 120_000);
});
