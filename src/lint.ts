/**
 * The linter: migration files → statements → effects (with the schema model replayed across
 * files) → rule findings → one `FileReport` per file.
 *
 * @example
 * const [report] = await lintMigrations(files, { pgVersion: 15 });
 * const errors = report.findings.filter((f) => f.severity === 'error');
 */
import { createHash } from 'node:crypto';
import type { AnalyzedEffect } from './analyze/effects/index.js';
import { analyzeStatement } from './analyze/effects/index.js';
import { SchemaModel } from './analyze/schema.js';
import { versionProblem } from './analyze/version.js';
import { initialSession, type SessionState } from './analyze/session.js';
import { cannotRunInTransaction } from './analyze/transaction-mode.js';
import { contractVerdict, LEDGER_NOT_CONSULTED, NEEDS_LEDGER } from './contract-verdict.js';
import type {
  AnalyzedStatement,
  FileReport,
  Finding,
  LedgerGate,
  MigrationFile,
  RuleLevel,
  Span,
} from './model.js';
import { readDirectives, type Suppression } from './parse/directives.js';
import { loadParser } from './parse/parser.js';
import { SourceText } from './parse/source.js';
import { splitStatements, type ParsedStatement } from './parse/statements.js';
import { GATE_RULE_IDS, RULE_IDS, RULES } from './rules/index.js';
import type { FileFacts, Rule, RuleHit, StatementFacts } from './rules/support/rule.js';

export { RULES, RULE_IDS, GATE_RULE_IDS } from './rules/index.js';
export type { Rule, RuleMeta, RuleContext, RuleHit } from './rules/support/rule.js';
export type { AnalyzedEffect, EffectKind } from './analyze/effects/index.js';
export { EFFECT_KINDS } from './analyze/effects/index.js';

export interface LintOptions {
  /** Target PostgreSQL major version (default 15). */
  pgVersion: number;
  /** Per-rule levels; `off` drops the rule. Others keep their default. */
  rules?: Record<string, RuleLevel>;
  /** Judges contract effects; without it every contract finding is an error. */
  ledger?: LedgerGate;
  /** Earlier migrations replayed into the schema model, not reported. */
  history?: MigrationFile[];
  /**
   * Without a ledger (`check --offline --defer-contract`, a fork's pull request): contract
   * effects are warnings that need the ledger instead of errors. `apply --phase contract` still
   * judges each one against the ledger. Names whose schema is unknown stay errors.
   */
  deferContract?: boolean;
  /** Report only these of `files`; the others are replayed where they fall (`check --staged`, `--changed-since`). */
  only?: ReadonlySet<MigrationFile>;
  /** Keep each reported statement's parse tree in `AnalyzedStatement.node` (for `trace`). */
  parseTrees?: boolean;
}


/**
 * Lints migration files in order, replaying the schema model across them (after `history`).
 * Parse errors are findings; binary or non-UTF-8 files throw `UsageError` naming the file.
 */
export async function lintMigrations(files: MigrationFile[], options: LintOptions): Promise<FileReport[]> {
  await loadParser();
  if ((options.history ?? []).some((f) => f.script) || files.some((f) => f.script)) {
    const { compileScripts } = await import('./migrations/compile/index.js');
    await compileScripts([...(options.history ?? []), ...files]);
  }
  const model = new SchemaModel();
  const pgVersion = options.pgVersion ?? 15;
  for (const h of options.history ?? []) analyzeFile(h, model, pgVersion);
  const perRun = { ...options, pgVersion };
  const { only } = options;
  if (!only) return files.map((f) => lintFile(f, model, perRun));
  return files.flatMap((f) => (only.has(f) ? [lintFile(f, model, perRun)] : (analyzeFile(f, model, pgVersion), [])));
}

/**
 * Lints from the middle of a history, for the analysis cache (src/cache/lint-cache.ts): the
 * schema model starts from `model` (a {@link SchemaModel.snapshot} taken after the file before
 * `files[0]`), `files[i]` is reported where `report[i]`, replayed otherwise, and a snapshot of
 * the model is taken after each index in `snapshotAfter`. Script migrations are not accepted:
 * their SQL depends on more than their bytes.
 */
