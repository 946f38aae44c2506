import { podSpecSchema, type PodSpec } from './admission-schema.js';

export interface ContainerImage {
  /** `containers`, `initContainers` or `ephemeralContainers`. */
  field: 'containers' | 'initContainers' | 'ephemeralContainers';
  name: string;
  image: string;
}

/** Where each workload kind keeps its pod spec. */
const POD_SPEC_PATH: Record<string, readonly string[]> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

export const CHECKED_KINDS = Object.keys(POD_SPEC_PATH);

function podSpecOf(kind: string, object: unknown): PodSpec | null {
  const path = POD_SPEC_PATH[kind];
  if (!path) return null;
  let node: unknown = object;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return null;
    node = (node as Record<string, unknown>)[key];
  }
  const parsed = podSpecSchema.safeParse(node);
  return parsed.success ? parsed.data : null;
}

/** Every container image of a Pod or pod template, init and ephemeral containers included. */
export function containerImages(kind: string, object: unknown): ContainerImage[] {
  const spec = podSpecOf(kind, object);
  if (!spec) return [];
  const out: ContainerImage[] = [];
  for (const field of ['containers', 'initContainers', 'ephemeralContainers'] as const) {
    for (const c of spec[field] ?? []) {
      if (c.image) out.push({ field, name: c.name ?? '', image: c.image });
    }
  }
  return out;
}
