/**
 * Evaluation of an intent classifier on labelled messages: accuracy, macro-F1, per-intent
 * precision/recall/F1, confusions, coverage and precision at a confidence threshold, per-language
 * accuracy, sentiment accuracy, latency and expected calibration error.
 *
 * The classifier is a function, so any mode can be measured the same way: the embedded classifier
 * today, an LLM or a cascade tomorrow (see scripts/eval-intent.ts).
 */
import { expectedCalibrationError, type ReliabilityBin } from '../../nodes/domain/nlu/calibration';
import type { IntentScore, SentimentLabel } from '../../nodes/domain/nlu/types';

export interface EvaluationRow {
	text: string;
	intent: string;
	lang?: string;
	sentiment?: SentimentLabel;
}

/** What a classifier returns for one message; only intent and confidence are required. */
export interface EvaluationPrediction {
	intent: string;
	confidence: number;
	ranking?: IntentScore[];
	margin?: number;
	sentiment?: { label: SentimentLabel; score: number };
	language?: string;
	source?: string;
	/** Token usage, when an LLM answered (llm and cascade modes). */
	usage?: { inputTokens?: number; outputTokens?: number; model?: string };
}

export interface IntentMetrics {
	precision: number;
	recall: number;
	f1: number;
	/** Rows whose true intent this is. */
	support: number;
	/** Rows predicted as this intent. */
	predicted: number;
}

export interface EvaluationReport {
	pack: string;
	rows: number;
	threshold: number;
	accuracy: number;
	macroF1: number;
	perIntent: Record<string, IntentMetrics>;
	/** Most frequent (expected → predicted) mistakes, most frequent first. */
	confusions: Array<{ expected: string; predicted: string; count: number }>;
	/** Share of rows with confidence ≥ threshold (what would be automated). */
	coverage: number;
	/** Accuracy on the covered rows; null when no row reaches the threshold. */
	precisionAtThreshold: number | null;
	/**
	 * Of the rows labelled out_of_scope, the share given another intent at or above the threshold: the
	 * unrelated requests the bot would answer alone. null when no row is labelled out_of_scope.
	 */
	unrelatedAnswered: number | null;
	unrelatedRows: number;
	/** Coverage and precision at thresholds from 0.30 to 0.95 (step 0.05). */
	curve: Array<{ threshold: number; coverage: number; precision: number | null; unrelatedAnswered: number | null }>;
	perLanguage: Record<string, { accuracy: number; rows: number }>;
	/** Accuracy of sentiment labels on the rows that have one; null when none has. */
	sentimentAccuracy: number | null;
	sentimentRows: number;
	latencyMs: { p50: number; p95: number; mean: number; max: number };
	/** Expected calibration error (10 equal-width bins) of the confidences. */
	ece: number;
	reliability: ReliabilityBin[];
	predictions: Array<EvaluationPrediction & { text: string; expected: string; correct: boolean; latencyMs: number }>;
}

export interface RunEvaluationOptions {
	/** Pack name (for the report) and its intent names (rows must use these). */
	pack: { name: string; intents: string[] } | { name: string; intents: Array<{ name: string }> };
	rows: EvaluationRow[];
	classify: (text: string, row: EvaluationRow) => Promise<EvaluationPrediction> | EvaluationPrediction;
	threshold?: number;
	/** Clock for latency, in milliseconds (injectable for tests). */
	now?: () => number;
}

export class EvaluationDataError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'EvaluationDataError';
	}
}

const OUT_OF_SCOPE = 'out_of_scope';
const SENTIMENT_LABELS = new Set(['negative', 'neutral', 'positive']);

/** Parses JSONL (one `{"text","intent","lang"?,"sentiment"?}` per line), naming the line of any problem. */
export function parseEvaluationRows(jsonl: string): EvaluationRow[] {
	const rows: EvaluationRow[] = [];
	const problems: string[] = [];
	jsonl.split(/\r?\n/).forEach((line, index) => {
		if (!line.trim()) return;
		let value: unknown;
		try {
			value = JSON.parse(line);
		} catch (error) {
			problems.push(`line ${index + 1}: not JSON (${(error as Error).message})`);
			return;
		}
		const row = value as Partial<EvaluationRow>;
		if (!row || typeof row.text !== 'string' || typeof row.intent !== 'string' || !row.intent) {
			problems.push(`line ${index + 1}: needs "text" and "intent" strings`);
			return;
		}
		if (row.sentiment !== undefined && !SENTIMENT_LABELS.has(row.sentiment)) {
			problems.push(`line ${index + 1}: "sentiment" must be negative, neutral or positive`);
			return;
		}
		rows.push({ text: row.text, intent: row.intent, lang: typeof row.lang === 'string' ? row.lang : undefined, sentiment: row.sentiment });
	});
	if (problems.length > 0) throw new EvaluationDataError(`The evaluation data has problems:\n- ${problems.slice(0, 20).join('\n- ')}`);
	if (rows.length === 0) throw new EvaluationDataError('The evaluation data has no rows');
	return rows;
}

