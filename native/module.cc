// Entry point of the genrec_torch addon.
#include "common.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  genrec::InitInstance(env);
  genrec::InitTensor(env, exports);
  genrec::InitOps(env, exports);
  genrec::InitOptim(env, exports);
  return exports;
}

NODE_API_MODULE(genrec_torch, Init)
