import { EMBEDDED_MAJORS } from '../../src/db/embedded.js';

/** The PostgreSQL major the test server should run: env `BGMIGRATE_TEST_PG_MAJOR` (16 or 18), default 18. */
export function testPgMajor(env: Record<string, string | undefined> = process.env): number {
  const raw = env.BGMIGRATE_TEST_PG_MAJOR;
  if (raw === undefined || raw === '') return 18;
  const major = Number(raw);
  if (!(EMBEDDED_MAJORS as readonly number[]).includes(major)) {
    throw new Error(`BGMIGRATE_TEST_PG_MAJOR must be one of ${EMBEDDED_MAJORS.join(', ')}, got "${raw}"`);
  }
  return major;
}
