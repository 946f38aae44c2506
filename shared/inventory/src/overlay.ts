/**
 * What one layer changes, reduced to what an inventory needs: the wanted
 * files it adds, and what it hides from the layers below.
 * https://github.com/opencontainers/image-spec/blob/main/layer.md#whiteouts
 */
export interface LayerChanges {
  /** Wanted regular files this layer adds or replaces, by path. */
  files: Map<string, Buffer>;
  /** Paths deleted by `.wh.<name>` entries (the file or the whole folder). */
  whiteouts: string[];
  /** Folders whose lower content `.wh..wh..opq` hides. */
  opaque: string[];
  /** Non-folder entries (files, links, devices): each hides anything below it in lower layers. */
  nonDirectories: string[];
  /** Folder entries: each replaces a lower file of the same path. */
  directories: string[];
}

export function emptyChanges(): LayerChanges {
  return { files: new Map(), whiteouts: [], opaque: [], nonDirectories: [], directories: [] };
}

const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_MARKER = '.wh..wh..opq';

/** `./a//b/` -> `a/b`, as paths in the merged filesystem compare. */
export function normalisePath(name: string): string {
  return name
    .split('/')
    .filter((part) => part !== '' && part !== '.')
    .join('/');
}

/** Sorts one tar entry into the layer's changes; `content` only for wanted regular files. */
export function recordEntry(
  changes: LayerChanges,
  rawName: string,
  type: 'file' | 'directory' | 'other',
  content?: Buffer,
): void {
  const path = normalisePath(rawName);
  if (path === '') return;
  const slash = path.lastIndexOf('/');
  const dir = slash === -1 ? '' : path.slice(0, slash);
  const base = path.slice(slash + 1);
  if (base === OPAQUE_MARKER) {
    changes.opaque.push(dir);
    return;
  }
  if (base.startsWith(WHITEOUT_PREFIX)) {
    const hidden = base.slice(WHITEOUT_PREFIX.length);
    changes.whiteouts.push(dir === '' ? hidden : `${dir}/${hidden}`);
    return;
  }
  if (type === 'directory') {
    changes.directories.push(path);
    return;
  }
  changes.nonDirectories.push(path);
  if (type === 'file' && content !== undefined) changes.files.set(path, content);
}

/**
 * The path an entry is about: the folder of an opaque marker, the path a
 * whiteout hides, else the entry's own path.
 */
export function entrySubject(path: string): string {
  const slash = path.lastIndexOf('/');
  const dir = slash === -1 ? '' : path.slice(0, slash);
  const base = path.slice(slash + 1);
  if (base === OPAQUE_MARKER) return dir;
  if (base.startsWith(WHITEOUT_PREFIX)) {
    const hidden = base.slice(WHITEOUT_PREFIX.length);
    return dir === '' ? hidden : `${dir}/${hidden}`;
  }
  return path;
}

function isAtOrBelow(path: string, top: string): boolean {
  return top === '' || path === top || path.startsWith(`${top}/`);
}

function isBelow(path: string, top: string): boolean {
  return top === '' ? path !== '' : path.startsWith(`${top}/`);
}

/**
 * Applies one layer to the files merged from the layers below it: first
 * what it hides (whiteouts and opaque folders only affect lower layers),
 * then what it adds.
 */
export function applyLayer(merged: Map<string, Buffer>, changes: LayerChanges): void {
  for (const path of [...merged.keys()]) {
    const hidden =
      changes.whiteouts.some((w) => isAtOrBelow(path, w)) ||
      changes.opaque.some((d) => isBelow(path, d)) ||
      changes.nonDirectories.some((p) => path === p || isBelow(path, p)) ||
      changes.directories.includes(path);
    if (hidden) merged.delete(path);
  }
  for (const [path, content] of changes.files) merged.set(path, content);
}
