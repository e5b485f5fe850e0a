import { contractRule } from './support/contract.js';

/** `ALTER TYPE … DROP ATTRIBUTE`, `ALTER TYPE … ALTER ATTRIBUTE … TYPE`. */
export default contractRule(
  {
    id: 'alter-type-attribute',
    summary: '`ALTER TYPE … DROP ATTRIBUTE` / `ALTER ATTRIBUTE … TYPE` of a composite type',
    why: 'The old color reads and writes the composite type with the attributes it was built for: a dropped attribute makes its queries fail, a retyped one changes the values it gets.',
    help: 'Add a new attribute (or a new type) beside the old one, move the application to it, deprecate the old attribute, and drop it once the old release is retired.',
  },
  ['alter-type-attribute'],
  (e) =>
    e.detail.subtype === 'drop'
      ? `dropping attribute ${e.object} of a composite type breaks the color still reading or writing it`
      : `changing the type of attribute ${e.object} changes the values the color still using it reads and writes`,
);
