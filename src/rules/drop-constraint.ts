import { contractRule, lockPhrase } from './support/contract.js';

/** `ALTER TABLE … DROP CONSTRAINT` of a constraint the old release may rely on. */
export default contractRule(
  {
    id: 'drop-constraint',
    summary: '`DROP CONSTRAINT` of a primary key, unique or exclusion constraint, a foreign key with ON DELETE CASCADE/SET NULL/SET DEFAULT, or a constraint bgmigrate does not know',
    why:
      "The old color's `INSERT … ON CONFLICT (col)` needs the unique index behind a primary key or unique constraint and fails without it; its deletes rely on a foreign key's ON DELETE CASCADE / SET NULL to clean up. " +
      'Dropping a plain foreign key (NO ACTION/RESTRICT) or a CHECK only loosens what is accepted and is not flagged; a constraint created outside the migrations seen may be any of these, so it is flagged.',
    help: 'Deprecate the constraint (`-- bgmigrate: deprecates public.orders.orders_pkey`) in the release that stops relying on it, and drop it in the contract phase once that release is the oldest still deployed.',
  },
  ['drop-constraint'],
  (e) => {
    const t = e.detail.constraintType;
    const what = t === undefined ? 'constraint' : t === 'foreign-key' ? 'foreign key with ON DELETE actions' : `${t.replace('-', ' ')} constraint`;
    const because = t === undefined ? 'bgmigrate does not know what kind it is, so it may be one the color still relies on' : t === 'foreign-key' ? 'the color still running relies on its actions' : "the color still running may rely on it (ON CONFLICT needs its index)";
    return `dropping ${what} ${e.object}${lockPhrase(e)} ${because}`;
  },
);
