// Runs a workflow JSON in-process through n8n-core's WorkflowExecute, as n8n's own NodeTestHarness does
// (packages/core/nodes-testing in the n8n repository, which is not published to npm), with our node
// types, the n8n-nodes-base / langchain nodes a workflow uses, and types a test adds.
//
// How a run starts
// - The start node is `options.startNodeName`, else the first enabled trigger-like node (one with a
//   `trigger`, `poll` or `webhook` method, or in the 'trigger' group), else n8n's own choice
//   (`Workflow.getStartNode()`).
// - It is put on the execution stack with `triggerItems` (default `[{ json: {} }]`) as its input, as
//   NodeTestHarness does.
// - If it is trigger-like, those items are also pinned as its output (pinData), so n8n never calls its
//   `trigger()` / `poll()` / `webhook()` method: the run starts right after it, with `triggerItems` as
//   what the trigger emitted. This is how a webhook trigger is tested without an HTTP request; its
//   `webhook()` method needs its own unit tests, or the end-to-end suite. Without `triggerItems`, a
//   pin already in the workflow's pinData for that node is used.
// - A non-trigger start node (e.g. `startNodeName: 'Set'`) really executes, on `triggerItems`.
//
// Sub-workflows: an Execute Workflow node (source "Database") runs the workflow with that id from
// `options.subWorkflows`, by default the shipped workflows/*.json that carry an `id`. It runs
// in-process from its Execute Workflow Trigger with the caller's items and credentials, also when the
// caller does not wait for it (so a test sees its effects at once); `subWorkflowRuns` has the results.
//
// Execution mode (what `this.getMode()` and `$execution.mode` see): `options.mode`, else 'webhook'
// when the start node has a `webhook` method, 'manual' for the Manual Trigger or a non-trigger start
// node, 'trigger' for other triggers.
import './n8n-env';

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { ExecutionLifecycleHooks, ExternalSecretsProxy, WorkflowExecute } from 'n8n-core';
import { createRunExecutionData, NodeHelpers, Workflow } from 'n8n-workflow';
import type {
	ExecutionError,
	ExecutionStatus,
	ICredentialDataDecryptedObject,
	ICredentialType,
	IConnections,
	IDataObject,
	IExecuteResponsePromiseData,
	INode,
	INodeExecutionData,
	INodeType,
	IPinData,
	IRun,
	IRunData,
	IExecuteWorkflowInfo,
	IWorkflowBase,
	IWorkflowExecuteAdditionalData,
	IWorkflowSettings,
	WorkflowExecuteMode,
} from 'n8n-workflow';

import { TestCredentialsHelper } from './credentials-helper';
import {
	getTypeRegistry,
	TestCredentialTypes,
	TestNodeTypes,
	type AnyNodeType,
} from './node-types';

export interface WorkflowInput {
	name?: string;
	nodes: INode[];
	connections: IConnections;
	settings?: IWorkflowSettings;
	pinData?: IPinData;
	staticData?: IDataObject;
}

export interface RunWorkflowOptions {
	/** Credential data by credential type name, e.g. `{ whatsAppApi: { accessToken: 't' } }`. */
	credentials?: Record<string, ICredentialDataDecryptedObject>;
	/** What the start (trigger) node emits; default `[{ json: {} }]`. */
	triggerItems?: INodeExecutionData[];
	startNodeName?: string;
	/** Node types by full type name, e.g. `{ 'test.fakeChatModel': new FakeChatModel() }`. */
	extraNodeTypes?: Record<string, AnyNodeType>;
	/** Credential types by name, for credentials no package provides. */
	extraCredentialTypes?: Record<string, ICredentialType>;
	mode?: WorkflowExecuteMode;
	/** Workflows an Execute Workflow node may call, by id; default: the shipped workflows with an `id`. */
	subWorkflows?: Record<string, WorkflowInput>;
}

