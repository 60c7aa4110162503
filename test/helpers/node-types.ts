// Node and credential types for in-process workflow runs (see workflow-runner.ts).
//
// Three sources, looked up by full type name (`<package>.<name>` for nodes, bare name for credentials):
// 1. our own package: the `n8n.nodes` / `n8n.credentials` lists in package.json, loaded from `dist/`
//    (run `npm run build` first); a node's type name is `n8n-nodes-whatsapp-ai-support.<description.name>`.
// 2. `n8n-nodes-base` and `@n8n/n8n-nodes-langchain`: their `dist/known/{nodes,credentials}.json`
//    indexes (className + sourcePath) are read, and a class is required only when a workflow uses it.
// 3. types a test registers for one run (`extraNodeTypes` / `extraCredentialTypes`); these win.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { DirectoryLoader } from 'n8n-core';
import { NodeHelpers } from 'n8n-workflow';
import type {
	ICredentialType,
	IDataObject,
	INodeType,
	INodeTypes,
	IVersionedNodeType,
} from 'n8n-workflow';

export type AnyNodeType = INodeType | IVersionedNodeType;

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

interface PackageJsonShape {
	name: string;
	n8n?: { nodes?: string[]; credentials?: string[] };
}

interface KnownEntry {
	className: string;
	sourcePath: string;
	supportedNodes?: string[];
	extends?: string[];
}

function readJson<T>(file: string): T {
	return JSON.parse(readFileSync(file, 'utf8')) as T;
}

function isVersioned(type: AnyNodeType): type is IVersionedNodeType {
	return 'nodeVersions' in type;
}

/** Instantiates the exported class `className` of a compiled module. */
function instantiate<T>(file: string, className: string): T {
	if (!existsSync(file)) {
		throw new Error(`Cannot load ${className}: ${file} does not exist (run \`npm run build\`?)`);
	}
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const moduleExports = require(file) as Record<string, unknown>;
	const TypeClass = moduleExports[className];
	if (typeof TypeClass !== 'function') {
		throw new Error(`${file} does not export a class named ${className}`);
	}
	return new (TypeClass as new () => T)();
}

/**
 * The few load-time touches n8n's DirectoryLoader gives a node type that change how it executes:
 * version descriptions inherit the base name, and declarative nodes get the standard
 * `requestOptions` parameters (their defaults are applied to node parameters at run time).
 */
function prepareNodeType(type: AnyNodeType): AnyNodeType {
	const versions = isVersioned(type) ? Object.values(type.nodeVersions) : [type];
	for (const version of versions) {
		if (isVersioned(type)) {
			version.description.name = type.description.name;
		}
		DirectoryLoader.applyDeclarativeNodeOptionParameters(version);
	}
	return type;
}

function classNameFromPath(sourcePath: string): string {
	return path.basename(sourcePath).split('.')[0];
}

/** One npm package holding nodes and credentials. */
export class PackageSource {
	private nodeIndex: Record<string, KnownEntry> | undefined;

	private credentialIndex: Record<string, KnownEntry> | undefined;

	private readonly nodes = new Map<string, AnyNodeType>();

	private readonly credentials = new Map<string, ICredentialType>();

	constructor(
		readonly packageName: string,
		readonly directory: string,
		/** 'known': an n8n package with dist/known/*.json; 'listed': a community package (package.json lists). */
		private readonly kind: 'known' | 'listed',
	) {}

	knownNodes(): Record<string, KnownEntry> {
		if (this.nodeIndex) return this.nodeIndex;
		if (this.kind === 'known') {
			this.nodeIndex = readJson(path.join(this.directory, 'dist/known/nodes.json'));
		} else {
			// A community package names its node files, not its node types: load them all to learn the names.
			const index: Record<string, KnownEntry> = {};
			for (const sourcePath of this.listed('nodes')) {
				const className = classNameFromPath(sourcePath);
				const type = prepareNodeType(
					instantiate<AnyNodeType>(path.join(this.directory, sourcePath), className),
				);
				const name = type.description.name;
				index[name] = { className, sourcePath };
				this.nodes.set(name, type);
			}
			this.nodeIndex = index;
		}
		return this.nodeIndex!;
	}

