// `npm run bench:fuzz`: at least 10,000 mutated and malformed webhook requests against the WhatsApp AI
// Trigger of the shipped support workflow in a real n8n (embedded store, Graph sandbox). Required result
// (issue H): no crash, no unhandled rejection, every answer the status our spec gives the case.
//
// Counts: answers per status; mismatches with the expected status (the first few, with their category);
// transport errors (a reset connection is how a crash shows); whether n8n is still alive and still answers
// a normal message; n8n log lines that mean a crash (unhandled rejection, uncaught exception, FATAL …);
// failed executions (with the failing node and message); RSS of n8n and its task runner before and after.
// Writes test-artifacts/bench/fuzz-<date>.json.
//
// Environment: FUZZ_CASES (default 10000), FUZZ_SEED (default 20261121), FUZZ_CONCURRENCY (default 6),
// FUZZ_TIMEOUT_MS per request (default 60000), FUZZ_SKIP_HUGE=1 leaves out the 16 MiB bodies.
// The corpus is deterministic: the same seed and count send the same bytes (see test/fixtures/webhooks/fuzz-corpus.ts).
import { formatBytes, formatTable, machineInfo, ResourceSampler, writeResultsJson } from './bench-lib';
import {
	CRASH_LOG_PATTERN,
	FUZZ_CATEGORIES,
	generateCorpus,
	runCases,
	sendCase,
	startSupportStack,
	summarizeResults,
	generateCase,
	type CorpusOptions,
	type FuzzCategory,
} from '../fixtures/webhooks/fuzz-corpus';
import { DEMO_APP_SECRET, DEMO_PHONE_NUMBER_ID, DEMO_VERIFY_TOKEN } from '../../scripts/demo';

