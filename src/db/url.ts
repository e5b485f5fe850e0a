/**
 * Database URLs without a driver: which URL to use, and how to show it without its password.
 * Kept apart from connect.ts so that commands which never connect do not load `pg`.
 */

/**
 * The database URL to use: the `--database` flag, else `BGMIGRATE_DATABASE_URL`, else
 * `DATABASE_URL`, else undefined. Empty values count as unset.
 *
 * @example resolveDatabaseUrl(options.database, process.env)
 */
export function resolveDatabaseUrl(
  flag: string | undefined,
  env: Record<string, string | undefined> = process.env,
): string | undefined {
  for (const value of [flag, env.BGMIGRATE_DATABASE_URL, env.DATABASE_URL]) {
    if (value !== undefined && value.trim() !== '') return value.trim();
  }
  return undefined;
}

/**
 * The URL with its password replaced by `***`, for messages and logs. A string that is not a
 * URL is returned with anything that looks like `:password@` masked.
 *
 * @example redactUrl('postgres://app:s3cret@db:5432/app') // 'postgres://app:***@db:5432/app'
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    // Keyword parameters can carry a password too.
    if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
    return parsed.toString();
  } catch {
    return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@').replace(/(password=)[^\s&]*/gi, '$1***');
  }
}
