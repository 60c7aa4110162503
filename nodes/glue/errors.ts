import { NodeApiError, NodeOperationError, type INode, type JsonObject } from 'n8n-workflow';

import { GraphApiError } from '../domain/whatsapp/graph-errors';

/**
 * Any error thrown while a node handles an item, as the n8n error to show: a Graph API failure becomes a
 * `NodeApiError` with Meta's code, details and the fix; a domain error that carries a `hint` becomes a
 * `NodeOperationError` whose description tells the user the fix. n8n errors pass through unchanged.
 */
export function toNodeError(node: INode, error: Error & { hint?: string }, itemIndex: number): NodeOperationError | NodeApiError {
	if (error instanceof NodeOperationError || error instanceof NodeApiError) return error;
	if (error instanceof GraphApiError) {
		const code = error.code !== undefined ? ` (#${error.code})` : '';
		return new NodeApiError(node, { message: error.message, code: error.code ?? null, details: error.details ?? null } as JsonObject, {
			itemIndex,
			message: `WhatsApp: ${error.message}${code}`,
			description: [error.details, error.hint].filter(Boolean).join(' — ') || undefined,
			httpCode: error.httpStatus ? String(error.httpStatus) : undefined,
		});
	}
	return new NodeOperationError(node, error.message, { itemIndex, description: error.hint });
}
