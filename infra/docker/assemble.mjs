// Copies what runs out of a built checkout: for every npm workspace, its
// package.json, the entries of its "files" (default ["dist"]) and its "bin"
// scripts, without compiled tests or build info. Used by infra/docker/Dockerfile:
//   node infra/docker/assemble.mjs <built checkout> <output folder>
// The output is laid over the production node_modules tree, whose workspace
// symlinks (node_modules/@restack/x -> ../../shared/x) then resolve.
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const [from, to] = process.argv.slice(2);
if (!from || !to) {
  process.stderr.write('usage: node assemble.mjs <built checkout> <output folder>\n');
  process.exit(2);
}

/** Workspaces that are development tools, not part of the runtime. */
const SKIP = new Set(['bench']);
const DROP = /(\.test\.(js|d\.ts|js\.map|d\.ts\.map)|\.tsbuildinfo)$/;

function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** Expands the workspace patterns npm allows here: `dir` and `dir/*`. */
function workspaces(root) {
  const out = [];
  for (const pattern of readJson(path.join(root, 'package.json')).workspaces ?? []) {
    if (pattern.endsWith('/*')) {
      const base = pattern.slice(0, -2);
      if (!existsSync(path.join(root, base))) continue;
      for (const name of readdirSync(path.join(root, base)).sort()) {
        out.push(path.posix.join(base, name));
      }
    } else {
      out.push(pattern);
    }
  }
  return out.filter((ws) => !SKIP.has(ws) && existsSync(path.join(root, ws, 'package.json')));
}

function copy(rel) {
  const source = path.join(from, rel);
  if (!existsSync(source)) {
    process.stderr.write(`assemble: ${rel} is listed but missing, skipped\n`);
    return;
  }
  mkdirSync(path.dirname(path.join(to, rel)), { recursive: true });
  cpSync(source, path.join(to, rel), {
    recursive: true,
    filter: (src) => statSync(src).isDirectory() || !DROP.test(src),
  });
}

copy('package.json');
for (const ws of workspaces(from)) {
  const manifest = readJson(path.join(from, ws, 'package.json'));
  const entries = new Set(['package.json', ...(manifest.files ?? ['dist'])]);
  const bins =
    typeof manifest.bin === 'string' ? [manifest.bin] : Object.values(manifest.bin ?? {});
  for (const bin of bins) entries.add(path.posix.normalize(bin));
  for (const entry of entries) {
    if (entry.includes('*')) {
      process.stderr.write(`assemble: ${ws}: glob "${entry}" in files is not supported, skipped\n`);
      continue;
    }
    copy(path.posix.join(ws, entry));
  }
  process.stdout.write(`assemble: ${ws} (${[...entries].join(', ')})\n`);
}
