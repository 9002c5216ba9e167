// genrec engine: a thin TypeScript layer over libtorch (tensors, autograd, optimizers).
export * from './tensor.js';
export * from './scope.js';
export * from './autograd.js';
export * from './optim.js';
export * from './nn.js';
export { native } from './native.js';
