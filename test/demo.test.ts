/**
 * The README's first command ends in `npm run demo`: both demos (SQL and Kysely) must walk the
 * shop's whole expand/contract life with every command exiting as the demo expects.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support/cli.js';

describe('npm run demo', () => {
  it.each([[[]], [['kysely']]])('node scripts/demo.js %j', (args) => {
    const run = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'demo.js'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 180_000, env: { ...process.env, NO_COLOR: '1' } });
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('── demo finished: every step behaved as expected');
    expect(run.stdout).toContain(args.length ? 'applied migrations/008_users_drop_name.ts' : 'applied migrations/008_users_drop_name.sql');
    expect(run.status).toBe(0);
  }, 180_000);
});
