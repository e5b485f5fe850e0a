import { describe, expect, it } from 'vitest';
import { findings as findingsOf, positions as positionsOf, type LintCase } from './core-helpers.js';

const RULE = 'constraint-not-valid';

const findings = (sql: string, options: LintCase = {}) => findingsOf(sql, RULE, options);
const positions = (sql: string, options: LintCase = {}) => positionsOf(sql, RULE, options);

describe(RULE, () => {
  it('flags ADD CONSTRAINT … CHECK without NOT VALID, under an AccessExclusiveLock', async () => {
    const [finding, ...rest] = await findings('\nALTER TABLE orders ADD CONSTRAINT total_positive CHECK (total > 0);');
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ line: 2, column: 1, severity: 'error', lock: 'AccessExclusiveLock' });
    expect(finding!.object).toBe('public.orders.total_positive');
    expect(finding!.message).toContain('public.orders');
    expect(finding!.help).toContain('NOT VALID');
  });

  it('flags ADD FOREIGN KEY without NOT VALID, under a ShareRowExclusiveLock', async () => {
    const [finding] = await findings(
      'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);',
    );
    expect(finding).toMatchObject({ line: 1, column: 1, lock: 'ShareRowExclusiveLock' });
    expect(finding!.message).toContain('public.users');
  });

  it('says to work per partition for a partitioned table before PostgreSQL 18', async () => {
    const previous = ['CREATE TABLE events (id bigint, user_id bigint, at date) PARTITION BY RANGE (at);'];
    const sql = 'ALTER TABLE events ADD CONSTRAINT events_user_fk FOREIGN KEY (user_id) REFERENCES users (id);';
    const [at17] = await findings(sql, { pgVersion: 17, previous });
    const [at18] = await findings(sql, { pgVersion: 18, previous });
    expect(at17!.message).toContain('PostgreSQL 17 rejects NOT VALID foreign keys on partitioned tables');
    expect(at18!.message).not.toContain('partitioned');
    expect([at17!.line, at18!.line]).toEqual([1, 1]);
  });

  it('flags an inline CHECK in ADD COLUMN on an existing table', async () => {
    expect(await positions('ALTER TABLE orders ADD COLUMN qty int CHECK (qty > 0);')).toEqual([[1, 1]]);
  });

  it('does not flag an inline REFERENCES in ADD COLUMN (the new column is all NULL)', async () => {
    expect(await positions('ALTER TABLE orders ADD COLUMN coupon_id bigint REFERENCES coupons (id);')).toEqual([]);
  });

  it('flags VALIDATE after a written COMMIT in a wrapped migration: the runner leaves the COMMIT out', async () => {
    const sql = [
      'BEGIN;',
      'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;',
      'COMMIT;',
      'BEGIN;',
      'ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;',
      'COMMIT;',
    ].join('\n');
    expect(await positions(sql)).toEqual([[5, 1]]);
  });

  it('does not flag NOT VALID, then VALIDATE in a separate transaction', async () => {
    const sql = [
      '-- bgmigrate: no-transaction',
      'BEGIN;',
      'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;',
      'COMMIT;',
      'BEGIN;',
      'ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;',
      'COMMIT;',
    ].join('\n');
    expect(await positions(sql)).toEqual([]);
  });

  it('does not flag VALIDATE in a later migration', async () => {
    expect(
      await positions('ALTER TABLE orders VALIDATE CONSTRAINT total_positive;', {
        previous: ['ALTER TABLE orders ADD CONSTRAINT total_positive CHECK (total > 0) NOT VALID;'],
      }),
    ).toEqual([]);
  });

  it('flags VALIDATE in the same transaction as its ADD … NOT VALID', async () => {
    const sql = [
      'ALTER TABLE orders ADD CONSTRAINT total_positive CHECK (total > 0) NOT VALID;',
      'ALTER TABLE orders VALIDATE CONSTRAINT total_positive;',
    ].join('\n');
    const found = await findings(sql);
    expect(found.map((f) => [f.line, f.column])).toEqual([[2, 1]]);
    expect(found[0]!.message).toContain('same transaction');
  });

  it('does not flag constraints on a table created in the same file', async () => {
    const sql = [
      'CREATE TABLE payments (id bigint PRIMARY KEY, order_id bigint, amount numeric);',
      'ALTER TABLE payments ADD CONSTRAINT amount_positive CHECK (amount > 0);',
      'ALTER TABLE payments ADD CONSTRAINT payments_order_fk FOREIGN KEY (order_id) REFERENCES orders (id);',
      'ALTER TABLE payments ADD COLUMN fee numeric CHECK (fee >= 0);',
    ].join('\n');
    expect(await positions(sql)).toEqual([]);
  });

  it('does not flag a NOT ENFORCED check (no scan)', async () => {
    expect(
      await positions('ALTER TABLE orders ADD CONSTRAINT total_positive CHECK (total > 0) NOT ENFORCED;', {
        pgVersion: 18,
      }),
    ).toEqual([]);
  });

  it('flags each scanning constraint of one ALTER TABLE once', async () => {
    const sql =
      'ALTER TABLE orders\n  ADD CONSTRAINT a CHECK (total > 0),\n  ADD CONSTRAINT b CHECK (qty > 0) NOT VALID,\n  ADD CONSTRAINT c FOREIGN KEY (user_id) REFERENCES users (id);';
    expect((await findings(sql)).map((f) => f.object)).toEqual(['public.orders.a', 'public.orders.c']);
  });
});
