import { lintSql } from '../../src/lint.js';
import type { Finding, LedgerGate, RuleLevel } from '../../src/model.js';

export interface LintCase {
  pgVersion?: number;
  previous?: string[];
  rules?: Record<string, RuleLevel>;
  ledger?: LedgerGate;
}

/** `[rule, line, column]` of every finding of `rule` on `sql`. */
export async function found(sql: string, rule: string, options: LintCase = {}): Promise<[string, number, number][]> {
  return (await findings(sql, rule, options)).map((f) => [f.rule, f.line, f.column]);
}

/** Every finding of `rule` on `sql`. */
export async function findings(sql: string, rule: string, options: LintCase = {}): Promise<Finding[]> {
  const report = await lintSql(sql, { pgVersion: 15, ...options });
  return report.findings.filter((f) => f.rule === rule);
}

/** `[line, column]` of every finding of `rule` on `sql`. */
export async function positions(sql: string, rule: string, options: LintCase = {}): Promise<[number, number][]> {
  return (await findings(sql, rule, options)).map((f) => [f.line, f.column]);
}