export interface WorkflowRunResult {
	status: ExecutionStatus;
	/** True only when the run completed without error (and is not waiting). */
	finished: boolean;
	mode: WorkflowExecuteMode;
	/** The workflow-level error (a plain copy n8n makes of the failing node's error), if any. */
	error: ExecutionError | undefined;
	/** Name of the node whose error stopped the run (status 'error'), if a node did. */
	failedNodeName: string | undefined;
	/** Node names in the order they finished (the `nodeExecuteAfter` hook); a node runs once per entry. */
	executionOrder: string[];
	/** Raw `resultData.runData`: per node, one task per run. */
	runData: IRunData;
	/** The raw IRun WorkflowExecute returned. */
	run: IRun;
	/** What nodes sent through `this.sendResponse()` (e.g. Respond to Webhook), in order. */
	responses: IExecuteResponsePromiseData[];
	/** Credential types nodes asked for, in order. */
	credentialRequests: Array<{ type: string; node?: string }>;
	/** Items on one output of one run of a node. Throws if the node has no such run or it failed. */
	output(nodeName: string, outputIndex?: number, runIndex?: number): INodeExecutionData[];
	/** `output(...)` mapped to `item.json`. */
	json(nodeName: string, outputIndex?: number, runIndex?: number): IDataObject[];
	/** The error recorded on a node's run (last run by default), including continue-on-fail runs. */
	nodeError(nodeName: string, runIndex?: number): ExecutionError | undefined;
	/** How many times a node ran (0 when it did not). */
	runCount(nodeName: string): number;
	/** Sub-workflows Execute Workflow nodes ran, in order, with the id they were called by. */
	subWorkflowRuns: Array<{ workflowId: string; result: WorkflowRunResult }>;
}

let executionCounter = 0;

/** Reads a workflow JSON file (as exported from n8n, or as in /workflows). */
export function loadWorkflowFile(filePath: string): WorkflowInput & IDataObject {
	const data = JSON.parse(readFileSync(filePath, 'utf8')) as WorkflowInput & IDataObject;
	if (!Array.isArray(data.nodes) || typeof data.connections !== 'object' || data.connections === null) {
		throw new Error(`${filePath} is not a workflow JSON (needs "nodes" and "connections")`);
	}
	return data;
}

function isTriggerLike(type: INodeType): boolean {
	return (
		type.trigger !== undefined ||
		type.poll !== undefined ||
		type.webhook !== undefined ||
		NodeHelpers.isTriggerNode(type.description)
	);
}

function pickStartNode(workflow: Workflow, startNodeName: string | undefined): INode {
	if (startNodeName !== undefined) {
		const node = workflow.getNode(startNodeName);
		if (!node) throw new Error(`Start node "${startNodeName}" is not in the workflow`);
		return node;
	}
	for (const node of Object.values(workflow.nodes)) {
		if (node.disabled) continue;
		if (isTriggerLike(workflow.nodeTypes.getByNameAndVersion(node.type, node.typeVersion))) return node;
	}
	const node = workflow.getStartNode();
	if (!node) throw new Error('The workflow has no node to start from');
	return node;
}

function defaultMode(node: INode, type: INodeType): WorkflowExecuteMode {
	if (type.webhook !== undefined) return 'webhook';
	if (node.type === 'n8n-nodes-base.manualTrigger' || !isTriggerLike(type)) return 'manual';
	return 'trigger';
}

function unsupported(what: string): never {
	throw new Error(`${what} is not available in the in-process test runner (test/helpers/workflow-runner.ts)`);
}

let shippedWithIds: Record<string, WorkflowInput> | undefined;

/** workflows/*.json that carry an `id` (the ones other workflows call), by id. */
export function shippedSubWorkflows(): Record<string, WorkflowInput> {
	if (!shippedWithIds) {
		const folder = path.resolve(__dirname, '..', '..', 'workflows');
		shippedWithIds = {};
		for (const name of readdirSync(folder).filter((file) => file.endsWith('.json'))) {
			const workflow = loadWorkflowFile(path.join(folder, name));
			if (typeof workflow.id === 'string') shippedWithIds[workflow.id] = workflow;
		}
	}
	return shippedWithIds;
}

type SubWorkflowRunner = (
	workflowInfo: IExecuteWorkflowInfo,
	inputData: INodeExecutionData[],
	doNotWaitToFinish: boolean,
) => Promise<{ executionId: string; data: Array<INodeExecutionData[] | null> }>;

