import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Layer sizes: 5 layers, 10,000 Dockerfiles, every one descending from debian:bookworm. */
export const LAYERS = [10, 90, 900, 3000, 6000] as const;

const image = (layer: number, i: number) => `registry.example.com/l${layer}/img${i}`;

/**
 * Writes a synthetic organisation: each Dockerfile builds FROM one image of
 * the layer above (through a global ARG), copies from a second one (a
 * diamond), and has a builder stage; layers 0-3 are in the catalog.
 */
export function writeSyntheticOrg(dir: string): { config: string; dockerfiles: number } {
  const images: string[] = [];
  let count = 0;
  LAYERS.forEach((size, layer) => {
    for (let i = 0; i < size; i++) {
      const rel = `repos/l${layer}/r${i % 50}/svc${i}/Dockerfile`;
      mkdirSync(path.join(dir, path.dirname(rel)), { recursive: true });
      writeFileSync(path.join(dir, rel), dockerfile(layer, i));
      count++;
      if (layer < LAYERS.length - 1) {
        images.push(`  - name: ${image(layer, i)}\n    tags: ["1"]\n    dockerfile: ${rel}\n`);
      }
    }
  });
  const config = path.join(dir, 'restack.yaml');
  writeFileSync(config, `sources:\n  - path: ./repos\nimages:\n${images.join('')}`);
  return { config, dockerfiles: count };
}

function dockerfile(layer: number, i: number): string {
  if (layer === 0) {
    return `# syntax=docker/dockerfile:1\nARG DEBIAN=bookworm\nFROM debian:\${DEBIAN} AS base\nRUN apt-get update\n`;
  }
  const above = LAYERS[layer - 1]!;
  const parent = image(layer - 1, i % above);
  const other = image(layer - 1, (i * 7 + 3) % above);
  return [
    `ARG PARENT=${parent}`,
    'ARG TAG=1',
    'FROM golang:1.22 AS build',
    'WORKDIR /src',
    'COPY . .',
    'RUN --mount=type=cache,target=/root/.cache go build -o /out/app ./...',
    '',
    'FROM ${PARENT}:${TAG}',
    `COPY --from=${other}:1 /etc/os-release /etc/parent-release`,
    'COPY --from=build /out/app /usr/local/bin/app',
    'USER 1000',
    '',
  ].join('\n');
}
