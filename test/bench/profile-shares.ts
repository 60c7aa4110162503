// `npm run bench:profile -- [--last=<seconds>] <file.cpuprofile> [more…]`: where a CPU profile of n8n
// (BENCH_CPU_PROF) spent its busy time, grouped the way BENCHMARKS.md reports it. `--last=60` counts only the
// profile's last 60 s (the load step, without n8n's start-up and warm-up). Self time of every sampled function is charged
// to the first group whose pattern matches the function's script URL (or its name, for V8's own entries);
// idle time is left out, so the shares are shares of busy time.
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { formatTable } from './bench-lib';

interface ProfileNode {
	id: number;
	callFrame: { functionName: string; url: string };
	children?: number[];
}

interface CpuProfile {
	nodes: ProfileNode[];
	samples: number[];
	timeDeltas: number[];
}

/** Ordered: the first match wins, so the specific groups come before the broad ones. */
const GROUPS: Array<[string, RegExp]> = [
	['our store: PGlite (WASM Postgres)', /@electric-sql\/pglite|^wasm:/],
	['our store: SQL driver and queries', /\/dist\/nodes\/domain\/store\//],
	['our classifier', /dist\/nodes\/domain\/nlu\//],
	['our nodes (other)', /(\/work\/[^ ]*\/dist\/(nodes|credentials)\/)|n8n-nodes-whatsapp-ai-support/],
	['expression isolates (isolated-vm, expression-runtime)', /isolated-vm|@n8n\/expression-runtime|expression-sandboxing/],
	["n8n's database (TypeORM, sqlite3)", /typeorm|sqlite3|@n8n\/db\//],
	['n8n-workflow (workflow objects, parameters, expressions)', /n8n-workflow\//],
	['n8n-core (execution engine, node helpers)', /n8n-core\//],
	['HTTP (Express, body parsing, axios)', /express|body-parser|raw-body|axios|follow-redirects|\/router\//],
	['n8n (server, webhooks, executions, other)', /\/n8n\/dist\//],
];

const SPECIAL = new Set(['(idle)', '(program)', '(root)']);
const isPlatformFrame = (url: string) => url === '' || url.startsWith('node:') || url.startsWith('internal/');

function groupOfUrl(url: string): string | undefined {
	for (const [name, pattern] of GROUPS) if (pattern.test(url)) return name;
	return undefined;
}

/**
 * The group a sample belongs to. A native or Node.js frame (no script URL of a library) is charged to the
 * nearest calling frame that has one, so that, say, the file read behind an isolate or the native
 * half of a SQLite call lands with its caller; samples with no such caller keep a group of their own.
 */
function groupOf(node: ProfileNode, parentOf: Map<number, ProfileNode>): string | undefined {
	const { url, functionName } = node.callFrame;
	if (SPECIAL.has(functionName)) return undefined;
	if (functionName === '(garbage collector)') return 'garbage collection';
	for (let frame: ProfileNode | undefined = node; frame; frame = parentOf.get(frame.id)) {
		if (!isPlatformFrame(frame.callFrame.url)) return groupOfUrl(frame.callFrame.url) ?? 'other libraries';
	}
	if (url.startsWith('node:') || url.startsWith('internal/')) return 'Node.js internals (no library caller)';
	return 'V8 built-ins (no library caller)';
}

/** Busy microseconds per group of one profile; with `lastSeconds`, of its last seconds only. */
export function profileShares(profile: CpuProfile, lastSeconds?: number): Map<string, number> {
	const byId = new Map(profile.nodes.map((node) => [node.id, node]));
	const parentOf = new Map<number, ProfileNode>();
	for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node);
	const totals = new Map<string, number>();
	const elapsed: number[] = [];
	profile.timeDeltas.reduce((sum, delta, index) => (elapsed[index] = sum + delta), 0);
	const from = lastSeconds === undefined ? -Infinity : (elapsed.at(-1) ?? 0) - lastSeconds * 1e6;
	profile.samples.forEach((id, index) => {
		if ((elapsed[index] ?? 0) < from) return;
		const node = byId.get(id);
		const group = node ? groupOf(node, parentOf) : undefined;
		if (!group) return;
		totals.set(group, (totals.get(group) ?? 0) + (profile.timeDeltas[index] ?? 0));
	});
	return totals;
}

function main(args: string[]): void {
	const last = args.find((arg) => arg.startsWith('--last='));
	const lastSeconds = last ? Number(last.slice('--last='.length)) : undefined;
	const files = args.filter((arg) => !arg.startsWith('--'));
	if (files.length === 0 || (lastSeconds !== undefined && !(lastSeconds > 0))) {
		console.error('Usage: npm run bench:profile -- [--last=<seconds>] <file.cpuprofile> [more files]');
		process.exitCode = 2;
		return;
	}
	for (const file of files) {
		const totals = profileShares(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, lastSeconds);
		const busy = [...totals.values()].reduce((sum, value) => sum + value, 0);
		const rows = [...totals.entries()]
			.sort((a, b) => b[1] - a[1])
			.map(([group, micros]) => [group, `${(micros / 1e6).toFixed(1)} s`, `${((100 * micros) / busy).toFixed(1)} %`]);
		const span = lastSeconds === undefined ? '' : ` in its last ${lastSeconds} s`;
		console.log(`\n${path.basename(file)}: ${(busy / 1e6).toFixed(1)} s busy${span}`);
		console.log(formatTable(['group', 'self time', 'share'], rows));
	}
}

main(process.argv.slice(2));
