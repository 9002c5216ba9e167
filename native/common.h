// Shared declarations of the genrec libtorch binding.
// The binding is deliberately thin: a Tensor handle over at::Tensor, a generic call into
// libtorch's operator dispatcher (schema-driven argument conversion), autograd, optimizers.
#pragma once
#include <napi.h>
#include <torch/torch.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <atomic>
#include <string>

namespace genrec {

// Tensor handles are plain JS numbers: id = generation * 2^24 + slot into a table of at::Tensor.
// No JS object is wrapped, so no Node-API finalizer runs later: a disposed tensor's memory (and
// every byte of bookkeeping) is freed at dispose time. (ObjectWrap handles were finalised only
// when the event loop turned; in synchronous training loops their small deferred frees pinned
// the heap between tensor buffers and RSS grew without bound, ~33 MB per step on amazon-office.)
// The generation makes a stale id (used after dispose) detectable even when its slot is reused.
class Handles {
 public:
  static Napi::Value Wrap(Napi::Env env, at::Tensor t);
  /** True when v is a number shaped like a handle id (live or not). */
  static bool Is(const Napi::Value& v);
  /** The live tensor behind v, or nullptr. */
  static at::Tensor* Find(const Napi::Value& v);
  /** Throws a JS error naming `op` when v is not a live tensor handle. */
  static at::Tensor& Get(const Napi::Value& v, const char* op);
  /** Frees the tensor; false when it was not live (disposing twice is harmless). */
  static bool Dispose(const Napi::Value& v);
  static int64_t Live();
};

std::string Describe(const at::Tensor& t);               // "[64, 48] float32"
std::string DtypeName(at::ScalarType s);                 // "float32"
at::ScalarType ParseDtype(Napi::Env env, const std::string& s, const char* op);
[[noreturn]] void ThrowTorch(Napi::Env env, const std::string& op, const std::string& what,
                             const std::string& inputs);

void InitTensor(Napi::Env env, Napi::Object exports);
void InitOps(Napi::Env env, Napi::Object exports);
void InitOptim(Napi::Env env, Napi::Object exports);

}  // namespace genrec
