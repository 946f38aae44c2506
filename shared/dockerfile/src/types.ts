import type { ReferenceReport } from '@restack/reference';

/** Where an image reference was found. */
export const REFERENCE_KINDS = ['from', 'copy', 'mount'] as const;
export type ReferenceKind = (typeof REFERENCE_KINDS)[number];

/** A problem or remark tied to a 1-based line, or to the whole file (null). */
export interface Problem {
  readonly line: number | null;
  readonly message: string;
}

/** Offsets into the file text as read (JavaScript string indices), end exclusive. */
export interface SourceRange {
  readonly start: number;
  readonly end: number;
}

/** An ARG default value that supplied (part of) a reference's text. */
export interface ArgDefault {
  readonly name: string;
  /** 1-based line of the ARG instruction. */
  readonly line: number;
  /** The default value as written after `=`, quotes included. */
  readonly range: SourceRange;
  /** True for an ARG before the first FROM. */
  readonly global: boolean;
}

export interface DockerfileReference {
  readonly file: string;
  /** 1-based line where the image text sits (it may follow the keyword's line). */
  readonly line: number;
  /** 1-based line of the instruction keyword. */
  readonly instructionLine: number;
  readonly kind: ReferenceKind;
  readonly stage: number;
  readonly stageName: string | null;
  /** `FROM --platform=` text as written (variables not substituted), else null. */
  readonly platform: string | null;
  /** The image argument as written in the instruction, before substitution. */
  readonly raw: string;
  /** Where `raw` sits in the file; `text.slice(start, end) === raw` unless it spans a line continuation. */
  readonly range: SourceRange;
  /** The text after substitution, or null when it cannot be known statically. */
  readonly resolved: string | null;
  /** describeReference(resolved), or null when unresolved. */
  readonly ref: ReferenceReport | null;
  readonly unresolved: boolean;
  /** Why the reference is unresolved (which variable), else null. */
  readonly reason: string | null;
  /** ARG defaults whose text went into `resolved`, outermost first. */
  readonly args: readonly ArgDefault[];
}

export const BASE_KINDS = ['image', 'stage', 'scratch', 'unresolved'] as const;
export type BaseKind = (typeof BASE_KINDS)[number];

export interface DockerfileStage {
  readonly index: number;
  /** The `AS` name in lower case, as BuildKit keeps it; null when unnamed. */
  readonly name: string | null;
  readonly line: number;
  /** Resolved base text, the stage name, `scratch`, or the raw text when unresolved. */
  readonly base: string;
  readonly baseKind: BaseKind;
  /** Index of the stage this one is built FROM, when it is a stage. */
  readonly baseStage: number | null;
  readonly platform: string | null;
}

export interface DockerfileExtract {
  readonly file: string;
  readonly references: DockerfileReference[];
  readonly stages: DockerfileStage[];
  readonly errors: Problem[];
  /** Things worth knowing that are not errors (ONBUILD triggers, BuildKit differences). */
  readonly notes: Problem[];
  /** The `# syntax=` directive (a BuildKit frontend image), or null. */
  readonly syntax: string | null;
  readonly escape: '\\' | '`';
}

export interface ExtractOptions {
  /** The name reported as `file`. */
  readonly file: string;
  /** `--build-arg` values; they replace the defaults of declared ARGs only. */
  readonly buildArgs?: Readonly<Record<string, string>>;
}
