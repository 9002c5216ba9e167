{
  "targets": [
    {
      "target_name": "genrec_torch",
      "sources": ["native/tensor.cc", "native/ops.cc", "native/optim.cc", "native/module.cc"],
      "include_dirs": ["<!@(node -p \"require('node-addon-api').include_dir\")", "<!@(node scripts/find-libtorch.mjs include)"],
      "libraries": ["-L<!(node scripts/find-libtorch.mjs lib)", "-Wl,-rpath,<!(node scripts/find-libtorch.mjs lib)", "-ltorch", "-ltorch_cpu", "-lc10"],
      "cflags!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-frtti", "-O2", "-Wno-unused-parameter", "-Wno-deprecated-declarations"],
      "defines": ["NAPI_CPP_EXCEPTIONS", "NAPI_VERSION=8", "_GLIBCXX_USE_CXX11_ABI=1"]
    }
  ]
}
