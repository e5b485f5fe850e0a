import type { CheckReport, Finding } from '../model.js';

/**
 * `check --format json`: the stable, versioned shape documented in the README ("check --format json"). Keys are written in the
 * documented order; optional keys appear only when they have a value.
 */
export function renderJson(report: CheckReport): string {
  const out = {
    version: report.version,
    files: report.files.map((file) => ({
      path: file.path,
      phase: file.phase,
      findings: file.findings.map(findingJson),
    })),
    summary: report.summary,
  };
  return JSON.stringify(out, null, 2) + '\n';
}

function findingJson(f: Finding): Record<string, unknown> {
  const out: Record<string, unknown> = {
    rule: f.rule,
    severity: f.severity,
    message: f.message,
    line: f.line,
    column: f.column,
    endLine: f.endLine,
    endColumn: f.endColumn,
  };
  if (f.object !== undefined) out.object = f.object;
  if (f.lock !== undefined) out.lock = f.lock;
  out.help = f.help;
  if (f.ledger !== undefined) out.ledger = f.ledger;
  if (f.suppressed !== undefined) out.suppressed = f.suppressed;
  if (f.sql !== undefined) out.sql = f.sql;
  return out;
}
