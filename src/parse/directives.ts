/**
 * `-- bgmigrate: …` directives and `-- bgmigrate-ignore …: reason` suppressions, read from the
 * comment tokens of the scanner so that `--` inside a string literal is never a directive.
 */
import type { Directives, Phase, Span } from '../model.js';
import type { Comment, ParsedStatement, ParseProblem } from './statements.js';
import type { SourceText } from './source.js';
import { normaliseObjectName } from '../object-name.js';

/** A `bgmigrate-ignore` comment and what it covers. */
export interface Suppression {
  rules: string[];
  reason: string;
  span: Span;
  /**
   * The top-level statement it covers: the one that immediately follows it (only comments and
   * line breaks between, no blank line), or the one it is written inside. `file` only for rules
   * that report on the file as a whole (such as `empty-migration`).
   */
  scope: number | 'file';
}

export interface DirectiveResult {
  directives: Directives;
  suppressions: Suppression[];
  /** Malformed directives and suppressions, reported as `parse-error`. */
  problems: ParseProblem[];
}

const IDENT = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`;
const OBJECT_NAME = new RegExp(String.raw`^${IDENT}(?:\.${IDENT}){0,2}$`);

/**
 * Reads the directives and suppressions of a file.
 * @param knownRules rule ids a suppression may name; any other id is a problem.
 * @param source the file's text: a blank line between a suppression and a statement ends it.
 * @param fileRules rules that report on the whole file: a suppression naming only these covers it.
 */
export function readDirectives(
  comments: readonly Comment[],
  statements: readonly ParsedStatement[],
  knownRules: ReadonlySet<string>,
  source: SourceText,
  fileRules: ReadonlySet<string> = new Set(),
): DirectiveResult {
  const directives: Directives = { deprecates: [], noTransaction: false };
  const suppressions: Suppression[] = [];
  const problems: ParseProblem[] = [];
  const topLevel = statements.filter((s) => !s.inDoBlock);
  let phaseSpan: Span | undefined;

  for (const c of comments) {
    if (!c.text.startsWith('--')) continue;
    const body = c.text.slice(2).trim();
    const problem = (message: string) => problems.push({ message, span: c.span });

    const ignore = /^bgmigrate-ignore\b(.*)$/s.exec(body);
    if (ignore) {
      const rest = ignore[1].trim();
      const colon = rest.indexOf(':');
      const ids = (colon < 0 ? rest : rest.slice(0, colon)).split(',').map((s) => s.trim()).filter(Boolean);
      const reason = colon < 0 ? '' : rest.slice(colon + 1).trim();
      if (ids.length === 0) {
        problem('bgmigrate-ignore names no rule: write `-- bgmigrate-ignore <rule>[, <rule>]: <reason>`');
        continue;
      }
      const unknown = ids.filter((id) => !knownRules.has(id));
      if (unknown.length > 0) {
        problem(`bgmigrate-ignore names unknown rule ${unknown.map((u) => `"${u}"`).join(', ')}`);
        continue;
      }
      if (reason === '') {
        problem(`bgmigrate-ignore ${ids.join(', ')} has no reason: write \`-- bgmigrate-ignore ${ids.join(', ')}: <why this is safe>\``);
        continue;
      }
      if (ids.every((id) => fileRules.has(id))) {
        suppressions.push({ rules: ids, reason, span: c.span, scope: 'file' });
        continue;
      }
      const next = topLevel.find((s) => s.end > c.start);
      if (!next) {
        // A file with no statement that parsed already has its parse-error.
        if (topLevel.length === 0) continue;
        problem(`bgmigrate-ignore ${ids.join(', ')} follows the last statement and suppresses nothing: put it on the line before the statement`);
        continue;
      }
      // Only the statement right below it (or the one it sits inside): a blank line ends it, so a
      // comment at the top of a file never covers the whole file.
      if (c.end <= next.start && /\n[ \t\r]*\n/.test(blankComments(source, c.end, next.start, comments))) {
        problem(`bgmigrate-ignore ${ids.join(', ')} is separated from the next statement by a blank line and suppresses nothing: put it on the line right before the statement`);
        continue;
      }
      suppressions.push({ rules: ids, reason, span: c.span, scope: next.index });
      continue;
    }

    const m = /^bgmigrate(\s*:|[-\s])(.*)$/s.exec(body);
    if (!m) continue;
    if (m[1].trim() !== ':') {
      const word = /^[-\s]*([A-Za-z-]+)/.exec(m[1] + m[2])?.[1] ?? '';
      if (/^(phase|deprecates|no-transaction|idempotent|backfill)\b/.test(m[2].trim())) {
        problem(`malformed bgmigrate directive: missing ":" after "bgmigrate" (write \`-- bgmigrate: ${m[2].trim()}\`)`);
      } else if (m[1].startsWith('-')) {
        problem(`unknown bgmigrate comment "bgmigrate-${word}": expected \`-- bgmigrate: …\` or \`-- bgmigrate-ignore …\``);
      }
      continue;
    }
    const text = m[2].trim();
    const phase = /^phase\s*=\s*(\S*)\s*$/.exec(text);
    if (phase) {
      const value = phase[1];
      if (value !== 'expand' && value !== 'contract') {
        problem(`malformed bgmigrate directive: phase must be "expand" or "contract", not "${value}"`);
      } else if (directives.phase !== undefined && directives.phase !== value) {
        problem(`conflicting bgmigrate directives: phase=${directives.phase} (line ${phaseSpan?.line}) and phase=${value}`);
      } else {
        directives.phase = value as Phase;
        phaseSpan = c.span;
      }
      continue;
    }
    const dep = /^deprecates\b(.*)$/s.exec(text);
    if (dep) {
      const names = dep[1].split(',').map((s) => s.trim());
      if (names.length === 0 || names.some((n) => n === '')) {
        problem('malformed bgmigrate directive: deprecates needs object names, e.g. `-- bgmigrate: deprecates public.users.name`');
        continue;
      }
      const bad = names.find((n) => !OBJECT_NAME.test(n));
      if (bad !== undefined) {
        problem(`malformed bgmigrate directive: "${bad}" is not an object name (schema.table[.column])`);
        continue;
      }
      for (const n of names) {
        let normal: string;
        try {
          normal = normaliseObjectName(n);
        } catch (error) {
          problem(`malformed bgmigrate directive: ${(error as Error).message}`);
          break;
        }
        if (!directives.deprecates.includes(normal)) directives.deprecates.push(normal);
      }
      continue;
    }
    if (/^idempotent\s*$/.test(text)) {
      directives.idempotent = true;
      continue;
    }
    const backfill = /^backfill\b(.*)$/s.exec(text);
    if (backfill) {
      // `backfill [key=<column>] [batch=<rows>] [idempotent]`
      const options: NonNullable<Directives['backfill']> = {};
      let bad: string | undefined;
      for (const word of backfill[1].trim().split(/\s+/).filter(Boolean)) {
        const kv = /^(key|batch)=(.+)$/.exec(word);
        if (kv?.[1] === 'key' && /^[A-Za-z_][A-Za-z0-9_$]*$/.test(kv[2])) options.key = kv[2].toLowerCase();
        else if (kv?.[1] === 'batch' && /^[1-9]\d{0,6}$/.test(kv[2])) options.batchSize = Number(kv[2]);
        else if (word === 'idempotent') options.idempotent = true;
        else bad ??= word;
      }
      if (bad !== undefined) {
        problem(`malformed bgmigrate directive: backfill takes key=<column>, batch=<rows> (1 to 9999999) and idempotent, not "${bad}"`);
        continue;
      }
      directives.backfill = options;
      directives.noTransaction = true;
      continue;
    }
    if (/^no-transaction\s*$/.test(text)) {
      directives.noTransaction = true;
      continue;
    }
    problem(`unknown bgmigrate directive "${text}": expected phase=expand|contract, deprecates <object>, no-transaction, idempotent or backfill`);
  }
  return { directives, suppressions, problems };
}

export { normaliseObjectName } from '../object-name.js';

/** The source between two byte offsets, with every comment in it masked by `#` (its line breaks kept): a comment line is not blank. */
function blankComments(source: SourceText, start: number, end: number, comments: readonly Comment[]): string {
  let gap = '';
  let at = start;
  for (const c of comments) {
    if (c.start < at || c.end > end) continue;
    gap += source.slice(at, c.start) + c.text.replace(/[^\n]/g, '#');
    at = c.end;
  }
  return gap + source.slice(at, end);
}
