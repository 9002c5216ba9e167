// Checkpoints: a Module's parameters, optionally an Optimizer's state and a JSON metadata object,
// in one safetensors file (written atomically).
//
// Layout: parameters under their dotted names (`blocks.0.attn.qkv.weight`); Adam/AdamW moments
// under `optim.<i>.m` / `optim.<i>.v`, an SGD momentum buffer under `optim.<i>.buf` (i = the
// parameter's index in the optimizer); `__metadata__` holds
//   genrec.format = 'genrec-checkpoint/1', meta = JSON of the caller's metadata,
//   optim.kind, optim.lr, optim.steps = JSON array of per-parameter step counts (null = no state).
import { keep } from './scope.js';
import { native } from './native.js';
import { tensor, type Tensor } from './tensor.js';
import type { Module } from './nn.js';
import type { Optimizer, OptimizerState } from './optim.js';
import { loadSafetensorsSync, saveSafetensorsSync, type StFile, type StTensor } from './safetensors.js';
import { tidy } from './scope.js';

const CHECKPOINT_FORMAT = 'genrec-checkpoint/1';

/** JSON-serialisable metadata stored with a checkpoint. */
export type CheckpointMeta = Record<string, unknown>;

export interface SaveCheckpointOptions {
  model: Module;
  optimizer?: Optimizer;
  meta?: CheckpointMeta;
}

export interface LoadCheckpointOptions {
  model: Module;
  /** Restored when given; the checkpoint must then contain optimizer state of the same kind. */
  optimizer?: Optimizer;
}

/** Copies a tensor's values out as a safetensors entry (same dtype). */
function toStTensor(t: Tensor): StTensor {
  const shape = t.shape;
  switch (t.dtype) {
    case 'float32':
      return { dtype: 'float32', shape, data: t.toFloat32() };
    case 'float64':
      return { dtype: 'float64', shape, data: t.toFloat64() };
    case 'int64':
      return { dtype: 'int64', shape, data: t.toBigInt64() };
    case 'int32':
      return { dtype: 'int32', shape, data: t.toInt32() };
    case 'bool':
      return { dtype: 'bool', shape, data: t.toBool() };
    case 'uint8':
      return { dtype: 'uint8', shape, data: native.toTyped(t.h, 'uint8') };
  }
}

/** A new (scope-tracked) tensor from a safetensors entry. */
function fromStTensor(s: StTensor): Tensor {
  return tensor(s.data, s.shape, s.dtype);
}

const OPTIM_PREFIX = 'optim.';

/** Writes model parameters (and optimizer state, metadata) to `path` atomically. */
export function saveCheckpoint(path: string, opts: SaveCheckpointOptions): void {
  const tensors: Record<string, StTensor> = {};
  for (const [name, p] of opts.model.namedParameters()) {
    if (name.startsWith(OPTIM_PREFIX)) {
      throw new Error(`saveCheckpoint: parameter name '${name}' collides with the optimizer state prefix`);
    }
    tensors[name] = toStTensor(p);
  }
  const metadata: Record<string, string> = {
    'genrec.format': CHECKPOINT_FORMAT,
    meta: JSON.stringify(opts.meta ?? {}),
  };
  if (opts.optimizer) {
    const opt = opts.optimizer;
    const st = opt.state();
    try {
      st.entries.forEach((e, i) => {
        if (e === null) return;
        if (st.kind === 'sgd') {
          tensors[`${OPTIM_PREFIX}${i}.buf`] = toStTensor(e.tensors[0]);
        } else {
          tensors[`${OPTIM_PREFIX}${i}.m`] = toStTensor(e.tensors[0]);
          tensors[`${OPTIM_PREFIX}${i}.v`] = toStTensor(e.tensors[1]);
        }
      });
    } finally {
      for (const e of st.entries) for (const t of e?.tensors ?? []) t.dispose();
    }
    metadata['optim.kind'] = st.kind;
    metadata['optim.lr'] = String(opt.learningRate);
    metadata['optim.steps'] = JSON.stringify(st.entries.map((e) => (e === null ? null : e.step)));
  }
  saveSafetensorsSync(path, tensors, metadata);
}

/** Index of the first NaN or ±Infinity in a floating-point entry, or -1 (always -1 for integer dtypes). */
function firstNonFinite(s: StTensor): number {
  if (s.dtype !== 'float32' && s.dtype !== 'float64') return -1;
  const d = s.data as Float32Array | Float64Array;
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) return i;
  return -1;
}

function fail(path: string, msg: string): never {
  throw new Error(`loadCheckpoint: ${path}: ${msg}`);
}

function metaOf(md: Record<string, string>, path: string): CheckpointMeta {
  if (md['genrec.format'] !== CHECKPOINT_FORMAT) {
    fail(path, `not a genrec checkpoint (metadata genrec.format = ${JSON.stringify(md['genrec.format'] ?? null)})`);
  }
  try {
    const parsed: unknown = JSON.parse(md.meta ?? '{}');
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as CheckpointMeta;
  } catch (e) {
    fail(path, `metadata 'meta' is not a JSON object (${(e as Error).message})`);
  }
}

