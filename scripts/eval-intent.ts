// `npm run eval:intent -- --pack hospitality --data FILE.jsonl [--mode embedded|llm|cascade]
//   [--threshold 0.7] [--json] [--predictions OUT.jsonl]
//   [--base-url URL --model NAME [--api-key KEY] [--timeout-ms 30000] [--temperature 0]]`
// Measures an intent classifier on labelled messages (one {"text","intent","lang"?,"sentiment"?} per
// line). The metrics live in scripts/lib/intent-evaluation.ts and the modes in nodes/domain/nlu/cascade.ts
// (what the Intent Classifier node runs); this file only reads arguments, builds the classifier for the
// chosen mode, and prints.
//
// llm and cascade need an OpenAI-compatible server (OpenAI, Ollama, vLLM, LM Studio, a gateway). The key
// comes from --api-key or the LLM_API_KEY environment variable (safer: not visible in the process list).
// In cascade mode, --threshold is both where the model takes over and where coverage is measured.
import { readFileSync, writeFileSync } from 'node:fs';

import { createOpenAiCompatibleModel, type ChatModelLike } from '../nodes/domain/llm';
import { analyzeText, CLASSIFIER_MODES, classifyMessage, loadIntentPack, type ClassifierMode, type IntentClassification, type IntentDefinition } from '../nodes/domain/nlu';
import { classifyPastGreeting } from '../nodes/domain/nlu/greeting-clause';
import {
	formatEvaluationReport,
	parseEvaluationRows,
	runEvaluation,
	type EvaluationPrediction,
	type EvaluationReport,
	type EvaluationRow,
} from './lib/intent-evaluation';

const USAGE = [
	'usage: npm run eval:intent -- --pack <hospitality|ecommerce> --data FILE.jsonl [--mode embedded|llm|cascade] [--threshold 0.7] [--json] [--predictions OUT.jsonl]',
	'       llm and cascade: --base-url URL --model NAME [--api-key KEY (or LLM_API_KEY)] [--timeout-ms 30000] [--temperature 0]',
].join('\n');

class UsageError extends Error {}

interface LlmSettings {
	baseUrl: string;
	model: string;
	apiKey: string;
	timeoutMs: number;
	temperature: number;
}

interface CliOptions {
	pack: string;
	data: string;
	mode: ClassifierMode;
	threshold: number;
	json: boolean;
	predictions?: string;
	llm?: LlmSettings;
}

function numberFlag(flags: Map<string, string>, name: string, fallback: number, check: (value: number) => boolean, rule: string): number {
	const raw = flags.get(name);
	if (raw === undefined) return fallback;
	const value = Number(raw);
	if (!Number.isFinite(value) || !check(value)) throw new UsageError(`--${name} must be ${rule}`);
	return value;
}

function parseArguments(argv: string[]): CliOptions {
	const flags = new Map<string, string>();
	const booleans = new Set(['json', 'help']);
	for (let index = 0; index < argv.length; index++) {
		const argument = argv[index];
		if (!argument.startsWith('--')) throw new UsageError(`unexpected argument "${argument}"`);
		const [name, inline] = argument.slice(2).split('=', 2);
		if (booleans.has(name)) {
			flags.set(name, 'true');
			continue;
		}
		const value = inline ?? argv[++index];
		if (value === undefined || value.startsWith('--')) throw new UsageError(`--${name} needs a value`);
		flags.set(name, value);
	}
	if (flags.has('help')) throw new UsageError('');
	const pack = flags.get('pack');
	const data = flags.get('data');
	if (!pack || !data) throw new UsageError('--pack and --data are required');
	const threshold = numberFlag(flags, 'threshold', 0.7, (value) => value >= 0 && value <= 1, 'a number from 0 to 1');
	const mode = (flags.get('mode') ?? 'embedded') as ClassifierMode;
	if (!CLASSIFIER_MODES.includes(mode)) throw new UsageError(`unknown --mode "${mode}" (embedded, llm or cascade)`);
	const options: CliOptions = { pack, data, mode, threshold, json: flags.has('json'), predictions: flags.get('predictions') };
	if (mode !== 'embedded') {
		const baseUrl = flags.get('base-url');
		const model = flags.get('model');
		if (!baseUrl || !model) throw new UsageError(`--mode ${mode} needs an OpenAI-compatible server: --base-url (e.g. http://localhost:11434/v1) and --model`);
		options.llm = {
			baseUrl,
			model,
			apiKey: flags.get('api-key') ?? process.env.LLM_API_KEY ?? '',
			timeoutMs: numberFlag(flags, 'timeout-ms', 30_000, (value) => value > 0, 'a positive number of milliseconds'),
			temperature: numberFlag(flags, 'temperature', 0, (value) => value >= 0 && value <= 2, 'a number from 0 to 2'),
		};
	}
	return options;
}

