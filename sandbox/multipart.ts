// A small multipart/form-data reader for the media upload endpoint (RFC 7578). It handles what
// HTTP clients send for `POST /{phone-number-id}/media`: text fields plus one or more file parts.

export interface MultipartPart {
	name: string;
	filename?: string;
	contentType?: string;
	data: Buffer;
}

export function boundaryOf(contentType: string | undefined): string | undefined {
	if (!contentType || !/^multipart\/form-data/i.test(contentType)) return undefined;
	const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
	return match ? (match[1] ?? match[2]) : undefined;
}

function parseHeaders(block: string): Record<string, string> {
	const headers: Record<string, string> = {};
	for (const line of block.split('\r\n')) {
		const colon = line.indexOf(':');
		if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
	}
	return headers;
}

function dispositionParameter(disposition: string, key: string): string | undefined {
	const match = new RegExp(`;\\s*${key}="([^"]*)"`, 'i').exec(disposition) ?? new RegExp(`;\\s*${key}=([^;\\s]+)`, 'i').exec(disposition);
	return match?.[1];
}

/** Splits a multipart body into parts; returns undefined when the body is not well formed. */
export function parseMultipart(body: Buffer, boundary: string): MultipartPart[] | undefined {
	const delimiter = Buffer.from(`--${boundary}`);
	const parts: MultipartPart[] = [];
	let position = body.indexOf(delimiter);
	if (position < 0) return undefined;
	for (;;) {
		position += delimiter.length;
		if (body.subarray(position, position + 2).toString() === '--') return parts;
		if (body.subarray(position, position + 2).toString() !== '\r\n') return undefined;
		position += 2;
		const headerEnd = body.indexOf('\r\n\r\n', position);
		if (headerEnd < 0) return undefined;
		const headers = parseHeaders(body.subarray(position, headerEnd).toString('utf8'));
		const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), headerEnd + 4);
		if (next < 0) return undefined;
		const disposition = headers['content-disposition'] ?? '';
		const name = dispositionParameter(disposition, 'name');
		if (name === undefined) return undefined;
		parts.push({
			name,
			filename: dispositionParameter(disposition, 'filename'),
			contentType: headers['content-type'],
			data: Buffer.from(body.subarray(headerEnd + 4, next)),
		});
		position = next + 2;
	}
}
