import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { toNodeError } from './errors';

/**
 * The per-item loop of a routing node: `handle` returns the output index and the item's JSON. With
 * continue-on-fail a failed item goes to the first output with its error; `onlyFirstItem` is for
 * operations that act once per execution (e.g. a retention purge). `handle` returns `undefined` for an item
 * that goes nowhere (another execution answers its message; see nodes/glue/delivery.ts).
 */
export async function routeItems(
	context: IExecuteFunctions,
	outputCount: number,
	handle: (json: IDataObject, itemIndex: number) => Promise<[number, IDataObject] | undefined>,
	options: { onlyFirstItem?: boolean } = {},
): Promise<INodeExecutionData[][]> {
	const items = context.getInputData();
	const outputs: INodeExecutionData[][] = Array.from({ length: outputCount }, () => []);
	const count = options.onlyFirstItem ? Math.min(items.length, 1) : items.length;
	for (let itemIndex = 0; itemIndex < count; itemIndex++) {
		const item = items[itemIndex];
		try {
			const routed = await handle(item.json, itemIndex);
			if (!routed) continue;
			const [output, json] = routed;
			outputs[output].push({ json, pairedItem: { item: itemIndex } });
		} catch (error) {
			if (!context.continueOnFail()) throw toNodeError(context.getNode(), error, itemIndex);
			outputs[0].push({ json: { ...item.json, error: error.message }, pairedItem: { item: itemIndex } });
		}
	}
	return outputs;
}
