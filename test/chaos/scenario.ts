import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { GitHubTestServer } from '../github-server/index.js';
import { pushImage } from '../harness/images.js';

export const TOKEN_ENV = 'RESTACK_CHAOS_GITHUB_TOKEN';

export interface ScenarioDeps {
  /** The registry's own URL, for pushing the starting images. */
  registryUrl: string;
  /** The host every reference names: a counting proxy in front of the registry. */
  host: string;
  github: GitHubTestServer;
}

export interface Scenario {
  dir: string;
  config: string;
  /** Namespace of this run's images and repositories (`s<seed>`). */
  ns: string;
  /** The trigger: `<host>/<ns>/base:1`. */
  baseRef: string;
  /** Images restack builds itself, one per wave: `<ns>/mid`, `<ns>/app`, `<ns>/leaf`. */
  built: string[];
  /** GitHub repositories (under acme) that get a rebuild PR in the last wave. */
  prRepos: string[];
  /** Moves base:1 to a new digest; returns it. */
  moveBase(): Promise<string>;
}

/**
 * A three-wave organisation of its own per seed:
 *   base:1 (external, the trigger)
 *   wave 1  mid   FROM base   (build; a local folder)
 *   wave 2  app   FROM mid    (build; a local folder)
 *   wave 3  leaf  FROM app    (build; a local folder)
 *           acme/<ns>-web, acme/<ns>-api FROM app@digest (pr; GitHub)
 * PRs only in the last wave, so no wave waits on a person's merge and CI push;
 * the test merges the leaf PRs as a person would.
 */
export async function createScenario(seed: number, deps: ScenarioDeps): Promise<Scenario> {
  const ns = `s${seed}`;
  const dir = await mkdtemp(path.join(tmpdir(), `restack-chaos-${ns}-`));
  const push = (name: string, text: string) =>
    pushImage(deps.registryUrl, `${ns}/${name}`, '1', {
      layers: [{ files: { [`etc/${name}`]: `${text}\n` } }],
    });
  await push('base', 'v1');
  await push('mid', 'v1');
  const appV1 = (await push('app', 'v1')).digest;
  await push('leaf', 'v1');
  const ref = (name: string) => `${deps.host}/${ns}/${name}:1`;
  const local: Record<string, string> = { mid: 'base', app: 'mid', leaf: 'app' };
  for (const [name, parent] of Object.entries(local)) {
    await mkdir(path.join(dir, name));
    await writeFile(path.join(dir, name, `${name}.txt`), `${name} of seed ${seed}\n`);
    await writeFile(
      path.join(dir, name, 'Dockerfile'),
      `FROM ${ref(parent)}\nCOPY ${name}.txt /srv/${name}.txt\nENV LAYER=${name}\nLABEL org.example.layer="${name}"\n`,
    );
  }
  const prRepos = [`${ns}-web`, `${ns}-api`];
  for (const name of prRepos) {
    await deps.github.control.createRepo({
      owner: 'acme',
      name,
      files: { Dockerfile: `FROM ${ref('app')}@${appV1}\nCOPY . /srv\n`, 'README.md': `${name}\n` },
    });
  }
  const config = path.join(dir, 'restack.yaml');
  await writeFile(
    config,
    [
      'sources:',
      ...Object.keys(local).map((name) => `  - path: ./${name}`),
      `  - github: { repositories: [${prRepos.map((r) => `acme/${r}`).join(', ')}], name: gh }`,
      'images:',
      ...Object.keys(local).map(
        (name) =>
          `  - { name: '${deps.host}/${ns}/${name}', tags: ['1'], dockerfile: ${name}/Dockerfile }`,
      ),
      'actions:',
      `  - { image: '${deps.host}/${ns}/*', action: build }`,
      "  - { dockerfile: 'gh/*', action: pr }",
      `registries: { '${deps.host}': { insecure: true } }`,
      'github:',
      `  baseUrl: ${deps.github.url}`,
      `  auth: { type: token, tokenEnv: ${TOKEN_ENV} }`,
      '  rateLimit: { writeIntervalMs: 0, notificationIntervalMs: 0 }',
      // Every two seconds (six-field cron), so the move is seen during the chaos.
      "watch: { schedule: '*/2 * * * * *' }",
      'pullRequests: { pollSeconds: 1 }',
      '',
    ].join('\n'),
  );
  return {
    dir,
    config,
    ns,
    baseRef: ref('base'),
    built: Object.keys(local).map((name) => `${ns}/${name}`),
    prRepos,
    moveBase: async () => (await push('base', `v2 ${Date.now()}`)).digest,
  };
}
