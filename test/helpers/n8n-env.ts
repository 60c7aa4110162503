// Environment n8n-core needs before it is first used. Import this module before `n8n-core`
// (workflow-runner.ts does), because some settings are read when a service is first built.
//
// - N8N_USER_FOLDER: n8n-core's DI container builds `InstanceSettings` on first use (node execution
//   contexts ask for it), and that class reads or creates `<N8N_USER_FOLDER>/.n8n/config` holding an
//   encryption key. Without the variable it would write into the real home folder. We point it at one
//   folder per process under the OS temp dir, so parallel jest workers never race on the same file.
//   A value set by the caller is kept.
// - N8N_LOG_LEVEL: n8n's logger (and its ErrorReporter, which logs every node error) is silent in
//   tests unless the caller sets a level, e.g. `N8N_LOG_LEVEL=debug npx jest ...` when debugging.
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const testUserFolder: string = (() => {
	const existing = process.env.N8N_USER_FOLDER;
	if (existing) return existing;
	const folder = path.join(tmpdir(), `n8n-nodes-whatsapp-ai-support-test-${process.pid}`);
	mkdirSync(folder, { recursive: true });
	process.env.N8N_USER_FOLDER = folder;
	return folder;
})();

if (process.env.N8N_LOG_LEVEL === undefined) {
	process.env.N8N_LOG_LEVEL = 'silent';
}
