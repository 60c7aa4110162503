// An ICredentialsHelper for in-process runs: credential data comes from the test (keyed by credential
// type name) instead of n8n's encrypted database, and the credential type's own `authenticate`
// (a function, or the declarative `{ type: 'generic', properties }` form with `={{$credentials.x}}`
// expressions) is applied to requests the way n8n's CLI helper does, so
// `this.helpers.httpRequestWithAuthentication` behaves as on a real instance.
import { Credentials } from 'n8n-core';
import { ICredentialsHelper, isExpression, NodeHelpers } from 'n8n-workflow';
import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	IExecuteData,
	IHttpRequestHelper,
	IHttpRequestOptions,
	INode,
	INodeCredentialsDetails,
	INodeProperties,
	IRequestOptionsSimplified,
	IWorkflowExecuteAdditionalData,
	Workflow,
	WorkflowExecuteMode,
} from 'n8n-workflow';

import type { TestCredentialTypes } from './node-types';

export class TestCredentialsHelper extends ICredentialsHelper {
	/** Every `getDecrypted` call, in order: which credential type a node asked for. */
	readonly requested: Array<{ type: string; node?: string }> = [];

	private readonly data: Record<string, ICredentialDataDecryptedObject>;

	constructor(
		private readonly credentialTypes: TestCredentialTypes,
		credentials: Record<string, ICredentialDataDecryptedObject> = {},
	) {
		super();
		this.data = structuredClone(credentials);
	}

	getParentTypes(name: string): string[] {
		return this.credentialTypes.getParentTypes(name);
	}

	isCredentialUsableByNode(credentialType: string, nodeType: string): boolean {
		const type = this.credentialTypes.find(credentialType);
		if (!type?.restrictToSupportedNodes) return true;
		return this.credentialTypes.getSupportedNodes(credentialType).includes(nodeType);
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		requestOptions: IHttpRequestOptions | IRequestOptionsSimplified,
		workflow?: Workflow,
		node?: INode,
	): Promise<IHttpRequestOptions> {
		const { authenticate } = this.credentialTypes.getByName(typeName);
		if (typeof authenticate === 'function') {
			return await authenticate(credentials, requestOptions as IHttpRequestOptions);
		}
		if (authenticate?.type === 'generic') {
			if (!workflow || !node) {
				throw new Error(`Generic authentication of "${typeName}" needs the workflow and node`);
			}
			const resolve = (value: unknown): unknown =>
				isExpression(value)
					? (workflow.expression.getSimpleParameterValue(node, value, 'internal', {
							$credentials: credentials,
						}) ?? '')
					: value;
			const target = requestOptions as unknown as Record<string, IDataObject | undefined>;
			for (const [section, entries] of Object.entries(authenticate.properties)) {
				const resolved: IDataObject = { ...(target[section] ?? {}) };
				for (const [key, value] of Object.entries(entries as IDataObject)) {
					const resolvedValue = resolve(value);
					resolved[String(resolve(key))] =
						resolvedValue === undefined || resolvedValue === null ? '' : String(resolvedValue);
				}
				target[section] = resolved;
			}
		}
		return requestOptions as IHttpRequestOptions;
	}

	/**
	 * As n8n does: when the type has a hidden `expirable` property that is empty (or the caller says
	 * the token expired), call the type's `preAuthentication` and keep what it returns for later calls.
	 */
	async preAuthentication(
		helpers: IHttpRequestHelper,
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		_node: INode,
		credentialsExpired: boolean,
	): Promise<ICredentialDataDecryptedObject | undefined> {
		const type = this.credentialTypes.getByName(typeName);
		const expirable = type.properties.find(
			(property) => property.type === 'hidden' && property.typeOptions?.expirable === true,
		);
		if (!expirable || typeof type.preAuthentication !== 'function') return undefined;
		if (credentials[expirable.name] !== '' && !credentialsExpired) return undefined;
		const output = (await type.preAuthentication.call(helpers, credentials)) as IDataObject;
		if (output[expirable.name] === undefined) return undefined;
		Object.assign(credentials, output);
		this.data[typeName] = { ...(this.data[typeName] ?? {}), ...output } as ICredentialDataDecryptedObject;
		return credentials;
	}

	async runPreAuthentication(
		helpers: IHttpRequestHelper,
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
	): Promise<ICredentialDataDecryptedObject | undefined> {
		const type = this.credentialTypes.getByName(typeName);
		if (typeof type.preAuthentication !== 'function') return undefined;
		return (await type.preAuthentication.call(helpers, credentials)) as ICredentialDataDecryptedObject;
	}

	async getCredentials(nodeCredentials: INodeCredentialsDetails, type: string): Promise<Credentials> {
		const credentials = new Credentials({ id: nodeCredentials.id, name: nodeCredentials.name }, type);
		await credentials.setData(this.lookup(type));
		return credentials;
	}

	/**
	 * The test's data for `type`, with the credential type's defaults filled in (as n8n does when it
	 * decrypts). A node asking for a type the test did not supply is an error, not `{}`.
	 */
	async getDecrypted(
		_additionalData: IWorkflowExecuteAdditionalData,
		_nodeCredentials: INodeCredentialsDetails,
		type: string,
		_mode?: WorkflowExecuteMode,
		executeData?: IExecuteData,
	): Promise<ICredentialDataDecryptedObject> {
		this.requested.push({ type, node: executeData?.node.name });
		const data = this.lookup(type);
		if (!this.credentialTypes.find(type)) return data;
		const withDefaults = NodeHelpers.getNodeParameters(
			this.getCredentialsProperties(type),
			data as IDataObject as never,
			true,
			false,
			null,
			null,
		);
		return { ...data, ...(withDefaults ?? {}) } as ICredentialDataDecryptedObject;
	}

	async updateCredentials(
		_nodeCredentials: INodeCredentialsDetails,
		type: string,
		data: ICredentialDataDecryptedObject,
	): Promise<void> {
		this.data[type] = structuredClone(data);
	}

	async updateCredentialsOauthTokenData(
		_nodeCredentials: INodeCredentialsDetails,
		type: string,
		data: ICredentialDataDecryptedObject,
	): Promise<void> {
		this.data[type] = { ...(this.data[type] ?? {}), ...structuredClone(data) };
	}

	/** The type's properties, merged over those of the types it `extends` (own ones win). */
	getCredentialsProperties(type: string): INodeProperties[] {
		const credentialType = this.credentialTypes.getByName(type);
		if (!credentialType.extends?.length) return credentialType.properties;
		const combined: INodeProperties[] = [];
		for (const parent of credentialType.extends) {
			NodeHelpers.mergeNodeProperties(combined, this.getCredentialsProperties(parent));
		}
		NodeHelpers.mergeNodeProperties(combined, credentialType.properties);
		return combined;
	}

	private lookup(type: string): ICredentialDataDecryptedObject {
		const data = this.data[type];
		if (!data) {
			const given = Object.keys(this.data);
			throw new Error(
				`A node asked for credentials of type "${type}", but the test gave ` +
					(given.length ? `only ${given.join(', ')}` : 'none') +
					' (runWorkflow options.credentials).',
			);
		}
		return structuredClone(data);
	}
}
