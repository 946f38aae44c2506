import { OCI_BASE_DIGEST_LABEL, OCI_BASE_NAME_LABEL, verifyBase } from '@restack/inventory';
import type { ImageFacts } from '@restack/lifecycle';
import { parseReference } from '@restack/reference';
import type { RegistryClient } from '@restack/registry';
import type { VerdictResult } from './types.js';

export interface BaseCheck {
  result: VerdictResult;
  message: string;
}

/**
 * Base verification when no scan says: with the base labels, the image's
 * layers must start with the labelled base digest's (@restack/inventory
 * verifyBase), else `fail`. Without labels, the Dockerfile's FROM references
 * can only show the layers match what the tag points at now, so a mismatch
 * is a `warn` (the base may simply have moved since the build). With
 * neither, `not-evaluated`; that does not refuse (see README).
 */
export async function verifyBaseOf(
  registry: RegistryClient,
  facts: ImageFacts,
  baseRefs: readonly string[],
  platform: string | null,
): Promise<BaseCheck> {
  const child = { rootfs: { diff_ids: facts.diffIds }, config: { Labels: facts.labels } };
  const options = platform ? { platform } : {};
  const name = facts.labels[OCI_BASE_NAME_LABEL];
  const digest = facts.labels[OCI_BASE_DIGEST_LABEL];
  if (digest) {
    if (!name) {
      return {
        result: 'not-evaluated',
        message: `the image has ${OCI_BASE_DIGEST_LABEL} but no ${OCI_BASE_NAME_LABEL} saying where the base is`,
      };
    }
    const parsed = parseReference(name);
    if (!parsed.ok) {
      return { result: 'fail', message: `${OCI_BASE_NAME_LABEL} "${name}": ${parsed.error}` };
    }
    const base = await registry.imageConfig(`${parsed.ref.name}@${digest}`, options);
    if (!base.ok) {
      return {
        result: 'fail',
        message: `cannot read the labelled base ${name}@${digest}: ${base.reason}`,
      };
    }
    const check = verifyBase(child, { rootfs: { diff_ids: base.value.diffIds } }, digest);
    return check.verified
      ? { result: 'pass', message: `built on ${name}@${digest} (layers and label agree)` }
      : { result: 'fail', message: check.reasons.join('; ') };
  }
  if (baseRefs.length === 0) {
    return {
      result: 'not-evaluated',
      message: `the image has no ${OCI_BASE_DIGEST_LABEL} label and no Dockerfile base is known`,
    };
  }
  const misses: string[] = [];
  for (const ref of baseRefs) {
    const base = await registry.resolve(ref, { config: options });
    if (!base.ok || !base.value.config) {
      misses.push(`${ref}: ${base.ok ? 'no config' : base.reason}`);
      continue;
    }
    const check = verifyBase(
      { rootfs: child.rootfs },
      { rootfs: { diff_ids: base.value.config.diffIds } },
      base.value.digest,
    );
    // Unlabelled by definition here: only the layer proof counts.
    const reasons = check.reasons.filter((r) => !r.includes(OCI_BASE_DIGEST_LABEL));
    if (reasons.length === 0) {
      return {
        result: 'pass',
        message: `the layers of ${ref} (${base.value.digest}) are the image's first layers (no base label; layers only)`,
      };
    }
    misses.push(`${ref}: ${reasons.join('; ')}`);
  }
  return {
    result: 'warn',
    message: `no Dockerfile base matches the image's layers as the bases are now: ${misses.join(' | ')}`,
  };
}
