// Optimizers from libtorch (AdamW, Adam, SGD) over a list of parameter tensors, their state
// for checkpoints, and gradient-norm clipping.
#include "common.h"

namespace genrec {

class OptimWrap : public Napi::ObjectWrap<OptimWrap> {
 public:
  static void Init(Napi::Env env, Napi::Object exports) {
    Napi::Function f = DefineClass(env, "NativeOptimizer",
                                   {InstanceMethod("step", &OptimWrap::Step), InstanceMethod("zeroGrad", &OptimWrap::ZeroGrad),
                                    InstanceMethod("setLr", &OptimWrap::SetLr), InstanceMethod("getState", &OptimWrap::GetState),
                                    InstanceMethod("setState", &OptimWrap::SetState)});
    exports.Set("NativeOptimizer", f);
  }

  // new NativeOptimizer(kind, params[], {lr, beta1, beta2, eps, weightDecay, momentum})
  explicit OptimWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<OptimWrap>(info) {
    Napi::Env env = info.Env();
    kind_ = info[0].As<Napi::String>().Utf8Value();
    Napi::Array ps = info[1].As<Napi::Array>();
    for (uint32_t i = 0; i < ps.Length(); i++) params_.push_back(Handles::Get(ps.Get(i), "optimizer"));
    Napi::Object o = info[2].As<Napi::Object>();
    auto num = [&](const char* k, double d) { return o.Has(k) ? o.Get(k).As<Napi::Number>().DoubleValue() : d; };
    try {
      if (kind_ == "adamw") {
        opt_ = std::make_unique<torch::optim::AdamW>(
            params_, torch::optim::AdamWOptions(num("lr", 1e-3))
                         .betas({num("beta1", 0.9), num("beta2", 0.999)})
                         .eps(num("eps", 1e-8))
                         .weight_decay(num("weightDecay", 0.01)));
      } else if (kind_ == "adam") {
        opt_ = std::make_unique<torch::optim::Adam>(
            params_, torch::optim::AdamOptions(num("lr", 1e-3))
                         .betas({num("beta1", 0.9), num("beta2", 0.999)})
                         .eps(num("eps", 1e-8))
                         .weight_decay(num("weightDecay", 0)));
      } else if (kind_ == "sgd") {
        opt_ = std::make_unique<torch::optim::SGD>(
            params_, torch::optim::SGDOptions(num("lr", 1e-2)).momentum(num("momentum", 0)).weight_decay(num("weightDecay", 0)));
      } else {
        throw Napi::TypeError::New(env, "optimizer: unknown kind '" + kind_ + "' (adamw, adam, sgd)");
      }
    } catch (const c10::Error& e) {
      ThrowTorch(env, "optimizer", e.what_without_backtrace(), "");
    }
  }

 private:
  Napi::Value Step(const Napi::CallbackInfo& info) {
    try {
      opt_->step();
    } catch (const c10::Error& e) {
      ThrowTorch(info.Env(), "optimizer.step", e.what_without_backtrace(), "");
    }
    return info.Env().Undefined();
  }
  Napi::Value ZeroGrad(const Napi::CallbackInfo& info) {
    opt_->zero_grad();  // libtorch 1.13: sets gradients to zero (keeps the buffers)
    return info.Env().Undefined();
  }
  Napi::Value SetLr(const Napi::CallbackInfo& info) {
    double lr = info[0].As<Napi::Number>().DoubleValue();
    for (auto& g : opt_->param_groups()) {
      if (kind_ == "adamw") static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);
      else if (kind_ == "adam") static_cast<torch::optim::AdamOptions&>(g.options()).lr(lr);
      else static_cast<torch::optim::SGDOptions&>(g.options()).lr(lr);
    }
    return info.Env().Undefined();
  }
  std::string Key(const at::Tensor& p) { return c10::guts::to_string(p.unsafeGetTensorImpl()); }

