// Training checkpoints in safetensors: model parameters (`model.<name>`), optionally the optimizer's moment
// tensors (`optim.<i>.m`, `optim.<i>.v`, per-parameter step counts in the metadata) and a JSON metadata record
// (`__metadata__["genrec.train"]`). Files are written atomically; loading validates everything and throws an
// error naming the file and the offending tensor, never restoring a partial state silently.
import {
  noGrad,
  tensor,
  tidy,
  type Module,
  type Optimizer,
  type OptimizerState,
  type Tensor,
} from '../engine/index.js';
import { loadSafetensorsSync, saveSafetensorsSync, type StFile, type StTensor } from '../engine/safetensors.js';

const META_KEY = 'genrec.train';
const OPTIM_KEY = 'genrec.optim';

function toSt(t: Tensor, name: string): StTensor {
  const shape = t.shape;
  if (t.dtype === 'float32') return { dtype: 'float32', shape, data: t.toFloat32() };
  if (t.dtype === 'float64') return { dtype: 'float64', shape, data: t.toFloat64() };
  throw new Error(`checkpoint: tensor '${name}' has unsupported dtype ${t.dtype}`);
}

function fromSt(st: StTensor, name: string, file: string): Tensor {
  if (st.dtype !== 'float32' && st.dtype !== 'float64') {
    throw new Error(`${file}: tensor '${name}' has dtype ${st.dtype}, expected float32 or float64`);
  }
  return tensor(st.data, st.shape);
}

/** Writes the model (and optionally the optimizer) with `meta` (any JSON value) atomically to `path`. */
export function saveCheckpoint(path: string, model: Module, meta: unknown, opt?: Optimizer): void {
  const tensors: Record<string, StTensor> = {};
  for (const [name, p] of model.namedParameters()) tensors[`model.${name}`] = toSt(p, name);
  const metadata: Record<string, string> = { [META_KEY]: JSON.stringify(meta) };
  if (opt) {
    const state = opt.state();
    try {
      const steps = state.entries.map((e, i) => {
        if (e === null) return null;
        e.tensors.forEach((t, k) => (tensors[`optim.${i}.${k === 0 ? 'm' : 'v'}`] = toSt(t, `optim.${i}`)));
        return e.step;
      });
      metadata[OPTIM_KEY] = JSON.stringify({ kind: state.kind, steps, slots: state.entries[0]?.tensors.length ?? 0 });
    } finally {
      for (const e of state.entries) e?.tensors.forEach((t) => t.dispose());
    }
  }
  saveSafetensorsSync(path, tensors, metadata);
}

/** Reads and decodes a checkpoint file, wrapping every failure in an error that names it. */
export function readCheckpoint(path: string): StFile {
  try {
    return loadSafetensorsSync(path);
  } catch (e) {
    const msg = (e as Error).message;
    throw new Error(
      `checkpoint ${path} is unreadable or corrupt: ${msg.startsWith(path) ? msg.slice(path.length + 2) : msg}`,
    );
  }
}

/** The JSON metadata record of a decoded checkpoint. */
export function checkpointMeta(file: StFile, path: string): unknown {
  const raw = file.metadata[META_KEY];
  if (raw === undefined) throw new Error(`checkpoint ${path} has no '${META_KEY}' metadata (not a genrec checkpoint)`);
  try {
    return JSON.parse(raw) as unknown;
  } catch (e) {
    throw new Error(`checkpoint ${path}: metadata is not valid JSON: ${(e as Error).message}`);
  }
}

/** Copies the checkpoint's `model.*` tensors into the model (names, shapes and dtypes must match exactly). */
export function restoreModel(file: StFile, path: string, model: Module): void {
  const own = model.namedParameters();
  const names = new Set(own.map(([n]) => `model.${n}`));
  for (const key of Object.keys(file.tensors)) {
    if (key.startsWith('model.') && !names.has(key)) {
      throw new Error(`checkpoint ${path}: unexpected parameter '${key.slice(6)}' (not in the model)`);
    }
  }
  // Validate everything before touching any parameter.
  for (const [name, p] of own) {
    const st = file.tensors[`model.${name}`];
    if (!st) throw new Error(`checkpoint ${path}: missing parameter '${name}'`);
    if (st.shape.join(',') !== p.shape.join(',') || st.dtype !== p.dtype) {
      throw new Error(
        `checkpoint ${path}: parameter '${name}' is [${st.shape.join(', ')}] ${st.dtype}, the model has [${p.shape.join(', ')}] ${p.dtype}`,
      );
    }
  }
  tidy(() =>
    noGrad(() => {
      for (const [name, p] of own) p.assign(fromSt(file.tensors[`model.${name}`], name, path));
    }),
  );
}

interface OptimMeta {
  kind: string;
  steps: (number | null)[];
  slots: number;
}

function isOptimMeta(v: unknown): v is OptimMeta {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return (
    typeof o.kind === 'string' &&
    typeof o.slots === 'number' &&
    Array.isArray(o.steps) &&
    o.steps.every((s) => s === null || (typeof s === 'number' && Number.isInteger(s) && s >= 0))
  );
}

/** Restores the optimizer state saved by {@link saveCheckpoint}. */
export function restoreOptimizer(file: StFile, path: string, opt: Optimizer): void {
  const raw = file.metadata[OPTIM_KEY];
  if (raw === undefined) throw new Error(`checkpoint ${path} holds no optimizer state`);
  let meta: unknown;
  try {
    meta = JSON.parse(raw);
  } catch (e) {
    throw new Error(`checkpoint ${path}: optimizer metadata is not valid JSON: ${(e as Error).message}`);
  }
  if (!isOptimMeta(meta)) throw new Error(`checkpoint ${path}: malformed optimizer metadata`);
  if (meta.kind !== opt.kind) throw new Error(`checkpoint ${path}: optimizer state is ${meta.kind}, not ${opt.kind}`);
  if (meta.steps.length !== opt.params.length) {
    throw new Error(
      `checkpoint ${path}: optimizer state for ${meta.steps.length} parameters, the model has ${opt.params.length}`,
    );
  }
  tidy(() => {
    const entries: OptimizerState['entries'] = meta.steps.map((step, i) => {
      if (step === null) return null;
      const slots = meta.slots === 1 ? ['m'] : ['m', 'v'];
      const tensors = slots.map((s) => {
        const st = file.tensors[`optim.${i}.${s}`];
        if (!st) throw new Error(`checkpoint ${path}: missing optimizer tensor 'optim.${i}.${s}'`);
        const p = opt.params[i];
        if (st.shape.join(',') !== p.shape.join(',')) {
          throw new Error(
            `checkpoint ${path}: optimizer tensor 'optim.${i}.${s}' has shape [${st.shape.join(', ')}], parameter has [${p.shape.join(', ')}]`,
          );
        }
        return fromSt(st, `optim.${i}.${s}`, path);
      });
      return { step, tensors };
    });
    opt.loadState({ kind: opt.kind, entries });
  });
}
