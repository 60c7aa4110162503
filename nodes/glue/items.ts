import type { IBinaryKeyData, IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { toNodeError } from './errors';

export interface RouteItemsOptions {
	/** Handle only the first item: for operations that act once per execution (e.g. a retention purge). */
	onlyFirstItem?: boolean;
	/** The output that takes a failed item under continue-on-fail. Default 0. */
	errorOutput?: number;
}

/**
 * The per-item loop of every pack node: `handle` returns the output index, the item's JSON and, for a
 * file, its binary data; or `undefined` for an item that goes nowhere (another execution answers its message; see
 * nodes/glue/delivery.ts). Errors become n8n errors with the item index (nodes/glue/errors.ts). With
 * continue-on-fail a failed item goes on to `errorOutput` with `error` and `errorDescription` added.
 */
export async function routeItems(
	context: IExecuteFunctions,
	outputCount: number,
	handle: (json: IDataObject, itemIndex: number) => Promise<[number, IDataObject, IBinaryKeyData?] | undefined>,
	options: RouteItemsOptions = {},
): Promise<INodeExecutionData[][]> {
	const items = context.getInputData();
	const outputs: INodeExecutionData[][] = Array.from({ length: outputCount }, () => []);
	const count = options.onlyFirstItem ? Math.min(items.length, 1) : items.length;
	for (let itemIndex = 0; itemIndex < count; itemIndex++) {
		const item = items[itemIndex];
		try {
			const routed = await handle(item.json, itemIndex);
			if (!routed) continue;
			const [output, json, binary] = routed;
			outputs[output].push(binary ? { json, binary, pairedItem: { item: itemIndex } } : { json, pairedItem: { item: itemIndex } });
		} catch (error) {
			const nodeError = toNodeError(context.getNode(), error, itemIndex);
			if (!context.continueOnFail()) throw nodeError;
			outputs[options.errorOutput ?? 0].push({
				json: { ...item.json, error: nodeError.message, errorDescription: nodeError.description ?? null },
				pairedItem: { item: itemIndex },
			});
		}
	}
	return outputs;
}
