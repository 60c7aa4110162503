// A real n8n server (the devDependency) loads this pack installed the way README's manual path installs
// it: `npm pack`, then `npm install --omit=peer --ignore-scripts <tarball>` in a fresh user folder's
// `.n8n/nodes` (dependencies from the local npm cache). Every node and credential that package.json
// lists is known to the server under its package name, and a workflow using one of our nodes runs when
// its production webhook is called. Needs a build (`npm test` builds first).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import {
	createTempUserFolder,
	importWorkflows,
	installPackedPackage,
	type N8nServer,
	type NodeTypeSummary,
	type CredentialTypeSummary,
	packPackage,
	publishWorkflows,
	readPackageJson,
	repoRoot,
	startN8n,
	type WorkflowJson,
	type WorkflowNodeJson,
} from '../../scripts/lib/n8n-server';

// npm pack and install (about 10 s with a warm npm cache) plus n8n's start-up.
const SUITE_TIMEOUT_MS = 360_000;

interface PackNode {
	file: string;
	name: string;
	displayName: string;
	defaultName: string;
	outputCount: number;
	isTrigger: boolean;
	requiresCredentials: boolean;
}

interface PackCredential {
	file: string;
	name: string;
	displayName: string;
}

interface NodeDescriptionLike {
	name: string;
	displayName: string;
	group?: string[];
	defaults?: { name?: string };
	outputs?: unknown;
	credentials?: Array<{ required?: boolean; displayOptions?: unknown }>;
}

/** The class a dist file exports (n8n instantiates the export named after the file). */
function exportedInstance(file: string): unknown {
	const absolute = path.join(repoRoot, file);
	if (!existsSync(absolute)) {
		throw new Error(`${file} is listed in package.json but not built: run \`npm run build\``);
	}
	// A runtime path from package.json, loaded the way n8n loads it.
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const exported = require(absolute) as Record<string, unknown>;
	const className = path.basename(file).split('.')[0];
	const constructor = exported[className];
	if (typeof constructor !== 'function') throw new Error(`${file} does not export a class named ${className}`);
	return new (constructor as new () => unknown)();
}

function readPackNodes(files: string[]): PackNode[] {
	return files.map((file) => {
		const description = (exportedInstance(file) as { description: NodeDescriptionLike }).description;
		return {
			file,
			name: description.name,
			displayName: description.displayName,
			defaultName: description.defaults?.name ?? description.displayName,
			outputCount: Array.isArray(description.outputs) ? description.outputs.length : 1,
			isTrigger: (description.group ?? []).includes('trigger'),
			// Credentials shown only for some parameter values are not needed with the defaults.
			requiresCredentials: (description.credentials ?? []).some((credential) => credential.required && !credential.displayOptions),
		};
	});
}

function readPackCredentials(files: string[]): PackCredential[] {
	return files.map((file) => {
		const credential = exportedInstance(file) as { name: string; displayName: string };
		return { file, name: credential.name, displayName: credential.displayName };
	});
}

const WEBHOOK_PATH = 'e2e-pack-check';
const PUBLISHED_PATH = 'e2e-published-on-boot';

/** Webhook → Envelope (body becomes the item) → [our node] → Respond with what reached the end. */
function packWorkflow(ours: PackNode | undefined, typePrefix: string): WorkflowJson {
	const nodes: WorkflowNodeJson[] = [
		{
			name: 'Webhook',
			type: 'n8n-nodes-base.webhook',
			typeVersion: 2.1,
			position: [0, 0],
			webhookId: '5d0a6f1e-7c1b-4f7e-9a51-3b0e2c7d9e01',
			parameters: { httpMethod: 'POST', path: WEBHOOK_PATH, responseMode: 'responseNode', options: {} },
		},
		{
			name: 'Envelope',
			type: 'n8n-nodes-base.set',
			typeVersion: 3.4,
			position: [220, 0],
			parameters: { mode: 'raw', jsonOutput: '={{ JSON.stringify($json.body) }}', options: {} },
		},
		{
			name: 'Respond',
			type: 'n8n-nodes-base.respondToWebhook',
			typeVersion: 1.5,
			position: [660, 0],
			parameters: {
				respondWith: 'json',
				responseBody: '={{ { lastNode: $prevNode.name, output: $prevNode.outputIndex, item: $json } }}',
				options: {},
			},
		},
	];
	const connect = (to: string) => ({ node: to, type: 'main', index: 0 });
	const connections: Record<string, { main: Array<Array<ReturnType<typeof connect>>> }> = {
		Webhook: { main: [[connect('Envelope')]] },
	};
	if (ours) {
		nodes.push({
			name: ours.defaultName,
			type: `${typePrefix}.${ours.name}`,
			typeVersion: 1,
			position: [440, 0],
			parameters: {},
		});
		connections.Envelope = { main: [[connect(ours.defaultName)]] };
		// Every output (e.g. Open / Closed) leads to the response, so any route answers.
		connections[ours.defaultName] = { main: Array.from({ length: ours.outputCount }, () => [connect('Respond')]) };
	} else {
		connections.Envelope = { main: [[connect('Respond')]] };
	}
	return { name: 'E2E: pack node behind a webhook', nodes, connections, settings: { executionOrder: 'v1' } };
}

