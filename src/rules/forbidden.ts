/**
 * Statements no ledger can make safe while a release is live: they change what every session
 * sees (row security, rewrite rules), lock the running release out (roles, databases), or kill
 * its connections. Each reports on existing objects only: on a table created earlier in the same
 * file no release can be affected.
 */
import type { AnalyzedEffect, EffectKind } from '../analyze/effects/index.js';
import { defineRule, type Rule, type RuleHit, type RuleMeta } from './support/rule.js';

function forbiddenRule(meta: Omit<RuleMeta, 'category' | 'defaultLevel'>, kinds: readonly EffectKind[], message: (e: AnalyzedEffect) => string | undefined): Rule {
  return defineRule({
    source: 'forbidden.ts',
    ...meta,
    category: 'forbidden',
    defaultLevel: 'error',
    effectKinds: kinds,
    check(ctx) {
      const hits: RuleHit[] = [];
      for (const e of ctx.effects) {
        if (!kinds.includes(e.kind) || e.detail.certainlyNew) continue;
        const text = message(e);
        if (text) hits.push({ message: text, object: e.object, lock: e.lock ?? undefined, effect: e });
      }
      return hits;
    },
  });
}

export const enableRowSecurity = forbiddenRule(
  {
    id: 'enable-row-security',
    summary: '`ENABLE`/`FORCE ROW LEVEL SECURITY`, a new, altered or dropped policy on an existing table',
    why: 'From the moment it commits, every query of the old color sees and writes only the rows some policy grants its role: with no policy for it, none. A restrictive policy narrows that further; a dropped or altered one changes it under a release that was never tested with it.',
    help: 'Create the table with its policies, or ship row security in a release whose code (and role) were tested with it: enable it only after every deployed release works under it, with a reviewed `bgmigrate-ignore enable-row-security: <reason>`.',
  },
  ['row-security'],
  (e) => {
    const what = e.detail.subtype === 'enable' ? 'enabling row level security on' : e.detail.subtype === 'force' ? 'forcing row level security on' : `${e.detail.subtype} ${e.detail.value} on`;
    return `${what} existing table ${e.object} changes which rows the color still running can see and write`;
  },
);

export const createRule = forbiddenRule(
  {
    id: 'create-rule',
    summary: '`CREATE RULE` on an existing table (`DO INSTEAD` or `DO ALSO`)',
    why: "A rewrite rule changes the old color's own INSERT/UPDATE/DELETE/SELECT on the table: DO INSTEAD replaces them (DO INSTEAD NOTHING silently discards its writes).",
    help: 'Use a trigger for side effects, or a view with its own name for new behaviour; never rewrite the queries of a release that is running.',
  },
  ['create-rule'],
  (e) => `a ${e.detail.subtype === 'instead' ? 'DO INSTEAD' : 'DO ALSO'} rule ${e.object} rewrites the ${String(e.detail.value ?? '').replace('CMD_', '')} queries of the color still running on ${e.table}`,
);

export const dropOwned = forbiddenRule(
  {
    id: 'drop-owned',
    summary: '`DROP OWNED BY`',
    why: 'It drops every object the role owns in the database, and revokes every privilege granted to it, without naming any of them: nothing the ledger could check.',
    help: 'Drop the objects one by one, each after its deprecation, and REVOKE explicitly.',
  },
  ['drop-owned'],
  (e) => `DROP OWNED BY ${e.object.replace(/role /g, '')} drops every object and privilege of that role at once, unseen by the ledger`,
);

export const changeRole = forbiddenRule(
  {
    id: 'change-role',
    summary: '`ALTER ROLE` (NOLOGIN, CONNECTION LIMIT, PASSWORD, VALID UNTIL, SET …), `DROP ROLE`, renaming a role',
    why: 'Roles are shared by both colors: the role losing its login, its password or its settings may be the one the running release connects as; its next connection fails or runs with other settings.',
    help: 'Manage roles outside migrations (infrastructure code), or create a new role for the new release and retire the old one after its release is retired.',
  },
  ['change-role'],
  (e) => (e.detail.subtype === 'harmless' ? undefined : `changing ${e.object} may lock out, or change the settings of, the role the color still running connects as`),
);

