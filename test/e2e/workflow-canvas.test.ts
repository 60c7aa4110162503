// The canvas check: every shipped workflow (workflows/*.json), imported as shipped with the demo
// credentials into one real n8n server, opened in n8n's own editor in headless Chromium. From the
// rendered canvas, per workflow: every node of the JSON is on the canvas with its type (sticky notes
// counted apart), no node renders as an unknown type or as a package that is not installed, no node
// shows the issues marker (parameters or credentials), our icons load, and the browser reports no
// errors. A full-page screenshot of each canvas goes to test-artifacts/canvas/<file>.png, and a summary
// (with layout notes that are reported, not asserted) to test-artifacts/canvas/report.json.
//
// What n8n's editor (n8n-editor-ui 2.39) renders, read from its canvas components:
// - every canvas node, sticky notes included, is a `div[data-node-name][data-node-type]` (CanvasNode.vue);
//   a sticky note has no data-test-id="canvas-node" but holds data-test-id="sticky";
// - CanvasNodeStatusIcons.vue shows data-test-id="node-issues" for validation issues (parameters,
//   credentials) and data-test-id="node-not-installed" for a node type of a community package that is
//   not installed; hovering either shows the reasons in data-test-id="tooltip-content";
// - an unknown type of any other package gets no marker at all: the node's icon (`.n8n-node-icon`) shows
//   the placeholder "?" (NodeIcon's `nodeIconPlaceholder`) instead of an <img> or <svg>.
// A negative control workflow (an unknown core type, an unknown type of our package, one of our nodes
// with required parameters left empty, one without its credential) proves that these detectors fire.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import type { Page } from 'playwright-core';

import { launchHeadlessChromium, type HeadlessBrowser } from '../helpers/browser';
import {
	createTempUserFolder,
	describeWorkflows,
	importCredentials,
	importWorkflows,
	readPackageJson,
	repoRoot,
	stableId,
	startN8n,
	type ImportedWorkflow,
	type N8nServer,
	type WorkflowJson,
	type WorkflowNodeJson,
} from '../../scripts/lib/n8n-server';
import { demoCredentials } from '../../scripts/demo';

const PACKAGE_NAME = readPackageJson().name;
const STICKY_NOTE_TYPE = 'n8n-nodes-base.stickyNote';
const ARTIFACTS = path.join(repoRoot, 'test-artifacts', 'canvas');
const VIEWPORT = { width: 1600, height: 1000 };

const SHIPPED = describeWorkflows(
	readdirSync(path.join(repoRoot, 'workflows'))
		.filter((file) => file.endsWith('.json'))
		.sort()
		.map((file) => path.join(repoRoot, 'workflows', file)),
);

function controlNode(name: string, type: string, x: number, parameters: Record<string, unknown> = {}): WorkflowNodeJson {
	return { id: stableId(`canvas-control:${name}`), name, type, typeVersion: 1, position: [x, 0], parameters };
}

const whatsAppCredential = demoCredentials().find((credential) => credential.type === 'whatsAppCloudApi')!;

/** A throwaway workflow the detectors must flag (and a healthy node and a sticky note they must not). */
const NEGATIVE_CONTROL: WorkflowJson = {
	name: 'Canvas Check Negative Control',
	nodes: [
		controlNode('Unknown Core Type', 'n8n-nodes-base.doesNotExist', 0),
		controlNode('Unknown Pack Type', `${PACKAGE_NAME}.doesNotExist`, 260),
		{
			...controlNode('Template Without Name', `${PACKAGE_NAME}.whatsAppSend`, 520, { messageType: 'template', recipientSource: 'custom', to: '', templateName: '' }),
			credentials: { whatsAppCloudApi: { id: whatsAppCredential.id!, name: whatsAppCredential.name } },
		},
		controlNode('Send Without Credential', `${PACKAGE_NAME}.whatsAppSend`, 780),
		controlNode('Healthy No-Op', 'n8n-nodes-base.noOp', 1040),
		{ ...controlNode('Control Note', STICKY_NOTE_TYPE, 0, { content: '## Negative control', width: 300, height: 160 }), position: [0, -300] },
	],
	connections: {},
};

// ---------------------------------------------------------------------------------------------
// Reading the canvas
// ---------------------------------------------------------------------------------------------

interface Box {
	x: number;
	y: number;
	width: number;
	height: number;
}

