/**
 * Differences between `check`'s lock/rewrite prediction and the server that are reported to
 * the static model's owners and not fixed yet (details and suggested fixes:
 * scratch/trace-mismatches.md, forwarded by the lead). Keyed by case id, then by PostgreSQL
 * major (or `all`); the value is the exact list of mismatch lines trace reports today. When the
 * model is fixed the test fails: delete the entry then.
 */
export const KNOWN_MISMATCHES: Record<string, Partial<Record<number | 'all', string[]>>> = {
  drop_fk_constraint: { all: ['public.t: predicted no lock, observed AccessExclusiveLock'] },
  type_pk_int_to_bigint_referenced: { all: ['public.child2: predicted no lock, observed AccessExclusiveLock'] },
  type_timestamp_to_tz_utc: { all: ['#2 public.t: predicted AccessExclusiveLock + rewrite, observed AccessExclusiveLock'] },
  type_collation_change: { all: ['public.t: predicted AccessExclusiveLock + rewrite, observed AccessExclusiveLock'] },
  add_column_domain_with_check: { all: ['public.t: predicted AccessExclusiveLock, observed AccessExclusiveLock + rewrite'] },
  add_column_partitioned: {
    all: ['public.pt_2024: predicted no lock, observed AccessExclusiveLock', 'public.pt_2025: predicted no lock, observed AccessExclusiveLock'],
  },
  add_column_partitioned_default: {
    all: ['public.pt_2024: predicted no lock, observed AccessExclusiveLock', 'public.pt_2025: predicted no lock, observed AccessExclusiveLock'],
  },
  create_index_partitioned: {
    all: ['public.pt_2024: predicted no lock, observed ShareLock', 'public.pt_2025: predicted no lock, observed ShareLock'],
  },
  alter_domain_add_check: { all: ['public.dt: predicted no lock, observed ShareLock'] },
  truncate_cascade: { all: ['public.child2: predicted no lock, observed AccessExclusiveLock + rewrite'] },
  detach_partition: { all: ['public.pt_2025: predicted no lock, observed AccessExclusiveLock'] },
};
