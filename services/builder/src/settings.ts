import type { PromoteSettings } from '@restack/promote';
import { parseReference } from '@restack/reference';
import type { ImageBuildSettings } from './ports.js';

/** The part of restack.yaml `images[]` the builder reads. */
export interface CatalogImage {
  name: string;
  tags: string[];
  buildArgs?: Record<string, string>;
  target?: string;
  platform?: string;
  /** Push to a staging reference and wait for the promotion gate. */
  promote?: PromoteSettings;
}

function repository(name: string): string {
  const parsed = parseReference(name);
  return parsed.ok ? parsed.ref.name : name;
}

/**
 * Build settings by image: the catalog entry with the same repository and
 * (when several entries share it) a tag in common. No entry: no build args.
 */
export function catalogSettings(images: readonly CatalogImage[]) {
  return (image: string, tags: readonly string[]): ImageBuildSettings => {
    const name = repository(image);
    const same = images.filter((i) => repository(i.name) === name);
    const entry = same.find((i) => i.tags.some((t) => tags.includes(t))) ?? same[0];
    return {
      buildArgs: { ...(entry?.buildArgs ?? {}) },
      ...(entry?.target ? { target: entry.target } : {}),
      ...(entry?.platform ? { platform: entry.platform } : {}),
      ...(entry?.promote ? { promote: entry.promote } : {}),
    };
  };
}