  // getState(): per parameter null or [step, expAvg, expAvgSq] (Adam/AdamW) / [momentumBuffer] (SGD)
  Napi::Value GetState(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Array out = Napi::Array::New(env, params_.size());
    auto& st = opt_->state();
    for (size_t i = 0; i < params_.size(); i++) {
      auto it = st.find(Key(params_[i]));
      if (it == st.end()) {
        out.Set(i, env.Null());
        continue;
      }
      Napi::Array e = Napi::Array::New(env);
      if (kind_ == "adamw") {
        auto& s = static_cast<torch::optim::AdamWParamState&>(*it->second);
        e.Set(0u, Napi::Number::New(env, static_cast<double>(s.step())));
        e.Set(1u, Handles::Wrap(env, s.exp_avg().clone()));
        e.Set(2u, Handles::Wrap(env, s.exp_avg_sq().clone()));
      } else if (kind_ == "adam") {
        auto& s = static_cast<torch::optim::AdamParamState&>(*it->second);
        e.Set(0u, Napi::Number::New(env, static_cast<double>(s.step())));
        e.Set(1u, Handles::Wrap(env, s.exp_avg().clone()));
        e.Set(2u, Handles::Wrap(env, s.exp_avg_sq().clone()));
      } else {
        auto& s = static_cast<torch::optim::SGDParamState&>(*it->second);
        e.Set(0u, Handles::Wrap(env, s.momentum_buffer().clone()));
      }
      out.Set(i, e);
    }
    return out;
  }
  // setState(i, step, expAvg, expAvgSq) for Adam/AdamW; setState(i, momentumBuffer) for SGD
  Napi::Value SetState(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    uint32_t i = info[0].As<Napi::Number>().Uint32Value();
    if (i >= params_.size()) throw Napi::RangeError::New(env, "optimizer.setState: parameter index out of range");
    auto& st = opt_->state();
    std::string key = Key(params_[i]);
    auto check = [&](const at::Tensor& t) {
      if (!t.sizes().equals(params_[i].sizes()))
        ThrowTorch(env, "optimizer.setState", "state shape does not match parameter " + std::to_string(i),
                   Describe(t) + ", " + Describe(params_[i]));
    };
    if (kind_ == "adamw" || kind_ == "adam") {
      int64_t step = info[1].As<Napi::Number>().Int64Value();
      at::Tensor m = Handles::Get(info[2], "optimizer.setState").clone();
      at::Tensor v = Handles::Get(info[3], "optimizer.setState").clone();
      check(m);
      check(v);
      if (kind_ == "adamw") {
        auto s = std::make_unique<torch::optim::AdamWParamState>();
        s->step(step).exp_avg(m).exp_avg_sq(v);
        st[key] = std::move(s);
      } else {
        auto s = std::make_unique<torch::optim::AdamParamState>();
        s->step(step).exp_avg(m).exp_avg_sq(v);
        st[key] = std::move(s);
      }
    } else {
      at::Tensor b = Handles::Get(info[1], "optimizer.setState").clone();
      check(b);
      auto s = std::make_unique<torch::optim::SGDParamState>();
      s->momentum_buffer(b);
      st[key] = std::move(s);
    }
    return env.Undefined();
  }

  std::string kind_;
  std::vector<at::Tensor> params_;
  std::unique_ptr<torch::optim::Optimizer> opt_;
};

// clipGradNorm(params[], maxNorm) -> total norm before clipping (L2 over all gradients)
static Napi::Value ClipGradNorm(const Napi::CallbackInfo& info) {
  Napi::Array ps = info[0].As<Napi::Array>();
  std::vector<at::Tensor> params;
  for (uint32_t i = 0; i < ps.Length(); i++) params.push_back(Handles::Get(ps.Get(i), "clipGradNorm"));
  double maxNorm = info[1].As<Napi::Number>().DoubleValue();
  try {
    return Napi::Number::New(info.Env(), torch::nn::utils::clip_grad_norm_(params, maxNorm));
  } catch (const c10::Error& e) {
    ThrowTorch(info.Env(), "clipGradNorm", e.what_without_backtrace(), "");
  }
}

void InitOptim(Napi::Env env, Napi::Object exports) {
  OptimWrap::Init(env, exports);
  exports.Set("clipGradNorm", Napi::Function::New(env, ClipGradNorm, "clipGradNorm"));
}

}  // namespace genrec
