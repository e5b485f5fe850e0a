import type { Paint } from './paint.js';
import type { CheckReport, Finding, Severity } from '../model.js';

export interface PrettyOptions {
  paint: Paint;
  /** The text of each file by report path, for code frames. */
  sources: ReadonlyMap<string, string>;
  /** Show info-level findings (ledger-allowed, suppressed) too. */
  showInfo?: boolean;
}

/**
 * `check --format pretty`: each finding with its location, rule id, message, a code frame of
 * the statement, the safe recipe and the ledger's verdict; then a one-line summary.
 */
export function renderPretty(report: CheckReport, options: PrettyOptions): string {
  const { paint } = options;
  const blocks: string[] = [];
  for (const file of report.files) {
    const source = options.sources.get(file.path);
    const lines = source?.split(/\r?\n/);
    for (const f of file.findings) {
      if (f.severity === 'info' && !options.showInfo) continue;
      blocks.push(renderFinding(file.path, f, lines, paint));
    }
  }
  const { files, errors, warnings } = report.summary;
  const infos = report.files.reduce((n, f) => n + f.findings.filter((x) => x.severity === 'info').length, 0);
  const counts = [
    `${errors} error${errors === 1 ? '' : 's'}`,
    `${warnings} warning${warnings === 1 ? '' : 's'}`,
    ...(infos > 0 ? [`${infos} info${options.showInfo ? '' : ' (--verbose shows them)'}`] : []),
  ].join(', ');
  const checked = `${files} migration${files === 1 ? '' : 's'} checked`;
  const summary =
    errors > 0
      ? paint.red(paint.bold(`✖ ${checked}: ${counts}`))
      : warnings > 0
        ? paint.yellow(`⚠ ${checked}: ${counts}`)
        : paint.green(`✔ ${checked}: ${counts}`);
  blocks.push(summary);
  return blocks.join('\n\n') + '\n';
}

const LABEL: Record<Severity, (p: Paint, s: string) => string> = {
  error: (p, s) => p.red(p.bold(s)),
  warning: (p, s) => p.yellow(p.bold(s)),
  info: (p, s) => p.cyan(s),
};

function renderFinding(path: string, f: Finding, lines: string[] | undefined, paint: Paint): string {
  const out: string[] = [];
  const where = `${path}:${f.line}:${f.column}`;
  out.push(`${paint.bold(where)}  ${LABEL[f.severity](paint, f.severity)}  ${paint.dim(f.rule)}`);
  out.push(`  ${f.message}`);
  if (lines) out.push(...codeFrame(lines, f, paint));
  out.push(`  ${paint.cyan('help:')} ${f.help}`);
  if (f.sql !== undefined) out.push(`  ${paint.cyan('sql:')} ${f.sql.length > 300 ? `${f.sql.slice(0, 300)}…` : f.sql}`);
  if (f.ledger) {
    out.push(`  ${paint.cyan('ledger:')} ${f.ledger.allowed ? paint.green('allowed') : paint.red('refused')} — ${f.ledger.reason}`);
  }
  if (f.suppressed !== undefined) out.push(`  ${paint.cyan('suppressed:')} ${f.suppressed}`);
  return out.join('\n');
}

/** The statement's lines (at most 6, then an ellipsis) with a gutter, underlining a one-line span. */
function codeFrame(lines: string[], f: Finding, paint: Paint): string[] {
  const first = Math.max(1, f.line);
  const last = Math.min(lines.length, Math.max(f.endLine, f.line), first + 5);
  const width = String(last).length;
  const out: string[] = [];
  for (let n = first; n <= last; n++) {
    const text = (lines[n - 1] ?? '').replace(/\t/g, '  ');
    out.push(`  ${paint.red('>')} ${paint.dim(String(n).padStart(width))} ${paint.dim('|')} ${text}`);
  }
  if (f.endLine > last) out.push(`    ${' '.repeat(width)} ${paint.dim('|')} ${paint.dim('…')}`);
  if (f.line === f.endLine) {
    const lead = ' '.repeat(Math.max(0, f.column - 1));
    const marks = '^'.repeat(Math.max(1, f.endColumn - f.column));
    out.push(`    ${' '.repeat(width)} ${paint.dim('|')} ${lead}${paint.red(marks)}`);
  }
  return out;
}
