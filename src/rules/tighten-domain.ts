import { contractRule } from './support/contract.js';

/** `ALTER DOMAIN … SET NOT NULL / ADD CHECK / DROP DEFAULT`. */
export default contractRule(
  {
    id: 'tighten-domain',
    summary: '`ALTER DOMAIN … SET NOT NULL`, `ADD CHECK` (even NOT VALID) or `DROP DEFAULT`',
    why: 'Every column of the domain gets the new rule at once: inserts and updates of the old color that write NULL, a value the CHECK rejects, or rely on the default now fail.',
    help: 'Tighten the domain only once no deployed release writes such values: deprecate the domain (its old behaviour) in one release, tighten it in a later contract phase.',
  },
  ['tighten-domain'],
  (e) => {
    const what = e.detail.subtype === 'set-not-null' ? 'SET NOT NULL on' : e.detail.subtype === 'add-check' ? 'a new CHECK on' : 'dropping the default of';
    return `${what} domain ${e.object} makes writes of the color still running fail in every column of that domain`;
  },
);