export async function lintResumed(
  files: MigrationFile[],
  report: readonly boolean[],
  options: LintOptions & { model?: Uint8Array; snapshotAfter: readonly number[] },
): Promise<{ reports: (FileReport | undefined)[]; snapshots: Map<number, Buffer> }> {
  await loadParser();
  const model = options.model ? SchemaModel.fromSnapshot(options.model) : new SchemaModel();
  const snapshotAfter = new Set(options.snapshotAfter);
  const snapshots = new Map<number, Buffer>();
  const reports = files.map((f, i) => {
    const out = report[i] ? lintFile(f, model, options) : (analyzeFile(f, model, options.pgVersion), undefined);
    if (snapshotAfter.has(i)) snapshots.set(i, model.snapshot());
    return out;
  });
  return { reports, snapshots };
}

/**
 * Lints one SQL string (tests, editors). `previous` are earlier migrations' SQL, replayed into
 * the schema model first.
 */
export async function lintSql(
  sql: string,
  options: { pgVersion?: number; path?: string; previous?: string[]; rules?: Record<string, RuleLevel>; ledger?: LedgerGate } = {},
): Promise<FileReport> {
  const path = options.path ?? 'migration.sql';
  const history = (options.previous ?? []).map((s, i) => migrationFromString(s, `previous-${i + 1}.sql`));
  const [report] = await lintMigrations([migrationFromString(sql, path)], {
    pgVersion: options.pgVersion ?? 15,
    rules: options.rules,
    ledger: options.ledger,
    history,
  });
  return report;
}

/** A `MigrationFile` for SQL that is not on disk. */
export function migrationFromString(sql: string, path: string): MigrationFile {
  const bytes = Buffer.from(sql, 'utf8');
  return { id: path, path, absolutePath: path, bytes, checksum: createHash('sha256').update(bytes).digest('hex') };
}

// ---- per file ----------------------------------------------------------------------------

interface AnalyzedFile {
  source: SourceText;
  parsed: ParsedStatement[];
  facts: (StatementFacts & { effects: AnalyzedEffect[] })[];
  mutations: ((m: SchemaModel) => void)[][];
  problems: { message: string; span: Span }[];
  suppressions: Suppression[];
  fileFacts: FileFacts;
}

const RULE_ID_SET = new Set(RULE_IDS);
/** Rules that report on a whole file, not a statement: a suppression may cover the file for them. */
const FILE_RULES = new Set(RULES.filter((r) => r.checkFile && !r.check).map((r) => r.id));

function analyzeFile(file: MigrationFile, model: SchemaModel, pgVersion: number): AnalyzedFile {
  // A script migration is linted as the SQL its up() produced (src/migrations/compile/).
  const compiled = file.script?.compiled;
  const source = new SourceText(compiled ? Buffer.from(compiled.sql, 'utf8') : file.bytes, file.path);
  const split = splitStatements(source);
  const dir = readDirectives(split.comments, split.statements, RULE_ID_SET, source, FILE_RULES);
  model.beginFile(file.id);
  // Decided before any statement is analysed: it decides what SET LOCAL, COMMIT and ROLLBACK do.
  // A DO block that COMMITs cannot run inside a transaction block either.
  const inferredNoTx = split.statements.some((s) => s.commits === true || cannotRunInTransaction(s.kind, s.node, pgVersion));
  const runnerWraps = !(dir.directives.noTransaction || inferredNoTx);
  let session: SessionState = initialSession(runnerWraps);
  // Statements PREPAREd in this file, for EXECUTE (a session-level namespace, like the server's).
  const perFile = { prepared: new Map<string, { kind: string; node: Record<string, unknown> }>() };
  const facts: AnalyzedFile['facts'] = [];
  const mutations: AnalyzedFile['mutations'] = [];
  const problems = [...split.problems, ...dir.problems];
  // Statements with the same number run in the same transaction, as the runner will run them:
  // one transaction for a wrapped file (its written BEGIN/COMMIT are left out), else one per
  // explicit BEGIN … COMMIT block and one per statement outside any; a DO block's statements share its number.
  let unit = 0;
  let explicitBlock = false;
  let lastTopLevel = 0;
  for (const stmt of split.statements) {
    const tooNew = versionProblem(stmt, pgVersion);
    if (tooNew) problems.push({ message: tooNew, span: stmt.span });
    const a = analyzeStatement(stmt, model, session, pgVersion, perFile);
    const tx = a.effects.find((e) => e.kind === 'transaction')?.detail.transaction;
    const inBlock = explicitBlock;
    let transaction: number;
    if (stmt.inDoBlock) transaction = lastTopLevel;
    else if (runnerWraps) transaction = 0;
    else if (inBlock || tx === 'begin') transaction = inBlock ? unit : ++unit;
    else transaction = ++unit;
    if (!stmt.inDoBlock) {
      lastTopLevel = transaction;
      if (tx === 'begin') explicitBlock = true;
      else if (tx === 'commit' || tx === 'rollback' || tx === 'prepare') explicitBlock = false;
    }
    facts.push({
      index: stmt.index,
      kind: stmt.kind,
      text: stmt.text,
      span: stmt.span,
      start: stmt.start,
      inTransactionBlock: inBlock,
      transaction,
      inDoBlock: stmt.inDoBlock,
      cannotRunInTransaction: a.cannotRunInTransaction,
      session,
      effects: a.effects,
    });
    mutations.push(a.mutations);
    for (const m of a.mutations) m(model);
    session = a.session;
  }
  if (runnerWraps) markRestored(facts);
  markSubsumed(facts);
  const anyContract = facts.some((s) => s.effects.some((e) => e.class === 'contract'));
  const fileFacts: FileFacts = {
    path: file.path,
    id: file.id,
    directives: dir.directives,
    phase: dir.directives.phase ?? (anyContract ? 'contract' : 'expand'),
    runnerWrapsInTransaction: runnerWraps,
    statements: facts,
    empty: split.statements.length === 0 && split.problems.length === 0,
  };
  return {
    source,
    parsed: split.statements,
    facts,
    mutations,
    problems,
    suppressions: dir.suppressions,
    fileFacts,
  };
}

