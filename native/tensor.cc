// Tensor handles: creation from typed arrays, copy back, queries, disposal, autograd basics.
#include "common.h"
#include <cmath>
#include <cstring>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <sstream>

namespace genrec {

std::string DtypeName(at::ScalarType s) {
  switch (s) {
    case at::kFloat: return "float32";
    case at::kDouble: return "float64";
    case at::kLong: return "int64";
    case at::kInt: return "int32";
    case at::kBool: return "bool";
    case at::kByte: return "uint8";
    case at::kHalf: return "float16";
    case at::kBFloat16: return "bfloat16";
    default: return c10::toString(s);
  }
}

at::ScalarType ParseDtype(Napi::Env env, const std::string& s, const char* op) {
  if (s == "float32") return at::kFloat;
  if (s == "float64") return at::kDouble;
  if (s == "int64") return at::kLong;
  if (s == "int32") return at::kInt;
  if (s == "bool") return at::kBool;
  if (s == "uint8") return at::kByte;
  throw Napi::TypeError::New(env, std::string(op) + ": unknown dtype '" + s +
                                      "' (expected float32, float64, int64, int32, bool or uint8)");
}

std::string Describe(const at::Tensor& t) {
  if (!t.defined()) return "undefined";
  std::ostringstream o;
  o << "[";
  for (int64_t i = 0; i < t.dim(); i++) o << (i ? ", " : "") << t.size(i);
  o << "] " << DtypeName(t.scalar_type());
  if (!t.device().is_cpu()) o << " " << t.device().str();
  return o.str();
}

void ThrowTorch(Napi::Env env, const std::string& op, const std::string& what, const std::string& inputs) {
  std::string msg = op + ": " + what;
  if (!inputs.empty()) msg += " (inputs: " + inputs + ")";
  throw Napi::Error::New(env, msg);
}

void InitInstance(Napi::Env env) {
  // Node deletes the Instance (and so frees its tensors) when this environment is torn down.
  env.SetInstanceData<Instance>(new Instance());
}

Instance& InstanceOf(Napi::Env env) { return *env.GetInstanceData<Instance>(); }

namespace {
constexpr double kSlots = 16777216.0;  // 2^24 slots; generations use the remaining 29 bits of a double
constexpr uint32_t kMaxGen = 1u << 29;

bool Decode(const Napi::Value& v, uint32_t& slot, uint32_t& gen) {
  if (!v.IsNumber()) return false;
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= kSlots) || d >= kSlots * kMaxGen || d != std::floor(d)) return false;
  gen = static_cast<uint32_t>(std::floor(d / kSlots));
  slot = static_cast<uint32_t>(d - static_cast<double>(gen) * kSlots);
  return true;
}

// The slot behind v in its environment's table, or nullptr when v names no slot there.
Slot* SlotOf(const Napi::Value& v, uint32_t& s, uint32_t& gen) {
  if (!Decode(v, s, gen)) return nullptr;
  Instance& in = InstanceOf(v.Env());
  return s < in.slots.size() ? &in.slots[s] : nullptr;
}
}  // namespace

Napi::Value Handles::Wrap(Napi::Env env, at::Tensor t) {
  Instance& in = InstanceOf(env);
  uint32_t s;
  if (!in.freeSlots.empty()) {
    s = in.freeSlots.back();
    in.freeSlots.pop_back();
  } else {
    if (in.slots.size() >= static_cast<size_t>(kSlots)) throw Napi::Error::New(env, "too many live tensors (2^24)");
    s = static_cast<uint32_t>(in.slots.size());
    in.slots.emplace_back();
  }
  Slot& x = in.slots[s];
  x.t = std::move(t);
  x.used = true;
  x.gen = x.gen + 1 >= kMaxGen ? 1 : x.gen + 1;
  in.liveCount++;
  return Napi::Number::New(env, static_cast<double>(x.gen) * kSlots + s);
}

bool Handles::Is(const Napi::Value& v) {
  uint32_t s, g;
  return SlotOf(v, s, g) != nullptr && g >= 1;
}

