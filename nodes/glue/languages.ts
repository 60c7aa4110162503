import type { INodePropertyOptions } from 'n8n-workflow';

import type { SupportedLanguage } from '../domain/nlu/types';

/** The five languages the pack understands and answers in, for node option lists. */
export const LANGUAGE_OPTIONS: Array<INodePropertyOptions & { value: SupportedLanguage }> = [
	{ name: 'Dutch', value: 'nl' },
	{ name: 'English', value: 'en' },
	{ name: 'French', value: 'fr' },
	{ name: 'German', value: 'de' },
	{ name: 'Spanish', value: 'es' },
];