/** The metadata stored with a checkpoint (the whole file is validated as safetensors; nothing is restored). */
export function readCheckpointMeta(path: string): CheckpointMeta {
  return readCheckpoint(path).meta;
}

/** A checkpoint file read and checked as a genrec checkpoint, not yet restored into anything. */
export interface CheckpointFile {
  path: string;
  file: StFile;
  meta: CheckpointMeta;
}

/**
 * Reads a checkpoint once: a caller that needs its metadata to build the model (a run's config and identifiers) then
 * restores from the same read with {@link restoreCheckpoint}, instead of reading the file twice.
 */
export function readCheckpoint(path: string): CheckpointFile {
  const file = loadSafetensorsSync(path);
  return { path, file, meta: metaOf(file.metadata, path) };
}

/**
 * Restores model parameters (and the optimizer's state when `optimizer` is given) from `path`
 * and returns the stored metadata. The file must hold exactly the model's parameters, with the
 * same shapes and dtypes; anything else throws an error naming the file and the tensor.
 */
export function loadCheckpoint(path: string, opts: LoadCheckpointOptions): CheckpointMeta {
  return restoreCheckpoint(readCheckpoint(path), opts);
}

/** {@link loadCheckpoint} from a checkpoint already read with {@link readCheckpoint}. */
export function restoreCheckpoint(ck: CheckpointFile, opts: LoadCheckpointOptions): CheckpointMeta {
  const { path, file, meta } = ck;
  const md = file.metadata;

  // Validate everything before touching the model, so a bad file leaves it unchanged.
  const params = opts.model.namedParameters();
  const own = new Set(params.map(([n]) => n));
  for (const name of Object.keys(file.tensors)) {
    if (!name.startsWith(OPTIM_PREFIX) && !own.has(name)) fail(path, `unexpected parameter '${name}'`);
  }
  for (const [name, p] of params) {
    const s = file.tensors[name];
    if (!s) fail(path, `missing parameter '${name}'`);
    if (s.shape.join(',') !== p.shape.join(',')) {
      fail(path, `parameter '${name}' has shape [${s.shape.join(', ')}], the model expects [${p.shape.join(', ')}]`);
    }
    if (s.dtype !== p.dtype) fail(path, `parameter '${name}' is ${s.dtype}, the model expects ${p.dtype}`);
    const bad = firstNonFinite(s);
    if (bad >= 0) {
      // caught here rather than as a baffling failure later (NaN scores surface as "index out of range" in decoding)
      fail(
        path,
        `parameter '${name}' holds a non-finite value (${String(s.data[bad])} at flat index ${bad}): damaged weights, or a run that diverged`,
      );
    }
  }
  let optState: { kind: string; lr: number; steps: (number | null)[] } | null = null;
  if (opts.optimizer) {
    const opt = opts.optimizer;
    const kind = md['optim.kind'];
    if (kind === undefined) fail(path, 'has no optimizer state');
    if (kind !== opt.kind) fail(path, `optimizer state is for ${kind}, not ${opt.kind}`);
    let steps: unknown;
    try {
      steps = JSON.parse(md['optim.steps'] ?? 'null');
    } catch {
      steps = null;
    }
    if (!Array.isArray(steps) || !steps.every((s) => s === null || Number.isSafeInteger(s))) {
      fail(path, `metadata 'optim.steps' is not an array of step counts`);
    }
    if (steps.length !== opt.params.length) {
      fail(path, `optimizer state has ${steps.length} entries, the optimizer has ${opt.params.length} parameters`);
    }
    const lr = Number(md['optim.lr']);
    if (!Number.isFinite(lr)) fail(path, `metadata 'optim.lr' is not a number`);
    const names = kind === 'sgd' ? ['buf'] : ['m', 'v'];
    steps.forEach((s, i) => {
      if (s === null) return;
      for (const n of names) {
        const key = `${OPTIM_PREFIX}${i}.${n}`;
        const t = file.tensors[key];
        if (!t) fail(path, `missing optimizer state '${key}'`);
        const want = opt.params[i].shape.join(',');
        if (t.shape.join(',') !== want) {
          fail(
            path,
            `optimizer state '${key}' has shape [${t.shape.join(', ')}], expected [${want.split(',').join(', ')}]`,
          );
        }
      }
    });
    optState = { kind, lr, steps: steps as (number | null)[] };
  }

  tidy(() => {
    opts.model.loadStateDict(new Map(params.map(([name]) => [name, fromStTensor(file.tensors[name])])), true);
  });
  if (opts.optimizer && optState) {
    const opt = opts.optimizer;
    const names = optState.kind === 'sgd' ? ['buf'] : ['m', 'v'];
    const state: OptimizerState = {
      kind: optState.kind,
      entries: optState.steps.map((s, i) =>
        s === null
          ? null
          : { step: s, tensors: names.map((n) => keep(fromStTensor(file.tensors[`${OPTIM_PREFIX}${i}.${n}`]))) },
      ),
    };
    try {
      opt.loadState(state);
    } finally {
      for (const e of state.entries) for (const t of e?.tensors ?? []) t.dispose();
    }
    opt.setLr(optState.lr);
  }
  return meta;
}
