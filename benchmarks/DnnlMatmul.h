//===- DnnlMatmul.h - oneDNN int8 matmul for lowbit-bench -----*- C++ -*-===//
//
// The baseline the W8A8 and W4A4 benchmarks compare with: oneDNN's s8 x s8
// matmul with f32 output, set up once outside any timing.
//
//===----------------------------------------------------------------------===//

#ifndef LOWBIT_BENCHMARKS_DNNLMATMUL_H
#define LOWBIT_BENCHMARKS_DNNLMATMUL_H

#include <dnnl.hpp>

#include <cstdint>
#include <vector>

namespace lowbit::bench {

/// oneDNN's s8 x s8 -> f32 matmul of a [M, K] times w [N, K]^T with
/// per-channel output scales `sw`: dst = (a x w^T) * sw[n], the
/// weights given as [K, N] with strides (1, K) and reordered once into the
/// primitive's preferred layout (outside any timing). The per-token scale is
/// left out.
class DnnlInt8Matmul {
public:
  DnnlInt8Matmul(int64_t m, int64_t n, int64_t k, void *a, void *w,
                 const float *sw)
      : engine(dnnl::engine::kind::cpu, 0), stream(engine), dst(m * n) {
    using dt = dnnl::memory::data_type;
    using tag = dnnl::memory::format_tag;
    dnnl::memory::desc srcMd({m, k}, dt::s8, tag::ab);
    dnnl::memory::desc wUserMd({k, n}, dt::s8, tag::ba);
    dnnl::memory::desc wAnyMd({k, n}, dt::s8, tag::any);
    dnnl::memory::desc dstMd({m, n}, dt::f32, tag::ab);
    dnnl::primitive_attr attr;
    attr.set_output_scales(1 << 1, std::vector<float>(sw, sw + n));
    dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(srcMd, wAnyMd, dstMd),
                                    attr, engine);
    src = dnnl::memory(srcMd, engine, a);
    dnnl::memory wUser(wUserMd, engine, w);
    wPacked = dnnl::memory(pd.weights_desc(), engine);
    dnnl::reorder(wUser, wPacked).execute(stream, wUser, wPacked);
    dstMem = dnnl::memory(dstMd, engine, dst.data());
    matmul = dnnl::matmul(pd);
  }

  void run() {
    matmul.execute(stream, {{DNNL_ARG_SRC, src},
                            {DNNL_ARG_WEIGHTS, wPacked},
                            {DNNL_ARG_DST, dstMem}});
    stream.wait();
  }

  /// The result of the last run().
  const std::vector<float> &result() const { return dst; }

private:
  dnnl::engine engine;
  dnnl::stream stream;
  std::vector<float> dst;
  dnnl::memory src, wPacked, dstMem;
  dnnl::matmul matmul;
};

} // namespace lowbit::bench

#endif // LOWBIT_BENCHMARKS_DNNLMATMUL_H
