import type { TestNats } from '../harness/nats.js';
import type { Rng } from './prng.js';
import type { ServiceProcess } from './service-process.js';

export interface ChaosOptions {
  rng: Rng;
  services: readonly ServiceProcess[];
  nats: TestNats;
  /** Kills beyond one per service, at most (the PRNG picks how many). */
  extraKills?: number;
  /** Pause before each kill, ms (the PRNG picks within it). */
  gapMs?: [number, number];
  /** How long a killed process stays down, ms. */
  downMs?: [number, number];
  /** Called for each fault, for the test's log. */
  onFault?: (what: string) => void;
}

export interface ChaosRun {
  /** Resolves when every planned fault has happened and everything runs again. */
  done: Promise<ChaosCounts>;
}

export interface ChaosCounts {
  kills: number;
  natsRestarts: number;
  /** Who was killed, in order (`nats` for the server). */
  order: string[];
}

type Step = { kind: 'kill'; service: ServiceProcess } | { kind: 'nats' };

/**
 * Every service SIGKILLed at least once, in a seeded order, plus a few more
 * kills at random, and the NATS server SIGKILLed and restarted once (same
 * port, same store) somewhere among them. A killed process is started again
 * after a short random pause, while the others keep working.
 */
export function startChaos(options: ChaosOptions): ChaosRun {
  const { rng, services, nats } = options;
  const [gapMin, gapMax] = options.gapMs ?? [500, 3_000];
  const [downMin, downMax] = options.downMs ?? [100, 1_500];
  const steps: Step[] = rng.shuffle(services).map((service) => ({ kind: 'kill', service }));
  const extra = rng.int(0, options.extraKills ?? 3);
  for (let i = 0; i < extra; i++) steps.push({ kind: 'kill', service: rng.pick(services) });
  steps.splice(rng.int(0, steps.length), 0, { kind: 'nats' });
  const counts: ChaosCounts = { kills: 0, natsRestarts: 0, order: [] };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  // A service killed again waits until its last restart has happened.
  const restarts = new Map<ServiceProcess, Promise<void>>();

  const done = (async () => {
    for (const step of steps) {
      await sleep(rng.int(gapMin, gapMax));
      const down = rng.int(downMin, downMax);
      if (step.kind === 'nats') {
        options.onFault?.(`kill nats-server for ${down} ms`);
        await nats.kill();
        counts.natsRestarts++;
        counts.order.push('nats');
        await sleep(down);
        await nats.start();
        continue;
      }
      await restarts.get(step.service);
      options.onFault?.(`SIGKILL ${step.service.name} for ${down} ms`);
      await step.service.kill();
      counts.kills++;
      counts.order.push(step.service.name);
      // The others keep running (and may be killed) while this one is down.
      restarts.set(
        step.service,
        sleep(down).then(() => step.service.start()),
      );
    }
    await Promise.all(restarts.values());
    return counts;
  })();
  return { done };
}
