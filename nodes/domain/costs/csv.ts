/**
 * CSV as RFC 4180 describes it (CRLF line ends, fields with a comma, quote or line break quoted, quotes
 * doubled), safe to open in a spreadsheet: a text cell starting with = + - @ (or a tab / carriage return)
 * would run as a formula there, so it gets a leading apostrophe (OWASP's CSV-injection advice).
 */
export type CsvValue = string | number | boolean | null | undefined | Date;

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: CsvValue): string {
	if (value === null || value === undefined) return '';
	let text: string;
	if (value instanceof Date) text = value.toISOString();
	else if (typeof value === 'number') text = Number.isFinite(value) ? String(value) : '';
	else if (typeof value === 'boolean') text = value ? 'true' : 'false';
	else {
		text = String(value);
		if (FORMULA_START.test(text)) text = `'${text}`;
	}
	return /[",\r\n]/.test(text) || /^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export interface CsvOptions {
	/** Start with a UTF-8 byte-order mark, so spreadsheet programs read accents and emoji right. */
	bom?: boolean;
}

/** Rows of objects to CSV with the given columns (in order) as the header. */
export function toCsv<Row extends Record<string, unknown>>(rows: Row[], columns: Array<keyof Row & string>, options: CsvOptions = {}): string {
	const lines = [columns.map((column) => csvCell(column)).join(',')];
	for (const row of rows) lines.push(columns.map((column) => csvCell(row[column] as CsvValue)).join(','));
	return `${options.bom ? '\uFEFF' : ''}${lines.join('\r\n')}\r\n`;
}

/** Parses CSV written by toCsv (or any RFC 4180 CSV) back to rows of strings; used by tests and imports. */
export function parseCsv(text: string): string[][] {
	const rows: string[][] = [];
	let row: string[] = [];
	let cell = '';
	let quoted = false;
	const source = text.replace(/^\uFEFF/, '');
	for (let index = 0; index < source.length; index++) {
		const char = source[index];
		if (quoted) {
			if (char === '"' && source[index + 1] === '"') {
				cell += '"';
				index++;
			} else if (char === '"') quoted = false;
			else cell += char;
		} else if (char === '"') quoted = true;
		else if (char === ',') {
			row.push(cell);
			cell = '';
		} else if (char === '\n' || (char === '\r' && source[index + 1] === '\n')) {
			if (char === '\r') index++;
			row.push(cell);
			rows.push(row);
			row = [];
			cell = '';
		} else cell += char;
	}
	if (cell !== '' || row.length) {
		row.push(cell);
		rows.push(row);
	}
	return rows;
}