function buildAdditionalData(
	executionId: string,
	hooks: ExecutionLifecycleHooks,
	credentialsHelper: TestCredentialsHelper,
	workflowId: string,
	runSubWorkflow: SubWorkflowRunner,
): IWorkflowExecuteAdditionalData {
	const base = 'http://localhost:5678';
	return {
		credentialsHelper,
		hooks,
		executionId,
		workflowId,
		// WorkflowExecute numbers node runs with `currentNodeExecutionIndex++`: it must start as a number.
		currentNodeExecutionIndex: 0,
		currentNodeParameters: undefined,
		variables: {},
		// `$secrets` in expressions: a proxy with no secrets manager knows no providers.
		externalSecretsProxy: new ExternalSecretsProxy(),
		restApiUrl: `${base}/rest`,
		instanceBaseUrl: `${base}/`,
		formBaseUrl: `${base}/form`,
		formWaitingBaseUrl: `${base}/form-waiting`,
		formTestBaseUrl: `${base}/form-test`,
		webhookBaseUrl: `${base}/webhook`,
		webhookWaitingBaseUrl: `${base}/webhook-waiting`,
		webhookTestBaseUrl: `${base}/webhook-test`,
		mcpBaseUrl: `${base}/mcp`,
		mcpTestBaseUrl: `${base}/mcp-test`,
		// Langchain nodes report AI events through this; nothing listens in tests.
		logAiEvent: () => {},
		getRunExecutionData: async () => undefined,
		getRuntimeCredential: async () => undefined,
		executeWorkflow: async (workflowInfo, _additionalData, options) =>
			await runSubWorkflow(workflowInfo, options.inputData ?? [], options.doNotWaitToFinish === true),
		// The Code node (and Python) run in n8n's task runner, which does not exist here.
		startRunnerTask: async () => unsupported('The task runner (Code node)'),
	};
}

function describeError(error: ExecutionError | undefined): string {
	if (!error) return '';
	const description = (error as { description?: string | null }).description;
	return description ? `${error.message} (${description})` : error.message;
}

function makeResult(
	run: IRun,
	executionOrder: string[],
	responses: IExecuteResponsePromiseData[],
	credentialsHelper: TestCredentialsHelper,
	subWorkflowRuns: WorkflowRunResult['subWorkflowRuns'],
): WorkflowRunResult {
	const { runData, error, lastNodeExecuted } = run.data.resultData;

	const taskOf = (nodeName: string, runIndex: number | undefined) => {
		const tasks = runData[nodeName];
		if (!tasks?.length) {
			const ran = Object.keys(runData).join(', ') || 'none';
			const why = error ? `; the run ended with error: ${describeError(error)}` : '';
			throw new Error(`Node "${nodeName}" did not run (nodes that ran: ${ran})${why}`);
		}
		const index = runIndex ?? tasks.length - 1;
		const task = tasks[index];
		if (!task) throw new Error(`Node "${nodeName}" ran ${tasks.length} time(s); there is no run ${index}`);
		return task;
	};

	const output = (nodeName: string, outputIndex = 0, runIndex = 0): INodeExecutionData[] => {
		const task = taskOf(nodeName, runIndex);
		const main = task.data?.main;
		if (!main) {
			const why = task.error ? `it failed: ${describeError(task.error)}` : 'it produced no data';
			throw new Error(`Node "${nodeName}" run ${runIndex} has no output: ${why}`);
		}
		if (outputIndex >= main.length) {
			throw new Error(`Node "${nodeName}" has ${main.length} output(s); there is no output ${outputIndex}`);
		}
		return main[outputIndex] ?? [];
	};

	return {
		status: run.status,
		finished: run.finished === true,
		mode: run.mode,
		error,
		failedNodeName: run.status === 'error' && error ? lastNodeExecuted : undefined,
		executionOrder,
		runData,
		run,
		responses,
		credentialRequests: credentialsHelper.requested,
		output,
		json: (nodeName, outputIndex = 0, runIndex = 0) =>
			output(nodeName, outputIndex, runIndex).map((item) => item.json),
		nodeError: (nodeName, runIndex) => {
			if (!runData[nodeName]?.length) return undefined;
			return taskOf(nodeName, runIndex).error;
		},
		runCount: (nodeName) => runData[nodeName]?.length ?? 0,
		subWorkflowRuns,
	};
}

