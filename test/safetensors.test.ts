import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  decodeSafetensors,
  decodeSafetensorsHeader,
  encodeSafetensors,
  loadSafetensors,
  loadSafetensorsSync,
  saveSafetensors,
  saveSafetensorsSync,
  type StTensor,
} from '../src/engine/safetensors.js';

const all: Record<string, StTensor> = {
  f32: { dtype: 'float32', shape: [2, 3], data: Float32Array.from([1.5, -2, 3.25, 0, -0, 1e-30]) },
  f64: { dtype: 'float64', shape: [3], data: Float64Array.from([Math.PI, -1e300, 5e-324]) },
  i64: { dtype: 'int64', shape: [2], data: BigInt64Array.from([-(2n ** 62n), 2n ** 63n - 1n]) },
  i32: { dtype: 'int32', shape: [1, 1, 2], data: Int32Array.from([-2147483648, 2147483647]) },
  bool: { dtype: 'bool', shape: [4], data: Uint8Array.from([1, 0, 0, 1]) },
  u8: { dtype: 'uint8', shape: [3], data: Uint8Array.from([0, 128, 255]) },
  scalar: { dtype: 'float32', shape: [], data: Float32Array.from([42]) },
  empty: { dtype: 'int32', shape: [0, 5], data: new Int32Array(0) },
};

