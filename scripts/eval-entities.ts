// `npm run eval:entities -- --data FILE.jsonl [--json] [--errors]`
// Measures the entity extractor (nodes/domain/nlu/entities) on labelled messages, one
// {"text","lang","ref","timezone","entities":[{"type","value"}]} per line. The metrics live in
// scripts/lib/entity-evaluation.ts; this file reads arguments and prints. Exit code 2 on bad usage or an
// unreadable data file.
import { readFileSync } from 'node:fs';

import { EntityDataError, evaluateEntities, formatEntityReport, parseEntityRows } from './lib/entity-evaluation';

const USAGE = 'usage: npm run eval:entities -- --data FILE.jsonl [--json] [--errors]';

class UsageError extends Error {}

function parseArguments(argv: string[]) {
	let data: string | undefined;
	let json = false;
	let errors = false;
	for (let index = 0; index < argv.length; index++) {
		const argument = argv[index];
		if (argument === '--json') json = true;
		else if (argument === '--errors') errors = true;
		else if (argument === '--help') throw new UsageError('');
		else if (argument === '--data' || argument.startsWith('--data=')) {
			data = argument.includes('=') ? argument.slice('--data='.length) : argv[++index];
			if (!data || data.startsWith('--')) throw new UsageError('--data needs a file');
		} else throw new UsageError(`unexpected argument "${argument}"`);
	}
	if (!data) throw new UsageError('--data is required');
	return { data, json, errors };
}

function main(): void {
	const options = parseArguments(process.argv.slice(2));
	let content: string;
	try {
		content = readFileSync(options.data, 'utf8');
	} catch (error) {
		throw new EntityDataError(`cannot read ${options.data}: ${(error as Error).message}`);
	}
	const report = evaluateEntities(parseEntityRows(content));
	if (options.json) {
		const { perType, microF1, exactMessageAccuracy, rows } = report;
		process.stdout.write(`${JSON.stringify({ rows, perType, microF1, exactMessageAccuracy, ...(options.errors ? { errors: report.errors } : {}) })}\n`);
		return;
	}
	const lines = [formatEntityReport(report)];
	if (options.errors) {
		for (const error of report.errors) {
			lines.push('', `line ${error.line}: ${error.text}`);
			if (error.missing.length) lines.push(`  missing     ${error.missing.join(', ')}`);
			if (error.unexpected.length) lines.push(`  unexpected  ${error.unexpected.join(', ')}`);
		}
	}
	process.stdout.write(`${lines.join('\n')}\n`);
}

try {
	main();
} catch (error) {
	if (error instanceof UsageError) {
		process.stderr.write(`${error.message ? `${error.message}\n` : ''}${USAGE}\n`);
		process.exit(2);
	}
	if (error instanceof EntityDataError) {
		process.stderr.write(`eval:entities: ${error.message}\n`);
		process.exit(2);
	}
	process.stderr.write(`${(error as Error).message}\n`);
	process.exit(1);
}
