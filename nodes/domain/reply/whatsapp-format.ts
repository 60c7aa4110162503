/**
 * Markdown (what LLMs write) → WhatsApp formatting: **bold** → *bold*, ~~strike~~ → ~strike~, headings
 * → bold lines, • bullets, links as "text (url)", tables flattened. Code blocks are left alone.
 */
export function markdownToWhatsApp(markdown: string): string {
	const parts = markdown.replace(/\r\n/g, '\n').split(/(```[\s\S]*?```)/g);
	const converted = parts.map((part, index) => (index % 2 === 1 ? part : convertProse(part)));
	return converted
		.join('')
		.replace(/\n{3,}/g, '\n\n')
		.trim();
}

function convertProse(text: string): string {
	return text
		.split('\n')
		.map((line) => {
			let converted = line;
			// Headings become bold lines.
			converted = converted.replace(/^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$/, (_match, title: string) => `\u0001${title.replace(/\*+/g, '')}\u0001`);
			// Table separator rows disappear; table rows become " | " separated text.
			if (/^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/.test(converted)) return null;
			if (/^\s*\|.*\|\s*$/.test(converted)) {
				converted = converted
					.trim()
					.replace(/^\||\|$/g, '')
					.split('|')
					.map((cell) => cell.trim())
					.join(' | ');
			}
			// Bullets.
			converted = converted.replace(/^(\s*)[-*+]\s+/, (_match, indent: string) => `${indent}• `);
			// Links and images.
			converted = converted.replace(/!?\[([^\]]+)\]\((\S+?)\)/g, (_match, label: string, url: string) => (label === url ? url : `${label} (${url})`));
			// **bold** / __bold__ become WhatsApp *bold*. A single *x* is left alone: our prompt asks the model
			// for WhatsApp formatting, and knowledge-base authors write it, so there it already means bold.
			converted = converted.replace(/(\*\*|__)(?=\S)(.+?)(?<=\S)\1/g, '\u0001$2\u0001');
			converted = converted.replace(/~~(?=\S)(.+?)(?<=\S)~~/g, '~$1~');
			return converted.replace(/\u0001/g, '*');
		})
		.filter((line): line is string => line !== null)
		.join('\n');
}