/** One `div[data-node-name][data-node-type]` as the editor rendered it. */
interface CanvasNode {
	name: string;
	type: string;
	sticky: boolean;
	issuesMarker: boolean;
	notInstalledMarker: boolean;
	/** Text of NodeIcon's placeholder ("?" for an unknown type), null when the node shows an icon. */
	iconPlaceholder: string | null;
	/** Whether the node's icon is an <img> or <svg>. */
	iconShown: boolean;
	/** Icon images that failed to load, and how many are still loading. */
	brokenIcons: string[];
	loadingIcons: number;
	box: Box;
	labelBox: Box | null;
	/** Sticky notes: pixels of content hidden below the note's bottom edge. */
	stickyHiddenPixels: number;
}

/** The little of the DOM the in-page code uses (the test tsconfig has no DOM library). */
interface DomElement {
	children: { length: number };
	textContent: string | null;
	clientHeight: number;
	scrollHeight: number;
	getAttribute(name: string): string | null;
	querySelector(selector: string): DomElement | null;
	querySelectorAll(selector: string): ArrayLike<DomElement>;
	getBoundingClientRect(): Box;
}

interface DomImage extends DomElement {
	complete: boolean;
	naturalWidth: number;
}

async function inspectCanvas(page: Page): Promise<CanvasNode[]> {
	return await page.locator('[data-node-name][data-node-type]').evaluateAll((found) => {
		const elements = found as unknown as DomElement[];
		const boxOf = (element: DomElement): Box => {
			const rect = element.getBoundingClientRect();
			return { x: Math.round(rect.x), y: Math.round(rect.y), width: Math.round(rect.width), height: Math.round(rect.height) };
		};
		return elements.map((element) => {
			const name = element.getAttribute('data-node-name') ?? '';
			const sticky = element.querySelector('[data-test-id="sticky"]') !== null;
			const icon = element.querySelector('.n8n-node-icon');
			const images = icon ? (Array.from(icon.querySelectorAll('img')) as DomImage[]) : [];
			const label = Array.from(element.querySelectorAll('*')).find((child) => child.children.length === 0 && child.textContent?.trim() === name);
			let stickyHiddenPixels = 0;
			if (sticky) {
				for (const child of Array.from(element.querySelectorAll('[data-test-id="sticky"] *'))) {
					if (child.clientHeight > 0) stickyHiddenPixels = Math.max(stickyHiddenPixels, child.scrollHeight - child.clientHeight);
				}
			}
			return {
				name,
				type: element.getAttribute('data-node-type') ?? '',
				sticky,
				issuesMarker: element.querySelector('[data-test-id="node-issues"]') !== null,
				notInstalledMarker: element.querySelector('[data-test-id="node-not-installed"]') !== null,
				iconPlaceholder: element.querySelector('[class*="nodeIconPlaceholder"]')?.textContent?.trim() ?? null,
				iconShown: icon !== null && icon.querySelector('img, svg') !== null,
				brokenIcons: images.filter((image) => image.complete && image.naturalWidth === 0).map((image) => image.getAttribute('src') ?? ''),
				loadingIcons: images.filter((image) => !image.complete).length,
				box: boxOf(element),
				labelBox: label ? boxOf(label) : null,
				stickyHiddenPixels,
			};
		});
	});
}

/** Waits until the canvas has stopped changing (nodes, markers, icons and positions) for a second. */
async function settledCanvas(page: Page, timeoutMs = 20_000): Promise<CanvasNode[]> {
	const deadline = Date.now() + timeoutMs;
	let previous = '';
	let unchangedSince = Date.now();
	while (true) {
		const nodes = await inspectCanvas(page);
		const signature = JSON.stringify(nodes);
		const settled = signature === previous && nodes.every((node) => node.loadingIcons === 0);
		if (signature !== previous) unchangedSince = Date.now();
		previous = signature;
		if (settled && Date.now() - unchangedSince >= 1_000) return nodes;
		if (Date.now() > deadline) throw new Error(`the canvas did not settle within ${timeoutMs} ms`);
		await page.waitForTimeout(200);
	}
}

type ProblemKind = 'missing' | 'unexpected' | 'wrong-type' | 'unknown-type' | 'not-installed' | 'issues' | 'broken-icon';

interface Problem {
	node: string;
	kind: ProblemKind;
	detail: string;
}

