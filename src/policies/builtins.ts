import type { AnyPolicyDefinition } from './define-policy.js';
import { autoscaler } from './autoscaler.js';
import { restarter } from './restarter.js';
import { brownout } from './brownout.js';
import { stepScaler } from './step-scaler.js';
import { scheduledScaler } from './scheduled-scaler.js';
import { replacer } from './replacer.js';
import { failover } from './failover.js';
import { disasterRecovery } from './disaster-recovery.js';
import { escalationPager } from './escalation-pager.js';
import { release } from './release.js';
import { alertPager } from './alert-pager.js';
import { remediation } from './remediation.js';

/** The built-in policies, by the name blueprints use. */
export const BUILTIN_POLICIES: ReadonlyMap<string, AnyPolicyDefinition> = new Map<string, AnyPolicyDefinition>([
  [autoscaler.name, autoscaler],
  [restarter.name, restarter],
  [brownout.name, brownout],
  [stepScaler.name, stepScaler],
  [scheduledScaler.name, scheduledScaler],
  [replacer.name, replacer],
  [failover.name, failover],
  [disasterRecovery.name, disasterRecovery],
  [escalationPager.name, escalationPager],
  [release.name, release],
  [alertPager.name, alertPager],
  [remediation.name, remediation],
]);
