// `npm run eval:intent -- --pack hospitality --data FILE.jsonl [--mode embedded] [--threshold 0.7]
//   [--json] [--predictions OUT.jsonl]`
// Measures an intent classifier on labelled messages (one {"text","intent","lang"?,"sentiment"?} per
// line). The metrics live in nodes/shared/nlu/evaluation.ts; this file only reads arguments, builds
// the classifier for the chosen mode, and prints.
import { readFileSync, writeFileSync } from 'node:fs';
import { analyzeText, loadIntentPack, type IntentDefinition } from '../../nodes/shared/nlu';
import {
	formatEvaluationReport,
	parseEvaluationRows,
	runEvaluation,
	type EvaluationPrediction,
	type EvaluationRow,
} from '../../nodes/shared/nlu/evaluation';

const USAGE =
	'usage: npm run eval:intent -- --pack <hospitality|ecommerce> --data FILE.jsonl [--mode embedded] [--threshold 0.7] [--json] [--predictions OUT.jsonl]';

class UsageError extends Error {}

interface CliOptions {
	pack: string;
	data: string;
	mode: string;
	threshold: number;
	json: boolean;
	predictions?: string;
	flags: Map<string, string>;
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
	const threshold = Number(flags.get('threshold') ?? '0.7');
	if (!Number.isFinite(threshold) || threshold < 0 || threshold > 1) throw new UsageError('--threshold must be a number from 0 to 1');
	return { pack, data, mode: flags.get('mode') ?? 'embedded', threshold, json: flags.has('json'), predictions: flags.get('predictions'), flags };
}

type Classify = (text: string, row: EvaluationRow) => Promise<EvaluationPrediction>;

/**
 * One classifier per mode. 'llm' and 'cascade' plug in here: build a function that sends the text to
 * the model (e.g. with --base-url/--model of an OpenAI-compatible server) and returns an
 * EvaluationPrediction ({ intent, confidence, ranking?, sentiment?, language?, source, usage? }).
 */
function createClassifier(options: CliOptions, intents: IntentDefinition[]): Classify {
	switch (options.mode) {
		case 'embedded':
			return async (text, row) => analyzeText(text, { intents, languageHint: row.lang });
		case 'llm':
		case 'cascade':
			throw new UsageError(
				`--mode ${options.mode} needs an OpenAI-compatible server (--base-url and --model); this version of the CLI only runs --mode embedded`,
			);
		default:
			throw new UsageError(`unknown --mode "${options.mode}" (embedded, llm or cascade)`);
	}
}

async function main(): Promise<void> {
	const options = parseArguments(process.argv.slice(2));
	const pack = loadIntentPack(options.pack);
	const rows = parseEvaluationRows(readFileSync(options.data, 'utf8'));
	const classify = createClassifier(options, pack.intents);
	// Train (or load from the cache) before timing, so latency is per message, not the first training.
	if (options.mode === 'embedded') analyzeText('', { intents: pack.intents });

	const report = await runEvaluation({ pack, rows, classify, threshold: options.threshold });
	if (options.predictions) {
		const lines = report.predictions.map((prediction) =>
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
			}),
		);
		writeFileSync(options.predictions, `${lines.join('\n')}\n`);
	}
	if (options.json) {
		const { predictions: _predictions, ...summary } = report;
		process.stdout.write(`${JSON.stringify({ mode: options.mode, ...summary })}\n`);
	} else {
		process.stdout.write(`${formatEvaluationReport(report, { mode: options.mode })}\n`);
	}
}

main().catch((error: Error) => {
	if (error instanceof UsageError) {
		process.stderr.write(`${error.message ? `${error.message}\n` : ''}${USAGE}\n`);
		process.exit(2);
	}
	process.stderr.write(`${error.message}\n`);
	process.exit(1);
});
