import type { INodePropertyOptions } from 'n8n-workflow';

/** The five languages the pack understands and answers in, for node option lists. */
export const LANGUAGE_OPTIONS: INodePropertyOptions[] = [
	{ name: 'Dutch', value: 'nl' },
	{ name: 'English', value: 'en' },
	{ name: 'French', value: 'fr' },
	{ name: 'German', value: 'de' },
	{ name: 'Spanish', value: 'es' },
];
