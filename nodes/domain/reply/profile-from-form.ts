/**
 * What a completed Conversation Form tells us about the guest for next time: the name they gave, the
 * language the form spoke, booking references, and the fields the workflow marks as lasting preferences
 * (a diet, a room wish). Never contact details: e-mail and phone fields are not kept in the profile.
 */
import { fieldLabel, formatFieldValue, type FieldValue, type FormDefinition } from '../dialog';
import { SUPPORTED_LANGUAGES, type SupportedLanguage } from '../nlu/types';
import { deriveConsent, type ConsentLogEntry } from '../privacy/consent';
import type { ProfileUpdate } from './guest-profile';

/** A guest may be remembered unless they opted out of service messages (or were erased: then there are no events). */
export function mayRememberGuest(consentEvents: ConsentLogEntry[]): boolean {
	return deriveConsent(consentEvents).service.status !== 'revoked';
}

const NOT_IN_PROFILE = new Set(['email', 'phone']);
const MAX_NAME = 80;
const MAX_PREFERENCE = 200;

export interface CompletedForm {
	values: Record<string, FieldValue>;
	language?: string;
}

/** The profile update for a completed form; undefined when it holds nothing worth keeping. */
export function profileFromForm(definition: FormDefinition, form: CompletedForm, preferenceFields: readonly string[] = []): ProfileUpdate | undefined {
	const update: ProfileUpdate = {};
	const nameField = definition.fields.find((field) => field.type === 'person_name' && typeof form.values[field.name] === 'string');
	const name = nameField ? String(form.values[nameField.name]).trim() : '';
	if (name && name.length <= MAX_NAME) update.name = name;
	if (SUPPORTED_LANGUAGES.includes(form.language as SupportedLanguage)) update.language = form.language;
	const bookings = definition.fields
		.filter((field) => field.type === 'booking_ref' && typeof form.values[field.name] === 'string')
		.map((field) => String(form.values[field.name]).toUpperCase());
	if (bookings.length) update.bookings = bookings;
	const wanted = new Set(preferenceFields.map((name) => name.trim()).filter(Boolean));
	const preferences = definition.fields
		.filter((field) => wanted.has(field.name) && !NOT_IN_PROFILE.has(field.type) && form.values[field.name] !== undefined && form.values[field.name] !== '')
		.map((field) => `${fieldLabel(field, 'en')}: ${formatFieldValue(field, form.values[field.name], 'en')}`)
		.filter((preference) => preference.length <= MAX_PREFERENCE);
	if (preferences.length) update.preferences = preferences;
	return Object.keys(update).length ? update : undefined;
}
