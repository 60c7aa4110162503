// What every sandbox CLI does when run as a script: start, stop cleanly on Ctrl-C or SIGTERM, and on a
// start-up error print its message (no stack) and exit 1.
import path from 'node:path';

export function runWhenEntryPoint(scriptModule: NodeModule, filename: string, start: () => Promise<{ close(): Promise<unknown> }>): void {
	const isEntryPoint = require.main === scriptModule || path.resolve(process.argv[1] ?? '') === filename;
	if (!isEntryPoint) return;
	start()
		.then((server) => {
			const stop = () => {
				void server.close().then(() => process.exit(0));
			};
			process.once('SIGINT', stop);
			process.once('SIGTERM', stop);
		})
		.catch((error: unknown) => {
			process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
			process.exit(1);
		});
}