/** What undoes a contract effect when it follows in the same transaction. */
const RESTORED_BY: Partial<Record<AnalyzedEffect['kind'], AnalyzedEffect['kind']>> = {
  'drop-routine': 'create-routine',
  'drop-view': 'create-view',
  'drop-type': 'create-type',
  'drop-default': 'set-default',
  // Prisma's way to change a foreign key's actions: drop it and add it again under its name.
  'drop-constraint': 'add-constraint',
  // …and a unique index rebuilt under its name (Prisma changing a unique key's columns).
  'drop-unique-index': 'create-index',
  // The rename-table rule's own recipe (docs/rules/rename-table.md): rename, and leave a simple view under the old name.
  'rename-table': 'create-view',
};

/**
 * DROP + CREATE of the same routine, view or type (DROP DEFAULT + SET DEFAULT; RENAME TO + a
 * view under the old name) in one transaction is a replacement: no color sees the object missing.
 */
function markRestored(facts: AnalyzedFile['facts']): void {
  // Last statement index of each `kind object` that can restore something.
  const lastAt = new Map<string, number>();
  const restorers = new Set(Object.values(RESTORED_BY));
  facts.forEach((s, i) => {
    for (const e of s.effects) if (restorers.has(e.kind)) lastAt.set(`${e.kind} ${e.object}`, i);
  });
  if (lastAt.size === 0) return;
  facts.forEach((s, i) => {
    for (const e of s.effects) {
      const by = RESTORED_BY[e.kind];
      if (e.class !== 'contract' || !by) continue;
      if ((lastAt.get(`${by} ${e.object}`) ?? -1) > i) {
        e.class = 'neutral';
        e.detail.restoredInFile = true;
      }
    }
  });
}

/**
 * A constraint dropped from a table (or column) that the same file drops later: the table's drop
 * is the contract effect the ledger judges; the constraint goes with it either way.
 */
function markSubsumed(facts: AnalyzedFile['facts']): void {
  const droppedLater = new Set<string>();
  for (let i = facts.length - 1; i >= 0; i--) {
    for (const e of facts[i].effects) {
      if (e.kind === 'drop-constraint' && e.class === 'contract' && e.table !== undefined && droppedLater.has(e.table)) {
        e.class = 'neutral';
        e.detail.subtype = 'table-dropped-later';
      }
    }
    for (const e of facts[i].effects) if (e.kind === 'drop-table' && e.class === 'contract') droppedLater.add(e.object);
  }
}