/** Nearest-rank percentile of an ascending list. */
export function percentile(sorted: number[], percent: number): number {
	if (sorted.length === 0) return 0;
	const rank = Math.ceil((percent / 100) * sorted.length);
	return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

function ratio(numerator: number, denominator: number): number {
	return denominator === 0 ? 0 : numerator / denominator;
}

/** Runs the classifier over every row (one at a time, so latency is per message) and computes the metrics. */
export async function runEvaluation(options: RunEvaluationOptions): Promise<EvaluationReport> {
	const threshold = options.threshold ?? 0.7;
	const now = options.now ?? (() => performance.now());
	const intentNames = options.pack.intents.map((intent) => (typeof intent === 'string' ? intent : intent.name));
	const known = new Set(intentNames);
	const unknown = [...new Set(options.rows.map((row) => row.intent).filter((intent) => !known.has(intent)))];
	if (unknown.length > 0) {
		throw new EvaluationDataError(
			`The data uses intents that pack "${options.pack.name}" does not have: ${unknown.join(', ')} (the pack has: ${intentNames.join(', ')})`,
		);
	}

	const predictions: EvaluationReport['predictions'] = [];
	for (const row of options.rows) {
		const started = now();
		const prediction = await options.classify(row.text, row);
		const latencyMs = now() - started;
		predictions.push({ ...prediction, text: row.text, expected: row.intent, correct: prediction.intent === row.intent, latencyMs });
	}

	const correctCount = predictions.filter((prediction) => prediction.correct).length;
	const labels = [...new Set([...options.rows.map((row) => row.intent), ...predictions.map((prediction) => prediction.intent)])];
	const perIntent: Record<string, IntentMetrics> = {};
	for (const label of [...intentNames.filter((name) => labels.includes(name)), ...labels.filter((name) => !known.has(name))]) {
		const truePositives = predictions.filter((prediction) => prediction.expected === label && prediction.intent === label).length;
		const support = predictions.filter((prediction) => prediction.expected === label).length;
		const predicted = predictions.filter((prediction) => prediction.intent === label).length;
		const precision = ratio(truePositives, predicted);
		const recall = ratio(truePositives, support);
		perIntent[label] = { precision, recall, f1: ratio(2 * precision * recall, precision + recall), support, predicted };
	}
	const macroF1 = ratio(
		Object.values(perIntent).reduce((sum, metrics) => sum + metrics.f1, 0),
		Object.keys(perIntent).length,
	);

	const confusionCounts = new Map<string, { expected: string; predicted: string; count: number }>();
	for (const prediction of predictions) {
		if (prediction.correct) continue;
		const key = `${prediction.expected}\u0000${prediction.intent}`;
		const entry = confusionCounts.get(key) ?? { expected: prediction.expected, predicted: prediction.intent, count: 0 };
		entry.count++;
		confusionCounts.set(key, entry);
	}
	const confusions = [...confusionCounts.values()].sort(
		(left, right) => right.count - left.count || left.expected.localeCompare(right.expected) || left.predicted.localeCompare(right.predicted),
	);

	const covered = predictions.filter((prediction) => prediction.confidence >= threshold);
	const unrelated = predictions.filter((prediction) => prediction.expected === OUT_OF_SCOPE);
	const unrelatedShare = (at: number) =>
		unrelated.length === 0
			? null
			: ratio(unrelated.filter((prediction) => prediction.intent !== OUT_OF_SCOPE && prediction.confidence >= at).length, unrelated.length);
	const curve: EvaluationReport['curve'] = [];
	for (let step = 6; step <= 19; step++) {
		const at = step / 20;
		const above = predictions.filter((prediction) => prediction.confidence >= at);
		curve.push({
			threshold: at,
			coverage: ratio(above.length, predictions.length),
			precision: above.length === 0 ? null : ratio(above.filter((prediction) => prediction.correct).length, above.length),
			unrelatedAnswered: unrelatedShare(at),
		});
	}
	const perLanguage: Record<string, { accuracy: number; rows: number }> = {};
	const byLanguage = new Map<string, { correct: number; rows: number }>();
	predictions.forEach((prediction, index) => {
		const language = options.rows[index].lang ?? prediction.language ?? 'unknown';
		const entry = byLanguage.get(language) ?? { correct: 0, rows: 0 };
		entry.rows++;
		if (prediction.correct) entry.correct++;
		byLanguage.set(language, entry);
	});
	for (const [language, entry] of [...byLanguage.entries()].sort(([left], [right]) => left.localeCompare(right))) {
		perLanguage[language] = { accuracy: ratio(entry.correct, entry.rows), rows: entry.rows };
	}

	const withSentiment = options.rows
		.map((row, index) => ({ expected: row.sentiment, actual: predictions[index].sentiment?.label }))
		.filter((entry) => entry.expected !== undefined);
	const latencies = predictions.map((prediction) => prediction.latencyMs).sort((left, right) => left - right);
	const calibration = expectedCalibrationError(
		predictions.map((prediction) => prediction.confidence),
		predictions.map((prediction) => prediction.correct),
	);

	return {
		pack: options.pack.name,
		rows: predictions.length,
		threshold,
		accuracy: ratio(correctCount, predictions.length),
		macroF1,
		perIntent,
		confusions,
		coverage: ratio(covered.length, predictions.length),
		precisionAtThreshold: covered.length === 0 ? null : ratio(covered.filter((prediction) => prediction.correct).length, covered.length),
		unrelatedAnswered: unrelatedShare(threshold),
		unrelatedRows: unrelated.length,
		curve,
		perLanguage,
		sentimentAccuracy:
			withSentiment.length === 0 ? null : ratio(withSentiment.filter((entry) => entry.expected === entry.actual).length, withSentiment.length),
		sentimentRows: withSentiment.length,
		latencyMs: {
			p50: percentile(latencies, 50),
			p95: percentile(latencies, 95),
			mean: ratio(latencies.reduce((sum, value) => sum + value, 0), latencies.length),
			max: latencies[latencies.length - 1] ?? 0,
		},
		ece: calibration.ece,
		reliability: calibration.bins,
		predictions,
	};
}

const percent = (value: number | null) => (value === null ? 'n/a' : `${(value * 100).toFixed(1)} %`);
const fixed = (value: number) => value.toFixed(3);

/** A human-readable report (what the CLI prints without --json). */
export function formatEvaluationReport(report: EvaluationReport, options: { mode?: string; confusions?: number } = {}): string {
	const lines: string[] = [];
	lines.push(`Intent evaluation: pack ${report.pack}${options.mode ? `, mode ${options.mode}` : ''}, ${report.rows} messages`);
	lines.push('');
	lines.push(`accuracy              ${percent(report.accuracy)}`);
	lines.push(`macro-F1              ${fixed(report.macroF1)}`);
	lines.push(`ECE (10 bins)         ${fixed(report.ece)}`);
	lines.push(`coverage @ ${report.threshold.toFixed(2)}       ${percent(report.coverage)}`);
	lines.push(`precision @ ${report.threshold.toFixed(2)}      ${percent(report.precisionAtThreshold)}`);
	if (report.unrelatedAnswered !== null) {
		lines.push(`unrelated answered    ${percent(report.unrelatedAnswered)} of ${report.unrelatedRows} out_of_scope rows (another intent at ≥ ${report.threshold.toFixed(2)})`);
	}
	lines.push(`sentiment accuracy    ${percent(report.sentimentAccuracy)}${report.sentimentRows ? ` (${report.sentimentRows} labelled)` : ''}`);
	lines.push(`latency               p50 ${report.latencyMs.p50.toFixed(3)} ms, p95 ${report.latencyMs.p95.toFixed(3)} ms`);
	lines.push('');
	const width = Math.max(6, ...Object.keys(report.perIntent).map((name) => name.length));
	lines.push(`${'intent'.padEnd(width)}  precision  recall     F1  support`);
	for (const [name, metrics] of Object.entries(report.perIntent)) {
		lines.push(
			`${name.padEnd(width)}  ${fixed(metrics.precision).padStart(9)}  ${fixed(metrics.recall).padStart(6)}  ${fixed(metrics.f1).padStart(5)}  ${String(metrics.support).padStart(7)}`,
		);
	}
	lines.push('');
	lines.push('per language          accuracy  rows');
	for (const [language, entry] of Object.entries(report.perLanguage)) {
		lines.push(`${language.padEnd(20)}  ${percent(entry.accuracy).padStart(8)}  ${String(entry.rows).padStart(4)}`);
	}
	lines.push('');
	lines.push(`threshold  coverage  precision${report.unrelatedAnswered !== null ? '  unrelated answered' : ''}`);
	for (const point of report.curve) {
		const unrelatedColumn = point.unrelatedAnswered !== null ? `  ${percent(point.unrelatedAnswered).padStart(18)}` : '';
		lines.push(`     ${point.threshold.toFixed(2)}  ${percent(point.coverage).padStart(8)}  ${percent(point.precision).padStart(9)}${unrelatedColumn}`);
	}
	const confusions = report.confusions.slice(0, options.confusions ?? 8);
	if (confusions.length > 0) {
		lines.push('');
		lines.push('most frequent confusions (expected → predicted)');
		for (const confusion of confusions) lines.push(`  ${String(confusion.count).padStart(3)}  ${confusion.expected} → ${confusion.predicted}`);
	}
	return lines.join('\n');
}
