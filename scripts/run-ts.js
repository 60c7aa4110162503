#!/usr/bin/env node
// Runs a TypeScript file without a build step: `node scripts/run-ts.js <file.ts> [args...]`.
// A require hook transpiles each .ts file with the project's own `typescript` (already a
// devDependency), so there is no ts-node and no new dependency. It only transpiles: type errors are
// found by `npm run typecheck`.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

const compilerOptions = {
	module: ts.ModuleKind.CommonJS,
	target: ts.ScriptTarget.ES2022,
	esModuleInterop: true,
	resolveJsonModule: true,
	inlineSourceMap: true,
	inlineSources: true,
};

require.extensions['.ts'] = function compileTypeScript(module, filename) {
	const source = fs.readFileSync(filename, 'utf8');
	const { outputText } = ts.transpileModule(source, { compilerOptions, fileName: filename });
	module._compile(outputText, filename);
};

// Stack traces point at the .ts lines (Node reads the inline source maps).
process.setSourceMapsEnabled(true);

const [, , script, ...args] = process.argv;
if (!script) {
	process.stderr.write('usage: node scripts/run-ts.js <file.ts> [args...]\n');
	process.exit(2);
}
const scriptPath = path.resolve(script);
process.argv = [process.argv[0], scriptPath, ...args];
require(scriptPath);
