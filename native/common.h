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

class TensorWrap : public Napi::ObjectWrap<TensorWrap> {
 public:
  static Napi::FunctionReference ctor;
  static std::atomic<int64_t> live;  // handles holding a tensor (not yet disposed or collected)
  static void Init(Napi::Env env, Napi::Object exports);
  static Napi::Object Wrap(Napi::Env env, at::Tensor t);
  static bool Is(const Napi::Value& v);
  // Throws a JS error naming `op` when v is not a live tensor handle.
  static at::Tensor& Get(const Napi::Value& v, const char* op);

  explicit TensorWrap(const Napi::CallbackInfo& info);
  ~TensorWrap() override;
  void Set(at::Tensor t);
  void Dispose();
  bool disposed() const { return !holds_; }
  at::Tensor tensor;

 private:
  bool holds_ = false;
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
