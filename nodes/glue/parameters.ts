import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

/**
 * Reads a parameter whose default is an expression over the input item, such as
 * `={{ $json.message.id }}`. While the node still holds exactly that default, `fromItem` computes the
 * same value from the item directly. Since n8n 2.x evaluates every expression in a V8 isolate, this
 * saves a round trip per item and node on the busiest path of a support bot; a parameter the user has
 * changed is read through n8n as usual.
 */
export function itemParameter(
	context: IExecuteFunctions,
	name: string,
	itemIndex: number,
	defaultExpression: string,
	fromItem: (json: IDataObject) => unknown,
): unknown {
	const configured = context.getNode().parameters[name];
	if (configured === undefined || configured === defaultExpression) {
		return fromItem(context.getInputData()[itemIndex]?.json ?? {});
	}
	return context.getNodeParameter(name, itemIndex, '');
}

/** `json[key]` when `json` is an object, else undefined (what `$json.a.b` would give, minus the error). */
export function field(json: unknown, key: string): unknown {
	return typeof json === 'object' && json !== null ? (json as IDataObject)[key] : undefined;
}