type Classify = (text: string, row: EvaluationRow) => Promise<EvaluationPrediction & Partial<IntentClassification>>;

function createClassifier(options: CliOptions, intents: IntentDefinition[]): Classify {
	let model: ChatModelLike | undefined;
	if (options.llm) {
		model = createOpenAiCompatibleModel({
			baseUrl: options.llm.baseUrl,
			model: options.llm.model,
			apiKey: options.llm.apiKey,
			temperature: options.llm.temperature,
			timeoutMs: options.llm.timeoutMs,
		});
	}
	const timeoutMs = options.llm?.timeoutMs;
	// Like the Intent Classifier node: a leading greeting is set aside and the question behind it decides.
	return async (text, row) =>
		await classifyPastGreeting(text, async (question) =>
			await classifyMessage(question, {
				mode: options.mode,
				intents,
				languageHint: row.lang,
				model,
				invokeOptions: { timeoutMs, modelName: options.llm?.model },
				threshold: options.threshold,
			}),
		);
}

type Prediction = EvaluationReport['predictions'][number] & Partial<IntentClassification>;

/** Who answered how often, how often the model was asked, and the tokens it used. */
function summarizeModelUse(predictions: readonly Prediction[], llm: LlmSettings | undefined) {
	const sources: Record<string, number> = {};
	let asked = 0;
	let inputTokens = 0;
	let outputTokens = 0;
	let estimated = false;
	for (const prediction of predictions) {
		const source = prediction.source ?? 'unknown';
		sources[source] = (sources[source] ?? 0) + 1;
		if (source === 'llm' || source === 'embedded_fallback') asked++;
		inputTokens += prediction.usage?.inputTokens ?? 0;
		outputTokens += prediction.usage?.outputTokens ?? 0;
		if ((prediction.usage as { estimated?: boolean } | undefined)?.estimated) estimated = true;
	}
	return {
		sources,
		llm: llm ? { model: llm.model, baseUrl: llm.baseUrl, asked, inputTokens, outputTokens, estimated } : undefined,
	};
}

const grouped = (value: number) => value.toLocaleString('en-US');

async function main(): Promise<void> {
	const options = parseArguments(process.argv.slice(2));
	const pack = loadIntentPack(options.pack);
	const rows = parseEvaluationRows(readFileSync(options.data, 'utf8'));
	const classify = createClassifier(options, pack.intents);
	// Train (or load from the cache) before timing, so latency is per message, not the first training.
	analyzeText('', { intents: pack.intents });

	const report = await runEvaluation({ pack, rows, classify, threshold: options.threshold });
	const predictions = report.predictions as Prediction[];
	const modelUse = summarizeModelUse(predictions, options.llm);
	if (options.predictions) {
		const lines = predictions.map((prediction) =>
			JSON.stringify({
				text: prediction.text,
				expected: prediction.expected,
				intent: prediction.intent,
				confidence: prediction.confidence,
				correct: prediction.correct,
				ranking: prediction.ranking,
				sentiment: prediction.sentiment,
				language: prediction.language,
				source: prediction.source,
				usage: prediction.usage,
				...(prediction.cascade ? { cascade: prediction.cascade } : {}),
				...(prediction.llmError ? { llmError: prediction.llmError } : {}),
			}),
		);
		writeFileSync(options.predictions, `${lines.join('\n')}\n`);
	}
	if (options.json) {
		const { predictions: _predictions, ...summary } = report;
		process.stdout.write(`${JSON.stringify({ mode: options.mode, ...summary, ...modelUse })}\n`);
		return;
	}
	const lines = [formatEvaluationReport(report, { mode: options.mode }), '', `answered by           ${Object.entries(modelUse.sources).map(([source, count]) => `${source} ${count}`).join(', ')}`];
	if (modelUse.llm) {
		const { llm } = modelUse;
		lines.push(`model                 ${llm.model} at ${llm.baseUrl}`);
		lines.push(`model asked           ${llm.asked} of ${report.rows} messages (${((llm.asked / report.rows) * 100).toFixed(1)} %)`);
		lines.push(`tokens                input ${grouped(llm.inputTokens)}, output ${grouped(llm.outputTokens)}${llm.estimated ? ' (partly estimated: the server reported no usage)' : ''}`);
	}
	process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error: Error) => {
	if (error instanceof UsageError) {
		process.stderr.write(`${error.message ? `${error.message}\n` : ''}${USAGE}\n`);
		process.exit(2);
	}
	process.stderr.write(`${error.message}\n`);
	process.exit(1);
});
