//===- JitRunnerTest.cpp - lowering, JIT calls and printing ---------------===//

#include "lowbit/Runner/JitRunner.h"
#include "lowbit/Conversion/LowBitToLLVM/LowBitToLLVM.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

#include <cstring>

using namespace mlir;
using namespace mlir::lowbit;
using namespace mlir::lowbit;
using namespace mlir::lowbit::runner;

namespace {

npy::Array makeF32(std::vector<int64_t> shape, std::vector<float> values) {
  npy::Array array;
  array.dtype = {npy::DType::Float, 4};
  array.shape = std::move(shape);
  array.data.resize(values.size() * 4);
  std::memcpy(array.data.data(), values.data(), array.data.size());
  return array;
}

std::vector<float> valuesF32(const npy::Array &array) {
  std::vector<float> values(array.data.size() / 4);
  std::memcpy(values.data(), array.data.data(), array.data.size());
  return values;
}

class JitRunnerTest : public ::testing::Test {
protected:
  JitRunnerTest() : context(makeRegistry()) {
    handler = std::make_unique<ScopedDiagnosticHandler>(
        &context, [this](Diagnostic &diag) {
          diagnostics += diag.str() + "\n";
          return success();
        });
  }

  static DialectRegistry makeRegistry() {
    DialectRegistry registry;
    registerLowBitToLLVMDialects(registry);
    return registry;
  }

  /// Parses `source`, prepares `entry`, lowers and compiles it.
  std::unique_ptr<JitFunction> compile(StringRef source, StringRef entry) {
    module = parseSourceString<ModuleOp>(source, &context);
    if (!module)
      return nullptr;
    FailureOr<EntrySignature> signature = prepareEntry(*module, entry);
    if (failed(signature) || failed(lowerToLLVM(*module)))
      return nullptr;
    auto function = JitFunction::create(*module, *signature);
    if (!function) {
      diagnostics += llvm::toString(function.takeError());
      return nullptr;
    }
    return std::move(*function);
  }

  MLIRContext context;
  std::unique_ptr<ScopedDiagnosticHandler> handler;
  OwningOpRef<ModuleOp> module;
  std::string diagnostics;
};

TEST_F(JitRunnerTest, CallsDynamicFunctionRepeatedly) {
  auto function = compile(R"mlir(
    func.func @scale(%x: tensor<?x?xf32>, %s: tensor<f32>)
        -> (tensor<?x?xf32>, tensor<?xf32>) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %m = tensor.dim %x, %c0 : tensor<?x?xf32>
      %n = tensor.dim %x, %c1 : tensor<?x?xf32>
      %sv = tensor.extract %s[] : tensor<f32>
      %e = tensor.empty(%m, %n) : tensor<?x?xf32>
      %y = linalg.generic {
          indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
          iterator_types = ["parallel", "parallel"]}
          ins(%x : tensor<?x?xf32>) outs(%e : tensor<?x?xf32>) {
      ^bb0(%a: f32, %o: f32):
        %p = arith.mulf %a, %sv : f32
        linalg.yield %p : f32
      } -> tensor<?x?xf32>
      %row = tensor.extract_slice %y[0, 0] [1, %n] [1, 1]
          : tensor<?x?xf32> to tensor<?xf32>
      return %y, %row : tensor<?x?xf32>, tensor<?xf32>
    })mlir",
                          "scale");
  ASSERT_TRUE(function) << diagnostics;
  EXPECT_EQ(function->getSignature().inputs.size(), 2u);

  for (int64_t rows : {1, 3}) {
    std::vector<float> x;
    for (int64_t i = 0; i < rows * 2; ++i)
      x.push_back(float(i));
    auto results = function->call(
        {makeF32({rows, 2}, x), makeF32({}, {0.5f})});
    ASSERT_TRUE(bool(results)) << llvm::toString(results.takeError());
    ASSERT_EQ(results->size(), 2u);
    EXPECT_EQ((*results)[0].shape, (std::vector<int64_t>{rows, 2}));
    std::vector<float> expected;
    for (float v : x)
      expected.push_back(v * 0.5f);
    EXPECT_EQ(valuesF32((*results)[0]), expected);
    EXPECT_EQ((*results)[1].shape, std::vector<int64_t>{2});
    EXPECT_EQ(valuesF32((*results)[1]), (std::vector<float>{0.0f, 0.5f}));
  }

  // Inputs that do not fit are rejected before the call.
  auto wrong = function->call({makeF32({2}, {1, 2}), makeF32({}, {1})});
  ASSERT_FALSE(bool(wrong));
  EXPECT_EQ(llvm::toString(wrong.takeError()),
            "input: expected shape (?, ?) (tensor<?x?xf32>), got (2,)");
  auto few = function->call({makeF32({}, {1})});
  ASSERT_FALSE(bool(few));
  EXPECT_EQ(llvm::toString(few.takeError()), "expected 2 inputs, got 1");
}

