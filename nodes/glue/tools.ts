/**
 * n8n glue for tools: the tool sub-nodes connected to a node's Tool input (`ai_tool`), as n8n's AI Agent
 * takes them: any number of them, a toolkit (the MCP Client Tool) counting as its tools.
 */
import { DynamicStructuredTool } from '@langchain/core/tools';
import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type ISupplyDataFunctions,
	type SupplyData,
} from 'n8n-workflow';
import type { z } from 'zod';

import { isChatMemory, type ChatMemoryLike } from '../domain/memory/conversation-memory';
import { maskPii } from '../domain/privacy/pii';
import { mapStrings, type ToolLike } from '../domain/tools/tool-loop';
import { recallRestoreMap, rememberRestoreMap, restoreVaultKey } from '../domain/privacy/restore-vault';
import { createToolPrivacy, TOOL_KEEP_PATTERNS } from '../domain/tools/tool-privacy';

function isTool(value: unknown): value is ToolLike {
	return (
		value !== null &&
		typeof value === 'object' &&
		typeof (value as { name?: unknown }).name === 'string' &&
		typeof (value as { invoke?: unknown }).invoke === 'function'
	);
}

function isToolkit(value: unknown): value is { getTools(): unknown[] } {
	return value !== null && typeof value === 'object' && Array.isArray((value as { tools?: unknown }).tools) && typeof (value as { getTools?: unknown }).getTools === 'function';
}

/** The tools on the node's Tool input, flattened; empty when the input is absent or nothing is connected. */
export async function getConnectedTools(context: IExecuteFunctions, itemIndex: number): Promise<ToolLike[]> {
	let connected: unknown;
	try {
		connected = await context.getInputConnectionData(NodeConnectionTypes.AiTool, itemIndex);
	} catch (error) {
		if (/does not have input of type|must be connected|no node connected/i.test(String((error as Error).message))) return [];
		throw error;
	}
	const entries = Array.isArray(connected) ? connected : connected ? [connected] : [];
	const tools: ToolLike[] = [];
	for (const entry of entries) {
		for (const candidate of isToolkit(entry) ? entry.getTools() : [entry]) {
			if (!isTool(candidate)) {
				throw new NodeOperationError(context.getNode(), 'A sub-node on the Tool input is not a tool', {
					itemIndex,
					description: 'Connect tool sub-nodes (HTTP Request Tool, Workflow Tool, Code Tool, MCP Client Tool, or a node used as a tool) to the Tool input.',
				});
			}
			tools.push(candidate);
		}
	}
	const seen = new Set<string>();
	for (const tool of tools) {
		if (seen.has(tool.name)) {
			throw new NodeOperationError(context.getNode(), `Two connected tools are named "${tool.name}"`, {
				itemIndex,
				description: 'The model tells tools apart by name: rename one of them (its node name, or its tool name setting).',
			});
		}
		seen.add(tool.name);
	}
	return tools;
}

export interface PackToolDefinition<Schema extends z.ZodTypeAny> {
	name: string;
	description: string;
	schema: Schema;
	run(args: z.infer<Schema>): Promise<unknown>;
	metadata?: Record<string, unknown>;
}

const maskForLog = (text: string) => maskPii(text, { keepPatterns: TOOL_KEEP_PATTERNS }).masked;

/**
 * A tool for a tool sub-node's supplyData: LangChain validates the arguments against the zod schema before
 * `run` (a failure goes back to the model, nothing is called), and every call shows on the canvas with its
 * arguments and answer masked, as n8n's own tools show theirs.
 */
export function packTool<Schema extends z.ZodTypeAny>(context: ISupplyDataFunctions, definition: PackToolDefinition<Schema>): DynamicStructuredTool {
	return new DynamicStructuredTool({
		name: definition.name,
		description: definition.description,
		schema: definition.schema,
		metadata: definition.metadata,
		func: async (args: z.infer<Schema>) => {
			const { index } = context.addInputData(NodeConnectionTypes.AiTool, [[{ json: mapStrings(args, maskForLog) as IDataObject }]]);
			try {
				const result = await definition.run(args);
				const text = typeof result === 'string' ? result : JSON.stringify(result);
				context.addOutputData(NodeConnectionTypes.AiTool, index, [[{ json: { response: maskForLog(text) } }]]);
				return text;
			} catch (error) {
				const message = maskForLog((error as Error).message);
				context.addOutputData(NodeConnectionTypes.AiTool, index, new NodeOperationError(context.getNode(), message));
				throw new Error(message);
			}
		},
	});
}

