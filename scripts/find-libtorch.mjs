#!/usr/bin/env node
// Locates libtorch for the native binding (tch-rs convention):
//   1. $LIBTORCH=/path  (a downloaded libtorch: include/ and lib/ under it)
//   2. the system paths of Debian's libtorch-dev (/usr/include/torch/csrc/api/include)
// Usage: find-libtorch.mjs check | include | lib | rpath
import { existsSync } from 'node:fs';
import { join } from 'node:path';

function locate() {
  const env = process.env.LIBTORCH;
  if (env) {
    const inc = join(env, 'include');
    const api = join(inc, 'torch/csrc/api/include');
    const lib = join(env, 'lib');
    if (!existsSync(join(api, 'torch/torch.h'))) {
      return { error: `LIBTORCH=${env} does not contain include/torch/csrc/api/include/torch/torch.h` };
    }
    return { include: [inc, api], lib };
  }
  for (const [inc, lib] of [
    ['/usr/include', '/usr/lib/x86_64-linux-gnu'],
    ['/usr/include', '/usr/lib/aarch64-linux-gnu'],
    ['/usr/local/include', '/usr/local/lib'],
  ]) {
    const api = join(inc, 'torch/csrc/api/include');
    if (
      existsSync(join(api, 'torch/torch.h')) &&
      (existsSync(join(lib, 'libtorch.so')) || existsSync(join(lib, 'libtorch_cpu.so')))
    ) {
      return { include: [inc, api], lib };
    }
  }
  return { error: 'libtorch was not found in the system paths and LIBTORCH is not set' };
}

const found = locate();
const what = process.argv[2] ?? 'check';
if (found.error) {
  if (what === 'check') {
    process.stderr.write(
      `\ngenrec: ${found.error}.\n` +
        'Install it with:   sudo apt-get update && sudo apt-get install -y libtorch-dev   (Debian/Ubuntu)\n' +
        'or download libtorch (C++ distribution, cxx11 ABI) and set   LIBTORCH=/path/to/libtorch   before npm install.\n\n',
    );
  }
  process.exit(1);
}
if (what === 'include') console.log(found.include.join(' '));
else if (what === 'lib') console.log(found.lib);
else if (what === 'check') console.log(`genrec: using libtorch from ${found.lib}`);
else {
  console.error(`unknown argument ${what}`);
  process.exit(2);
}
