import { z } from 'zod';

/**
 * AdmissionReview admission.k8s.io/v1, the parts restack reads.
 * https://kubernetes.io/docs/reference/config-api/apiserver-admission.v1/
 * https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/#request
 */
const groupVersionKind = z.looseObject({
  group: z.string(),
  version: z.string(),
  kind: z.string(),
});
const groupVersionResource = z.looseObject({
  group: z.string(),
  version: z.string(),
  resource: z.string(),
});

export const admissionRequestSchema = z.looseObject({
  uid: z.string().min(1),
  kind: groupVersionKind,
  resource: groupVersionResource,
  subResource: z.string().optional(),
  name: z.string().optional(),
  namespace: z.string().optional(),
  operation: z.enum(['CREATE', 'UPDATE', 'DELETE', 'CONNECT']),
  userInfo: z.looseObject({ username: z.string().optional() }),
  object: z.unknown().optional(),
  oldObject: z.unknown().optional(),
  dryRun: z.boolean().optional(),
});

export const admissionReviewSchema = z.looseObject({
  apiVersion: z.literal('admission.k8s.io/v1'),
  kind: z.literal('AdmissionReview'),
  request: admissionRequestSchema,
});

/** A container as the pod spec writes it. https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#Container */
const containerSchema = z.looseObject({
  name: z.string().optional(),
  image: z.string().optional(),
});
export const podSpecSchema = z.looseObject({
  containers: z.array(containerSchema).optional(),
  initContainers: z.array(containerSchema).nullish(),
  ephemeralContainers: z.array(containerSchema).nullish(),
});

export type AdmissionRequest = z.infer<typeof admissionRequestSchema>;
export type AdmissionReviewRequest = z.infer<typeof admissionReviewSchema>;
export type PodSpec = z.infer<typeof podSpecSchema>;

/** AdmissionResponse: `status` is a metav1.Status; `warnings` reach the user's kubectl. */
export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: { code: number; message: string };
  warnings?: string[];
}

export interface AdmissionReviewResponse {
  apiVersion: 'admission.k8s.io/v1';
  kind: 'AdmissionReview';
  response: AdmissionResponse;
}

/** Settings of the webhook: what to do when restack cannot answer in time. */
export const admissionSettingsSchema = z.strictObject({
  /** `open`: allow with a warning when an image cannot be checked; `closed`: deny. */
  failMode: z.enum(['open', 'closed']).default('open'),
  /** Answer within this many milliseconds; keep it below the webhook's timeoutSeconds. */
  deadlineMs: z.int().min(50).max(29_000).default(2_500),
  /** How long a registry answer is reused. */
  cacheTtlMs: z.int().min(0).default(300_000),
  /** How long a failed lookup is remembered (short, so that a recovered registry is seen soon). */
  failureCacheTtlMs: z.int().min(0).default(10_000),
});
export type AdmissionSettings = z.output<typeof admissionSettingsSchema>;
export type AdmissionSettingsInput = z.input<typeof admissionSettingsSchema>;
