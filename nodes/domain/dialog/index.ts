export * from './types';
export * from './fields';
export * from './machine';
export * from './parse';
export { FORM_TEXTS, fillTemplate } from './texts';
