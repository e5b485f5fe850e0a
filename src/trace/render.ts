/**
 * `trace` output: a per-statement table (pretty) and the report as JSON.
 */
import type { Paint } from '../report/paint.js';
import { LOCK_ORDER, type LockMode } from '../model.js';
import type { TraceReport, TracedStatement } from './types.js';

export interface TracePrettyOptions {
  /** Colors; default none. */
  paint?: Paint;
  /** List every lock held after each statement (user relations), not just the strongest. */
  verbose?: boolean;
}

const plain: Paint = {
  red: (t) => t,
  yellow: (t) => t,
  green: (t) => t,
  cyan: (t) => t,
  dim: (t) => t,
  bold: (t) => t,
};

/** `AccessExclusiveLock` → `AccessExclusive`: the table is narrow enough to read. */
function short(mode: LockMode): string {
  return mode.replace(/Lock$/, '');
}

/** Table names without the `public.` everybody assumes. */
function rel(name: string): string {
  return name.startsWith('public.') ? name.slice('public.'.length) : name;
}

function oneLine(text: string, width: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= width ? flat : flat.slice(0, width - 1) + '…';
}

function time(ms: number): string {
  return ms < 10 ? `${ms.toFixed(1)}ms` : ms < 10_000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`;
}

function pad(text: string, width: number): string {
  // Width counts characters, not the color escapes around them.
  const visible = text.replace(/\x1b\[[0-9;]*m/g, '');
  return text + ' '.repeat(Math.max(0, width - visible.length));
}

function lockCell(s: TracedStatement): string {
  // A lock an earlier statement already took cannot be seen again; show the predicted one it confirmed.
  const held = s.observed.filter((o) => o.masked && o.lock);
  const heldBest = held.sort((a, b) => LOCK_ORDER.indexOf(b.lock!) - LOCK_ORDER.indexOf(a.lock!))[0];
  if (heldBest && (!s.strongest || LOCK_ORDER.indexOf(heldBest.lock!) > LOCK_ORDER.indexOf(s.strongest.mode))) {
    return `${short(heldBest.lock!)} ${rel(heldBest.table)} (held)`;
  }
  if (!s.strongest) return '—';
  return `${short(s.strongest.mode)} ${rel(s.strongest.relation)}${s.strongest.created ? ' (new)' : ''}`;
}

function rewriteCell(s: TracedStatement): string {
  if (s.rewritten.length === 0) return '—';
  const tables = new Set(s.observed.filter((o) => o.rewritten).map((o) => o.table));
  const heap = s.rewritten.filter((r) => tables.has(r));
  const others = s.rewritten.length - heap.length;
  const parts = heap.map(rel);
  if (others > 0) parts.push(`${others} index${others === 1 ? '' : 'es'}`);
  return parts.join(' + ');
}

function scanCell(s: TracedStatement): string {
  if (s.scanned === null) return s.mode === 'throwaway' ? 'n/a' : '—';
  const seq = s.scanned.filter((x) => x.seqScans > 0);
  if (seq.length === 0) return '—';
  return seq.map((x) => `${rel(x.relation)} (${x.seqTuplesRead} rows)`).join(', ');
}

/**
 * The per-statement table, file by file, each `trace-mismatch` under its statement, and a
 * summary line that says the target was left unchanged.
 */
export function renderTracePretty(report: TraceReport, options: TracePrettyOptions = {}): string {
  const paint = options.paint ?? plain;
  const out: string[] = [];
  const headers = ['#', 'line', 'statement', 'ran', 'time', 'strongest new lock', 'rewrote', 'seq scans', 'check'];
  for (const file of report.files) {
    out.push(paint.bold(file.path));
    const rows: string[][] = [];
    const extras: string[][] = [];
    for (const s of file.statements) {
      // in tx: inside a transaction; no tx: outside one (CONCURRENTLY, VACUUM), sampled.
      const ran = s.mode === 'transaction' ? 'in tx' : s.mode === 'throwaway' ? 'no tx' : 'skip';
      const verdict =
        s.status === 'error'
          ? paint.red('failed')
          : s.status === 'skipped'
            ? paint.dim('skipped')
            : s.mismatches.length > 0
              ? paint.red('✖ mismatch')
              : s.observed.some((o) => o.masked)
                ? paint.green('✔') + paint.dim(' (lock held before)')
                : paint.green('✔');
      rows.push([
        String(s.index + 1),
        `${s.line}:${s.column}`,
        oneLine(s.text, 44),
        ran,
        s.status === 'skipped' ? '' : time(s.durationMs),
        lockCell(s),
        rewriteCell(s),
        scanCell(s),
        verdict,
      ]);
      const notes: string[] = [];
      if (s.error) notes.push(paint.red(`error: ${s.error}`));
      if (s.note) notes.push(paint.dim(s.note));
      for (const m of s.mismatches) notes.push(paint.red(`trace-mismatch: ${m}`));
      if (options.verbose && s.locks.length > 0) {
        notes.push(
          paint.dim(
            'locks: ' + s.locks.map((l) => `${rel(l.relation)} ${short(l.mode)}${l.new ? '' : ' (held)'}${l.granted ? '' : ' (waiting)'}`).join(', '),
          ),
        );
      }
      extras.push(notes);
    }
    if (rows.length === 0) {
      out.push(paint.dim('  (no statements)'), '');
      continue;
    }
    const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.replace(/\x1b\[[0-9;]*m/g, '').length)));
    out.push('  ' + headers.map((h, i) => pad(paint.dim(h), widths[i]!)).join('  ').trimEnd());
    rows.forEach((r, i) => {
      out.push('  ' + r.map((cell, j) => pad(cell, widths[j]!)).join('  ').trimEnd());
      for (const note of extras[i]!) out.push('      ' + note);
    });
    out.push('');
  }
  const { statements, errors, mismatches } = report.summary;
  const where = `PostgreSQL ${report.serverMajor}`;
  const venue =
    report.ranOn === 'copy'
      ? `ran on a throwaway copy of ${report.database}, dropped afterwards: the database itself was not touched` +
        (report.sharedRolledBack
          ? `; ${report.sharedRolledBack} statement${report.sharedRolledBack === 1 ? '' : 's'} on roles or database settings (shared by the whole server) ran in a transaction rolled back at once: nothing of them outlives the run`
          : '; nothing outlives the run')
      : `ran on ${report.database} in one transaction, rolled back: nothing changed` +
        (report.ranOnReason ? ` (not copied: ${report.ranOnReason})` : '') +
        (report.throwaway
          ? `; statements that cannot run in a transaction ran on ${report.throwaway.source === 'template' ? 'a throwaway copy' : 'an empty throwaway database'} with the traced migrations before them replayed`
          : '');
  const counts = `${statements} statement${statements === 1 ? '' : 's'} traced on ${where}: ${errors} failed, ${mismatches} mismatch${mismatches === 1 ? '' : 'es'}`;
  const line = errors + mismatches > 0 ? paint.red(paint.bold(`✖ ${counts}`)) : paint.green(`✔ ${counts}`);
  out.push(line);
  out.push(paint.dim(venue));
  for (const effect of report.sideEffects) out.push(paint.yellow(`note: ${effect}`));
  if (report.pgVersion !== report.serverMajor) {
    out.push(paint.yellow(`note: check assumed PostgreSQL ${report.pgVersion} (--pg-version); the server is ${report.serverMajor}, so some differences may come from that`));
  }
  return out.join('\n') + '\n';
}

/** `trace --format json`: the report, stable and versioned (`version: 1`). */
export function renderTraceJson(report: TraceReport): string {
  return JSON.stringify(report, null, 2) + '\n';
}
