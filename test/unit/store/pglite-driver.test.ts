import { PGlite } from '@electric-sql/pglite';

import type { SqlDriver } from '../../../nodes/domain/store';
import { createPgliteDriver } from '../../../nodes/domain/store/pglite-driver';

// The driver runs each statement in one call into PGlite (issue O). It must give what PGlite's own `query`
// gives, for every type the store uses, and keep PGlite's locking: a statement outside a transaction waits
// for the transaction to end.
describe('the PGlite driver', () => {
	let driver: SqlDriver;
	let reference: PGlite;

	beforeAll(async () => {
		driver = await createPgliteDriver('memory://pglite-driver-test');
		reference = await PGlite.create('memory://');
		const table = `CREATE TABLE things (
			id text PRIMARY KEY, n int, big bigint, amount numeric(10, 4), flag boolean, at timestamptz,
			doc jsonb, tags text[], counts int[], note text
		)`;
		await driver.execScript(driver, table);
		await reference.exec(table);
	});

	afterAll(async () => {
		await driver.close();
		await reference.close();
	});

	const insert = `INSERT INTO things (id, n, big, amount, flag, at, doc, tags, counts, note)
		VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::text[], $9, $10) RETURNING *`;
	const rows: unknown[][] = [
		['a', 1, 9007199254740993n, '12.5000', true, new Date('2026-12-06T10:00:00.123Z'), JSON.stringify({ nested: { x: [1, 'two'] } }), ['x', 'with "quote"', 'back\\slash', 'comma,', ''], [1, 2, 3], 'it’s ünïcode 👍'],
		['b', null, null, null, false, null, null, null, null, null],
		['c', -7, 0, 0.25, null, new Date(0), '"just a string"', [], [], "o'reilly"],
	];

	it('returns the same rows as PGlite’s own query, for every type the store uses', async () => {
		for (const params of rows) {
			const ours = await driver.query(insert, params);
			const theirs = (await reference.query(insert, params)).rows;
			expect(ours).toEqual(theirs);
		}
		const select = 'SELECT * FROM things WHERE id = ANY($1::text[]) ORDER BY id';
		const ours = await driver.query<Record<string, unknown>>(select, [['a', 'b', 'c']]);
		expect(ours).toEqual((await reference.query(select, [['a', 'b', 'c']])).rows);
		expect(ours[0]).toMatchObject({ n: 1, flag: true, doc: { nested: { x: [1, 'two'] } }, tags: ['x', 'with "quote"', 'back\\slash', 'comma,', ''] });
		expect(ours[0]?.at).toEqual(new Date('2026-12-06T10:00:00.123Z'));
	});

	it('runs the same statement again with other values (its parameter types are kept)', async () => {
		const byNumber = 'SELECT id FROM things WHERE n = $1';
		expect(await driver.query(byNumber, [1])).toEqual([{ id: 'a' }]);
		expect(await driver.query(byNumber, [-7])).toEqual([{ id: 'c' }]);
		expect(await driver.query(byNumber, [42])).toEqual([]);
		// No rows and no RETURNING: an empty list.
		expect(await driver.query('UPDATE things SET note = $2 WHERE id = $1', ['b', 'updated'])).toEqual([]);
		expect(await driver.query('SELECT note FROM things WHERE id = $1', ['b'])).toEqual([{ note: 'updated' }]);
	});

	it('reports database errors with their code, and the session goes on', async () => {
		await expect(driver.query(insert, rows[0]!)).rejects.toMatchObject({ code: '23505' });
		await expect(driver.query('SELECT nope FROM things')).rejects.toMatchObject({ code: '42703' });
		expect(await driver.query('SELECT count(*)::int AS n FROM things')).toEqual([{ n: 3 }]);
	});

	it('rolls a failed transaction back, and keeps a statement outside it waiting until it ends', async () => {
		let release!: () => void;
		const held = new Promise<void>((resolve) => (release = resolve));
		const transaction = driver.transaction(async (tx) => {
			await tx.query('UPDATE things SET note = $2 WHERE id = $1', ['a', 'inside']);
			await held;
			await tx.query(insert, rows[0]!);
		});
		const outside = driver.query<{ note: string }>('SELECT note FROM things WHERE id = $1', ['a']);
		release();
		await expect(transaction).rejects.toMatchObject({ code: '23505' });
		// The outside read ran after the rollback, so it never saw the transaction's update.
		expect(await outside).toEqual([{ note: 'it’s ünïcode 👍' }]);
		await driver.transaction(async (tx) => {
			await tx.query('UPDATE things SET note = $2 WHERE id = $1', ['a', 'committed']);
		});
		expect(await driver.query('SELECT note FROM things WHERE id = $1', ['a'])).toEqual([{ note: 'committed' }]);
	});

	it('keeps a statement prepared inside a transaction that rolls back, and prepares a `SELECT *` again when its table changes', async () => {
		const fresh = 'SELECT id, note FROM things WHERE id = $1 AND note IS NOT NULL';
		await expect(
			driver.transaction(async (tx) => {
				expect(await tx.query(fresh, ['a'])).toEqual([{ id: 'a', note: 'committed' }]);
				throw new Error('roll back');
			}),
		).rejects.toThrow('roll back');
		// Prepared statements are not transactional: the same text runs after the rollback.
		expect(await driver.query(fresh, ['a'])).toEqual([{ id: 'a', note: 'committed' }]);

		const all = 'SELECT * FROM things WHERE id = $1';
		expect(Object.keys((await driver.query(all, ['a']))[0]!)).not.toContain('added');
		await driver.execScript(driver, 'ALTER TABLE things ADD COLUMN added text');
		// A kept statement whose result columns changed is prepared again, on its own and in the next transaction.
		expect((await driver.query<Record<string, unknown>>(all, ['a']))[0]).toMatchObject({ id: 'a', added: null });
		await driver.execScript(driver, 'ALTER TABLE things DROP COLUMN added');
		await expect(driver.transaction(async (tx) => await tx.query(all, ['a']))).rejects.toThrow(/cached plan/);
		expect(Object.keys((await driver.transaction(async (tx) => await tx.query(all, ['a'])))[0]!)).not.toContain('added');
	});

	it('closes the oldest prepared statement when a caller builds more SQL texts than it keeps', async () => {
		for (let n = 0; n < 1010; n++) expect(await driver.query(`SELECT ${n}::int AS n`)).toEqual([{ n }]);
		const prepared = await driver.query<{ count: number }>('SELECT count(*)::int AS count FROM pg_prepared_statements');
		expect(prepared[0]!.count).toBeLessThanOrEqual(1000);
		// The closed ones are prepared again when they come back.
		expect(await driver.query('SELECT 0::int AS n')).toEqual([{ n: 0 }]);
	});
});
