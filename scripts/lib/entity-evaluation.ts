/**
 * Evaluation of the entity extractor on labelled messages: precision, recall and F1 per entity type,
 * micro-F1, and the share of messages whose entities are all exactly right. An entity is correct when
 * its type and normalised value match one expected entity of the message (each expected entity matches
 * at most once).
 */
import { ENTITY_TYPES, extractEntities, type Entity, type EntityType, type EntityValue } from '../../nodes/domain/nlu/entities';
import { SUPPORTED_LANGUAGES, type SupportedLanguage } from '../../nodes/domain/nlu/types';

export interface EntityEvaluationRow {
	text: string;
	lang: SupportedLanguage;
	ref: string;
	timezone: string;
	entities: Array<{ type: EntityType; value: EntityValue }>;
}

export interface TypeMetrics {
	precision: number;
	recall: number;
	f1: number;
	/** Expected entities of this type. */
	support: number;
}

export interface EntityEvaluationReport {
	rows: number;
	perType: Partial<Record<EntityType, TypeMetrics>>;
	microF1: number;
	exactMessageAccuracy: number;
	/** Messages with at least one mistake: what was expected, what came out. */
	errors: Array<{ line: number; text: string; missing: string[]; unexpected: string[] }>;
}

export class EntityDataError extends Error {}

/** Parses JSON lines; any bad line is an error naming the line and the fix. */
export function parseEntityRows(content: string): EntityEvaluationRow[] {
	const rows: EntityEvaluationRow[] = [];
	content.split(/\r?\n/).forEach((line, index) => {
		if (!line.trim()) return;
		const where = `line ${index + 1}`;
		let row: Partial<EntityEvaluationRow>;
		try {
			row = JSON.parse(line) as Partial<EntityEvaluationRow>;
		} catch (error) {
			throw new EntityDataError(`${where} is not valid JSON (${(error as Error).message})`);
		}
		if (!row || typeof row !== 'object' || typeof row.text !== 'string') throw new EntityDataError(`${where} needs "text" (a string)`);
		if (!SUPPORTED_LANGUAGES.includes(row.lang as SupportedLanguage)) throw new EntityDataError(`${where} needs "lang": one of ${SUPPORTED_LANGUAGES.join(', ')}`);
		if (typeof row.ref !== 'string' || Number.isNaN(Date.parse(row.ref))) throw new EntityDataError(`${where} needs "ref": an ISO timestamp with offset, e.g. 2026-03-04T10:15:00+01:00`);
		if (typeof row.timezone !== 'string') throw new EntityDataError(`${where} needs "timezone": an IANA zone such as Europe/Amsterdam`);
		try {
			new Intl.DateTimeFormat('en', { timeZone: row.timezone });
		} catch {
			throw new EntityDataError(`${where}: unknown "timezone" ${row.timezone}`);
		}
		if (!Array.isArray(row.entities)) throw new EntityDataError(`${where} needs "entities": a list of {"type", "value"} (empty when there are none)`);
		for (const entity of row.entities) {
			if (!entity || !ENTITY_TYPES.includes(entity.type)) throw new EntityDataError(`${where}: unknown entity type ${JSON.stringify(entity?.type)} (${ENTITY_TYPES.join(', ')})`);
			if (entity.value === undefined || entity.value === null) throw new EntityDataError(`${where}: a ${entity.type} entity needs a "value"`);
		}
		rows.push(row as EntityEvaluationRow);
	});
	if (rows.length === 0) throw new EntityDataError('the data file has no rows');
	return rows;
}

/** One comparable key per entity: type and normalised value. */
export function entityKey(type: EntityType, value: EntityValue): string {
	let normalised: string;
	if (value && typeof value === 'object') normalised = `${String(value.start).trim()}/${String(value.end).trim()}`;
	else if (type === 'nights' || type === 'party_size') normalised = String(Number(value));
	else if (type === 'person_name' || type === 'email' || type === 'booking_ref' || type === 'room_type') normalised = String(value).trim().replace(/\s+/g, ' ').toLowerCase();
	else if (type === 'phone') normalised = String(value).replace(/[^\d+]/g, '');
	else normalised = String(value).trim();
	return `${type}=${normalised}`;
}

export function evaluateEntities(rows: EntityEvaluationRow[], extract: (row: EntityEvaluationRow) => Array<Pick<Entity, 'type' | 'value'>> = defaultExtract): EntityEvaluationReport {
	const counts = new Map<EntityType, { truePositive: number; predicted: number; expected: number }>();
	const count = (type: EntityType) => {
		let entry = counts.get(type);
		if (!entry) counts.set(type, (entry = { truePositive: 0, predicted: 0, expected: 0 }));
		return entry;
	};
	let exact = 0;
	const errors: EntityEvaluationReport['errors'] = [];
	rows.forEach((row, index) => {
		const expected = row.entities.map((entity) => ({ type: entity.type, key: entityKey(entity.type, entity.value) }));
		const predicted = extract(row).map((entity) => ({ type: entity.type, key: entityKey(entity.type, entity.value) }));
		const unmatched = expected.map((entity) => entity.key);
		const unexpected: string[] = [];
		for (const entity of expected) count(entity.type).expected++;
		for (const entity of predicted) {
			count(entity.type).predicted++;
			const at = unmatched.indexOf(entity.key);
			if (at === -1) {
				unexpected.push(entity.key);
				continue;
			}
			unmatched.splice(at, 1);
			count(entity.type).truePositive++;
		}
		if (unmatched.length === 0 && unexpected.length === 0) exact++;
		else errors.push({ line: index + 1, text: row.text, missing: unmatched, unexpected });
	});
	const perType: EntityEvaluationReport['perType'] = {};
	let truePositive = 0;
	let predicted = 0;
	let expected = 0;
	for (const type of ENTITY_TYPES) {
		const entry = counts.get(type);
		if (!entry) continue;
		truePositive += entry.truePositive;
		predicted += entry.predicted;
		expected += entry.expected;
		perType[type] = { ...scores(entry.truePositive, entry.predicted, entry.expected), support: entry.expected };
	}
	return { rows: rows.length, perType, microF1: scores(truePositive, predicted, expected).f1, exactMessageAccuracy: rows.length ? exact / rows.length : 0, errors };
}

function scores(truePositive: number, predicted: number, expected: number) {
	// Nothing expected and nothing predicted is perfect; otherwise the usual definitions.
	const precision = predicted === 0 ? (expected === 0 ? 1 : 0) : truePositive / predicted;
	const recall = expected === 0 ? (predicted === 0 ? 1 : 0) : truePositive / expected;
	const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
	return { precision, recall, f1 };
}

function defaultExtract(row: EntityEvaluationRow) {
	return extractEntities(row.text, { language: row.lang, reference: new Date(row.ref), timeZone: row.timezone });
}

const percent = (value: number) => `${(value * 100).toFixed(1)} %`.padStart(8);

export function formatEntityReport(report: EntityEvaluationReport): string {
	const lines = [`messages              ${report.rows}`, '', 'type          precision   recall       F1  support'];
	for (const [type, metrics] of Object.entries(report.perType)) {
		lines.push(`${type.padEnd(12)}  ${percent(metrics.precision)} ${percent(metrics.recall)} ${percent(metrics.f1)}  ${String(metrics.support).padStart(7)}`);
	}
	lines.push('', `micro-F1              ${percent(report.microF1).trim()}`, `exact messages        ${percent(report.exactMessageAccuracy).trim()}`);
	return lines.join('\n');
}
