/**
 * Rule documentation generated from rule metadata, so that the docs and the code cannot drift
 * apart: one Markdown page per rule and a summary table (for `docs/rules/` and the README).
 */
import type { RuleCategory, RuleMeta } from './rule.js';

/** Headings of the rule catalogue's sections (docs/rules/README.md), in the order the docs list them. */
const CATEGORY_TITLES: Record<RuleCategory, string> = {
  contract: 'Contract rules: break the color that still uses the object',
  forbidden: 'Forbidden: errors that no ledger can allow',
  lock: 'Lock rules: block live traffic',
  hygiene: 'Hygiene',
  limit: 'Analysis limits: never silent',
};

const CATEGORY_ORDER: readonly RuleCategory[] = ['contract', 'forbidden', 'lock', 'hygiene', 'limit'];

/** Short category label for tables. */
const CATEGORY_LABELS: Record<RuleCategory, string> = {
  contract: 'contract',
  // Never a severity's name ("error"): the table shows the category next to the default level.
  forbidden: 'forbidden',
  lock: 'lock',
  hygiene: 'hygiene',
  limit: 'analysis limit',
};

export interface RuleDocOptions {
  /**
   * Prefix of the link from the summary table to each rule's page: `docs/rules/` from the
   * README, `./` from `docs/rules/README.md` (the default).
   */
  linkBase?: string;
}

/** Escapes text for a Markdown table cell (pipes and line breaks). */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

/** Rules grouped by category in catalogue order; within a group, in registry order. */
function grouped(rules: readonly RuleMeta[]): [RuleCategory, RuleMeta[]][] {
  return CATEGORY_ORDER.map((c): [RuleCategory, RuleMeta[]] => [c, rules.filter((r) => r.category === c)]).filter(
    ([, list]) => list.length > 0,
  );
}

/**
 * The summary table: one row per rule with a link to its page, its category, its default level
 * and what it fires on.
 *
 * @example
 * renderRuleTable(RULES, { linkBase: 'docs/rules/' })
 * // | rule | category | default | fires on |
 * // |---|---|---|---|
 * // | [`drop-column`](docs/rules/drop-column.md) | contract | error | … |
 */
export function renderRuleTable(rules: readonly RuleMeta[], options: RuleDocOptions = {}): string {
  const base = options.linkBase ?? './';
  const lines = ['| rule | category | default | fires on |', '|---|---|---|---|'];
  for (const [, list] of grouped(rules)) {
    for (const r of list) {
      lines.push(
        `| [\`${r.id}\`](${base}${r.id}.md) | ${CATEGORY_LABELS[r.category]} | ${r.defaultLevel} | ${cell(r.summary)} |`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** One rule's page: what it fires on, why, the safe recipe, version notes, how to configure it. */
export function renderRulePage(rule: RuleMeta): string {
  const parts = [
    `# \`${rule.id}\``,
    '',
    `${rule.summary}`,
    '',
    `- Category: ${CATEGORY_TITLES[rule.category]}`,
    `- Default level: \`${rule.defaultLevel}\``,
    '',
    '## Why',
    '',
    rule.why,
    '',
    '## The safe path',
    '',
    rule.help,
    '',
  ];
  if (rule.versionNotes) parts.push('## PostgreSQL versions', '', rule.versionNotes, '');
  const gate = rule.category === 'contract' || rule.category === 'forbidden' || rule.category === 'limit';
  parts.push('## Configuration', '');
  if (gate) {
    parts.push(
      'This rule guards the running release: its level cannot be changed in `bgmigrate.config.json` (trying is a',
      'configuration error, exit 2).' + (rule.category === 'contract' ? ' The phase ledger decides each finding: a deprecation whose older releases are all retired allows it.' : ''),
      'To accept one case, put a suppression with the reason on the line right before the statement:',
      '',
    );
  } else {
    parts.push(
      'Change the level in `bgmigrate.config.json`:',
      '',
      '```json',
      `{ "rules": { "${rule.id}": "${rule.defaultLevel === 'off' ? 'warning' : 'off'}" } }`,
      '```',
      '',
      'or silence one statement with a reason, on the line right before it:',
      '',
    );
  }
  parts.push(
    '```sql',
    `-- bgmigrate-ignore ${rule.id}: <why this is safe here>`,
    '```',
    '',
    '_This page is generated from the rule\'s metadata in `src/rules/' + (rule.source ?? `${rule.id}.ts`) + '`._',
    '',
  );
  return parts.join('\n');
}

/**
 * Every rule page keyed by file name (`<id>.md`), plus `README.md` with the summary table
 * grouped by category. The lead's docs script writes these under `docs/rules/`.
 */
export function renderRuleDocFiles(rules: readonly RuleMeta[]): Map<string, string> {
  const files = new Map<string, string>();
  const index = ['# bgmigrate rules', '', renderRuleTable(rules).trimEnd(), ''];
  for (const [category, list] of grouped(rules)) {
    index.push(`## ${CATEGORY_TITLES[category]}`, '');
    for (const r of list) index.push(`- [\`${r.id}\`](./${r.id}.md): ${r.summary}`);
    index.push('');
  }
  files.set('README.md', index.join('\n'));
  for (const r of rules) files.set(`${r.id}.md`, renderRulePage(r));
  return files;
}

/**
 * All rule docs as one Markdown document: the summary table, then one section per rule
 * (each page's headings demoted one level).
 *
 * @example
 * import { RULES } from 'bgmigrate';
 * fs.writeFileSync('rules.md', renderRuleDocs(RULES));
 */
export function renderRuleDocs(rules: readonly RuleMeta[]): string {
  const out = ['# bgmigrate rules', '', renderRuleTable(rules, { linkBase: '#' }).replace(/\(#([^)]+)\.md\)/g, '(#$1)'), ''];
  for (const [category, list] of grouped(rules)) {
    out.push(`## ${CATEGORY_TITLES[category]}`, '');
    for (const r of list) {
      out.push(
        renderRulePage(r)
          .replace(/^# `([^`]+)`/, '### $1')
          .replace(/^## /gm, '#### '),
      );
    }
  }
  return out.join('\n');
}
