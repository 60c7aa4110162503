import type { IConnections, INode, INodeParameters } from 'n8n-workflow';

import type { WorkflowInput } from './workflow-runner';

export const PACK = 'n8n-nodes-whatsapp-ai-support';

/** A node at a tidy position; `type` without a dot means one of ours. */
export function node(name: string, type: string, parameters: INodeParameters = {}, extra: Partial<INode> = {}): INode {
	return {
		id: name.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
		name,
		type: type.includes('.') ? type : `${PACK}.${type}`,
		typeVersion: 1,
		position: [0, 0],
		parameters,
		...extra,
	};
}

/** Connections given as [from, to, fromOutput = 0, connectionType = 'main']. */
export function workflow(
	nodes: INode[],
	links: Array<[string, string, number?, string?]>,
): WorkflowInput {
	const connections: IConnections = {};
	for (const [from, to, output = 0, type = 'main'] of links) {
		const byType = (connections[from] ??= {});
		const outputs = (byType[type] ??= []);
		while (outputs.length <= output) outputs.push([]);
		(outputs[output] ??= []).push({ node: to, type: type as 'main', index: 0 });
	}
	nodes.forEach((each, index) => (each.position = [index * 220, 0]));
	return { nodes, connections };
}

/** Manual Trigger → the given nodes in a line (main output 0 each). */
export function line(...nodes: INode[]): WorkflowInput {
	const start = node('Start', 'n8n-nodes-base.manualTrigger');
	const all = [start, ...nodes];
	return workflow(
		all,
		all.slice(1).map((each, index) => [all[index].name, each.name] as [string, string]),
	);
}