/** Everything the canvas shows wrong for this workflow, compared with its JSON. */
function findProblems(workflow: WorkflowJson, canvas: CanvasNode[]): Problem[] {
	const problems: Problem[] = [];
	for (const node of workflow.nodes) {
		const rendered = canvas.filter((candidate) => candidate.name === node.name);
		if (rendered.length === 0) problems.push({ node: node.name, kind: 'missing', detail: `${node.type} is not on the canvas` });
		else if (rendered[0].type !== node.type) problems.push({ node: node.name, kind: 'wrong-type', detail: `rendered as ${rendered[0].type}, the JSON says ${node.type}` });
	}
	for (const rendered of canvas) {
		if (!workflow.nodes.some((node) => node.name === rendered.name)) {
			problems.push({ node: rendered.name, kind: 'unexpected', detail: `${rendered.type} is on the canvas but not in the JSON` });
		}
		if (rendered.sticky) continue;
		if (rendered.notInstalledMarker) {
			problems.push({ node: rendered.name, kind: 'not-installed', detail: `${rendered.type}: the editor marks it as a node of a package that is not installed` });
		}
		if (rendered.iconPlaceholder !== null || !rendered.iconShown) {
			const shows = rendered.iconPlaceholder === null ? 'no icon' : `the placeholder "${rendered.iconPlaceholder}"`;
			problems.push({ node: rendered.name, kind: 'unknown-type', detail: `${rendered.type} shows ${shows} instead of its icon: the editor does not know this type` });
		}
		if (rendered.issuesMarker) problems.push({ node: rendered.name, kind: 'issues', detail: `${rendered.type} shows the issues marker` });
		for (const source of rendered.brokenIcons) problems.push({ node: rendered.name, kind: 'broken-icon', detail: `${rendered.type}: icon ${source} did not load` });
	}
	return problems;
}

/** Hovers a node's marker and returns the reasons the editor's tooltip gives. */
async function markerReasons(page: Page, nodeName: string, markerTestId: string): Promise<string> {
	const marker = page.locator(`[data-node-name=${JSON.stringify(nodeName)}] [data-test-id="${markerTestId}"] > *`).first();
	await marker.hover();
	const tooltip = page.locator('[data-test-id="tooltip-content"]:visible').last();
	await tooltip.waitFor({ state: 'visible', timeout: 5_000 });
	const text = (await tooltip.innerText()).replace(/\s+/g, ' ').trim();
	await page.mouse.move(VIEWPORT.width - 80, VIEWPORT.height - 120);
	await tooltip.waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => undefined);
	return text;
}

/** Adds the editor's own reasons to issue and not-installed problems. */
async function explainProblems(page: Page, problems: Problem[]): Promise<Problem[]> {
	for (const problem of problems) {
		const marker = { issues: 'node-issues', 'not-installed': 'node-not-installed' }[problem.kind as string];
		if (marker) problem.detail += ` — ${await markerReasons(page, problem.node, marker).catch((error: Error) => `(no tooltip: ${error.message.split('\n')[0]})`)}`;
	}
	return problems;
}

/** Layout notes for the report (not asserted): labels hidden under other nodes, cut-off sticky notes. */
function layoutNotes(canvas: CanvasNode[]): string[] {
	const intersects = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
	const nodes = canvas.filter((node) => !node.sticky);
	const notes: string[] = [];
	for (const node of nodes) {
		for (const other of nodes) {
			if (other === node) continue;
			if (node.labelBox && intersects(node.labelBox, other.box)) notes.push(`the label of "${node.name}" is partly under "${other.name}"`);
			if (node.name < other.name && intersects(node.box, other.box)) notes.push(`"${node.name}" and "${other.name}" overlap`);
		}
	}
	for (const note of canvas.filter((node) => node.sticky && node.stickyHiddenPixels > 4)) {
		notes.push(`sticky note "${note.name}" cuts off its text (${note.stickyHiddenPixels} px hidden at the zoom of the screenshot)`);
	}
	return notes;
}

// ---------------------------------------------------------------------------------------------
// Browser errors
// ---------------------------------------------------------------------------------------------

interface BrowserError {
	source: 'console' | 'page-error' | 'request-failed' | 'http-error';
	text: string;
	url: string;
}