at::Tensor* Handles::Find(const Napi::Value& v) {
  uint32_t s, g;
  Slot* x = SlotOf(v, s, g);
  return x && x->used && x->gen == g ? &x->t : nullptr;
}

at::Tensor& Handles::Get(const Napi::Value& v, const char* op) {
  if (!Is(v)) throw Napi::TypeError::New(v.Env(), std::string(op) + ": expected a tensor handle");
  at::Tensor* t = Find(v);
  if (!t) throw Napi::Error::New(v.Env(), std::string(op) + ": tensor used after dispose");
  return *t;
}

bool Handles::Dispose(const Napi::Value& v) {
  uint32_t s, g;
  Slot* x = SlotOf(v, s, g);
  if (!x || !x->used || x->gen != g) return false;
  x->t = at::Tensor();
  x->used = false;
  Instance& in = InstanceOf(v.Env());
  in.freeSlots.push_back(s);
  in.liveCount--;
  return true;
}

int64_t Handles::Live(Napi::Env env) { return InstanceOf(env).liveCount; }

static std::vector<int64_t> ShapeArg(const Napi::Value& v, const char* op) {
  if (!v.IsArray()) throw Napi::TypeError::New(v.Env(), std::string(op) + ": shape must be an array");
  Napi::Array a = v.As<Napi::Array>();
  std::vector<int64_t> s(a.Length());
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Value e = a.Get(i);
    if (!e.IsNumber()) throw Napi::TypeError::New(v.Env(), std::string(op) + ": shape entries must be numbers");
    double d = e.As<Napi::Number>().DoubleValue();
    if (d < 0 || d != static_cast<double>(static_cast<int64_t>(d)))
      throw Napi::RangeError::New(v.Env(), std::string(op) + ": bad shape entry " + std::to_string(d));
    s[i] = static_cast<int64_t>(d);
  }
  return s;
}

// fromTyped(typedArray, shape, dtype): copies the array into a new CPU tensor of `dtype`.
static Napi::Value FromTyped(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = "fromTyped";
  if (!info[0].IsTypedArray()) throw Napi::TypeError::New(env, "fromTyped: data must be a typed array");
  Napi::TypedArray ta = info[0].As<Napi::TypedArray>();
  std::vector<int64_t> shape = ShapeArg(info[1], op);
  at::ScalarType want = ParseDtype(env, info[2].As<Napi::String>().Utf8Value(), op);
  at::ScalarType src;
  switch (ta.TypedArrayType()) {
    case napi_float32_array: src = at::kFloat; break;
    case napi_float64_array: src = at::kDouble; break;
    case napi_int32_array: src = at::kInt; break;
    case napi_bigint64_array: src = at::kLong; break;
    case napi_uint8_array: src = at::kByte; break;
    default: throw Napi::TypeError::New(env, "fromTyped: unsupported typed array kind");
  }
  int64_t n = 1;
  for (auto s : shape) n *= s;
  if (n != static_cast<int64_t>(ta.ElementLength()))
    throw Napi::RangeError::New(env, "fromTyped: shape has " + std::to_string(n) + " elements but data has " +
                                         std::to_string(ta.ElementLength()));
  uint8_t* base = static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
  try {
    at::Tensor t = at::empty(shape, at::TensorOptions().dtype(src));
    if (n) std::memcpy(t.data_ptr(), base, ta.ByteLength());
    if (src != want) t = t.to(want);
    return Handles::Wrap(env, t);
  } catch (const c10::Error& e) {
    ThrowTorch(env, op, e.what_without_backtrace(), "");
  }
}

