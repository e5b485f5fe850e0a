/**
 * Every command, in the order `--help` lists them, and how it lists them: the same words each
 * command's module registers for itself. Apart from the modules (./index.ts loads those), so that
 * `bgmigrate --help` loads none of them.
 */
export const SUMMARIES = {
  check: {
    term: 'check [options] [paths...]',
    summary: 'lint migrations: refuse what would break the color still running or block live traffic',
  },
  apply: {
    term: 'apply [options]',
    summary: 'apply pending migrations of one phase, never blocking live traffic longer than the lock timeout',
  },
  status: {
    term: 'status [options]',
    summary: 'applied and pending migrations, releases, deprecations, and which contract effects the ledger allows now',
  },
  release: {
    term: 'release',
    summary: 'record release switches in the ledger: ship, retire, rollback, color, list',
  },
  ledger: {
    term: 'ledger',
    summary: 'the phase ledger: baseline an existing database, record a deprecation, show the history, verify checksums',
  },
  pool: {
    term: 'pool [options]',
    summary: 'the connection-pool budget: can both colors hold their pools at once?',
  },
  trace: {
    term: 'trace [options] [paths...]',
    summary: 'run migrations on a real PostgreSQL inside a rolled-back transaction and show what each statement locked, rewrote and scanned',
  },
  usage: {
    term: 'usage [options] [objects...]',
    summary: 'usage evidence: which queries that ran since the deprecating release shipped still use deprecated objects',
  },
  plan: {
    term: 'plan [options] <recipe> [objects...]',
    summary: 'write the expand/contract series of migration files for a change (rename-column, rename-table, change-type, set-not-null, add-foreign-key, add-unique, drop-column)',
  },
} as const satisfies Record<string, { term: string; summary: string }>;

export type CommandName = keyof typeof SUMMARIES;