/**
 * Browser errors that do not fail the check, and why. Everything else does.
 * - Hosts of n8n.io / n8n.cloud (templates, telemetry, version notices, community node lists): this
 *   machine is offline. The server runs with those features off (scripts/lib/n8n-server.ts), so none
 *   is expected, but if the editor still tries one it is offline noise, not a fault of our pack.
 * - net::ERR_ABORTED: the editor cancels its own pending requests when the route changes, which this
 *   test does between workflows. Icons are checked on the canvas itself, so no broken icon hides here.
 */
const IGNORED_BROWSER_ERRORS: Array<{ why: string; matches: (error: BrowserError) => boolean }> = [
	{
		why: 'n8n.io / n8n.cloud host, unreachable offline',
		matches: (error) => /^https?:\/\/([^/]+\.)?n8n\.(io|cloud)([:/]|$)/.test(error.url) || /https?:\/\/([^/\s]+\.)?n8n\.(io|cloud)\b/.test(error.text),
	},
	{ why: 'request cancelled by a route change', matches: (error) => error.source === 'request-failed' && error.text.includes('net::ERR_ABORTED') },
];

function isIgnored(error: BrowserError): boolean {
	return IGNORED_BROWSER_ERRORS.some((rule) => rule.matches(error));
}

/** Whether an error points at our pack: its package name (icons, node types) or a node of ours by name. */
function comesFromOurPack(error: BrowserError, workflow: WorkflowJson): boolean {
	const ourNodeNames = workflow.nodes.filter((node) => node.type.startsWith(`${PACKAGE_NAME}.`)).map((node) => node.name);
	return [PACKAGE_NAME, ...ourNodeNames].some((needle) => error.text.includes(needle) || error.url.includes(needle));
}

function describeError(error: BrowserError, workflow: WorkflowJson): string {
	const origin = comesFromOurPack(error, workflow) ? 'from our pack' : 'origin unclear';
	return `${error.source} (${origin}): ${error.text.slice(0, 300)}${error.url ? ` [${error.url}]` : ''}`;
}

// ---------------------------------------------------------------------------------------------
// The test
// ---------------------------------------------------------------------------------------------

interface ReportEntry {
	workflow: string;
	file: string;
	nodes: number;
	stickyNotes: number;
	problems: string[];
	browserErrors: string[];
	ignoredBrowserErrors: string[];
	layoutNotes: string[];
	screenshot: string;
	openMs: number;
}

interface BrowserGlobals {
	history: { pushState(state: unknown, unused: string, url: string): void };
	dispatchEvent(event: unknown): boolean;
	PopStateEvent: new (type: string, init: { state: unknown }) => unknown;
}

