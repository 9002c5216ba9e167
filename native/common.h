// Shared declarations of the genrec libtorch binding.
// The binding is deliberately thin: a Tensor handle over at::Tensor, a generic call into
// libtorch's operator dispatcher (schema-driven argument conversion), autograd, optimizers.
#pragma once
#include <napi.h>
#include <torch/torch.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

namespace genrec {

// Tensor handles are plain JS numbers: id = generation * 2^24 + slot into a table of at::Tensor.
// No JS object is wrapped, so no Node-API finalizer runs later: a disposed tensor's memory (and
// every byte of bookkeeping) is freed at dispose time. (ObjectWrap handles were finalised only
// when the event loop turned; in synchronous training loops their small deferred frees pinned
// the heap between tensor buffers and RSS grew without bound, ~33 MB per step on amazon-office.)
// The generation makes a stale id (used after dispose) detectable even when its slot is reused.
// The table belongs to the calling Node environment (see Instance): a handle is only valid in
// the thread that created it.
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
  static int64_t Live(Napi::Env env);
};

struct Slot {
  at::Tensor t;
  uint32_t gen = 0;
  bool used = false;
};

// Everything the binding keeps between calls, one per Node environment: the main thread and
// every worker_thread load the addon into an environment of their own (Env::SetInstanceData),
// so two threads never touch the same table and need no lock (one process-wide, unlocked table
// crashed two workers within seconds). When an environment ends (a worker exits) Node deletes
// its Instance, which frees the tensors that thread still held.
// Still process-wide, shared by all threads: libtorch's intra-op thread pool and its size
// (setNumThreads), the default generator (manualSeed), the allocator. Grad mode is thread-local
// in libtorch, so noGrad in one thread does not affect another.
struct Instance {
  std::deque<Slot> slots;  // deque: references stay valid when it grows
  std::vector<uint32_t> freeSlots;
  int64_t liveCount = 0;
  std::unordered_map<std::string, c10::OperatorHandle> ops;  // resolved dispatcher entries
};
/** Creates the calling environment's Instance (once, at module load). */
void InitInstance(Napi::Env env);
Instance& InstanceOf(Napi::Env env);

std::string Describe(const at::Tensor& t);               // "[64, 48] float32"
std::string DtypeName(at::ScalarType s);                 // "float32"
at::ScalarType ParseDtype(Napi::Env env, const std::string& s, const char* op);
[[noreturn]] void ThrowTorch(Napi::Env env, const std::string& op, const std::string& what,
                             const std::string& inputs);

void InitTensor(Napi::Env env, Napi::Object exports);
void InitOps(Napi::Env env, Napi::Object exports);
void InitOptim(Napi::Env env, Napi::Object exports);

}  // namespace genrec