/** The smallest webhook workflow, published with the CLI before the server starts. */
function publishedOnBootWorkflow(): WorkflowJson {
	return {
		name: 'E2E: published before start',
		nodes: [
			{
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2.1,
				position: [0, 0],
				webhookId: '9b1f3c2a-4d5e-4f60-8a7b-1c2d3e4f5a6b',
				parameters: { httpMethod: 'GET', path: PUBLISHED_PATH, responseMode: 'lastNode', options: {} },
			},
		],
		connections: {},
		settings: { executionOrder: 'v1' },
	};
}

describe('a real n8n server with this pack', () => {
	const packageJson = readPackageJson();
	const typePrefix = packageJson.name;
	const packNodes = readPackNodes(packageJson.n8n?.nodes ?? []);
	const packCredentials = readPackCredentials(packageJson.n8n?.credentials ?? []);
	// The window check works with its defaults (embedded store); otherwise any action node without
	// required credentials. With none, the workflow still proves import, activation and webhooks.
	const nodeUnderTest =
		packNodes.find((node) => node.name === 'whatsAppWindowCheck') ??
		packNodes.find((node) => !node.isTrigger && !node.requiresCredentials);

	let userFolder: string | undefined;
	let packFolder: string | undefined;
	let installedFolder: string;
	let server: N8nServer | undefined;
	let packWorkflowId: string;
	let publishedWorkflowId: string;
	let nodeTypes: NodeTypeSummary[];
	let credentialTypes: CredentialTypeSummary[];

	beforeAll(async () => {
		userFolder = createTempUserFolder('n8n-e2e-pack-');
		packFolder = mkdtempSync(path.join(os.tmpdir(), 'n8n-e2e-tarball-'));
		const nodesFolder = await installPackedPackage(userFolder, await packPackage(packFolder));
		installedFolder = path.join(nodesFolder, 'node_modules', ...typePrefix.split('/'));
		const installed = { packageMode: 'installed' } as const;
		const [packFlow, publishedFlow] = await importWorkflows(
			userFolder,
			[packWorkflow(nodeUnderTest, typePrefix), publishedOnBootWorkflow()],
			installed,
		);
		packWorkflowId = packFlow.id;
		publishedWorkflowId = publishedFlow.id;
		await publishWorkflows(userFolder, [publishedWorkflowId], installed);
		// Throws (and so fails every test here) when n8n does not come up, with its last log lines.
		server = await startN8n({ userFolder, ...installed, removeUserFolderOnStop: true });
		await server.rest.ensureOwner();
		nodeTypes = await server.rest.nodeTypes();
		credentialTypes = await server.rest.credentialTypes();
	}, SUITE_TIMEOUT_MS);

	afterAll(async () => {
		if (server) await server.stop();
		else if (userFolder) rmSync(userFolder, { recursive: true, force: true });
		if (packFolder) rmSync(packFolder, { recursive: true, force: true });
	}, 60_000);

	it('installs the packed tarball without the n8n-workflow peer and without native builds', () => {
		expect(JSON.parse(readFileSync(path.join(installedFolder, 'package.json'), 'utf8'))).toMatchObject({ name: typePrefix, n8n: packageJson.n8n });
		// A copy, not a link to this repository, with every file package.json lists.
		expect(path.resolve(installedFolder)).not.toBe(path.resolve(repoRoot));
		for (const file of [...(packageJson.n8n?.nodes ?? []), ...(packageJson.n8n?.credentials ?? [])]) {
			expect({ file, installed: existsSync(path.join(installedFolder, file)) }).toEqual({ file, installed: true });
		}
		const modules = path.dirname(installedFolder);
		expect({ 'n8n-workflow': existsSync(path.join(modules, 'n8n-workflow')), 'isolated-vm': existsSync(path.join(modules, 'isolated-vm')) }).toEqual({
			'n8n-workflow': false,
			'isolated-vm': false,
		});
		for (const dependency of Object.keys(packageJson.dependencies ?? {})) {
			expect({ dependency, installed: existsSync(path.join(modules, ...dependency.split('/'), 'package.json')) }).toEqual({ dependency, installed: true });
		}
	});

	it('knows every node package.json lists, under the package name', () => {
		const known = new Map(nodeTypes.map((type) => [type.name, type]));
		expect(known.get('n8n-nodes-base.webhook')).toBeDefined();
		for (const node of packNodes) {
			const type = known.get(`${typePrefix}.${node.name}`);
			expect({ file: node.file, loaded: type?.name, displayName: type?.displayName }).toEqual({
				file: node.file,
				loaded: `${typePrefix}.${node.name}`,
				displayName: node.displayName,
			});
		}
		// And nothing of ours is also loaded as a custom extension (`CUSTOM.<name>`).
		const ourNames = new Set(packNodes.map((node) => node.name));
		const stray = nodeTypes.filter((type) => type.name.startsWith('CUSTOM.') && ourNames.has(type.name.slice('CUSTOM.'.length)));
		expect(stray.map((type) => type.name)).toEqual([]);
	});

	it('knows every credential package.json lists', () => {
		const known = new Map(credentialTypes.map((type) => [type.name, type]));
		for (const credential of packCredentials) {
			expect({ file: credential.file, displayName: known.get(credential.name)?.displayName }).toEqual({
				file: credential.file,
				displayName: credential.displayName,
			});
		}
	});

	it('starts a workflow published with the CLI before start-up', async () => {
		expect(await server!.rest.activeWorkflowIds()).toContain(publishedWorkflowId);
		const response = await fetch(`${server!.baseUrl}/webhook/${PUBLISHED_PATH}`);
		expect(response.status).toBe(200);
	});

	it(`activates and runs a workflow with ${nodeUnderTest ? `our ${nodeUnderTest.displayName} node` : 'only core nodes (the pack has no usable node yet)'} through its production webhook`, async () => {
		const rest = server!.rest;
		const activated = await rest.activateWorkflow(packWorkflowId);
		expect(activated.activeVersionId).toBe(activated.versionId);

		const envelope = {
			// WhatsApp: web and test (dashboard) conversations are always open, WhatsApp ones only within 24 h.
			conversation: { channel: 'whatsapp', phoneNumberId: 'e2e-phone-number', customer: { waId: '15550001111', name: 'E2E' } },
			message: { id: 'wamid.e2e-1', type: 'text', text: 'Hello', timestamp: String(Math.floor(Date.now() / 1000)) },
		};
		const response = await fetch(`${server!.baseUrl}/webhook/${WEBHOOK_PATH}`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify(envelope),
		});
		const text = await response.text();
		expect({ status: response.status, body: text.slice(0, 500) }).toEqual({ status: 200, body: expect.any(String) });
		const body = JSON.parse(text) as { lastNode: string; output: number; item: Record<string, unknown> };

		expect(body.lastNode).toBe(nodeUnderTest ? nodeUnderTest.defaultName : 'Envelope');
		expect(body.item).toMatchObject({ conversation: { channel: 'whatsapp', phoneNumberId: 'e2e-phone-number' }, message: { id: 'wamid.e2e-1' } });
		if (nodeUnderTest?.name === 'whatsAppWindowCheck') {
			// A customer the store has never seen has no open window: the Closed route (output 1).
			expect(body.output).toBe(1);
			expect(body.item.window).toMatchObject({ open: false });
		}

		const executions = await rest.waitForExecutions(packWorkflowId, 1);
		expect(executions.map((execution) => [execution.mode, execution.status])).toEqual([['webhook', 'success']]);
		expect(await rest.countExecutions(packWorkflowId)).toBe(1);
	});
});
