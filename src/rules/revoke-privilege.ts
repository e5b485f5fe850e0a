import { contractRule } from './support/contract.js';

/** `REVOKE`, `ALTER DEFAULT PRIVILEGES … REVOKE`, `REVOKE role FROM …`, ownership changes. */
export default contractRule(
  {
    id: 'revoke-privilege',
    summary: '`REVOKE` of a privilege or role membership, `ALTER DEFAULT PRIVILEGES … REVOKE`, `ALTER … OWNER TO` of an existing object, `REASSIGN OWNED`, `ALTER FUNCTION … SECURITY INVOKER`',
    why: 'The running release connects as some role; if it is the one losing the privilege (directly, through a role it belongs to, or as the owner, who holds every privilege without a GRANT), its queries fail with "permission denied" the moment the migration commits.',
    help: 'Revoke only once no deployed release needs the privilege: deprecate the object the privilege is on, and revoke in the contract phase after the release that stopped using it is the oldest still deployed. Before changing an owner, GRANT the privileges the running release uses to its role.',
  },
  ['revoke'],
  (e) =>
    e.detail.subtype === 'default-privileges'
      ? 'ALTER DEFAULT PRIVILEGES … REVOKE takes away privileges the old color expects on objects created from now on'
      : e.detail.subtype === 'role-membership'
        ? `revoking ${e.object} takes away every privilege the membership gave, possibly from the role the old color connects as`
        : e.detail.subtype === 'owner'
          ? `making ${e.detail.value} the owner of ${e.object} takes the owner's privileges from its current owner, possibly the role the old color connects as`
          : e.detail.subtype === 'security-invoker'
            ? `SECURITY INVOKER on ${e.object}() makes its calls run with the caller's privileges instead of its owner's: the role the old color connects as may lack them`
          : e.detail.subtype === 'reassign-owned'
            ? `REASSIGN OWNED gives every one of the ${e.object} to ${e.detail.value}: the old owner, possibly the role the old color connects as, loses their privileges`
            : `revoking privileges on ${e.object} may take them from the role the old color connects as: its queries then fail with "permission denied"`,
);