describe('every shipped workflow on the n8n editor canvas (headless Chromium)', () => {
	let server: N8nServer;
	let browser: HeadlessBrowser;
	let page: Page;
	let control: ImportedWorkflow;
	const browserErrors: BrowserError[] = [];
	const report: ReportEntry[] = [];
	const setupMs = { importMs: 0, serverStartMs: 0, firstPageLoadMs: 0 };

	/**
	 * Opens a workflow the way the editor does when you pick one: through its router, on a page that is
	 * already loaded (one full page load per workflow costs about 10 s on this 2-core machine). Going
	 * through the workflow list first unmounts the previous canvas, so nothing of it can be counted.
	 */
	const openWorkflow = async (workflow: ImportedWorkflow): Promise<CanvasNode[]> => {
		const route = async (urlPath: string) =>
			await page.evaluate((target) => {
				const window = globalThis as unknown as BrowserGlobals;
				window.history.pushState({}, '', target);
				window.dispatchEvent(new window.PopStateEvent('popstate', { state: {} }));
			}, urlPath);
		await route('/home/workflows');
		await page.locator('[data-node-type]').first().waitFor({ state: 'detached', timeout: 30_000 });
		browserErrors.splice(0);
		await route(`/workflow/${workflow.id}`);
		await page.locator(`[data-test-id="workflow-name-input"][title=${JSON.stringify(workflow.name)}]`).waitFor({ timeout: 30_000 });
		await page.locator('[data-node-type]').first().waitFor({ timeout: 30_000 });
		expect(new URL(page.url()).pathname).toBe(`/workflow/${workflow.id}`);
		return await settledCanvas(page);
	};

	const screenshot = async (name: string): Promise<string> => {
		const file = path.join(ARTIFACTS, `${name}.png`);
		await page.screenshot({ path: file, fullPage: true });
		return file;
	};

	beforeAll(async () => {
		let startedAt = Date.now();
		mkdirSync(ARTIFACTS, { recursive: true });
		const userFolder = createTempUserFolder('n8n-e2e-canvas-');
		await importCredentials(userFolder, demoCredentials());
		const imported = await importWorkflows(userFolder, [...SHIPPED.map((workflow) => workflow.source), NEGATIVE_CONTROL]);
		control = imported[imported.length - 1];
		setupMs.importMs = Date.now() - startedAt;
		startedAt = Date.now();
		server = await startN8n({ userFolder, removeUserFolderOnStop: true });
		await server.rest.ensureOwner();
		setupMs.serverStartMs = Date.now() - startedAt;
		startedAt = Date.now();

		browser = await launchHeadlessChromium({ viewport: VIEWPORT });
		page = browser.page;
		// Signed in as the owner with the REST login's cookie (the sign-in form sets the same cookie).
		const [cookieName, ...cookieValue] = server.rest.authCookie!.split('=');
		await browser.context.addCookies([{ name: cookieName, value: cookieValue.join('='), url: server.baseUrl }]);
		page.on('console', (message) => {
			if (message.type() === 'error') browserErrors.push({ source: 'console', text: message.text(), url: message.location().url ?? '' });
		});
		page.on('pageerror', (error) => browserErrors.push({ source: 'page-error', text: `${error.name}: ${error.message}`, url: '' }));
		page.on('requestfailed', (request) => browserErrors.push({ source: 'request-failed', text: request.failure()?.errorText ?? 'failed', url: request.url() }));
		page.on('response', (response) => {
			if (response.status() >= 400) browserErrors.push({ source: 'http-error', text: `HTTP ${response.status()}`, url: response.url() });
		});
		await page.goto(`${server.baseUrl}/home/workflows`);
		// The workflow list: the editor (and its router) is up and the owner is signed in.
		await page.getByText(SHIPPED[0].name, { exact: true }).first().waitFor({ timeout: 60_000 });
		setupMs.firstPageLoadMs = Date.now() - startedAt;
	}, 240_000);

	afterAll(async () => {
		if (report.length > 0) {
			writeFileSync(path.join(ARTIFACTS, 'report.json'), `${JSON.stringify({ setupMs, ignoredBrowserErrors: IGNORED_BROWSER_ERRORS.map((rule) => rule.why), workflows: report }, null, '\t')}\n`);
		}
		await browser?.close();
		await server?.stop();
	}, 60_000);

	it('flags an unknown core type, an unknown type of our pack, empty required parameters and a missing credential', async () => {
		const canvas = await openWorkflow(control);
		await screenshot('negative-control');
		const problems = await explainProblems(page, findProblems(control.workflow, canvas));

		const kindsByNode: Record<string, ProblemKind[]> = {};
		for (const problem of problems) (kindsByNode[problem.node] ??= []).push(problem.kind);
		expect(kindsByNode).toEqual({
			'Unknown Core Type': ['unknown-type'],
			'Unknown Pack Type': ['not-installed', 'unknown-type'],
			'Template Without Name': ['issues'],
			'Send Without Credential': ['issues'],
		});
		const detail = (node: string, kind: ProblemKind) => problems.find((problem) => problem.node === node && problem.kind === kind)!.detail;
		expect(detail('Unknown Core Type', 'unknown-type')).toContain('n8n-nodes-base.doesNotExist shows the placeholder "?"');
		expect(detail('Unknown Pack Type', 'not-installed')).toContain('Install the package to use this node');
		expect(detail('Template Without Name', 'issues')).toContain('Parameter "Template Name" is required.');
		expect(detail('Template Without Name', 'issues')).toContain('Parameter "Phone Number" is required.');
		expect(detail('Send Without Credential', 'issues')).toContain('Credentials for WhatsApp Send are not set.');

		// The node count check: a node of the JSON that is not drawn, and a drawn node the JSON lacks.
		const phantom = controlNode('Phantom', 'n8n-nodes-base.noOp', 0);
		expect(findProblems({ ...control.workflow, nodes: [...control.workflow.nodes, phantom] }, canvas)).toContainEqual({ node: 'Phantom', kind: 'missing', detail: 'n8n-nodes-base.noOp is not on the canvas' });
		expect(findProblems({ ...control.workflow, nodes: control.workflow.nodes.slice(1) }, canvas).map((problem) => [problem.node, problem.kind])).toContainEqual(['Unknown Core Type', 'unexpected']);
	});

	it('collects browser errors and tells ours from ignored offline noise', async () => {
		// A broken icon of our pack, requested the way the canvas requests icons.
		const missingIcon = `/icons/${PACKAGE_NAME}/dist/nodes/Missing/missing.svg`;
		await page.evaluate((source) => {
			const window = globalThis as unknown as { document: { createElement(tag: string): { src: string }; body: { append(node: unknown): void } } };
			const image = window.document.createElement('img');
			image.src = source;
			window.document.body.append(image);
		}, missingIcon);
		const deadline = Date.now() + 10_000;
		while (!browserErrors.some((error) => error.url.endsWith(missingIcon)) && Date.now() < deadline) await page.waitForTimeout(100);
		await page.locator(`img[src=${JSON.stringify(missingIcon)}]`).evaluate((image) => (image as unknown as { remove(): void }).remove());
		const ours = browserErrors.filter((error) => error.url.endsWith(missingIcon));
		expect(ours.length).toBeGreaterThan(0);
		expect(ours.every((error) => !isIgnored(error) && comesFromOurPack(error, control.workflow))).toBe(true);

		expect(isIgnored({ source: 'request-failed', text: 'net::ERR_NAME_NOT_RESOLVED', url: 'https://api.n8n.io/api/versions/2.39.10' })).toBe(true);
		expect(isIgnored({ source: 'console', text: 'Failed to load resource: net::ERR_NAME_NOT_RESOLVED', url: 'https://ph.n8n.io/decide' })).toBe(true);
		expect(isIgnored({ source: 'request-failed', text: 'net::ERR_ABORTED', url: `${server.baseUrl}/rest/workflows` })).toBe(true);
		expect(isIgnored({ source: 'http-error', text: 'HTTP 500', url: `${server.baseUrl}/rest/workflows` })).toBe(false);
		expect(isIgnored({ source: 'request-failed', text: 'net::ERR_NAME_NOT_RESOLVED', url: 'https://n8n.io.example.com/x' })).toBe(false);
		expect(isIgnored({ source: 'page-error', text: 'TypeError: x is undefined', url: '' })).toBe(false);
	});

	it.each(SHIPPED.map((workflow) => [path.basename(workflow.source), workflow] as const))(
		'%s: every node on the canvas, none unknown, none with issues, no browser errors',
		async (file, shipped) => {
			const startedAt = Date.now();
			const canvas = await openWorkflow(shipped);
			const openMs = Date.now() - startedAt;
			const image = await screenshot(file.replace(/\.json$/, ''));
			const problems = await explainProblems(page, findProblems(shipped.workflow, canvas));
			const errors = browserErrors.splice(0);
			const failing = errors.filter((error) => !isIgnored(error));
			const count = (nodes: Array<{ type: string }>, sticky: boolean) => nodes.filter((node) => (node.type === STICKY_NOTE_TYPE) === sticky).length;
			report.push({
				workflow: shipped.name,
				file,
				nodes: count(canvas, false),
				stickyNotes: count(canvas, true),
				problems: problems.map((problem) => `"${problem.node}": ${problem.kind}: ${problem.detail}`),
				browserErrors: failing.map((error) => describeError(error, shipped.workflow)),
				ignoredBrowserErrors: errors.filter(isIgnored).map((error) => describeError(error, shipped.workflow)),
				layoutNotes: layoutNotes(canvas),
				screenshot: path.relative(repoRoot, image),
				openMs,
			});

			expect({ nodes: count(canvas, false), stickyNotes: count(canvas, true) }).toEqual({
				nodes: count(shipped.workflow.nodes, false),
				stickyNotes: count(shipped.workflow.nodes, true),
			});
			expect(problems.map((problem) => `${file} › "${problem.node}": ${problem.detail}`)).toEqual([]);
			expect(failing.map((error) => `${file}: ${describeError(error, shipped.workflow)}`)).toEqual([]);
			expect(readFileSync(image).subarray(1, 4).toString()).toBe('PNG');
		},
		60_000,
	);
});
