/**
 * A report folder: run.json, junit.xml, summary.md, compliance.json and tlsfuzzer.txt for one run,
 * written side by side (the folder is created when missing; files of an earlier run are replaced).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Requirement } from '../../spec/requirement.ts';
import { REQUIREMENTS } from '../../spec/requirement.ts';
import type { RunResult } from './model.ts';
import { runToJson } from './json.ts';
import { runToJunit } from './junit.ts';
import { runToMarkdown } from './markdown.ts';
import { complianceOf, complianceToJson } from './compliance.ts';
import { tlsfuzzerReport } from './tlsfuzzer.ts';

export interface WriteOptions {
  /** The catalogue verdicts are given against (the whole spec/ catalogue by default). */
  readonly catalogue?: readonly Requirement[];
  /** The `hostname` of junit.xml (this machine's name by default). */
  readonly hostname?: string;
  /**
   * The renderer of tlsfuzzer.txt (`tlsfuzzerText` by default), or `false` to leave that file out.
   */
  readonly tlsfuzzer?: ((run: RunResult) => string) | false;
}

/** The paths written, absolute when `dir` is. */
export interface WrittenReports {
  readonly dir: string;
  readonly json: string;
  readonly junit: string;
  readonly markdown: string;
  readonly compliance: string;
  /** Absent when `tlsfuzzer: false` was passed. */
  readonly tlsfuzzer?: string;
}

/**
 * The `version:` line of tlsfuzzer's summary is a script's version; a whole run has none of its
 * own, so it prints the version of the run format.
 */
const TLSFUZZER_VERSION = 1;

/** The run as tlsfuzzer prints a script's output: a line per probe, a description, `Test end` and the counts. */
export function tlsfuzzerText(run: RunResult): string {
  const i = run.implementation;
  const description = [`dtlsprobe ${run.tool.version} against ${i.name} ${i.version}, seed ${run.seed}, ${run.date}`];
  return tlsfuzzerReport(run.probes, TLSFUZZER_VERSION, description);
}

/**
 * Writes the reports of `run` into `dir`. Every text is rendered before the first file is written,
 * so a run that cannot be rendered (one run.json would refuse) leaves the folder untouched.
 */
export async function writeReports(run: RunResult, dir: string, options: WriteOptions = {}): Promise<WrittenReports> {
  const compliance = complianceOf(run, options.catalogue ?? REQUIREMENTS);
  const json = runToJson(run);
  const junit = runToJunit(run, options.hostname === undefined ? {} : { hostname: options.hostname });
  const markdown = runToMarkdown(run, compliance);
  const complianceJson = complianceToJson(compliance);
  const tlsfuzzer = options.tlsfuzzer === false ? undefined : (options.tlsfuzzer ?? tlsfuzzerText)(run);
  await mkdir(dir, { recursive: true });
  const put = async (name: string, text: string): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, text, 'utf8');
    return path;
  };
  return {
    dir,
    json: await put('run.json', json),
    junit: await put('junit.xml', junit),
    markdown: await put('summary.md', markdown),
    compliance: await put('compliance.json', complianceJson),
    ...(tlsfuzzer === undefined ? {} : { tlsfuzzer: await put('tlsfuzzer.txt', tlsfuzzer) }),
  };
}