// toTyped(t, kind): copies the tensor (converted to `kind`) into a new typed array.
static Napi::Value ToTyped(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  at::Tensor& t = Handles::Get(info[0], "toTyped");
  std::string kind = info[1].As<Napi::String>().Utf8Value();
  at::ScalarType want = ParseDtype(env, kind, "toTyped");
  try {
    at::Tensor c = t.detach().to(at::kCPU).to(want).contiguous();
    size_t n = c.numel();
    size_t bytes = n * c.element_size();
    Napi::ArrayBuffer buf = Napi::ArrayBuffer::New(env, bytes);
    if (bytes) std::memcpy(buf.Data(), c.data_ptr(), bytes);
    switch (want) {
      case at::kFloat: return Napi::Float32Array::New(env, n, buf, 0);
      case at::kDouble: return Napi::Float64Array::New(env, n, buf, 0);
      case at::kInt: return Napi::Int32Array::New(env, n, buf, 0);
      case at::kLong: return Napi::BigInt64Array::New(env, n, buf, 0);
      case at::kBool:
      case at::kByte: return Napi::Uint8Array::New(env, n, buf, 0);
      default: throw Napi::TypeError::New(env, "toTyped: unsupported kind");
    }
  } catch (const c10::Error& e) {
    ThrowTorch(env, "toTyped", e.what_without_backtrace(), Describe(t));
  }
}

static Napi::Value Shape(const Napi::CallbackInfo& info) {
  at::Tensor& t = Handles::Get(info[0], "shape");
  Napi::Array a = Napi::Array::New(info.Env(), t.dim());
  for (int64_t i = 0; i < t.dim(); i++) a.Set(i, Napi::Number::New(info.Env(), t.size(i)));
  return a;
}
static Napi::Value Dtype(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), DtypeName(Handles::Get(info[0], "dtype").scalar_type()));
}
static Napi::Value Device(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), Handles::Get(info[0], "device").device().str());
}
static Napi::Value Dispose(const Napi::CallbackInfo& info) {
  if (!Handles::Is(info[0])) throw Napi::TypeError::New(info.Env(), "dispose: expected a tensor handle");
  return Napi::Boolean::New(info.Env(), Handles::Dispose(info[0]));
}
static Napi::Value IsDisposed(const Napi::CallbackInfo& info) {
  if (!Handles::Is(info[0])) throw Napi::TypeError::New(info.Env(), "isDisposed: expected a tensor handle");
  return Napi::Boolean::New(info.Env(), Handles::Find(info[0]) == nullptr);
}
static Napi::Value LiveCount(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(Handles::Live(info.Env())));
}
// item(t): the single value of a one-element tensor, as a JS number (bool as 0/1).
static Napi::Value Item(const Napi::CallbackInfo& info) {
  at::Tensor& t = Handles::Get(info[0], "item");
  try {
    return Napi::Number::New(info.Env(), t.item().toDouble());
  } catch (const c10::Error& e) {
    ThrowTorch(info.Env(), "item", e.what_without_backtrace(), Describe(t));
  }
}