	knownCredentials(): Record<string, KnownEntry> {
		if (this.credentialIndex) return this.credentialIndex;
		if (this.kind === 'known') {
			this.credentialIndex = readJson(path.join(this.directory, 'dist/known/credentials.json'));
		} else {
			const index: Record<string, KnownEntry> = {};
			for (const sourcePath of this.listed('credentials')) {
				const className = classNameFromPath(sourcePath);
				const type = instantiate<ICredentialType>(path.join(this.directory, sourcePath), className);
				index[type.name] = { className, sourcePath, extends: type.extends };
				this.credentials.set(type.name, type);
			}
			this.credentialIndex = index;
		}
		return this.credentialIndex!;
	}

	/** Short names of this package's nodes that may use the credential. */
	supportedNodesOf(credentialName: string): string[] {
		if (this.kind === 'known') return this.knownCredentials()[credentialName]?.supportedNodes ?? [];
		const names: string[] = [];
		for (const nodeName of Object.keys(this.knownNodes())) {
			const nodeType = this.getNode(nodeName)!;
			const versions = isVersioned(nodeType) ? Object.values(nodeType.nodeVersions) : [nodeType];
			const uses = versions.some((version) =>
				(version.description.credentials ?? []).some(({ name }) => name === credentialName),
			);
			if (uses) names.push(nodeName);
		}
		return names;
	}

	getNode(name: string): AnyNodeType | undefined {
		const cached = this.nodes.get(name);
		if (cached) return cached;
		const entry = this.knownNodes()[name];
		if (!entry) return undefined;
		const type = prepareNodeType(
			instantiate<AnyNodeType>(path.join(this.directory, entry.sourcePath), entry.className),
		);
		this.nodes.set(name, type);
		return type;
	}

	getCredential(name: string): ICredentialType | undefined {
		const cached = this.credentials.get(name);
		if (cached) return cached;
		const entry = this.knownCredentials()[name];
		if (!entry) return undefined;
		const type = instantiate<ICredentialType>(
			path.join(this.directory, entry.sourcePath),
			entry.className,
		);
		this.credentials.set(name, type);
		return type;
	}

	private listed(what: 'nodes' | 'credentials'): string[] {
		const pkg = readJson<PackageJsonShape>(path.join(this.directory, 'package.json'));
		return pkg.n8n?.[what] ?? [];
	}
}

function n8nPackageSource(packageName: string): PackageSource {
	const directory = path.dirname(require.resolve(`${packageName}/package.json`));
	return new PackageSource(packageName, directory, 'known');
}

/**
 * All packages a run can draw types from. Classes are cached after their first use, so one registry
 * (per jest test file, since jest gives each file its own module registry) serves every run.
 */
export class TypeRegistry {
	readonly packages: PackageSource[];

	constructor() {
		const own = readJson<PackageJsonShape>(path.join(PROJECT_ROOT, 'package.json'));
		this.packages = [
			new PackageSource(own.name, PROJECT_ROOT, 'listed'),
			n8nPackageSource('n8n-nodes-base'),
			n8nPackageSource('@n8n/n8n-nodes-langchain'),
		];
	}

	/** Full type name `<package>.<name>`, e.g. `@n8n/n8n-nodes-langchain.lmChatOpenAi`. */
	findNode(fullType: string): AnyNodeType | undefined {
		const separator = fullType.lastIndexOf('.');
		if (separator <= 0) return undefined;
		const packageName = fullType.slice(0, separator);
		const name = fullType.slice(separator + 1);
		return this.packages.find((p) => p.packageName === packageName)?.getNode(name);
	}

	/** n8n's packages are searched first: their indexes are plain JSON, ours means loading dist/. */
	findCredential(name: string): ICredentialType | undefined {
		for (const source of [...this.packages.slice(1), this.packages[0]]) {
			const type = source.getCredential(name);
			if (type) return type;
		}
		return undefined;
	}

	/** Full node type names allowed for a credential by the packages' indexes. */
	supportedNodesOf(credentialName: string): string[] {
		const result: string[] = [];
		for (const source of this.packages) {
			for (const node of source.supportedNodesOf(credentialName)) {
				result.push(`${source.packageName}.${node}`);
			}
		}
		return result;
	}

