import type { CheckReport, Severity } from '../model.js';

const COMMAND: Record<Severity, string> = { error: 'error', warning: 'warning', info: 'notice' };

/**
 * `check --format github`: GitHub Actions workflow commands, one per finding, which GitHub shows
 * as annotations on the pull request's diff.
 */
export function renderGithub(report: CheckReport): string {
  const lines: string[] = [];
  for (const file of report.files) {
    for (const f of file.findings) {
      const props = [
        `file=${escapeProperty(file.path)}`,
        `line=${f.line}`,
        `col=${f.column}`,
        `endLine=${f.endLine}`,
        `endColumn=${f.endColumn}`,
        `title=${escapeProperty(`bgmigrate ${f.rule}`)}`,
      ].join(',');
      const extra = [f.suppressed !== undefined ? `suppressed: ${f.suppressed}` : '', f.ledger ? `ledger: ${f.ledger.reason}` : '', `help: ${f.help}`]
        .filter(Boolean)
        .join('\n');
      lines.push(`::${COMMAND[f.severity]} ${props}::${escapeData(`${f.message}\n${extra}`)}`);
    }
  }
  const { files, errors, warnings } = report.summary;
  lines.push(`bgmigrate: ${files} file${files === 1 ? '' : 's'} checked, ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`);
  return lines.join('\n') + '\n';
}

function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
