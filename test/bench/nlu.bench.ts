// `npm run bench:nlu [-- --json]`: how fast the embedded NLU trains and answers, and what it costs in
// memory. Targets (issue C): a shipped pack trains in < 2 s, and classifies at p50 < 1 ms.
// A benchmark, not a test: the figures depend on the machine and on what else it is doing.
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { analyzeText, clearClassifierCache, listIntentPacks, loadIntentPack, trainIntentClassifier } from '../../nodes/domain/nlu';
import { percentile } from '../../scripts/lib/intent-evaluation';

const TRAIN_TARGET_MS = 2000;
const CLASSIFY_P50_TARGET_MS = 1;
const WARM_TRAININGS = 3;
const PASSES = 5;

// A garbage collector we can call, so memory figures are what a model keeps, not garbage.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

function retainedHeap(): number {
	collectGarbage();
	collectGarbage();
	const usage = process.memoryUsage();
	// Model weights live in typed arrays, outside the JS heap.
	return usage.heapUsed + usage.arrayBuffers;
}

interface PackFigures {
	pack: string;
	intents: number;
	examples: number;
	features: number;
	trainColdMs: number;
	trainWarmMedianMs: number;
	temperature: number;
	outOfFoldAccuracy: number;
	outOfFoldEceBefore: number;
	outOfFoldEceAfter: number;
	classifyMs: { p50: number; p95: number };
	analyzeTextMs: { p50: number; p95: number };
	modelBytes: number;
	retainedHeapBytes: number;
}

function median(values: number[]): number {
	return [...values].sort((left, right) => left - right)[Math.floor(values.length / 2)];
}

function timeEach(texts: string[], run: (text: string) => unknown): { p50: number; p95: number } {
	const times: number[] = [];
	for (let pass = 0; pass < PASSES; pass++) {
		for (const text of texts) {
			const started = performance.now();
			run(text);
			times.push(performance.now() - started);
		}
	}
	times.sort((left, right) => left - right);
	return { p50: percentile(times, 50), p95: percentile(times, 95) };
}

function benchmarkPack(name: string): PackFigures {
	const pack = loadIntentPack(name);
	const heapBefore = retainedHeap();
	// The first training in the process is what a fresh n8n worker pays (includes JIT warm-up).
	const cold = trainIntentClassifier(pack.intents);
	const retainedHeapBytes = retainedHeap() - heapBefore;
	const warm: number[] = [];
	for (let run = 0; run < WARM_TRAININGS; run++) warm.push(trainIntentClassifier(pack.intents).trainingMilliseconds);

	const devFile = join(__dirname, `../fixtures/nlu/${name}-dev.jsonl`);
	const devTexts = readFileSync(devFile, 'utf8')
		.trim()
		.split('\n')
		.map((line) => (JSON.parse(line) as { text: string }).text);
	const texts = [...devTexts, ...pack.intents.flatMap((intent) => intent.examples.slice(0, 10))];
	clearClassifierCache();
	analyzeText('warm-up', { intents: pack.intents });
	const classify = timeEach(texts, (text) => cold.classify(text));
	const analyze = timeEach(texts, (text) => analyzeText(text, { intents: pack.intents }));

	return {
		pack: name,
		intents: pack.intents.length,
		examples: pack.intents.reduce((sum, intent) => sum + intent.examples.length, 0),
		features: cold.featureCount,
		trainColdMs: cold.trainingMilliseconds,
		trainWarmMedianMs: median(warm),
		temperature: cold.temperature,
		outOfFoldAccuracy: cold.calibration.outOfFoldAccuracy,
		outOfFoldEceBefore: cold.calibration.eceBefore,
		outOfFoldEceAfter: cold.calibration.eceAfter,
		classifyMs: classify,
		analyzeTextMs: analyze,
		// Estimate: Float32 weights per feature and intent, plus the feature → row map (≈ 40 bytes an entry).
		modelBytes: cold.featureCount * pack.intents.length * 4 + cold.featureCount * 40,
		retainedHeapBytes,
	};
}

function main(): void {
	const json = process.argv.includes('--json');
	const machine = {
		node: process.version,
		cpus: cpus().length,
		cpu: cpus()[0]?.model ?? 'unknown',
		loadAverage: loadavg().map((value) => Number(value.toFixed(2))),
	};
	const results = listIntentPacks().map(benchmarkPack);
	const rss = process.memoryUsage().rss;
	if (json) {
		process.stdout.write(`${JSON.stringify({ machine, rssBytes: rss, results })}\n`);
		return;
	}
	const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
	const ms = (value: number) => `${value.toFixed(3)} ms`;
	const verdict = (ok: boolean) => (ok ? 'ok' : 'MISSED');
	process.stdout.write(`NLU benchmark — Node ${machine.node}, ${machine.cpus} × ${machine.cpu}, load average ${machine.loadAverage.join(' ')}\n\n`);
	for (const result of results) {
		process.stdout.write(
			[
				`${result.pack}: ${result.intents} intents, ${result.examples} examples, ${result.features} features`,
				`  train (first in process)   ${result.trainColdMs.toFixed(0)} ms   [target < ${TRAIN_TARGET_MS} ms: ${verdict(result.trainColdMs < TRAIN_TARGET_MS)}]`,
				`  train (median of ${WARM_TRAININGS} more)   ${result.trainWarmMedianMs.toFixed(0)} ms`,
				`  calibration                T = ${result.temperature.toFixed(3)}, out-of-fold accuracy ${(result.outOfFoldAccuracy * 100).toFixed(1)} %, ECE ${result.outOfFoldEceBefore.toFixed(3)} → ${result.outOfFoldEceAfter.toFixed(3)}`,
				`  classify                   p50 ${ms(result.classifyMs.p50)}, p95 ${ms(result.classifyMs.p95)}   [target p50 < ${CLASSIFY_P50_TARGET_MS} ms: ${verdict(result.classifyMs.p50 < CLASSIFY_P50_TARGET_MS)}]`,
				`  analyzeText (+ language, sentiment)  p50 ${ms(result.analyzeTextMs.p50)}, p95 ${ms(result.analyzeTextMs.p95)}`,
				`  memory                     model ≈ ${mb(result.modelBytes)} (estimate), heap retained after training ${mb(result.retainedHeapBytes)}`,
				'',
			].join('\n'),
		);
	}
	process.stdout.write(`process RSS ${mb(rss)}\n`);
}

main();
