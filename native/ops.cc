// Generic operator calls through libtorch's dispatcher.
//
//   call(name, overload, args[]) -> result
//
// `name` is an ATen operator ("aten::softmax"), `overload` its overload name ("int"; "" for
// the default). JS arguments are converted according to the operator's schema, so every
// ATen op (with autograd) is reachable without a hand-written wrapper. Missing trailing
// arguments take the schema's defaults. Outputs: a tensor, an array (tuples, tensor lists),
// a number, a boolean or null.
#include "common.h"

namespace genrec {

// Resolved operators are cached per environment (Instance::ops), like the handle table, so
// threads never share the unlocked map; unordered_map references survive rehashing.
static const c10::OperatorHandle& FindOp(Napi::Env env, const std::string& name, const std::string& overload) {
  auto& cache = InstanceOf(env).ops;
  std::string key = name + "." + overload;
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  auto h = c10::Dispatcher::singleton().findSchema({name, overload});
  if (!h.has_value()) throw Napi::Error::New(env, "no operator " + name + (overload.empty() ? "" : "." + overload));
  return cache.emplace(key, *h).first->second;
}

struct ConvertError {
  std::string msg;
};

static int64_t ToInt(const Napi::Value& v, const std::string& where) {
  if (!v.IsNumber()) throw ConvertError{where + " must be an integer"};
  double d = v.As<Napi::Number>().DoubleValue();
  if (d != static_cast<double>(static_cast<int64_t>(d))) throw ConvertError{where + " must be an integer, got " + std::to_string(d)};
  return static_cast<int64_t>(d);
}

static c10::IValue Convert(Napi::Env env, const Napi::Value& v, const c10::TypePtr& type, const std::string& where,
                           const char* op) {
  using K = c10::TypeKind;
  K kind = type->kind();
  if (kind == K::OptionalType) {
    if (v.IsNull() || v.IsUndefined()) return c10::IValue();
    return Convert(env, v, type->castRaw<c10::OptionalType>()->getElementType(), where, op);
  }
  switch (kind) {
    case K::TensorType:
      if (!Handles::Is(v)) throw ConvertError{where + " must be a tensor"};
      return Handles::Get(v, op);
    case K::ScalarTypeType:
    case K::IntType:
    case K::SymIntType:
    case K::LayoutType:
    case K::MemoryFormatType:
      // dtype arguments (ScalarType, typed as int in libtorch 1.13's schemas) take names ('float32', ...)
      if (v.IsString()) return static_cast<int64_t>(ParseDtype(env, v.As<Napi::String>().Utf8Value(), op));
      return ToInt(v, where);
    case K::FloatType:
      if (!v.IsNumber()) throw ConvertError{where + " must be a number"};
      return v.As<Napi::Number>().DoubleValue();
    case K::NumberType: {  // at::Scalar: integral JS numbers become integer scalars
      if (v.IsBoolean()) return c10::Scalar(v.As<Napi::Boolean>().Value());
      if (!v.IsNumber()) throw ConvertError{where + " must be a number"};
      double d = v.As<Napi::Number>().DoubleValue();
      if (std::isfinite(d) && d == static_cast<double>(static_cast<int64_t>(d)) && std::abs(d) < 9e15)
        return c10::Scalar(static_cast<int64_t>(d));
      return c10::Scalar(d);
    }
    case K::BoolType:
      if (!v.IsBoolean()) throw ConvertError{where + " must be a boolean"};
      return v.As<Napi::Boolean>().Value();
    case K::StringType:
      if (!v.IsString()) throw ConvertError{where + " must be a string"};
      return v.As<Napi::String>().Utf8Value();
    case K::ListType: {
      c10::TypePtr elem = type->castRaw<c10::ListType>()->getElementType();
      if (!v.IsArray()) {
        // a single int where an int[] is expected (e.g. dim=1) is accepted, as in PyTorch
        if (v.IsNumber() && (elem->kind() == K::IntType || elem->kind() == K::SymIntType))
          return c10::List<int64_t>({ToInt(v, where)});
        throw ConvertError{where + " must be an array"};
      }
      Napi::Array a = v.As<Napi::Array>();
      uint32_t n = a.Length();
      switch (elem->kind()) {
        case K::IntType:
        case K::SymIntType: {
          c10::List<int64_t> l;
          l.reserve(n);
          for (uint32_t i = 0; i < n; i++) l.push_back(ToInt(a.Get(i), where + "[" + std::to_string(i) + "]"));
          return l;
        }
        case K::FloatType: {
          c10::List<double> l;
          for (uint32_t i = 0; i < n; i++) {
            Napi::Value e = a.Get(i);
            if (!e.IsNumber()) throw ConvertError{where + "[" + std::to_string(i) + "] must be a number"};
            l.push_back(e.As<Napi::Number>().DoubleValue());
          }
          return l;
        }
        case K::BoolType: {
          c10::List<bool> l;
          for (uint32_t i = 0; i < n; i++) {
            Napi::Value e = a.Get(i);
            if (!e.IsBoolean()) throw ConvertError{where + "[" + std::to_string(i) + "] must be a boolean"};
            l.push_back(e.As<Napi::Boolean>().Value());
          }
          return l;
        }
        case K::TensorType: {
          c10::List<at::Tensor> l;
          l.reserve(n);
          for (uint32_t i = 0; i < n; i++) {
            Napi::Value e = a.Get(i);
            if (!Handles::Is(e)) throw ConvertError{where + "[" + std::to_string(i) + "] must be a tensor"};
            l.push_back(Handles::Get(e, op));
          }
          return l;
        }
        case K::OptionalType: {  // Tensor?[] (index)
          c10::List<c10::optional<at::Tensor>> l;
          for (uint32_t i = 0; i < n; i++) {
            Napi::Value e = a.Get(i);
            if (e.IsNull() || e.IsUndefined()) l.push_back(c10::nullopt);
            else if (!Handles::Is(e)) throw ConvertError{where + "[" + std::to_string(i) + "] must be a tensor or null"};
            else l.push_back(Handles::Get(e, op));
          }
          return l;
        }
        default:
          throw ConvertError{where + ": unsupported list type " + type->str()};
      }
    }
    case K::DeviceObjType:
      if (v.IsString()) return c10::Device(v.As<Napi::String>().Utf8Value());
      throw ConvertError{where + " must be a device string"};
    default:
      if (v.IsNull() || v.IsUndefined()) return c10::IValue();
      throw ConvertError{where + ": unsupported argument type " + type->str()};
  }
}

static Napi::Value ToJs(Napi::Env env, const c10::IValue& v) {
  if (v.isTensor()) {
    const at::Tensor& t = v.toTensor();
    if (!t.defined()) return env.Null();
    return Handles::Wrap(env, t);
  }
  if (v.isNone()) return env.Null();
  if (v.isInt()) return Napi::Number::New(env, static_cast<double>(v.toInt()));
  if (v.isDouble()) return Napi::Number::New(env, v.toDouble());
  if (v.isBool()) return Napi::Boolean::New(env, v.toBool());
  if (v.isTensorList()) {
    auto l = v.toTensorList();
    Napi::Array a = Napi::Array::New(env, l.size());
    for (size_t i = 0; i < l.size(); i++) a.Set(i, Handles::Wrap(env, l.get(i)));
    return a;
  }
  if (v.isIntList()) {
    auto l = v.toIntList();
    Napi::Array a = Napi::Array::New(env, l.size());
    for (size_t i = 0; i < l.size(); i++) a.Set(i, Napi::Number::New(env, static_cast<double>(l.get(i))));
    return a;
  }
  if (v.isTuple()) {
    const auto& el = v.toTupleRef().elements();
    Napi::Array a = Napi::Array::New(env, el.size());
    for (size_t i = 0; i < el.size(); i++) a.Set(i, ToJs(env, el[i]));
    return a;
  }
  if (v.isScalar()) return Napi::Number::New(env, v.toScalar().toDouble());
  throw Napi::Error::New(env, std::string("unsupported return type ") + v.tagKind());
}

// Shapes of the tensor arguments (by schema type, so plain numbers are never mistaken for handles).
static std::string DescribeArgs(const Napi::Array& args, const c10::FunctionSchema& schema) {
  std::string s;
  const auto& sargs = schema.arguments();
  for (uint32_t i = 0; i < args.Length() && i < sargs.size(); i++) {
    auto kind = sargs[i].type()->kind();
    if (kind == c10::TypeKind::OptionalType)
      kind = sargs[i].type()->castRaw<c10::OptionalType>()->getElementType()->kind();
    if (kind != c10::TypeKind::TensorType) continue;
    Napi::Value v = args.Get(i);
    if (!Handles::Is(v)) continue;
    at::Tensor* t = Handles::Find(v);
    if (!s.empty()) s += ", ";
    s += t ? Describe(*t) : "disposed";
  }
  return s;
}

static Napi::Value Call(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = info[0].As<Napi::String>().Utf8Value();
  std::string overload = info[1].As<Napi::String>().Utf8Value();
  if (!info[2].IsArray()) throw Napi::TypeError::New(env, name + ": arguments must be an array");
  Napi::Array args = info[2].As<Napi::Array>();
  std::string opname = overload.empty() ? name : name + "." + overload;
  const c10::OperatorHandle& h = FindOp(env, name, overload);
  const c10::FunctionSchema& schema = h.schema();
  const auto& sargs = schema.arguments();
  if (args.Length() > sargs.size())
    throw Napi::TypeError::New(env, opname + ": takes " + std::to_string(sargs.size()) + " arguments, got " +
                                        std::to_string(args.Length()) + " (schema: " + toString(schema) + ")");
  torch::jit::Stack stack;
  stack.reserve(sargs.size());
  try {
    for (size_t i = 0; i < sargs.size(); i++) {
      const auto& a = sargs[i];
      if (i < args.Length() && !(args.Get(i).IsUndefined() && a.default_value().has_value())) {
        stack.push_back(Convert(env, args.Get(i), a.type(), "argument '" + a.name() + "'", opname.c_str()));
      } else if (a.default_value().has_value()) {
        stack.push_back(*a.default_value());
      } else {
        throw ConvertError{"missing argument '" + a.name() + "'"};
      }
    }
  } catch (const ConvertError& e) {
    throw Napi::TypeError::New(env, opname + ": " + e.msg + " (schema: " + toString(schema) + ")");
  }
  try {
    h.callBoxed(&stack);
  } catch (const c10::Error& e) {
    ThrowTorch(env, opname, e.what_without_backtrace(), DescribeArgs(args, schema));
  } catch (const std::exception& e) {
    ThrowTorch(env, opname, e.what(), DescribeArgs(args, schema));
  }
  if (stack.size() == 1) return ToJs(env, stack[0]);
  Napi::Array out = Napi::Array::New(env, stack.size());
  for (size_t i = 0; i < stack.size(); i++) out.Set(i, ToJs(env, stack[i]));
  return out;
}

static Napi::Value Schema(const Napi::CallbackInfo& info) {
  const auto& h = FindOp(info.Env(), info[0].As<Napi::String>().Utf8Value(), info[1].As<Napi::String>().Utf8Value());
  return Napi::String::New(info.Env(), toString(h.schema()));
}

void InitOps(Napi::Env env, Napi::Object exports) {
  exports.Set("call", Napi::Function::New(env, Call, "call"));
  exports.Set("schema", Napi::Function::New(env, Schema, "schema"));
}

}  // namespace genrec
