// `npm run bench:encryption`: what encryption at rest costs on the hot path. Per value: seal, open and a lookup
// hash; per message: storing an inbound message (text + raw payload + name + number) and reading a
// conversation's last 20 messages, on the embedded store, with and without a key; and how fast a key rotation
// re-encrypts them.
// A benchmark, not a test: the figures depend on the machine and on what else it is doing (load shown).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

import { closeAllSupportStores, FieldCipher, openSupportStore, type SupportStore } from '../../nodes/domain/store';

const TEXT = 'Hoi, ik wil graag een kamer voor 2 personen van 12 tot 14 december, kan dat? Mijn naam is Anna de Vries.';
const MESSAGES = 400;

function microseconds(count: number, work: () => void): number {
	for (let warm = 0; warm < 200; warm++) work();
	const started = process.hrtime.bigint();
	for (let index = 0; index < count; index++) work();
	return Number(process.hrtime.bigint() - started) / 1000 / count;
}

async function storeFigures(key: string | undefined): Promise<{ writeMs: number; readMs: number; rotateRowsPerSecond?: number }> {
	const folder = mkdtempSync(join(tmpdir(), 'wa-bench-crypt-'));
	try {
		const store: SupportStore = await openSupportStore({ backend: 'pglite', dataDir: join(folder, 'pglite'), encryption: { key } });
		const conversation = { channel: 'whatsapp', phoneNumberId: '1065000000001', customer: { waId: '31612345678', name: 'Anna de Vries' } };
		const started = performance.now();
		for (let index = 0; index < MESSAGES; index++) {
			await store.recordInboundMessage({
				conversation,
				waMessageId: `wamid.bench.${index}`,
				type: 'text',
				text: TEXT,
				payload: { id: `wamid.bench.${index}`, type: 'text', text: { body: TEXT } },
				sentAt: new Date(Date.UTC(2026, 10, 20, 10, 0, index)),
			});
		}
		const writeMs = (performance.now() - started) / MESSAGES;
		const reading = performance.now();
		for (let index = 0; index < 100; index++) await store.listMessages('whatsapp:1065000000001:31612345678', 20);
		const readMs = (performance.now() - reading) / 100;
		await closeAllSupportStores();
		if (!key) return { writeMs, readMs };
		// Rotation to a new key: every message (text and payload) and the conversation sealed again.
		const rotating = await openSupportStore({ backend: 'pglite', dataDir: join(folder, 'pglite'), encryption: { key: randomBytes(32).toString('base64'), olderKeys: [key] } });
		const rotationStarted = performance.now();
		const rotation = await rotating.rotateEncryptionKey({ batchSize: 100 });
		const rows = Object.values(rotation.rotated).reduce((sum, count) => sum + count, 0);
		const rotateRowsPerSecond = rows / ((performance.now() - rotationStarted) / 1000);
		await closeAllSupportStores();
		return { writeMs, readMs, rotateRowsPerSecond };
	} finally {
		rmSync(folder, { recursive: true, force: true });
	}
}

async function main(): Promise<void> {
	const cipher = new FieldCipher(randomBytes(32).toString('base64'));
	const sealed = cipher.seal(TEXT) as string;
	const perValue = {
		sealUs: microseconds(5000, () => cipher.seal(TEXT)),
		openUs: microseconds(5000, () => cipher.open(sealed)),
		lookupHashUs: microseconds(5000, () => cipher.lookupHash('31612345678')),
	};
	const plain = await storeFigures(undefined);
	const encrypted = await storeFigures(randomBytes(32).toString('base64'));
	const figures = {
		machine: { cpus: cpus().length, load1: Number(loadavg()[0].toFixed(2)) },
		perValue: Object.fromEntries(Object.entries(perValue).map(([name, value]) => [name, Number(value.toFixed(1))])),
		inboundMessageMs: { plain: Number(plain.writeMs.toFixed(2)), encrypted: Number(encrypted.writeMs.toFixed(2)) },
		read20MessagesMs: { plain: Number(plain.readMs.toFixed(2)), encrypted: Number(encrypted.readMs.toFixed(2)) },
		rotationRowsPerSecond: Math.round(encrypted.rotateRowsPerSecond ?? 0),
	};
	if (process.argv.includes('--json')) {
		console.log(JSON.stringify(figures, null, 2));
		return;
	}
	console.log(`machine: ${figures.machine.cpus} CPUs, load ${figures.machine.load1}`);
	console.log(`per value: seal ${figures.perValue.sealUs} µs, open ${figures.perValue.openUs} µs, lookup hash ${figures.perValue.lookupHashUs} µs`);
	console.log(`store an inbound message (PGlite, ${MESSAGES}): plain ${figures.inboundMessageMs.plain} ms, encrypted ${figures.inboundMessageMs.encrypted} ms`);
	console.log(`read a conversation's last 20 messages: plain ${figures.read20MessagesMs.plain} ms, encrypted ${figures.read20MessagesMs.encrypted} ms`);
	console.log(`key rotation (batches of 100): ${figures.rotationRowsPerSecond} rows/s`);
}

main().catch((error) => {
	console.error(error);
	process.exitCode = 1;
});
