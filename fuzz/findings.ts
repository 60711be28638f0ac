/**
 * What a fuzz campaign finds, and how it is kept: running one input and catching what it raises,
 * the signature that tells one failure from another (for deduplication and for the minimiser),
 * and the `<kind>-<sha>.bin` + `.txt` pair written to the crashes folder, with the command that
 * replays it.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { asFinding, type FindingKind, type FuzzTarget } from './target.ts';

export interface Finding {
  readonly target: string;
  readonly kind: FindingKind;
  readonly detail: string;
  /** What identifies "the same failure": kind and the message with hex and numbers blurred. */
  readonly signature: string;
  readonly input: Uint8Array;
  readonly stack: string;
  readonly exec: number;
  readonly seed: number;
  /** The .bin written, when there is a crashes folder. */
  readonly file?: string;
  /**
   * Set when the target's structure-aware mutator, not the target, failed (it never returned, or
   * took the memory): the input is the corpus entry it was mutating, and this the mutation's seed.
   */
  readonly mutationSeed?: number;
}

/** How the watchdog labels one structure-aware mutation: the target and the mutation's seed. */
export function mutatorLabel(target: string, mutationSeed: number): string {
  return `${target} mutator, mutation seed ${mutationSeed}`;
}

const MUTATOR_LABEL = /^(.*) mutator, mutation seed (\d+)$/;

/** The target and seed of a mutatorLabel, or undefined for any other label. */
export function parseMutatorLabel(label: string): { target: string; mutationSeed: number } | undefined {
  const m = MUTATOR_LABEL.exec(label);
  return m === null ? undefined : { target: m[1], mutationSeed: Number(m[2]) };
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The failure's identity for deduplication and for the minimiser: kind, then the message blurred. */
export function signatureOf(kind: string, detail: string): string {
  const blurred = detail
    .replace(/[0-9a-f]{8,}…?( \(\d+ bytes\))?/gi, '<hex>')
    .replace(/\d+/g, 'N')
    .slice(0, 160);
  return `${kind}: ${blurred}`;
}

/** Runs one input; undefined, or the finding it raised (as the runner records it). */
export function execute(target: FuzzTarget, data: Uint8Array): { kind: FindingKind; detail: string; stack: string } | undefined {
  try {
    target.fuzz(data);
    return undefined;
  } catch (e) {
    const f = asFinding(e);
    const cause = f.cause instanceof Error ? f.cause : f;
    return { kind: f.kind, detail: f.detail, stack: cause.stack ?? String(cause) };
  }
}

/** Writes beside the file and renames, so a reader never sees half a file. */
export function writeAtomic(path: string, data: Uint8Array | string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

export function defaultReplayHint(binFile: string, target: string, mutationSeed?: number): string {
  if (mutationSeed !== undefined) return `npx dtlsprobe fuzz --replay ${binFile} --target ${target} --mutation-seed ${mutationSeed}   (runs the mutator on the entry, then the target on what it made)`;
  return `npx dtlsprobe fuzz --replay ${binFile} --target ${target}   (shrink: npx dtlsprobe fuzz --minimize ${binFile} --target ${target})`;
}

/** The .txt written beside a crash's .bin. */
export function describeFinding(f: Finding, hint: string): string {
  return [
    `target: ${f.target}`,
    `kind: ${f.kind}`,
    `detail: ${f.detail}`,
    `signature: ${f.signature}`,
    `input: ${f.input.length} bytes, sha256 ${sha256Hex(f.input)}`,
    `seed: ${f.seed} (exec ${f.exec})`,
    ...(f.mutationSeed === undefined ? [] : [`mutation seed: ${f.mutationSeed} (the input is the corpus entry the structure-aware mutator was given)`]),
    `replay: ${hint}`,
    '',
    'stack:',
    f.stack,
    '',
  ].join('\n');
}

export function writeFinding(dir: string, f: Omit<Finding, 'file'>, hint: (bin: string, target: string, mutationSeed?: number) => string): string {
  mkdirSync(dir, { recursive: true });
  const bin = join(dir, `${f.kind}-${sha256Hex(f.input).slice(0, 16)}.bin`);
  writeAtomic(bin, f.input);
  writeAtomic(bin.replace(/\.bin$/, '.txt'), describeFinding({ ...f, file: bin }, hint(bin, f.target, f.mutationSeed)));
  return bin;
}
