/** Small SQL helpers every module that talks to the server shares. */
import type pg from 'pg';

/** An identifier quoted for SQL text: `"name"`, with `"` doubled. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The server process id of a session (to watch it, or to cancel what it runs). */
export async function backendPid(client: pg.ClientBase): Promise<number> {
  return (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
}

/** Whether a table or view exists: `name` as SQL would name it (`"bgmigrate".releases`, resolved by to_regclass). */
export async function relationExists(client: pg.ClientBase, name: string): Promise<boolean> {
  return (await client.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [name])).rows[0]!.present;
}
