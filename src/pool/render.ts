import type { PoolBudget } from './budget.js';

const LIMIT_TITLES: Record<PoolBudget['checks'][number]['limit'], string> = {
  server: 'server',
  database: 'database',
  role: 'role',
  'pgbouncer-client': 'pgbouncer clients',
};

/**
 * The budget as a table for the terminal: each demand line, each limit (capacity, headroom,
 * allowed, demand, remaining), which limit binds, the verdict and, when over budget, the fix.
 *
 * @example process.stdout.write(renderBudget(budget, { color: false }));
 */
export function renderBudget(budget: PoolBudget, options: { color: boolean }): string {
  const paint = (code: number, text: string) => (options.color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const out: string[] = [];
  const source = budget.source === 'offline' ? 'offline' : `server ${budget.supply.database?.name ?? ''}`.trim();
  out.push(`Connection-pool budget (${source}${budget.mode === 'pgbouncer' ? ', through PgBouncer' : ''})`);
  out.push('');

  const demandRows = budget.demand.map((line) => [
    line.side === 'pgbouncer-client' ? `${line.name} → pgbouncer` : line.name,
    line.detail,
    String(line.connections),
  ]);
  const serverTotal = budget.demand.filter((l) => l.side === 'server').reduce((n, l) => n + l.connections, 0);
  demandRows.push(['total', 'server connections', String(serverTotal)]);
  if (budget.mode === 'pgbouncer') {
    const clients = budget.demand.filter((l) => l.side === 'pgbouncer-client').reduce((n, l) => n + l.connections, 0);
    demandRows.push(['total', 'PgBouncer client connections', String(clients)]);
  }
  out.push(...table(['demand', '', 'connections'], demandRows, [false, false, true]));
  out.push('');

  const limitRows = budget.checks.map((check) => [
    LIMIT_TITLES[check.limit],
    check.label,
    String(check.capacity),
    String(check.headroom),
    String(check.allowed),
    String(check.demand),
    String(check.remaining),
    (check.ok ? 'ok' : 'OVER') + (check.limit === budget.binding ? ', binds' : ''),
  ]);
  const limitLines = table(
    ['limit', 'from', 'capacity', `headroom ${budget.headroomPercent}%`, 'allowed', 'demand', 'remaining', ''],
    limitRows,
    [false, false, true, true, true, true, true, false],
  );
  out.push(
    ...limitLines.map((line, i) => {
      const check = budget.checks[i - 1];
      return check && !check.ok ? paint(31, line) : line;
    }),
  );
  out.push('');
  out.push(budget.ok ? paint(32, budget.summary) : paint(31, budget.summary));
  for (const note of budget.notes) out.push(`note: ${note}`);
  return `${out.join('\n')}\n`;
}

function table(header: string[], rows: string[][], right: boolean[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const format = (row: string[]) =>
    row
      .map((cell, i) => (right[i] ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [format(header), ...rows.map((row) => `  ${format(row)}`)].map((line, i) => (i === 0 ? `  ${line}` : line));
}