export const changeDatabase = forbiddenRule(
  {
    id: 'change-database',
    summary: '`ALTER DATABASE` (CONNECTION LIMIT, ALLOW_CONNECTIONS, SET …, RENAME), `DROP DATABASE`, `ALTER SYSTEM`',
    why: "A database's connection limit, settings and name apply to the running release's connections: CONNECTION LIMIT 0 refuses them, `SET search_path` changes what its new sessions resolve. `ALTER SYSTEM` changes the whole server's configuration, which every session gets at the next reload.",
    help: 'Change database settings outside migrations, as an operation planned with both colors in mind.',
  },
  ['change-database'],
  (e) => (e.detail.subtype === 'harmless' ? undefined : `changing ${e.object} affects every connection of the color still running`),
);

export const terminateBackend = forbiddenRule(
  {
    id: 'terminate-backend',
    summary: '`pg_terminate_backend()` / `pg_cancel_backend()` in a migration',
    why: "It kills (or cancels) other sessions: the running release's connections and queries, in the middle of their work.",
    help: 'Let the runner wait with its lock timeout and retries instead of killing whoever holds the lock.',
  },
  ['terminate-backend'],
  (e) => `${e.object}() in a migration kills the work of other sessions, the running release's included`,
);

export const alterSequence = forbiddenRule(
  {
    id: 'alter-sequence',
    summary:
      '`ALTER SEQUENCE … RESTART / MINVALUE / MAXVALUE / INCREMENT / AS / [NO] CYCLE`, `setval()`, the same options on an existing identity column, or making it `GENERATED ALWAYS`',
    why:
      "Both colors insert with the sequence's next values. Moved back, those collide with keys already in the table (duplicate key errors); capped, narrowed or no longer cycling, nextval fails when it reaches the end; cycling, it hands out values again. An identity column made GENERATED ALWAYS refuses the explicit values the running release may insert. Whether the new values are safe depends on rows the linter cannot see.",
    help:
      "Let sequences move forward on their own. To skip past rows loaded with explicit keys, set it above every key in use (`SELECT setval('t_id_seq', (SELECT max(id) FROM t))`) and say so on the line before: `-- bgmigrate-ignore alter-sequence: moves forward past max(id)`. Make an identity column GENERATED ALWAYS only once no deployed release inserts its values.",
  },
  ['alter-sequence'],
  (e) => {
    if (e.detail.subtype !== 'values') return undefined;
    const what = e.detail.column !== undefined ? `identity column ${e.object}` : e.object === 'setval()' ? 'a sequence' : `sequence ${e.object}`;
    if (e.detail.value === 'GENERATED ALWAYS') return `GENERATED ALWAYS on existing ${what} refuses the explicit values the color still running may insert`;
    return `${e.detail.value} on ${what} changes the values both colors insert with: moved back they collide with existing keys, capped they run out`;
  },
);

export const changeInheritance = forbiddenRule(
  {
    id: 'change-inheritance',
    summary: '`ALTER TABLE … INHERIT` / `NO INHERIT` on an existing table',
    why: "A query on a parent table reads its children's rows too, and its UPDATE and DELETE reach them: adding a child puts its rows into what the running release reads and changes through the parent, removing one takes them away, from the moment the migration commits.",
    help: 'Create a new table under its parent (`CREATE TABLE … (LIKE parent) INHERITS (parent)`, or `PARTITION OF`) and move rows into it; change the inheritance of a table with rows only with a reviewed `bgmigrate-ignore change-inheritance: <reason>`.',
  },
  ['alter-table'],
  (e) =>
    e.detail.subtype === 'inherit'
      ? `${e.object} INHERIT ${e.detail.value}: its rows appear in what the color still running reads from ${e.detail.value}`
      : e.detail.subtype === 'no-inherit'
        ? `${e.object} NO INHERIT ${e.detail.value}: its rows disappear from what the color still running reads from ${e.detail.value}`
        : undefined,
);

export const disableTriggerAll = forbiddenRule(
  {
    id: 'disable-trigger-all',
    summary: '`ALTER TABLE … DISABLE TRIGGER ALL` on an existing table',
    why: "ALL includes the internal triggers that enforce foreign keys: until they are enabled again, writes of both colors are not checked against the keys, and rows that break them stay behind when checking resumes.",
    help: 'Disable only the triggers you mean (`DISABLE TRIGGER name` or `USER`); to load rows without checks, load a new table and add its foreign keys NOT VALID, then VALIDATE.',
  },
  ['alter-trigger'],
  (e) => (e.detail.subtype === 'AT_DisableTrigAll' ? `DISABLE TRIGGER ALL on ${e.table} stops foreign key checks for the writes of both colors` : undefined),
);
