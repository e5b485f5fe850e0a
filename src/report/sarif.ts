import type { CheckReport, Finding, Severity } from '../model.js';
import { RULES } from '../rules/index.js';
import type { RuleMeta } from '../rules/support/rule.js';
import { VERSION } from '../version.js';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };

/**
 * `check --format sarif`: SARIF 2.1.0 as GitHub code scanning accepts it (upload with
 * github/codeql-action/upload-sarif). Paths are relative to the working directory, which in CI
 * is the repository root. Suppressed findings carry an in-source suppression with its reason.
 */
export function renderSarif(report: CheckReport, rules: readonly RuleMeta[] = RULES): string {
  const index = new Map(rules.map((rule, i) => [rule.id, i]));
  const results = report.files.flatMap((file) => file.findings.map((f) => result(file.path, f, index)));
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'bgmigrate',
            version: VERSION,
            semanticVersion: VERSION,
            rules: rules.map(ruleDescriptor),
          },
        },
        originalUriBaseIds: { '%SRCROOT%': { uri: pathToFileUri(process.cwd()) } },
        results,
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
}

function ruleDescriptor(rule: RuleMeta): Record<string, unknown> {
  const level = rule.defaultLevel === 'off' ? 'none' : LEVEL[rule.defaultLevel];
  return {
    id: rule.id,
    name: rule.id.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase()),
    shortDescription: { text: rule.summary },
    fullDescription: { text: rule.why },
    help: { text: rule.help, markdown: `**Why:** ${rule.why}\n\n**Safe path:** ${rule.help}` },
    defaultConfiguration: { level, enabled: rule.defaultLevel !== 'off' },
    properties: { tags: ['postgresql', 'migrations', rule.category] },
  };
}

function result(path: string, f: Finding, index: Map<string, number>): Record<string, unknown> {
  const text = [f.message, f.ledger ? `Ledger: ${f.ledger.reason}` : '', `Help: ${f.help}`].filter(Boolean).join('\n');
  const out: Record<string, unknown> = {
    ruleId: f.rule,
    level: LEVEL[f.severity],
    message: { text },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: encodeURI(path), uriBaseId: '%SRCROOT%' },
          region: { startLine: f.line, startColumn: f.column, endLine: f.endLine, endColumn: f.endColumn },
        },
      },
    ],
    partialFingerprints: { 'bgmigrate/v1': `${f.rule}:${path}:${f.object ?? ''}` },
  };
  const ruleIndex = index.get(f.rule);
  if (ruleIndex !== undefined) out.ruleIndex = ruleIndex;
  if (f.suppressed !== undefined) out.suppressions = [{ kind: 'inSource', justification: f.suppressed }];
  return out;
}

function pathToFileUri(dir: string): string {
  const withSlash = dir.endsWith('/') ? dir : dir + '/';
  return 'file://' + encodeURI(withSlash);
}
