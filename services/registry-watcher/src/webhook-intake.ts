import { RestackError, errorMessage, type Logger } from '@restack/core';
import {
  readWebhook,
  type WatchSettings,
  type WebhookRequest,
  type WebhookSecrets,
} from '@restack/webhooks';
import type { CheckResult } from './check.js';
import type { DetectedBy } from './decide.js';
import type { WebhookReply } from './http.js';
import { concerns, watchedNamed } from './refs.js';

/**
 * When a webhook names a digest the registry does not show yet, or the check
 * failed, look again after these pauses (about 22 s in all; then the next poll).
 */
const CONFIRM_DELAYS_MS = [100, 400, 1500, 5000, 15000];

/** Reads each configured kind's secret from the environment by the name restack.yaml gives. */
export function secretsFrom(config: WatchSettings, env: NodeJS.ProcessEnv): WebhookSecrets {
  const out: WebhookSecrets = {};
  for (const [kind, s] of Object.entries(config.webhooks) as Array<
    [keyof WebhookSecrets, { secretEnv: string; registry?: string }]
  >) {
    const secret = env[s.secretEnv];
    if (!secret) {
      throw new RestackError(
        'WATCHER_SECRET_MISSING',
        `the ${kind} webhook secret variable ${s.secretEnv} is not set`,
        {
          where: `watch.webhooks.${kind}.secretEnv`,
          fix: `set ${s.secretEnv} in the watcher's environment, or remove watch.webhooks.${kind}`,
        },
      );
    }
    out[kind] = { secret, ...(s.registry ? { registry: s.registry } : {}) };
  }
  return out;
}

export interface WebhookIntakeDeps {
  secrets: WebhookSecrets;
  log: Logger;
  check(ref: string, detectedBy: DetectedBy): Promise<CheckResult>;
  /** The watched references, normalised. */
  watched(): Promise<readonly string[]>;
}

export interface WebhookIntake {
  handle(kind: string, req: WebhookRequest): Promise<WebhookReply>;
  stop(): void;
}

/**
 * Webhooks in: authenticate and read them (@restack/webhooks), then check
 * the watched references they concern. A webhook only says where to look.
 */
export function createWebhookIntake(deps: WebhookIntakeDeps): WebhookIntake {
  const { secrets, log, check } = deps;
  const confirming = new Set<NodeJS.Timeout>();
  let stopped = false;

  /** The registry has not caught up with what the webhook says (yet): whether to look again. */
  function behind(x: CheckResult, digest: string): boolean {
    // A failed look (a timeout, a 5xx under load) would otherwise leave the change to the next poll.
    if (x.outcome === 'failed') return true;
    // A first push can be announced before its tag exists: missing is "not yet" too.
    return x.state.digest !== digest && x.state.pending?.digest !== digest;
  }

  /**
   * Distribution sends a push notification when the manifest is stored, before
   * the tag is moved, so a HEAD right away can still see the old digest. Look
   * again a few times; the registry's answer stays the only source of digests.
   */
  function confirmLater(ref: string, digest: string, first: CheckResult, attempt = 0): void {
    if (behind(first, digest)) lookAgain(ref, digest, attempt);
  }

  function lookAgain(ref: string, digest: string, attempt: number): void {
    if (attempt >= CONFIRM_DELAYS_MS.length || stopped) return;
    const timer = setTimeout(() => {
      confirming.delete(timer);
      check(ref, 'webhook')
        .then((x) => {
          log.debug(
            { ref, hinted: digest, outcome: x.outcome, digest: x.state.digest },
            'webhook re-checked',
          );
          confirmLater(ref, digest, x, attempt + 1);
        })
        .catch((e: unknown) => {
          log.warn({ ref, err: errorMessage(e) }, 'webhook re-check failed');
          lookAgain(ref, digest, attempt + 1);
        });
    }, CONFIRM_DELAYS_MS[attempt]);
    timer.unref();
    confirming.add(timer);
  }

  async function handleWebhook(kind: string, req: WebhookRequest): Promise<WebhookReply> {
    const r = await readWebhook(kind, req, secrets);
    if (!r.ok) {
      log.warn({ kind, status: r.status, reason: r.message }, 'webhook refused');
      return { status: r.status, body: { error: r.message } };
    }
    const watched = await deps.watched();
    // One hint (the usual webhook): only the references of its name, already in list order.
    const hint = r.hints.length === 1 ? r.hints[0]! : undefined;
    const refs = (hint ? watchedNamed(watched, hint.name) : watched).filter((ref) =>
      r.hints.some((h) => concerns(ref, h.name, h.tag)),
    );
    try {
      const results = await Promise.all(refs.map((ref) => check(ref, 'webhook')));
      // Built only at debug: every webhook passes here (the load bench's entry point).
      if (log.isLevelEnabled('debug'))
        log.debug(
          {
            kind,
            hints: r.hints,
            checked: results.map((x) => ({
              ref: x.ref,
              outcome: x.outcome,
              digest: x.state.digest,
            })),
          },
          'webhook checked',
        );
      for (const x of results) {
        const hinted = r.hints.find(
          (h) => h.tag !== null && h.digest !== null && concerns(x.ref, h.name, h.tag),
        );
        if (hinted?.digest) confirmLater(x.ref, hinted.digest, x);
      }
      const changed = results.filter((x) => x.outcome === 'changed').map((x) => x.ref);
      return {
        status: 202,
        body: { accepted: true, kind, checked: refs, changed, ignored: r.ignored },
      };
    } catch (e) {
      log.error({ kind, err: errorMessage(e) }, 'webhook could not be recorded');
      // 503 makes a registry deliver it again later.
      return {
        status: 503,
        body: { error: 'the change could not be recorded; deliver the webhook again' },
      };
    }
  }

  return {
    handle: handleWebhook,
    stop() {
      stopped = true;
      for (const t of confirming) clearTimeout(t);
      confirming.clear();
    },
  };
}
