// Runs the booking-system sandbox standalone and logs one line per request (method, path, status; no
// bodies, so no guest data):
//   node scripts/run-ts.js sandbox/booking-serve.ts --port 5691 [--seed file.json]
// Options:
//   --port <n>        default 5691 (0 picks a free port); BOOKING_SANDBOX_PORT also works
//   --key <k>         accepted key, repeatable (also BOOKING_SANDBOX_KEYS, comma-separated); default 'demo-booking-key'
//   --seed <file>     start from this JSON seed (dates may be written today+N) instead of the demo data
//   --quiet           no per-request lines

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { BOOKING_KEY_HEADER, type BookingRequestRecord, type BookingSandbox, parseBookingSeed, startBookingSandbox } from './booking-sandbox';
import { runWhenEntryPoint } from './cli';

export function formatBookingRequestLine(record: BookingRequestRecord): string {
	const outcome = record.failure === 'timeout' ? 'held (scripted timeout)' : `${record.status} ${record.durationMs}ms${record.failure ? ` (scripted ${record.failure})` : ''}`;
	return `${record.timestamp} ${record.method} ${record.path} → ${outcome}`;
}

/** Reads a seed file; a clear error names the file. */
export function readBookingSeedFile(file: string) {
	let text: string;
	try {
		text = readFileSync(file, 'utf8');
	} catch (error) {
		throw new Error(`cannot read the seed file ${file}: ${error instanceof Error ? error.message : String(error)}`);
	}
	return parseBookingSeed(text, file);
}

export async function main(argv: string[] = process.argv.slice(2), log: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Promise<BookingSandbox> {
	const { values } = parseArgs({
		args: argv,
		options: {
			port: { type: 'string', default: process.env.BOOKING_SANDBOX_PORT ?? '5691' },
			key: { type: 'string', multiple: true },
			seed: { type: 'string' },
			quiet: { type: 'boolean', default: false },
		},
	});
	const port = Number(values.port);
	if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, got '${values.port}'`);
	const envKeys = (process.env.BOOKING_SANDBOX_KEYS ?? '').split(',').map((key) => key.trim()).filter(Boolean);
	const keys = [...(values.key ?? []), ...envKeys];
	const seed = values.seed ? readBookingSeedFile(path.resolve(values.seed)) : undefined;

	const sandbox = await startBookingSandbox({
		port,
		apiKeys: keys.length > 0 ? keys : undefined,
		seed,
		onRequest: values.quiet ? undefined : (record) => log(formatBookingRequestLine(record)),
	});
	log(
		`Booking system sandbox listening on ${sandbox.baseUrl} (${keys.length > 0 ? `${keys.length} accepted key(s)` : `key header ${BOOKING_KEY_HEADER}: demo-booking-key`}; ${values.seed ? `seed ${values.seed}` : 'demo data'}; today ${sandbox.today()})`,
	);
	return sandbox;
}

runWhenEntryPoint(module, __filename, main);