function lintFile(file: MigrationFile, model: SchemaModel, options: LintOptions): FileReport {
  // Pass 1 (effects, phase, transaction facts) runs on the model and is undone; pass 2 replays the
  // file into the model statement by statement, so rules see the schema as it was before each one.
  const a = model.tentatively((scratch) => analyzeFile(file, scratch, options.pgVersion));
  const before = model;
  before.beginFile(file.id);
  const findings: Finding[] = [];
  const { active, checks, byKind } = activeRules(options);
  a.facts.forEach((stmt, i) => {
    const ctx = { statement: stmt, effects: stmt.effects, file: a.fileFacts, pgVersion: options.pgVersion, schema: before };
    const candidates = new Set<Rule>();
    for (const e of stmt.effects) for (const r of byKind.get(e.kind) ?? []) candidates.add(r);
    for (const rule of checks) {
      if (rule.effectKinds && !candidates.has(rule)) continue;
      const hits = rule.check!(ctx);
      if (hits) for (const hit of asList(hits)) findings.push(finding(rule, hit, stmt.span, stmt.index, a, options));
    }
    for (const m of a.mutations[i]) m(before);
  });
  const fileStart: Span = { line: 1, column: 1, endLine: 1, endColumn: 1 };
  for (const rule of active) {
    if (!rule.checkFile) continue;
    const hits = rule.checkFile({ file: a.fileFacts, pgVersion: options.pgVersion, schema: before });
    for (const hit of asList(hits)) findings.push(finding(rule, hit, fileStart, 'file', a, options));
  }
  const parseRule = RULES.find((r) => r.id === 'parse-error')!;
  if (level(parseRule, options) !== 'off') {
    for (const p of a.problems) {
      findings.push({
        rule: 'parse-error',
        severity: severityOf(level(parseRule, options)),
        message: p.message,
        ...p.span,
        help: parseRule.help,
      });
    }
  }
  // What made a script migration's SQL depend on the database, or impossible to compile.
  const dynamicRule = RULES.find((r) => r.id === 'dynamic-sql')!;
  for (const p of file.script?.compiled?.problems ?? []) {
    // A read is in the SQL as a statement at its call's line: a suppression before the call applies.
    const at = a.facts.find((stmt) => stmt.span.line === p.line && stmt.span.column === p.column);
    const suppression = a.suppressions.find((x) => x.rules.includes('dynamic-sql') && (x.scope === 'file' || (at !== undefined && x.scope === at.index)));
    findings.push({
      ...(suppression ? { suppressed: suppression.reason } : {}),
      rule: 'dynamic-sql',
      severity: suppression ? 'info' : severityOf(level(dynamicRule, options)),
      message: p.message,
      line: p.line,
      column: p.column,
      endLine: p.line,
      endColumn: p.column,
      help: dynamicRule.help,
      ...(p.read ? { readAtApply: true } : {}),
    });
  }
  findings.sort((x, y) => x.line - y.line || x.column - y.column || x.rule.localeCompare(y.rule));
  if (file.script?.compiled) {
    // Positions are the script's; say which SQL the call there produced.
    for (const f of findings) {
      const stmt = a.facts.find((s) => s.span.line === f.line && s.span.column === f.column) ?? a.facts.find((s) => s.span.line === f.line && s.span.column <= f.column);
      if (!stmt) continue;
      f.sql = stmt.text;
      // A position inside the SQL means nothing in the script: point at the call.
      f.column = stmt.span.column;
      f.endLine = f.line;
      f.endColumn = stmt.span.column;
    }
  }

  const statements: AnalyzedStatement[] = a.facts.map((s, i) => {
    const out: AnalyzedStatement = {
      index: s.index,
      text: s.text,
      kind: s.kind,
      effects: s.effects,
      cannotRunInTransaction: s.cannotRunInTransaction,
      transaction: s.transaction,
      ...s.span,
    };
    if (s.inDoBlock) out.inDoBlock = true;
    // Facts carry no parse tree (rules read effects only); the split statements do, in the same order.
    const index = concurrentIndexOf(s.kind, a.parsed[i].node);
    if (index) out.concurrentIndex = index;
    if (options.parseTrees) out.node = a.parsed[i].node;
    return out;
  });
  return {
    path: file.path,
    id: file.id,
    checksum: file.checksum,
    phase: a.fileFacts.phase,
    directives: { ...a.fileFacts.directives, noTransaction: !a.fileFacts.runnerWrapsInTransaction },
    statements,
    findings,
  };
}

/** The index a `CREATE INDEX CONCURRENTLY` builds, as written, for the runner (AnalyzedStatement.concurrentIndex). */
function concurrentIndexOf(kind: string, node: Record<string, unknown>): AnalyzedStatement['concurrentIndex'] {
  if (kind !== 'IndexStmt' || !node.concurrent) return undefined;
  const relation = node.relation as { schemaname?: string; relname?: string } | undefined;
  if (!relation?.relname) return undefined;
  return { name: typeof node.idxname === 'string' ? node.idxname : null, schema: relation.schemaname ?? null, table: relation.relname };
}

interface ActiveRules {
  active: readonly Rule[];
  checks: readonly Rule[];
  /** Which rules can fire on an effect kind (rules without effectKinds see every statement). */
  byKind: ReadonlyMap<string, ReadonlySet<Rule>>;
}

const activeByOptions = new WeakMap<LintOptions, ActiveRules>();

