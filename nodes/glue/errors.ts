import { NodeOperationError, type INode } from 'n8n-workflow';

/** Domain errors that carry a `hint` become node errors whose description tells the user the fix. */
export function toNodeError(node: INode, error: Error & { hint?: string }, itemIndex: number): NodeOperationError {
	if (error instanceof NodeOperationError) return error;
	return new NodeOperationError(node, error.message, { itemIndex, description: error.hint });
}