// ---- autograd ----
static Napi::Value SetRequiresGrad(const Napi::CallbackInfo& info) {
  at::Tensor& t = Handles::Get(info[0], "requiresGrad");
  try {
    t.requires_grad_(info[1].As<Napi::Boolean>().Value());
  } catch (const c10::Error& e) {
    ThrowTorch(info.Env(), "requiresGrad", e.what_without_backtrace(), Describe(t));
  }
  return info[0];
}
static Napi::Value RequiresGrad(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), Handles::Get(info[0], "requiresGrad").requires_grad());
}
static Napi::Value Backward(const Napi::CallbackInfo& info) {
  at::Tensor& t = Handles::Get(info[0], "backward");
  std::string inputs = Describe(t);
  try {
    if (info.Length() > 1 && !info[1].IsUndefined() && !info[1].IsNull() && !Handles::Is(info[1]))
      throw Napi::TypeError::New(info.Env(), "backward: grad must be a tensor");
    if (info.Length() > 1 && Handles::Is(info[1])) {
      at::Tensor& g = Handles::Get(info[1], "backward");
      inputs += ", grad " + Describe(g);
      t.backward(g);
    } else {
      t.backward();
    }
  } catch (const c10::Error& e) {
    ThrowTorch(info.Env(), "backward", e.what_without_backtrace(), inputs);
  }
  return info.Env().Undefined();
}
// grad(t): a new handle to t.grad, or null when there is none.
static Napi::Value Grad(const Napi::CallbackInfo& info) {
  at::Tensor& t = Handles::Get(info[0], "grad");
  const at::Tensor& g = t.grad();
  if (!g.defined()) return info.Env().Null();
  return Handles::Wrap(info.Env(), g);
}
static Napi::Value ClearGrad(const Napi::CallbackInfo& info) {
  at::Tensor& t = Handles::Get(info[0], "clearGrad");
  t.mutable_grad() = at::Tensor();
  return info.Env().Undefined();
}
static Napi::Value SetGradEnabled(const Napi::CallbackInfo& info) {
  bool prev = at::GradMode::is_enabled();
  at::GradMode::set_enabled(info[0].As<Napi::Boolean>().Value());
  return Napi::Boolean::New(info.Env(), prev);
}
static Napi::Value IsGradEnabled(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), at::GradMode::is_enabled());
}
// copy_(dst, src) without autograd: used to load weights and by optimizer-side utilities.
static Napi::Value AssignData(const Napi::CallbackInfo& info) {
  at::Tensor& dst = Handles::Get(info[0], "assign");
  at::Tensor& src = Handles::Get(info[1], "assign");
  try {
    at::NoGradGuard ng;
    if (!dst.sizes().equals(src.sizes()))
      ThrowTorch(info.Env(), "assign", "shape mismatch", Describe(dst) + ", " + Describe(src));
    dst.copy_(src);
  } catch (const c10::Error& e) {
    ThrowTorch(info.Env(), "assign", e.what_without_backtrace(), Describe(dst) + ", " + Describe(src));
  }
  return info.Env().Undefined();
}

// ---- global state ----
static Napi::Value ManualSeed(const Napi::CallbackInfo& info) {
  torch::manual_seed(static_cast<uint64_t>(info[0].As<Napi::Number>().Int64Value()));
  return info.Env().Undefined();
}
static Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  int n = info[0].As<Napi::Number>().Int32Value();
  if (n < 1) throw Napi::RangeError::New(info.Env(), "setNumThreads: need at least 1 thread");
  at::set_num_threads(n);
  return info.Env().Undefined();
}
static Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), at::get_num_threads());
}
// Returns freed heap memory to the OS (glibc keeps large freed blocks in the heap after its
// mmap threshold adapts upward; without this RSS stays at its high-water mark). Cheap enough
// to call once per epoch or evaluation. Returns false where malloc_trim is unavailable.
static Napi::Value MallocTrim(const Napi::CallbackInfo& info) {
#if defined(__GLIBC__)
  return Napi::Boolean::New(info.Env(), malloc_trim(0) != 0);
#else
  return Napi::Boolean::New(info.Env(), false);
#endif
}
static Napi::Value Version(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), TORCH_VERSION);
}

void InitTensor(Napi::Env env, Napi::Object exports) {
  auto def = [&](const char* name, Napi::Function::Callback cb) { exports.Set(name, Napi::Function::New(env, cb, name)); };
  def("fromTyped", FromTyped);
  def("toTyped", ToTyped);
  def("shape", Shape);
  def("dtype", Dtype);
  def("device", Device);
  def("dispose", Dispose);
  def("isDisposed", IsDisposed);
  def("liveCount", LiveCount);
  def("item", Item);
  def("setRequiresGrad", SetRequiresGrad);
  def("requiresGrad", RequiresGrad);
  def("backward", Backward);
  def("grad", Grad);
  def("clearGrad", ClearGrad);
  def("setGradEnabled", SetGradEnabled);
  def("isGradEnabled", IsGradEnabled);
  def("assign", AssignData);
  def("manualSeed", ManualSeed);
  def("setNumThreads", SetNumThreads);
  def("getNumThreads", GetNumThreads);
  def("version", Version);
  def("mallocTrim", MallocTrim);
}

}  // namespace genrec