/** Build a file by hand: header JSON (padded with spaces to 8-byte alignment) + data. */
function handMade(header: unknown, data: number[] | Uint8Array, pad = true): Buffer {
  let json = JSON.stringify(header);
  if (pad) json += ' '.repeat((8 - (json.length % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  return Buffer.concat([len, Buffer.from(json), Buffer.from(data)]);
}

test('round trip of every dtype, scalars and empty tensors, with metadata', () => {
  const buf = encodeSafetensors(all, { format: 'pt', note: 'hello ✓' });
  const back = decodeSafetensors(buf);
  assert.deepEqual(back.metadata, { format: 'pt', note: 'hello ✓' });
  assert.deepEqual(Object.keys(back.tensors), Object.keys(all).sort());
  for (const [name, t] of Object.entries(all)) {
    const b = back.tensors[name];
    assert.equal(b.dtype, t.dtype, name);
    assert.deepEqual(b.shape, t.shape, name);
    assert.equal(b.data.constructor, t.data.constructor, name);
    assert.deepEqual(Array.from(b.data as ArrayLike<unknown>), Array.from(t.data as ArrayLike<unknown>), name);
  }
  assert.ok(Object.is(back.tensors.f32.data[4], -0)); // bit-exact
  // header length keeps the data 8-byte aligned
  assert.equal(Number(buf.readBigUInt64LE(0)) % 8, 0);
  // deterministic: insertion order does not matter
  const reversed = Object.fromEntries(Object.entries(all).reverse());
  assert.ok(encodeSafetensors(reversed, { format: 'pt', note: 'hello ✓' }).equals(buf));
  assert.deepEqual(decodeSafetensors(encodeSafetensors({})).tensors, {});
});

test('byte-level layout of a tiny hand-made example', () => {
  const buf = encodeSafetensors({ a: { dtype: 'float32', shape: [2], data: Float32Array.from([1, 2]) } });
  const json = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}'; // 54 bytes → padded to 56
  const expected = Buffer.concat([
    Buffer.from([56, 0, 0, 0, 0, 0, 0, 0]),
    Buffer.from(json + '  '),
    Buffer.from([0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0x40]), // 1.0f, 2.0f little-endian
  ]);
  assert.equal(buf.length, 72);
  assert.deepEqual([...buf], [...expected]);
  // and a hand-made file (as another implementation would write it) decodes
  const t = decodeSafetensors(expected).tensors.a;
  assert.deepEqual(t, { dtype: 'float32', shape: [2], data: Float32Array.from([1, 2]) });
});

test('decodes unaligned buffers and tensors stored out of name order', () => {
  // data for 'b' comes first in the buffer; header written without padding; buffer at an odd byteOffset
  const file = handMade(
    {
      a: { dtype: 'I32', shape: [1], data_offsets: [8, 12] },
      b: { dtype: 'F64', shape: [1], data_offsets: [0, 8] },
    },
    [...new Uint8Array(Float64Array.from([0.5]).buffer), 7, 0, 0, 0],
    false,
  );
  const shifted = new Uint8Array(file.length + 1);
  shifted.set(file, 1);
  const back = decodeSafetensors(shifted.subarray(1));
  assert.deepEqual(Array.from(back.tensors.a.data as Int32Array), [7]);
  assert.deepEqual(Array.from(back.tensors.b.data as Float64Array), [0.5]);
});

test('malformed files are rejected with clear errors naming the tensor', () => {
  const good = encodeSafetensors({ x: { dtype: 'float32', shape: [2], data: Float32Array.from([1, 2]) } });
  assert.throws(() => decodeSafetensors(good.subarray(0, 5)), /file too short \(5 bytes\)/);
  assert.throws(
    () => decodeSafetensors(good.subarray(0, 30)),
    /header length 56 exceeds the file size \(30 bytes\): truncated/,
  );
  assert.throws(
    () => decodeSafetensors(good.subarray(0, good.length - 1)),
    /tensor 'x': data_offsets \[0, 8\] exceed the 7-byte data buffer: truncated file\?/,
  );
  assert.throws(
    () => decodeSafetensors(Buffer.concat([good, Buffer.from([0])])),
    /cover 8 bytes but the data buffer has 9/,
  );
  const d8 = new Uint8Array(8);
  const d16 = new Uint8Array(16);
  assert.throws(
    () => decodeSafetensors(handMade({ x: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, d8)),
    /tensor 'x': F32 \[3\] needs 12 bytes but data_offsets \[0, 8\] span 8/,
  );
  assert.throws(
    () => decodeSafetensors(handMade({ x: { dtype: 'F32', shape: [2], data_offsets: [8, 0] } }, d8)),
    /tensor 'x': data_offsets \[8, 0\] end before they begin/,
  );
  assert.throws(
    () => decodeSafetensors(handMade({ x: { dtype: 'F32', shape: [2], data_offsets: [0, -8] } }, d8)),
    /tensor 'x': data_offsets must be two non-negative integers/,
  );
  assert.throws(
    () =>
      decodeSafetensors(
        handMade(
          {
            x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
            y: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
          },
          d16,
        ),
      ),
    /tensor 'y' data_offsets \[4, 12\] overlap the previous tensor \(expected begin 8\)/,
  );
  assert.throws(
    () => decodeSafetensors(handMade({ x: { dtype: 'F32', shape: [2], data_offsets: [8, 16] } }, d16)),
    /tensor 'x' data_offsets \[8, 16\] leave a gap after the previous tensor \(expected begin 0\)/,
  );
  assert.throws(
    () => decodeSafetensors(handMade({ x: { dtype: 'F16', shape: [4], data_offsets: [0, 8] } }, d8)),
    /tensor 'x': unsupported dtype 'F16'/,
  );
  assert.throws(
    () => decodeSafetensors(handMade({ x: { dtype: 'U8', shape: [2, -4], data_offsets: [0, 8] } }, d8)),
    /tensor 'x': shape \[2,-4\] has invalid dim -4/,
  );
  assert.throws(
    () =>
      decodeSafetensors(handMade({ x: { dtype: 'BOOL', shape: [8], data_offsets: [0, 8] } }, [0, 1, 2, 0, 0, 0, 0, 0])),
    /bool tensor 'x' has byte 2 at \[2\]/,
  );
  assert.throws(() => decodeSafetensors(handMade({ __metadata__: { a: 1 } }, [])), /__metadata__ 'a' must be a string/);
  assert.throws(() => decodeSafetensors(handMade([1], [])), /header does not start with '\{'/);
  const broken = Buffer.from(good);
  broken.write('}', 8 + 4); // corrupt the JSON: '{"x"}{...'
  assert.throws(() => decodeSafetensors(broken), /header is not valid JSON/);
  const huge = Buffer.alloc(16);
  huge.writeBigUInt64LE(2n ** 40n);
  assert.throws(() => decodeSafetensors(huge), /exceeds the 100000000-byte limit/);
  const h = decodeSafetensorsHeader(good);
  assert.deepEqual(h.entries.x, { dtype: 'F32', shape: [2], data_offsets: [0, 8] });
  assert.equal(h.dataStart, 64);
});

test('encoding rejects inconsistent tensors', () => {
  assert.throws(
    () => encodeSafetensors({ w: { dtype: 'float32', shape: [2, 2], data: new Float32Array(3) } }),
    /tensor 'w' has shape \[2,2\] \(4 elements\) but 3 values/,
  );
  assert.throws(
    () => encodeSafetensors({ w: { dtype: 'float32', shape: [1], data: new Float64Array(1) } as unknown as StTensor }),
    /tensor 'w' has dtype float32 but its data is a Float64Array/,
  );
  assert.throws(
    () => encodeSafetensors({ m: { dtype: 'bool', shape: [1], data: Uint8Array.from([3]) } }),
    /bool tensor 'm' has value 3/,
  );
  assert.throws(
    () => encodeSafetensors({ __metadata__: { dtype: 'uint8', shape: [0], data: new Uint8Array(0) } }),
    /invalid tensor name '__metadata__'/,
  );
  assert.throws(
    () => encodeSafetensors({}, { n: 3 } as unknown as Record<string, string>),
    /metadata 'n' must be a string/,
  );
});

test('save / load files atomically; errors name the file', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'genrec-st-'));
  try {
    const file = path.join(dir, 'ckpt', 'model.safetensors');
    await saveSafetensors(file, all, { step: '10' });
    const back = await loadSafetensors(file);
    assert.equal(back.metadata.step, '10');
    assert.deepEqual(Array.from(back.tensors.i64.data as BigInt64Array), Array.from(all.i64.data as BigInt64Array));
    saveSafetensorsSync(file, { z: all.u8 });
    assert.deepEqual(Object.keys(loadSafetensorsSync(file).tensors), ['z']);
    assert.deepEqual(readdirSync(path.dirname(file)), ['model.safetensors']);
    writeFileSync(file, readFileSync(file).subarray(0, 20));
    await assert.rejects(loadSafetensors(file), (e: Error) =>
      e.message.startsWith(file + ': safetensors: header length'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
