import {
	EvaluationDataError,
	formatEvaluationReport,
	parseEvaluationRows,
	percentile,
	runEvaluation,
	type EvaluationPrediction,
	type EvaluationRow,
} from '../../../scripts/lib/intent-evaluation';

describe('runEvaluation on a tiny hand-computed example', () => {
	const rows: EvaluationRow[] = [
		{ text: 't1', intent: 'a', lang: 'en', sentiment: 'positive' },
		{ text: 't2', intent: 'a', lang: 'en', sentiment: 'negative' },
		{ text: 't3', intent: 'b', lang: 'nl', sentiment: 'neutral' },
		{ text: 't4', intent: 'c', lang: 'nl' },
		{ text: 't5', intent: 'c' },
	];
	const predictions: Record<string, EvaluationPrediction> = {
		t1: { intent: 'a', confidence: 0.9, sentiment: { label: 'positive', score: 0.5 }, language: 'en' },
		t2: { intent: 'b', confidence: 0.8, sentiment: { label: 'negative', score: -0.5 }, language: 'en' },
		t3: { intent: 'b', confidence: 0.6, sentiment: { label: 'positive', score: 0.3 }, language: 'nl' },
		t4: { intent: 'c', confidence: 0.95, sentiment: { label: 'neutral', score: 0 }, language: 'nl' },
		t5: { intent: 'a', confidence: 0.5, language: 'de' },
	};
	// Each call takes 1, 2, 3, 4 and 5 ms on this clock.
	const ticks = [0, 1, 1, 3, 3, 6, 6, 10, 10, 15];

	async function evaluate() {
		let tick = 0;
		return runEvaluation({
			pack: { name: 'tiny', intents: ['a', 'b', 'c'] },
			rows,
			classify: async (text) => predictions[text],
			threshold: 0.7,
			now: () => ticks[tick++],
		});
	}

	it('computes accuracy, per-intent P/R/F1 and macro-F1', async () => {
		const report = await evaluate();
		expect(report.rows).toBe(5);
		expect(report.accuracy).toBe(0.6);
		expect(report.perIntent.a).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5, support: 2, predicted: 2 });
		expect(report.perIntent.b).toMatchObject({ precision: 0.5, recall: 1, support: 1, predicted: 2 });
		expect(report.perIntent.b.f1).toBeCloseTo(2 / 3, 12);
		expect(report.perIntent.c).toMatchObject({ precision: 1, recall: 0.5, support: 2, predicted: 1 });
		expect(report.perIntent.c.f1).toBeCloseTo(2 / 3, 12);
		expect(report.macroF1).toBeCloseTo(11 / 18, 12);
	});

	it('lists confusions, coverage and precision at the threshold, per-language and sentiment accuracy', async () => {
		const report = await evaluate();
		expect(report.confusions).toEqual([
			{ expected: 'a', predicted: 'b', count: 1 },
			{ expected: 'c', predicted: 'a', count: 1 },
		]);
		expect(report.coverage).toBe(0.6);
		expect(report.precisionAtThreshold).toBeCloseTo(2 / 3, 12);
		expect(report.perLanguage).toEqual({
			de: { accuracy: 0, rows: 1 },
			en: { accuracy: 0.5, rows: 2 },
			nl: { accuracy: 1, rows: 2 },
		});
		expect(report.sentimentAccuracy).toBeCloseTo(2 / 3, 12);
		expect(report.sentimentRows).toBe(3);
	});

	it('measures latency per message and the calibration error', async () => {
		const report = await evaluate();
		expect(report.latencyMs).toEqual({ p50: 3, p95: 5, mean: 3, max: 5 });
		// Bins: 0.9–1 (0.9, 0.95; both right) 0.075 × 2/5, 0.8 (wrong) 0.8 × 1/5, 0.6 (right) 0.4 × 1/5,
		// 0.5 (wrong) 0.5 × 1/5 → 0.03 + 0.16 + 0.08 + 0.1.
		expect(report.ece).toBeCloseTo(0.37, 12);
		expect(report.predictions.map((prediction) => prediction.correct)).toEqual([true, false, true, true, false]);
		expect(report.predictions[1]).toMatchObject({ text: 't2', expected: 'a', intent: 'b', latencyMs: 2 });
	});

	it('reports null, not zero, when nothing reaches the threshold or no row has a sentiment label', async () => {
		const report = await runEvaluation({
			pack: { name: 'tiny', intents: [{ name: 'a' }, { name: 'b' }] },
			rows: [{ text: 'x', intent: 'a' }],
			classify: () => ({ intent: 'a', confidence: 0.3 }),
			threshold: 0.9,
		});
		expect(report.coverage).toBe(0);
		expect(report.precisionAtThreshold).toBeNull();
		expect(report.sentimentAccuracy).toBeNull();
		expect(report.accuracy).toBe(1);
	});

	it('refuses rows whose intent the pack does not have', async () => {
		await expect(
			runEvaluation({ pack: { name: 'tiny', intents: ['a'] }, rows: [{ text: 'x', intent: 'zzz' }], classify: () => ({ intent: 'a', confidence: 1 }) }),
		).rejects.toThrow(/intents that pack "tiny" does not have: zzz/);
	});

	it('formats a readable report', async () => {
		const text = formatEvaluationReport(await evaluate(), { mode: 'embedded' });
		expect(text).toContain('accuracy              60.0 %');
		expect(text).toContain('macro-F1              0.611');
		expect(text).toContain('precision @ 0.70      66.7 %');
		expect(text).toMatch(/1 {2}a → b/);
	});
});

describe('parseEvaluationRows', () => {
	it('reads JSONL, skipping blank lines', () => {
		expect(parseEvaluationRows('{"text":"hi","intent":"greeting","lang":"en","sentiment":"neutral"}\n\n{"text":"x","intent":"y"}\n')).toEqual([
			{ text: 'hi', intent: 'greeting', lang: 'en', sentiment: 'neutral' },
			{ text: 'x', intent: 'y', lang: undefined, sentiment: undefined },
		]);
	});

	it('names the lines with problems', () => {
		expect(() => parseEvaluationRows('{"text":"a","intent":"b"}\nnot json\n{"text":"a"}\n{"text":"a","intent":"b","sentiment":"happy"}')).toThrow(
			EvaluationDataError,
		);
		try {
			parseEvaluationRows('{"text":"a","intent":"b"}\nnot json\n{"text":"a"}\n{"text":"a","intent":"b","sentiment":"happy"}');
		} catch (error) {
			expect((error as Error).message).toMatch(/line 2: not JSON/);
			expect((error as Error).message).toMatch(/line 3: needs "text" and "intent"/);
			expect((error as Error).message).toMatch(/line 4: "sentiment" must be/);
		}
		expect(() => parseEvaluationRows('\n\n')).toThrow(/no rows/);
	});
});

describe('percentile', () => {
	it('uses the nearest rank', () => {
		expect(percentile([1, 2, 3, 4], 50)).toBe(2);
		expect(percentile([1, 2, 3, 4], 95)).toBe(4);
		expect(percentile([7], 50)).toBe(7);
		expect(percentile([], 50)).toBe(0);
	});
});
