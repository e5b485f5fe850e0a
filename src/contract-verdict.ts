/**
 * The one place that decides whether a contract effect may run: `check` (src/lint.ts) and
 * `apply` (src/apply/judge.ts) both ask here, so they cannot disagree.
 *
 * Before the ledger is asked, an effect the analyser could not pin down is refused: a name whose
 * schema is unknown (`?.users`, see src/analyze/names.ts) matches no deprecation, and neither
 * does an object removed by CASCADE that nothing vouched for.
 */
import { isAmbiguous } from './analyze/names.js';
import type { Effect, LedgerGate, LedgerVerdict } from './model.js';

export const LEDGER_NOT_CONSULTED: LedgerVerdict = {
  allowed: false,
  reason: 'the ledger was not consulted (no database given): contract effects are refused until the ledger shows the object deprecated and every release using it retired',
};

/** The reason given to a contract effect deferred to the ledger (`check --defer-contract`). */
export const NEEDS_LEDGER =
  'needs the ledger: judged when the ledger is read (check --database), and apply --phase contract refuses it until the ledger shows the object deprecated and every release using it retired';

/** The verdict on one contract effect; `gate` undefined when no ledger was read. */
export function contractVerdict(effect: Effect, gate: LedgerGate | undefined): LedgerVerdict {
  if (isAmbiguous(effect.object)) {
    return {
      allowed: false,
      reason: `${effect.kind} of ${effect.object.slice(2)} cannot be matched to a deprecation: its schema is unknown (the search path is unknown here, or several schemas are searched and none is known to hold it); qualify the name with its schema`,
    };
  }
  if (!gate) return LEDGER_NOT_CONSULTED;
  return gate.judge(effect);
}