TEST_F(JitRunnerTest, DecomposesSoftmax) {
  auto function = compile(R"mlir(
    func.func @softmax(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
      %e = tensor.empty() : tensor<2x3xf32>
      %y = linalg.softmax dimension(1) ins(%x : tensor<2x3xf32>)
                                       outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
      return %y : tensor<2x3xf32>
    })mlir",
                          "softmax");
  ASSERT_TRUE(function) << diagnostics;
  auto results = function->call({makeF32({2, 3}, {0, 0, 0, 1, 1, 1})});
  ASSERT_TRUE(bool(results)) << llvm::toString(results.takeError());
  for (float v : valuesF32((*results)[0]))
    EXPECT_NEAR(v, 1.0f / 3, 1e-7);
}

TEST_F(JitRunnerTest, RunsFrontPassesFirst) {
  module = parseSourceString<ModuleOp>(R"mlir(
    func.func @f(%x: tensor<2xf32>) -> tensor<2xf32> {
      return %x : tensor<2xf32>
    })mlir",
                                       &context);
  ASSERT_TRUE(module);
  bool called = false;
  EXPECT_TRUE(succeeded(lowerToLLVM(*module, [&](OpPassManager &pm) {
    called = true;
    EXPECT_EQ(pm.size(), 0u);
  })));
  EXPECT_TRUE(called);
  EXPECT_TRUE(module->lookupSymbol<LLVM::LLVMFuncOp>("f"));
}

TEST_F(JitRunnerTest, ReportsEntryProblems) {
  module = parseSourceString<ModuleOp>(R"mlir(
    func.func @f(%x: tensor<4xcomplex<f32>>) -> tensor<4xcomplex<f32>> {
      return %x : tensor<4xcomplex<f32>>
    })mlir",
                                       &context, "entry.mlir");
  ASSERT_TRUE(module);
  EXPECT_TRUE(failed(prepareEntry(*module, "g")));
  EXPECT_EQ(diagnostics,
            "entry function 'g' not found in 'entry.mlir' (functions: f)\n");
  diagnostics.clear();
  EXPECT_TRUE(failed(prepareEntry(*module, "f")));
  EXPECT_EQ(diagnostics,
            "entry function 'f': argument #0 has unsupported type "
            "'tensor<4xcomplex<f32>>' (quant-run passes ranked tensors of "
            "f16, bf16, f32, f64, i1, or 8/16/32/64-bit integers)\n");
}

TEST_F(JitRunnerTest, MapsElementTypesToNumpy) {
  Builder b(&context);
  using npy::DType;
  EXPECT_EQ(getNpyDType(b.getF32Type())->str(), "<f4");
  EXPECT_EQ(getNpyDType(b.getF64Type())->str(), "<f8");
  EXPECT_EQ(getNpyDType(b.getF16Type())->str(), "<f2");
  EXPECT_EQ(getNpyDType(b.getBF16Type())->str(), "<u2");
  EXPECT_EQ(getNpyDType(b.getI1Type())->str(), "|b1");
  EXPECT_EQ(getNpyDType(b.getI8Type())->str(), "|i1");
  EXPECT_EQ(getNpyDType(b.getIntegerType(8, /*isSigned=*/false))->str(),
            "|u1");
  EXPECT_EQ(getNpyDType(b.getIntegerType(16, /*isSigned=*/true))->str(),
            "<i2");
  EXPECT_EQ(getNpyDType(b.getI64Type())->str(), "<i8");
  EXPECT_FALSE(getNpyDType(b.getIndexType()).has_value());
  EXPECT_FALSE(getNpyDType(b.getIntegerType(4)).has_value());
  EXPECT_FALSE(getNpyDType(b.getF80Type()).has_value());

  EXPECT_TRUE(acceptsNpyDType(b.getBF16Type(), DType{DType::Void, 2}));
  EXPECT_TRUE(acceptsNpyDType(b.getBF16Type(), DType{DType::UInt, 2}));
  EXPECT_FALSE(acceptsNpyDType(b.getBF16Type(), DType{DType::Float, 2}));
  EXPECT_TRUE(acceptsNpyDType(b.getI8Type(), DType{DType::UInt, 1}));
  EXPECT_TRUE(acceptsNpyDType(b.getI32Type(), DType{DType::UInt, 4}));
  EXPECT_FALSE(acceptsNpyDType(b.getIntegerType(8, /*isSigned=*/true),
                               DType{DType::UInt, 1}));
  EXPECT_FALSE(acceptsNpyDType(b.getIntegerType(8, /*isSigned=*/false),
                               DType{DType::Int, 1}));
  EXPECT_FALSE(acceptsNpyDType(b.getI1Type(), DType{DType::UInt, 1}));
  EXPECT_FALSE(acceptsNpyDType(b.getF32Type(), DType{DType::Float, 8}));

  EXPECT_TRUE(isSupportedTensorType(RankedTensorType::get({2}, b.getF32Type())));
  EXPECT_FALSE(isSupportedTensorType(UnrankedTensorType::get(b.getF32Type())));
  EXPECT_FALSE(isSupportedTensorType(MemRefType::get({2}, b.getF32Type())));
  EXPECT_FALSE(isSupportedTensorType(b.getF32Type()));
}

