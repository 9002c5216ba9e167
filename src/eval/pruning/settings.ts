/** The settings of the pruning diagnostics (./diagnostics.ts) and their validation. */
import type { TokenScoring } from '../../decode/common.js';

export interface PruningSettings {
  /** Beam width B of the beam search (and of the necessary condition). */
  beamWidth: number;
  /** Cut-offs K (each ≤ beamWidth) for PR@K, HR@K, NDCG@K. */
  ks: number[];
  /** Users processed together. */
  chunkUsers: number;
  /** Exact search batching: most prefixes expanded per round over a chunk (default 4096). */
  exactMaxRowsPerRound?: number;
  /** Exact search: prefixes popped per user per round (default 32: far fewer model calls than 1 = pure best-first; it
   * may expand a few prefixes best-first would not). */
  exactMaxPopsPerUser?: number;
  /**
   * How the target's exact rank is found. 'target' (default): only up to the target — a user whose beam search
   * already returned ≥ max K items more probable than the target is settled without search (its target cannot be
   * in the exact top-K), the others search best-first with the floor log p(target) − 1e-3, so only prefixes more
   * probable than the target are expanded. Every PR@K, HR@K and NDCG@K figure equals the 'full' one (the target's
   * rank among all items is the same), at a small fraction of the cost. 'full': the whole exact top-K list per user.
   */
  exactMode?: 'target' | 'full';
  /** Distribution beam search, exact search and the sibling ranks rank by (default 'full'; see TokenScoring). */
  scoring?: TokenScoring;
  /**
   * 'target' mode with a source that can score items (`scoreItems`): the `poolSize` items most often found by earlier
   * exact searches are scored (teacher forcing) for every user of a chunk whose beam list alone does not settle it,
   * and with the beam list they serve as witnesses — a user with ≥ max K witnesses more probable than the target is
   * settled without search (default 32; 0 = beam list only). Results are unchanged; only the number of searches
   * falls.
   */
  poolSize?: number;
}

export function checkSettings(s: PruningSettings): void {
  const bad = (k: string, v: unknown): never => {
    throw new Error(`pruning: '${k}' is invalid: ${JSON.stringify(v)}`);
  };
  if (!Number.isInteger(s.beamWidth) || s.beamWidth < 1) bad('beamWidth', s.beamWidth);
  if (!Number.isInteger(s.chunkUsers) || s.chunkUsers < 1) bad('chunkUsers', s.chunkUsers);
  if (!Array.isArray(s.ks) || s.ks.length === 0) bad('ks', s.ks);
  for (const k of s.ks) if (!Number.isInteger(k) || k < 1 || k > s.beamWidth) bad('ks', s.ks);
  if (new Set(s.ks).size !== s.ks.length) bad('ks', s.ks);
}
