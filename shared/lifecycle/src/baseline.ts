import { policySchema, type Policy } from './schema.js';

/**
 * What `restack check` and the admission webhook apply when the config has
 * no `policies:`: end-of-life bases are denied, the rest warns.
 */
export const BASELINE_POLICY: Policy = policySchema.parse({
  name: 'restack-baseline',
  version: '1',
  description: 'Applied when restack.yaml has no policies.',
  rules: {
    noEndOfLife: { action: 'deny', deprecated: true },
    noLatest: { action: 'warn' },
    nonRootUser: { action: 'warn' },
    noExposedPorts: { ports: [22], action: 'warn' },
  },
});

/** The configured policies, or the baseline when there are none. */
export function effectivePolicies(configured: readonly Policy[]): Policy[] {
  return configured.length > 0 ? [...configured] : [BASELINE_POLICY];
}