TEST_F(JitRunnerTest, ChecksArguments) {
  Builder b(&context);
  auto type = RankedTensorType::get({ShapedType::kDynamic, 3}, b.getBF16Type());
  npy::Array array;
  array.dtype = {npy::DType::Void, 2};
  array.shape = {5, 3};
  EXPECT_FALSE(bool(checkArgument(type, array, "arg")));
  array.shape = {5, 4};
  EXPECT_EQ(llvm::toString(checkArgument(type, array, "arg")),
            "arg: expected shape (?, 3) (tensor<?x3xbf16>), got (5, 4)");
  array.dtype = {npy::DType::Float, 4};
  EXPECT_EQ(llvm::toString(checkArgument(type, array, "arg")),
            "arg: expected dtype bf16 ('<u2' bits or '<V2'), got '<f4'");
  EXPECT_EQ(formatShape({}), "()");
  EXPECT_EQ(formatShape({4}), "(4,)");
}

std::string format(Type type, uint64_t bits) {
  uint8_t data[8];
  std::memcpy(data, &bits, 8);
  return formatElement(type, data);
}

TEST_F(JitRunnerTest, FormatsElementsExactly) {
  Builder b(&context);
  auto f32 = [](float v) {
    uint32_t bits;
    std::memcpy(&bits, &v, 4);
    return uint64_t(bits);
  };
  EXPECT_EQ(format(b.getF32Type(), f32(0.1f)), "0.100000001");
  EXPECT_EQ(format(b.getF32Type(), f32(-0.0f)), "-0");
  EXPECT_EQ(format(b.getF32Type(), f32(1e-45f)), "1.40129846e-45");
  EXPECT_EQ(format(b.getF32Type(), 0x7fc00000), "nan");
  EXPECT_EQ(format(b.getF32Type(), 0xffc00000), "nan");
  EXPECT_EQ(format(b.getF32Type(), 0xff800000), "-inf");
  EXPECT_EQ(format(b.getF64Type(), 0x3fb999999999999aULL),
            "0.10000000000000001");
  EXPECT_EQ(format(b.getF16Type(), 0x3c00), "1");
  EXPECT_EQ(format(b.getF16Type(), 0x2e66), "0.099976");
  EXPECT_EQ(format(b.getF16Type(), 0x7bff), "65504");
  EXPECT_EQ(format(b.getF16Type(), 0x0001), "5.9605e-08");
  EXPECT_EQ(format(b.getBF16Type(), 0x3f81), "1.008");
  EXPECT_EQ(format(b.getBF16Type(), 0xff80), "-inf");
  EXPECT_EQ(format(b.getI1Type(), 1), "true");
  EXPECT_EQ(format(b.getI1Type(), 0), "false");
  EXPECT_EQ(format(b.getI8Type(), 0x80), "-128");
  EXPECT_EQ(format(b.getIntegerType(8, /*isSigned=*/false), 0x80), "128");
  EXPECT_EQ(format(b.getI16Type(), 0xffff), "-1");
  EXPECT_EQ(format(b.getI64Type(), 0x8000000000000000ULL),
            "-9223372036854775808");
  EXPECT_EQ(format(b.getIntegerType(64, /*isSigned=*/false), ~0ULL),
            "18446744073709551615");
}

TEST_F(JitRunnerTest, PrintsArrays) {
  Builder b(&context);
  auto print = [&](const npy::Array &array) {
    std::string s;
    llvm::raw_string_ostream os(s);
    printArray(os, "r", b.getF32Type(), array);
    return s;
  };
  EXPECT_EQ(print(makeF32({}, {2.5f})), "r: shape=[] dtype=f32\n  2.5\n");
  EXPECT_EQ(print(makeF32({3}, {1, 2, 3})),
            "r: shape=[3] dtype=f32\n  1, 2, 3\n");
  EXPECT_EQ(print(makeF32({2, 1, 2}, {1, 2, 3, 4})),
            "r: shape=[2, 1, 2] dtype=f32\n"
            "  [0, 0]: 1, 2\n"
            "  [1, 0]: 3, 4\n");
  EXPECT_EQ(print(makeF32({2, 0}, {})),
            "r: shape=[2, 0] dtype=f32\n  <empty>\n");
}

} // namespace