export async function runWorkflow(
	input: WorkflowInput,
	options: RunWorkflowOptions = {},
): Promise<WorkflowRunResult> {
	// n8n mutates nodes (fills in default parameters) and items: work on copies.
	const nodes = structuredClone(input.nodes);
	const connections = structuredClone(input.connections);
	const settings = structuredClone(input.settings ?? {});
	const pinData: IPinData = structuredClone(input.pinData ?? {});

	const registry = getTypeRegistry();
	const nodeTypes = new TestNodeTypes(registry, options.extraNodeTypes);
	const credentialsHelper = new TestCredentialsHelper(
		new TestCredentialTypes(registry, options.extraCredentialTypes),
		options.credentials,
	);

	const executionId = `test-execution-${++executionCounter}`;
	const workflowId = 'test-workflow';
	const workflow = new Workflow({
		id: workflowId,
		name: input.name ?? 'Test workflow',
		nodes,
		connections,
		active: false,
		nodeTypes,
		settings,
		staticData: structuredClone(input.staticData ?? {}),
		pinData,
	});

	const startNode = pickStartNode(workflow, options.startNodeName);
	const startType = nodeTypes.getByNameAndVersion(startNode.type, startNode.typeVersion);
	const startIsTrigger = isTriggerLike(startType);
	const startItems: INodeExecutionData[] = structuredClone(
		options.triggerItems ?? (startIsTrigger ? pinData[startNode.name] : undefined) ?? [{ json: {} }],
	);
	if (startIsTrigger) {
		pinData[startNode.name] = structuredClone(startItems);
		workflow.setPinData(pinData);
	}
	const mode = options.mode ?? defaultMode(startNode, startType);

	const workflowData: IWorkflowBase = {
		id: workflowId,
		name: workflow.name ?? 'Test workflow',
		active: false,
		activeVersionId: null,
		isArchived: false,
		createdAt: new Date(),
		updatedAt: new Date(),
		nodes,
		connections,
		settings,
		pinData,
	};
	const hooks = new ExecutionLifecycleHooks(mode, executionId, workflowData);
	const executionOrder: string[] = [];
	const responses: IExecuteResponsePromiseData[] = [];
	hooks.addHandler('nodeExecuteAfter', (nodeName) => {
		executionOrder.push(nodeName);
	});
	hooks.addHandler('sendResponse', (response) => {
		responses.push(response);
	});

	const subWorkflowRuns: WorkflowRunResult['subWorkflowRuns'] = [];
	const runSubWorkflow: SubWorkflowRunner = async (workflowInfo, inputData, doNotWaitToFinish) => {
		const calledId = String(workflowInfo.id ?? '');
		const known = options.subWorkflows ?? shippedSubWorkflows();
		const sub = workflowInfo.code ?? known[calledId];
		if (!sub) unsupported(`Executing sub-workflow "${calledId}" (not in options.subWorkflows)`);
		const entry = sub.nodes.find((node) => node.type === 'n8n-nodes-base.executeWorkflowTrigger' && !node.disabled);
		if (!entry) throw new Error(`Sub-workflow "${calledId}" has no enabled Execute Workflow Trigger`);
		const result = await runWorkflow(sub as WorkflowInput, {
			...options,
			startNodeName: entry.name,
			triggerItems: inputData,
			mode: 'integrated',
		});
		subWorkflowRuns.push({ workflowId: calledId, result });
		if (doNotWaitToFinish) return { executionId: `sub-${executionId}`, data: [null] };
		if (result.status === 'error') throw new Error(`Sub-workflow "${calledId}" failed: ${describeError(result.error)}`);
		const last = result.executionOrder[result.executionOrder.length - 1];
		return { executionId: `sub-${executionId}`, data: last ? [result.output(last)] : [null] };
	};
	const additionalData = buildAdditionalData(executionId, hooks, credentialsHelper, workflowId, runSubWorkflow);
	const runExecutionData = createRunExecutionData({
		resultData: { runData: {}, pinData },
		executionData: {
			nodeExecutionStack: [{ node: startNode, data: { main: [startItems] }, source: null }],
		},
	});

	const startedAt = new Date();
	const workflowExecute = new WorkflowExecute(additionalData, mode, runExecutionData);
	let run: IRun;
	try {
		run = await workflowExecute.processRunExecutionData(workflow);
	} catch (error) {
		// Raised before any node runs, e.g. WorkflowHasIssuesError (a required parameter is empty).
		runExecutionData.resultData.error = error as ExecutionError;
		run = { data: runExecutionData, mode, startedAt, stoppedAt: new Date(), storedAt: 'db', status: 'error' };
	}
	return makeResult(run, executionOrder, responses, credentialsHelper, subWorkflowRuns);
}