/** The memory sub-node on the node's Memory input, if one is connected. */
export async function getConnectedMemory(context: IExecuteFunctions, itemIndex: number): Promise<ChatMemoryLike | undefined> {
	let connected: unknown;
	try {
		connected = await context.getInputConnectionData(NodeConnectionTypes.AiMemory, itemIndex);
	} catch (error) {
		if (/does not have input of type|must be connected|no node connected/i.test(String((error as Error).message))) return undefined;
		throw error;
	}
	const memory = Array.isArray(connected) ? connected[0] : connected;
	if (memory === undefined || memory === null) return undefined;
	if (!isChatMemory(memory)) {
		throw new NodeOperationError(context.getNode(), 'The sub-node on the Memory input is not a chat memory', {
			itemIndex,
			description: 'Connect a memory sub-node (Conversation Memory, Simple Memory, Redis or Postgres Chat Memory …).',
		});
	}
	return memory;
}

/** What the engine adds to a tool call's item besides the model's arguments. */
const ENGINE_KEYS = ['toolCallId'];

/**
 * `execute` for a tool sub-node, so it also runs when n8n's AI Agent (v3) hands a tool call to the workflow
 * engine instead of calling the tool itself: the engine runs the node with one item per call, holding the
 * agent's input item with the model's arguments on top. The tool is the one `supplyData` builds; LangChain's
 * schema check drops the envelope's keys. Privacy as on AI Reply's path: a tool that needs real values gets
 * the placeholders in its arguments filled in from the execution's memory (the Consent Gate's restore map
 * for this message); what the node outputs (the model's observation, kept in the execution data) and its
 * errors are masked, and values first seen in the answer are added to that memory so a later node can put
 * them back.
 */
export async function executeToolNode(
	context: IExecuteFunctions,
	supplyData: (this: ISupplyDataFunctions, itemIndex: number) => Promise<SupplyData>,
): Promise<INodeExecutionData[][]> {
	// The engine records the node's input and output itself: the canvas logging of packTool has nothing to do.
	const supplyContext = new Proxy(context, {
		get(target, property, receiver) {
			if (property === 'addInputData') return () => ({ index: 0 });
			if (property === 'addOutputData') return () => undefined;
			return Reflect.get(target, property, receiver) as unknown;
		},
	}) as unknown as ISupplyDataFunctions;
	const items = context.getInputData();
	const output: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		const json = items[itemIndex].json;
		const messageId = (json.message as { id?: unknown } | undefined)?.id;
		const vaultKey = restoreVaultKey(context.getExecutionId(), typeof messageId === 'string' ? messageId : undefined);
		const privacy = createToolPrivacy({ restoreMap: recallRestoreMap(vaultKey) ?? {} });
		try {
			const supplied = await supplyData.call(supplyContext, itemIndex);
			const tool = supplied.response;
			if (!isTool(tool)) throw new NodeOperationError(context.getNode(), 'This node did not supply a tool', { itemIndex });
			const args = Object.fromEntries(Object.entries(json).filter(([key]) => !ENGINE_KEYS.includes(key)));
			const result = await tool.invoke(privacy.restoreArguments(args, tool));
			const response = privacy.mask(typeof result === 'string' ? result : JSON.stringify(result));
			rememberRestoreMap(vaultKey, privacy.restoreMap);
			output.push({ json: { response }, pairedItem: { item: itemIndex } });
		} catch (error) {
			const message = privacy.mask((error as Error).message);
			if (context.continueOnFail()) {
				output.push({ json: { error: message }, pairedItem: { item: itemIndex } });
				continue;
			}
			throw new NodeOperationError(context.getNode(), message, {
				itemIndex,
				description: 'The model is given this error as the tool’s answer and can correct its call.',
			});
		}
	}
	return [output];
}
