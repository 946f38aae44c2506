import { containerImages, type ContainerImage } from './admission-images.js';
import {
  admissionReviewSchema,
  type AdmissionResponse,
  type AdmissionReviewResponse,
  type AdmissionSettings,
} from './admission-schema.js';
import type { Verdict } from './evaluate.js';

/** One image's verdict, and why it could not be read when it could not. */
export interface ImageCheck {
  verdict: Verdict;
  unreadable: string | null;
}

export interface AdmissionDeps {
  check(image: string): Promise<ImageCheck>;
  settings: AdmissionSettings;
}

export type AdmissionOutcome =
  { ok: true; review: AdmissionReviewResponse } | { ok: false; status: 400; message: string };

/** Kubernetes truncates longer warnings; keep each readable. https://kubernetes.io/blog/2020/09/03/warnings/ */
const MAX_WARNING = 256;

const TIMED_OUT = Symbol('timed out');

function deadline(ms: number): { promise: Promise<typeof TIMED_OUT>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

function where(c: ContainerImage): string {
  return `${c.field === 'containers' ? 'container' : c.field.replace(/Containers$/, ' container')} "${c.name}"`;
}

/**
 * Answers one AdmissionReview. Images whose reference is unchanged from
 * `oldObject` pass without a lookup, so scaling, rollouts of other fields
 * and node drains are never blocked; the others are checked against the
 * policies within the deadline, and what cannot be answered in time is
 * allowed (fail-open, with a warning) or denied (fail-closed).
 */
export async function reviewAdmission(
  body: unknown,
  deps: AdmissionDeps,
): Promise<AdmissionOutcome> {
  const parsed = admissionReviewSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      status: 400,
      message: `not an admission.k8s.io/v1 AdmissionReview: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
    };
  }
  const request = parsed.data.request;
  const respond = (response: Omit<AdmissionResponse, 'uid'>): AdmissionOutcome => ({
    ok: true,
    review: {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: request.uid, ...response },
    },
  });
  if (request.operation === 'DELETE' || request.operation === 'CONNECT')
    return respond({ allowed: true });

  const kind = request.kind.kind;
  const images = containerImages(kind, request.object);
  const previous = new Set(containerImages(kind, request.oldObject).map((c) => c.image));
  const changed = images.filter((c) => !previous.has(c.image));
  if (changed.length === 0) return respond({ allowed: true });

  const unique = [...new Set(changed.map((c) => c.image))];
  const timer = deadline(deps.settings.deadlineMs);
  const answers = new Map<string, ImageCheck | typeof TIMED_OUT>();
  await Promise.all(
    unique.map(async (image) => {
      const answer = await Promise.race([
        deps.check(image).catch((e: unknown): ImageCheck => ({
          verdict: failedVerdict(image),
          unreadable: e instanceof Error ? e.message : String(e),
        })),
        timer.promise,
      ]);
      answers.set(image, answer);
    }),
  );
  timer.cancel();

  const denials: string[] = [];
  const warnings: string[] = [];
  for (const c of changed) {
    const answer = answers.get(c.image)!;
    const prefix = `${where(c)} image ${c.image}`;
    if (answer === TIMED_OUT || answer.unreadable !== null) {
      const why =
        answer === TIMED_OUT
          ? `restack could not check it within ${deps.settings.deadlineMs} ms`
          : `restack could not read it: ${answer.unreadable}`;
      if (deps.settings.failMode === 'closed') denials.push(`${prefix}: ${why} (fail-closed)`);
      else warnings.push(`${prefix}: ${why}; allowed (fail-open)`);
      if (answer === TIMED_OUT) continue;
    }
    for (const f of answer.verdict.findings.filter((x) => x.waived === null)) {
      const text = `${prefix}: ${f.message} [${f.policy}/${f.rule}]`;
      if (f.action === 'deny') denials.push(text);
      else warnings.push(text);
    }
  }
  const clipped = [...new Set(warnings)].map((w) =>
    w.length > MAX_WARNING ? `${w.slice(0, MAX_WARNING - 1)}…` : w,
  );
  if (denials.length > 0) {
    return respond({
      allowed: false,
      status: {
        code: 403,
        message: `restack denied ${request.kind.kind} ${request.namespace ? `${request.namespace}/` : ''}${request.name ?? ''}: ${[...new Set(denials)].join('; ')}`,
      },
      ...(clipped.length ? { warnings: clipped } : {}),
    });
  }
  return respond({ allowed: true, ...(clipped.length ? { warnings: clipped } : {}) });
}

function failedVerdict(image: string): Verdict {
  return {
    subject: { kind: 'image', name: image, repository: null, digest: null },
    decision: 'pass',
    rebuild: false,
    findings: [],
    problems: [],
    notEvaluated: [],
    exceptions: [],
    policies: [],
    sources: [],
    evaluatedAt: new Date(0).toISOString(),
  };
}
