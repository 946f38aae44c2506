import path from 'node:path';
import type { LoadedConfig } from '@restack/config';
import type { Graph } from '@restack/graph';
import { parseReference } from '@restack/reference';

/** One build of a campaign: a Dockerfile and one image it produces (or none). */
export interface CampaignTarget {
  /** The graph's id for the Dockerfile (relative to the config folder). */
  dockerfile: string;
  /** The repository pushed, `registry.example/team/app`; null when the catalog names no image for it. */
  image: string | null;
  /** Full references pushed. */
  tags: string[];
  buildArgs: Record<string, string>;
  target?: string;
  platform?: string;
  /** Absolute paths on disk. */
  dockerfilePath: string;
  contextPath: string;
}

function normalName(name: string): string {
  const parsed = parseReference(name);
  return parsed.ok ? parsed.ref.name : name;
}

/**
 * The builds for one Dockerfile of the plan: one per image the graph says it
 * produces, with the build settings of the matching `images:` entry
 * (build args, target, platform, context); a single image-less build when
 * it produces none.
 */
export function targetsFor(
  loaded: LoadedConfig,
  graph: Graph,
  dockerfile: string,
): CampaignTarget[] {
  const { baseDir, config } = loaded;
  const dockerfilePath = path.resolve(baseDir, dockerfile);
  const node = graph.nodes.find((n) => n.dockerfile === dockerfile);
  const entries = config.images.filter(
    (e) => path.resolve(baseDir, e.dockerfile) === dockerfilePath,
  );
  const images = node?.images ?? [];
  if (images.length === 0) {
    return [
      {
        dockerfile,
        image: null,
        tags: [],
        buildArgs: {},
        dockerfilePath,
        contextPath: path.dirname(dockerfilePath),
      },
    ];
  }
  return images.map((image) => {
    const entry = entries.find((e) => normalName(e.name) === image.name);
    return {
      dockerfile,
      image: image.name,
      tags: image.tags.map((tag) => `${image.name}:${tag}`),
      buildArgs: { ...(entry?.buildArgs ?? {}) },
      ...(entry?.target ? { target: entry.target } : {}),
      ...(entry?.platform ? { platform: entry.platform } : {}),
      dockerfilePath,
      contextPath: entry?.context
        ? path.resolve(baseDir, entry.context)
        : path.dirname(dockerfilePath),
    };
  });
}
