// BLADE's reference set (§2.3, §3.3): for each alignment prompt, M lists sampled once from the frozen SFT policy
// (temperature 0.8, repetition penalty 1.05 in the paper) and their base rewards, from which the static CDF F_ref and
// BLADE's prior counts N_ref come (src/train/rl/bon-target.ts). Sampling M = 128 lists for 4,096 prompts is the
// expensive part, so the rewards are cached on disk, keyed by the model, the data, the prompts, the sampling settings
// and the reward: any change rebuilds them; a file from another key is never used.
import { existsSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import type { ListExample } from '../../data/types.js';
import { inEvalMode, noGrad, tidy } from '../../engine/index.js';
import type { GenRecModel } from '../../model/genrec.js';
import type { ListReward } from '../../rewards/index.js';
import { sortedReference } from '../../train/rl/bon-target.js';
import { writeJsonAtomicSync } from '../../util/atomic.js';
import { listGain, responseItemsOf, sampleLists, type ListSamplingSettings } from './sampling.js';

export interface ReferenceSetSettings extends ListSamplingSettings {
  /** M: lists per prompt [BLADE §4.1.4: 128]. */
  size: number;
  seed: number;
  /** Prompts sampled together. */
  chunk: number;
}

/** What identifies the inputs of a reference set besides its settings: the model (e.g. its run id) and the data. */
export interface ReferenceSetSource {
  model: string;
  data: string;
  /** The reward's name and config section. */
  reward: { name: string; config: unknown };
}

export interface ReferenceSet {
  /** Per prompt, the M reference rewards sorted ascending. */
  rewards: Float64Array[];
  /** Whether they came from the cache file. */
  reused: boolean;
  seconds: number;
}

function cacheKey(prompts: readonly ListExample[], s: ReferenceSetSettings, src: ReferenceSetSource): string {
  const h = createHash('sha256');
  for (const p of prompts) h.update(`${p.user}|${p.history.join(',')}|${p.targets.join(',')}\n`);
  const { chunk: _chunk, ...settings } = s; // batching does not change the draws (per-response streams)
  return JSON.stringify({ ...src, settings, prompts: h.digest('hex').slice(0, 16), n: prompts.length });
}

/** A file name for the reference set of this key (different settings or models never share a file). */
export function referenceSetFileName(
  prompts: readonly ListExample[],
  s: ReferenceSetSettings,
  src: ReferenceSetSource,
): string {
  return `reference-${createHash('sha256')
    .update(cacheKey(prompts, s, src))
    .digest('hex')
    .slice(0, 16)}.json`;
}

/**
 * The reference rewards of `prompts` under `model` and `reward`: read from `cacheFile` when it holds this key,
 * otherwise sampled (listSample; per-response seeded streams, so chunking does not matter) and written atomically.
 */
export function referenceSet(
  model: GenRecModel,
  prompts: readonly ListExample[],
  reward: ListReward,
  s: ReferenceSetSettings,
  src: ReferenceSetSource,
  cacheFile?: string,
  onProgress?: (promptsDone: number, total: number) => void,
): ReferenceSet {
  const t0 = performance.now();
  const key = cacheKey(prompts, s, src);
  if (cacheFile && existsSync(cacheFile)) {
    const c = JSON.parse(readFileSync(cacheFile, 'utf8')) as { key?: string; rewards?: number[][] };
    if (c.key === key && Array.isArray(c.rewards) && c.rewards.length === prompts.length)
      return {
        rewards: c.rewards.map((r) => sortedReference(r)),
        reused: true,
        seconds: (performance.now() - t0) / 1000,
      };
  }
  const out: number[][] = [];
  inEvalMode(model, () =>
    noGrad(() => {
      for (let start = 0; start < prompts.length; start += s.chunk) {
        const part = prompts.slice(start, start + s.chunk);
        const histories = part.map((e) => e.history);
        const res = tidy(() => sampleLists(model, histories, s.size, s, s.seed, start));
        part.forEach((e, u) => {
          out.push(Array.from({ length: s.size }, (_, g) => listGain(reward, responseItemsOf(res, u * s.size + g), e)));
        });
        onProgress?.(out.length, prompts.length);
      }
    }),
  );
  if (cacheFile) writeJsonAtomicSync(cacheFile, { key, rewards: out });
  return { rewards: out.map((r) => sortedReference(r)), reused: false, seconds: (performance.now() - t0) / 1000 };
}