const CASES = Number(process.env.FUZZ_CASES ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_121);
const CONCURRENCY = Number(process.env.FUZZ_CONCURRENCY ?? 6);
const TIMEOUT_MS = Number(process.env.FUZZ_TIMEOUT_MS ?? 60_000);
const SKIP_HUGE = process.env.FUZZ_SKIP_HUGE === '1';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
	const crashLines: string[] = [];
	const stack = await startSupportStack({
		prefix: 'n8n-bench-fuzz-',
		// Keep every send: the final check looks for the reply to one customer among thousands.
		sandbox: { maxRecorded: 1_000_000 },
		onLine: (line) => {
			if (CRASH_LOG_PATTERN.test(line) && crashLines.length < 200) crashLines.push(line.slice(0, 500));
		},
	});
	const { server } = stack;
	try {
		const corpus: CorpusOptions = {
			seed: SEED,
			appSecret: DEMO_APP_SECRET,
			verifyToken: DEMO_VERIFY_TOKEN,
			phoneNumberId: DEMO_PHONE_NUMBER_ID,
			nowSeconds: Math.floor(Date.now() / 1000),
			exclude: SKIP_HUGE ? ['body-near-limit', 'body-over-limit'] : [],
		};

		// Warm up (store, NLU model, first execution) with a normal message outside the corpus.
		const warmUp = { ...generateCase({ ...corpus, seed: SEED + 1 }, 0, 'valid-message'), index: -1 };
		const warmUpResult = await sendCase(stack.webhookUrl, warmUp, 120_000);
		if (warmUpResult.status !== 200) throw new Error(`warm-up message answered ${warmUpResult.status ?? warmUpResult.transportError}`);
		await server.rest.waitForExecutions(stack.workflowIds[0], 1, 120_000);

		const sampler = new ResourceSampler(server.pid, 1000).start();
		const rssBefore = sampler.stop().endRssBytes;
		const during = new ResourceSampler(server.pid, 1000).start();
		console.log(`fuzz: ${CASES} cases, seed ${SEED}, concurrency ${CONCURRENCY}, against ${stack.webhookUrl}`);

		const started = Date.now();
		let done = 0;
		const results = await runCases(stack.webhookUrl, generateCorpus(corpus, CASES), {
			concurrency: CONCURRENCY,
			timeoutMs: TIMEOUT_MS,
			onResult: (result) => {
				done++;
				if (result.mismatch && done < 5000) console.log(`  mismatch #${result.index} ${result.category} (${result.note.slice(0, 80)}): expected ${result.expected.join('/')}, got ${result.status ?? result.transportError}`);
				if (done % 1000 === 0) console.log(`  ${done} sent, ${Math.round((Date.now() - started) / 1000)} s`);
			},
		});
		const elapsedMs = Date.now() - started;

		// Let the executions the corpus started finish: wait until the count stops moving.
		let executions = -1;
		for (let stable = 0, waited = 0; stable < 3 && waited < 300; waited += 5) {
			await sleep(5000);
			const now = await server.rest.countExecutions(stack.workflowIds[0]);
			stable = now === executions ? stable + 1 : 0;
			executions = now;
		}
		const resources = during.stop();

		// Still alive, and still doing its job: a normal message is answered 200 and gets a reply.
		const alive = server.isRunning();
		let stillServes = false;
		if (alive) {
			const check = { ...generateCase({ ...corpus, seed: SEED + 2 }, 0, 'valid-message'), index: -2 };
			const customer = (JSON.parse(check.body.toString('utf8')) as { entry: Array<{ changes: Array<{ value: { messages: Array<{ from: string }> } }> }> }).entry[0]
				.changes[0].value.messages[0].from;
			const answer = await sendCase(stack.webhookUrl, check, 60_000);
			for (let waited = 0; answer.status === 200 && !stillServes && waited < 60_000; waited += 500) {
				stillServes = stack.sandbox.sentMessages().some((message) => message.to === customer);
				if (!stillServes) await sleep(500);
			}
		}
		const failedExecutions = alive ? await stack.countFailedExecutions() : -1;
		const failures = alive && failedExecutions > 0 ? await stack.failedExecutionDetails(50) : [];
		const failureCauses: Record<string, number> = {};
		for (const failure of failures) {
			const cause = `${failure.node ?? '?'}: ${(failure.message ?? '?').slice(0, 100)}`;
			failureCauses[cause] = (failureCauses[cause] ?? 0) + 1;
		}

		const summary = summarizeResults(results);
		const earlyResets = results.filter((result) => result.transportError && result.category === 'body-over-limit').length;
		const rows = FUZZ_CATEGORIES.filter((category) => summary.byCategory[category]).map((category: FuzzCategory) => {
			const figures = summary.byCategory[category];
			const statuses = Object.entries(figures.statuses)
				.sort(([left], [right]) => left.localeCompare(right))
				.map(([status, count]) => `${status}×${count}`)
				.join(' ');
			return [category, figures.cases, figures.mismatches, figures.transportErrors, statuses];
		});
		console.log(`\n${formatTable(['category', 'cases', 'mismatches', 'transport errors', 'statuses'], rows, ['l', 'r', 'r', 'r', 'l'])}`);
		console.log(
			`\n${formatTable(
				['figure', 'value'],
				[
					['cases', summary.cases],
					['answers per status', Object.entries(summary.byStatus).map(([status, count]) => `${status}: ${count}`).join(', ')],
					['mismatches with the spec', summary.mismatches],
					['transport errors (resets, timeouts)', `${summary.transportErrors}${earlyResets ? ` (${earlyResets} on over-limit bodies)` : ''}`],
					['slowest answer', `${summary.slowestMs} ms`],
					['n8n still running', alive ? 'yes' : 'NO'],
					['n8n still answers and replies', stillServes ? 'yes' : 'NO'],
					['crash lines in n8n log', crashLines.length],
					['executions finished', executions],
					['failed executions', failedExecutions],
					['RSS before → after (n8n + runner)', `${formatBytes(rssBefore)} → ${formatBytes(resources.endRssBytes)} (peak ${formatBytes(resources.peakRssBytes)})`],
					['duration', `${Math.round(elapsedMs / 1000)} s (${Math.round((summary.cases / elapsedMs) * 1000)} requests/s)`],
				],
				['l', 'l'],
			)}`,
		);
		if (summary.firstMismatches.length) console.log('\nfirst mismatches:', JSON.stringify(summary.firstMismatches, null, 2));
		if (crashLines.length) console.log('\ncrash lines:\n', crashLines.slice(0, 20).join('\n'));
		if (Object.keys(failureCauses).length) console.log('\nfailed executions by cause (sampled):', failureCauses);

		const file = writeResultsJson('fuzz', {
			machine: machineInfo(),
			settings: { cases: CASES, seed: SEED, concurrency: CONCURRENCY, timeoutMs: TIMEOUT_MS, skipHuge: SKIP_HUGE },
			summary,
			transportErrorsOnOverLimitBodies: earlyResets,
			n8n: { alive, stillServes, crashLines, executions, failedExecutions, failureCauses, failures },
			rss: { beforeBytes: rssBefore, afterBytes: resources.endRssBytes, peakBytes: resources.peakRssBytes },
			elapsedMs,
		});
		console.log(`\nwrote ${file}`);
		const passed = summary.mismatches === 0 && summary.transportErrors === earlyResets && alive && stillServes && crashLines.length === 0 && failedExecutions === 0;
		console.log(passed ? 'RESULT: pass' : 'RESULT: FAIL (see above)');
		process.exitCode = passed ? 0 : 1;
	} finally {
		await stack.stop();
	}
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
