import { contractRule } from './support/contract.js';

/** `REVOKE`, `ALTER DEFAULT PRIVILEGES … REVOKE`, `REVOKE role FROM …`. */
export default contractRule(
  {
    id: 'revoke-privilege',
    summary: '`REVOKE` of a privilege or role membership, `ALTER DEFAULT PRIVILEGES … REVOKE`',
    why: 'The running release connects as some role; if it is the one losing the privilege (directly or through a role it belongs to), its queries fail with "permission denied" the moment the migration commits.',
    help: 'Revoke only once no deployed release needs the privilege: deprecate the object the privilege is on, and revoke in the contract phase after the release that stopped using it is the oldest still deployed.',
  },
  ['revoke'],
  (e) =>
    e.detail.subtype === 'default-privileges'
      ? 'ALTER DEFAULT PRIVILEGES … REVOKE takes away privileges the old color expects on objects created from now on'
      : e.detail.subtype === 'role-membership'
        ? `revoking ${e.object} takes away every privilege the membership gave, possibly from the role the old color connects as`
        : `revoking privileges on ${e.object} may take them from the role the old color connects as: its queries then fail with "permission denied"`,
);