/** The rules that run under `options`, worked out once per lint run. */
function activeRules(options: LintOptions): ActiveRules {
  const cached = activeByOptions.get(options);
  if (cached) return cached;
  const active = RULES.filter((r) => level(r, options) !== 'off');
  const checks = active.filter((r) => r.check);
  const byKind = new Map<string, Set<Rule>>();
  for (const rule of checks) for (const k of rule.effectKinds ?? []) (byKind.get(k) ?? byKind.set(k, new Set()).get(k)!).add(rule);
  const out = { active, checks, byKind };
  activeByOptions.set(options, out);
  return out;
}

function asList(hits: RuleHit[] | RuleHit | undefined | void): RuleHit[] {
  if (!hits) return [];
  return Array.isArray(hits) ? hits : [hits];
}

function level(rule: Rule, options: LintOptions): RuleLevel {
  const configured = options.rules?.[rule.id];
  // Gate rules keep their level: their verdict is the ledger's or a suppression's, never the config's.
  if (configured !== undefined && GATE_RULE_IDS.includes(rule.id) && configured !== rule.defaultLevel) return rule.defaultLevel;
  return configured ?? rule.defaultLevel;
}

function severityOf(l: RuleLevel): Finding['severity'] {
  return l === 'off' ? 'info' : l;
}

/**
 * Each contract finding's effect and its severity before any verdict, for {@link judgeAgain}
 * (findings of this process only; a finding read from the analysis cache has none).
 */
const CONTRACT_FINDINGS = new WeakMap<Finding, { effect: AnalyzedEffect; severity: Finding['severity'] }>();

/**
 * Judges the contract findings of `reports` again with another ledger gate, in place, without
 * linting again: `check --database` first lints with the ledger, then with a gate that also
 * refuses what the usage evidence shows live queries still use (src/check.ts). A suppressed
 * finding stays suppressed; only findings linted in this process are judged (the others throw).
 */
export function judgeAgain(reports: readonly FileReport[], ledger: LedgerGate): void {
  for (const report of reports) {
    for (const f of report.findings) {
      if (f.ledger === undefined || f.suppressed !== undefined) continue;
      const linted = CONTRACT_FINDINGS.get(f);
      if (!linted) {
        if (f.ledger.reason === LEDGER_NOT_CONSULTED.reason) continue; // no effect to judge: refused either way
        throw new Error(`judgeAgain: ${report.path}:${f.line}: ${f.rule} was not linted in this process`);
      }
      const verdict = contractVerdict(linted.effect, ledger);
      f.ledger = { allowed: verdict.allowed, reason: verdict.reason };
      f.severity = verdict.allowed ? 'info' : linted.severity;
    }
  }
}

function finding(rule: Rule, hit: RuleHit, span: Span, scope: number | 'file', a: AnalyzedFile, options: LintOptions): Finding {
  const f: Finding = {
    rule: rule.id,
    severity: severityOf(level(rule, options)),
    message: hit.message,
    ...(hit.span ?? span),
    help: rule.help,
  };
  const object = hit.object ?? hit.effect?.object;
  if (object !== undefined) f.object = object;
  // Not the migration's own effect: say who will run it (src/analyze/effects/calls.ts, runsLater).
  const later = hit.effect?.detail.runsLater;
  if (later !== undefined && !f.message.includes(later)) f.message = `${f.message} (${later})`;
  const lock = hit.lock ?? hit.effect?.lock ?? undefined;
  if (lock) f.lock = lock;
  if (rule.category === 'contract') {
    if (hit.effect) CONTRACT_FINDINGS.set(f, { effect: hit.effect, severity: f.severity });
    const verdict = hit.effect ? contractVerdict(hit.effect, options.ledger) : LEDGER_NOT_CONSULTED;
    f.ledger = { allowed: verdict.allowed, reason: verdict.reason };
    if (verdict.allowed) f.severity = 'info';
    else if (verdict === LEDGER_NOT_CONSULTED && options.deferContract && f.severity === 'error') {
      f.severity = 'warning';
      f.ledger = { allowed: false, reason: NEEDS_LEDGER };
    }
  }
  const s = a.suppressions.find((x) => x.rules.includes(rule.id) && (x.scope === 'file' || x.scope === scope));
  if (s) {
    f.severity = 'info';
    f.suppressed = s.reason;
    // apply reads this on the effect itself (never by line): only this finding's effect is vouched for.
    if (rule.category === 'contract' && hit.effect) hit.effect.suppressed = s.reason;
  }
  return f;
}
