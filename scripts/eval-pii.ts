// `npm run eval:pii [-- FILE.json] [--json]`: precision and recall of PII masking on a labelled set.
import { loadPiiCases, scorePiiDetection } from './lib/pii-evaluation';

const file = process.argv.slice(2).find((argument) => !argument.startsWith('--'));
const scores = scorePiiDetection(loadPiiCases(file));
if (process.argv.includes('--json')) {
	process.stdout.write(`${JSON.stringify(scores, null, 2)}\n`);
} else {
	process.stdout.write(`PII masking on ${scores.cases} messages, ${scores.expected} labelled entities\n`);
	process.stdout.write(`precision ${scores.precision.toFixed(3)}  recall ${scores.recall.toFixed(3)}\n`);
	for (const [type, each] of Object.entries(scores.perType).sort()) {
		process.stdout.write(`  ${type.padEnd(9)} expected ${String(each.expected).padStart(3)}  precision ${each.precision.toFixed(3)}  recall ${each.recall.toFixed(3)}\n`);
	}
	for (const miss of scores.misses) process.stdout.write(`  missed ${miss.type} "${miss.value}" in: ${miss.text}\n`);
	for (const alarm of scores.falseAlarms) process.stdout.write(`  false ${alarm.type} "${alarm.value}" in: ${alarm.text}\n`);
}