	knownNodeTypes(): IDataObject {
		const known: IDataObject = {};
		for (const source of this.packages) {
			for (const [name, entry] of Object.entries(source.knownNodes())) {
				known[`${source.packageName}.${name}`] = {
					className: entry.className,
					sourcePath: path.join(source.directory, entry.sourcePath),
				};
			}
		}
		return known;
	}
}

let sharedRegistry: TypeRegistry | undefined;

export function getTypeRegistry(): TypeRegistry {
	sharedRegistry ??= new TypeRegistry();
	return sharedRegistry;
}

/** INodeTypes for one run: the test's extra types first, then the shared registry. */
export class TestNodeTypes implements INodeTypes {
	constructor(
		private readonly registry: TypeRegistry,
		private readonly extra: Record<string, AnyNodeType> = {},
	) {}

	getByName(nodeType: string): AnyNodeType {
		const type = this.extra[nodeType] ?? this.registry.findNode(nodeType) ?? this.registry.findNode(nodeType.replace(/Tool$/, ''));
		if (!type) {
			throw new Error(
				`Unknown node type "${nodeType}". Known: our package.json n8n.nodes (built into dist/), ` +
					'n8n-nodes-base.*, @n8n/n8n-nodes-langchain.*, or pass it in runWorkflow({ extraNodeTypes }).',
			);
		}
		return type;
	}

	getByNameAndVersion(nodeType: string, version?: number): INodeType {
		if (nodeType.endsWith('Tool') && !this.extra[nodeType] && !this.registry.findNode(nodeType)) return this.syntheticTool(nodeType, version);
		return NodeHelpers.getVersionedNodeType(this.getByName(nodeType), version);
	}

	private readonly tools = new Map<string, INodeType>();

	/**
	 * A node used as a tool (e.g. `n8n-nodes-base.httpRequestTool`): n8n's server makes these from nodes
	 * marked `usableAsTool`, with its own convertNodeToAiTool, on a copy of the node; so do we.
	 */
	private syntheticTool(nodeType: string, version?: number): INodeType {
		const key = `${nodeType}@${version ?? 'default'}`;
		const cached = this.tools.get(key);
		if (cached) return cached;
		const base = NodeHelpers.getVersionedNodeType(this.getByName(nodeType.replace(/Tool$/, '')), version);
		if (!base.description.usableAsTool) throw new Error(`${nodeType}: the node is not usable as a tool`);
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const { convertNodeToAiTool } = require('n8n/dist/tool-generation/ai-tools') as { convertNodeToAiTool<T>(item: T): T };
		const description = Object.create(base.description, { properties: { value: Object.create(base.description.properties) } });
		const tool = convertNodeToAiTool(Object.create(base, { description: { value: description } }) as INodeType);
		this.tools.set(key, tool);
		return tool;
	}

	getKnownTypes(): IDataObject {
		const known = this.registry.knownNodeTypes();
		for (const name of Object.keys(this.extra)) known[name] = { className: name, sourcePath: '' };
		return known;
	}
}

/** Credential types for one run: the test's extra types first, then the shared registry. */
export class TestCredentialTypes {
	constructor(
		private readonly registry: TypeRegistry,
		private readonly extra: Record<string, ICredentialType> = {},
	) {}

	find(name: string): ICredentialType | undefined {
		return this.extra[name] ?? this.registry.findCredential(name);
	}

	getByName(name: string): ICredentialType {
		const type = this.find(name);
		if (!type) throw new Error(`Unknown credential type "${name}"`);
		return type;
	}

	/** All ancestors named in `extends`, nearest first. */
	getParentTypes(name: string): string[] {
		const parents: string[] = [];
		const visit = (typeName: string) => {
			for (const parent of this.find(typeName)?.extends ?? []) {
				if (parents.includes(parent)) continue;
				parents.push(parent);
				visit(parent);
			}
		};
		visit(name);
		return parents;
	}

	getSupportedNodes(name: string): string[] {
		const fromType = this.find(name)?.supportedNodes ?? [];
		return [...fromType, ...this.registry.supportedNodesOf(name)];
	}
}
