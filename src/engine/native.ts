// Loads the libtorch addon (built by scripts/build-native.mjs into build/Release) and types it.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Handle of an at::Tensor owned by the addon: a plain number (slot + generation in the addon's
 * handle table), so no native finalizer is involved; stale handles are detected by generation.
 * Each thread (main, every worker_thread) has its own table: a handle is valid only where it was made.
 */
export type NativeHandle = number & { readonly __nativeTensor: unique symbol };
export type NativeDType = 'float32' | 'float64' | 'int64' | 'int32' | 'bool' | 'uint8';
export type NativeArg = NativeHandle | number | boolean | string | null | undefined | NativeArg[];
export type NativeResult = NativeHandle | number | boolean | null | NativeResult[];

export interface NativeOptimizer {
  step(): void;
  zeroGrad(): void;
  setLr(lr: number): void;
  getState(): ([number, NativeHandle, NativeHandle] | [NativeHandle] | null)[];
  setState(index: number, ...state: (number | NativeHandle)[]): void;
}

export interface NativeBinding {
  NativeOptimizer: new (kind: string, params: NativeHandle[], options: Record<string, number>) => NativeOptimizer;
  fromTyped(
    data: Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array,
    shape: readonly number[],
    dtype: NativeDType,
  ): NativeHandle;
  toTyped(h: NativeHandle, kind: 'float32'): Float32Array;
  toTyped(h: NativeHandle, kind: 'float64'): Float64Array;
  toTyped(h: NativeHandle, kind: 'int32'): Int32Array;
  toTyped(h: NativeHandle, kind: 'int64'): BigInt64Array;
  toTyped(h: NativeHandle, kind: 'bool' | 'uint8'): Uint8Array;
  shape(h: NativeHandle): number[];
  dtype(h: NativeHandle): NativeDType;
  device(h: NativeHandle): string;
  /** Frees the tensor; false when it was already freed. */
  dispose(h: NativeHandle): boolean;
  isDisposed(h: NativeHandle): boolean;
  liveCount(): number;
  item(h: NativeHandle): number;
  setRequiresGrad(h: NativeHandle, on: boolean): NativeHandle;
  requiresGrad(h: NativeHandle): boolean;
  backward(h: NativeHandle, grad?: NativeHandle): void;
  grad(h: NativeHandle): NativeHandle | null;
  clearGrad(h: NativeHandle): void;
  setGradEnabled(on: boolean): boolean;
  isGradEnabled(): boolean;
  assign(dst: NativeHandle, src: NativeHandle): void;
  manualSeed(seed: number): void;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  version(): string;
  mallocTrim(): boolean;
  call(name: string, overload: string, args: NativeArg[]): NativeResult;
  schema(name: string, overload: string): string;
  clipGradNorm(params: NativeHandle[], maxNorm: number): number;
}

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'binding.gyp'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('genrec: cannot locate the package root (binding.gyp) from ' + fileURLToPath(import.meta.url));
}

function load(): NativeBinding {
  const root = packageRoot();
  const file = join(root, 'build', 'Release', 'genrec_torch.node');
  if (!existsSync(file)) {
    throw new Error(
      `genrec: the libtorch binding is not built (${file} is missing). Run  npm run build:native  ` +
        '(needs libtorch: apt-get install -y libtorch-dev, or LIBTORCH=/path/to/libtorch).',
    );
  }
  const require = createRequire(import.meta.url);
  return require(file) as NativeBinding;
}

export const native: NativeBinding = load();
