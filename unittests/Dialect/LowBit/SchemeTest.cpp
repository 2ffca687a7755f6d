//===- SchemeTest.cpp - scheme, granularity and qtensor C++ API -----------===//

#include "lowbit/Dialect/LowBit/IR/LowBitAttrs.h"
#include "lowbit/Dialect/LowBit/IR/LowBitDialect.h"
#include "lowbit/Dialect/LowBit/IR/LowBitTypes.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include "gtest/gtest.h"

using namespace mlir;
using namespace mlir::lowbit;

namespace {

class SchemeTest : public ::testing::Test {
protected:
  SchemeTest() : builder(&context) {
    context.loadDialect<LowBitDialect>();
  }

  /// Parses `text` as an attribute; collects diagnostics into `errors`.
  Attribute parse(StringRef text) {
    errors.clear();
    ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
      errors += diag.str();
      return success();
    });
    return parseAttribute(text, &context);
  }

  std::string print(Attribute attr) {
    std::string s;
    llvm::raw_string_ostream os(s);
    attr.print(os);
    return s;
  }

  MLIRContext context;
  Builder builder;
  std::string errors;
};

TEST_F(SchemeTest, GridShapes) {
  SmallVector<int64_t> shape = {16, 256};
  EXPECT_EQ(PerTensorAttr::get(&context).getParamShape(shape),
            SmallVector<int64_t>({1, 1}));
  EXPECT_EQ(PerAxisAttr::get(&context, 0).getParamShape(shape),
            SmallVector<int64_t>({16, 1}));
  EXPECT_EQ(PerGroupAttr::get(&context, 1, 128).getParamShape(shape),
            SmallVector<int64_t>({16, 2}));
  EXPECT_EQ(PerClusterAttr::get(&context, 1, {100, 156}, false)
                .getParamShape(shape),
            SmallVector<int64_t>({1, 2}));
  EXPECT_EQ(PerClusterAttr::get(&context, 1, {100, 156}, true)
                .getParamShape(shape),
            SmallVector<int64_t>({16, 2}));
  EXPECT_EQ(PerBlockAttr::get(&context, {8, 128}).getParamShape(shape),
            SmallVector<int64_t>({2, 2}));
  // A dynamic token dimension stays dynamic in the grid when it is split.
  SmallVector<int64_t> dyn = {ShapedType::kDynamic, 256};
  EXPECT_EQ(PerAxisAttr::get(&context, 0).getParamShape(dyn),
            SmallVector<int64_t>({ShapedType::kDynamic, 1}));
}

TEST_F(SchemeTest, IntegerRanges) {
  auto scheme = [&](Type storage, bool narrow) {
    return SchemeAttr::get(&context, storage, PerTensorAttr::get(&context),
                           narrow, false, false, builder.getF32Type(),
                           RoundingMode::NearestEven, ClipKind::None,
                           APFloat(0.0), Family::None);
  };
  Type i4 = builder.getIntegerType(4);
  Type ui4 = builder.getIntegerType(4, /*isSigned=*/false);
  EXPECT_EQ(scheme(i4, false).getQMin(), -8);
  EXPECT_EQ(scheme(i4, false).getQMax(), 7);
  EXPECT_EQ(scheme(i4, true).getQMin(), -7);
  EXPECT_EQ(scheme(ui4, false).getQMin(), 0);
  EXPECT_EQ(scheme(ui4, false).getQMax(), 15);
  EXPECT_EQ(scheme(ui4, true).getQMin(), 1);
  EXPECT_EQ(scheme(builder.getIntegerType(8), false).getBitWidth(), 8u);
  EXPECT_EQ(scheme(builder.getIntegerType(1), false).getQMin(), -1);
  EXPECT_EQ(scheme(builder.getIntegerType(1), false).getQMax(), 0);
}

TEST_F(SchemeTest, PresetsExpandAndPrintBack) {
  auto mx = dyn_cast_or_null<SchemeAttr>(parse("#lowbit.scheme<mxfp4, axis = 1>"));
  ASSERT_TRUE(mx) << errors;
  EXPECT_EQ(mx.getFamily(), Family::MX);
  EXPECT_TRUE(isa<Float4E2M1FNType>(mx.getStorage()));
  EXPECT_TRUE(isa<Float8E8M0FNUType>(mx.getScaleType()));
  EXPECT_EQ(cast<PerGroupAttr>(mx.getGranularity()).getSize(), 32);
  EXPECT_EQ(print(mx), "#lowbit.scheme<mxfp4, axis = 1>");

  auto nv = dyn_cast_or_null<SchemeAttr>(parse("#lowbit.scheme<nvfp4, axis = 0>"));
  ASSERT_TRUE(nv) << errors;
  EXPECT_TRUE(nv.hasGlobalScale());
  EXPECT_TRUE(isa<Float8E4M3FNType>(nv.getScaleType()));
  EXPECT_EQ(cast<PerGroupAttr>(nv.getGranularity()).getSize(), 16);

  // The long form of a preset prints as the preset.
  Attribute longForm = parse("#lowbit.scheme<f8E4M3FN, per_group<axis = 1, "
                             "size = 32>, scale = f8E8M0FNU, family = mx>");
  ASSERT_TRUE(longForm) << errors;
  EXPECT_EQ(print(longForm), "#lowbit.scheme<mxfp8_e4m3, axis = 1>");
}

TEST_F(SchemeTest, NF4Table) {
  auto nf4 = LutType::getNF4(&context);
  EXPECT_TRUE(nf4.isNF4());
  EXPECT_EQ(nf4.getBitWidth(), 4u);
  EXPECT_EQ(nf4.getValues().front(), -1.0);
  EXPECT_EQ(nf4.getValues()[7], 0.0);
  EXPECT_EQ(nf4.getValues().back(), 1.0);
  auto scheme = dyn_cast_or_null<SchemeAttr>(
      parse("#lowbit.scheme<!lowbit.lut<nf4>, per_group<axis = 1, size = 64>>"));
  ASSERT_TRUE(scheme) << errors;
  EXPECT_EQ(scheme.getStorage(), nf4);
  EXPECT_EQ(scheme.getBitWidth(), 4u);
}

TEST_F(SchemeTest, VerifierRejectsWithMessages) {
  EXPECT_FALSE(parse("#lowbit.scheme<i9, per_tensor>"));
  EXPECT_NE(errors.find("width must be in 1..8, got 9"), std::string::npos)
      << errors;
  EXPECT_FALSE(parse("#lowbit.scheme<f8E4M3FN, per_tensor, asymmetric>"));
  EXPECT_NE(errors.find("needs an integer format"), std::string::npos)
      << errors;
  EXPECT_FALSE(parse("#lowbit.scheme<f4E2M1FN, per_group<axis = 1, size = "
                     "16>, scale = f8E8M0FNU, family = mx>"));
  EXPECT_NE(errors.find("mx requires per_group blocks of 32"),
            std::string::npos)
      << errors;
  EXPECT_FALSE(parse("#lowbit.per_cluster<axis = 0, sizes = [2, 0]>"));
  EXPECT_NE(errors.find("cluster sizes must be positive"), std::string::npos)
      << errors;
}

// Rules that the textual syntax cannot reach (the parser already rejects
// such input) still guard C++ callers of getChecked.
TEST_F(SchemeTest, VerifierGuardsCppCallers) {
  std::string message;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    message = diag.str();
    return success();
  });
  auto emit = [&]() { return emitError(UnknownLoc::get(&context)); };
  EXPECT_FALSE(PerBlockAttr::getChecked(emit, &context, {}));
  EXPECT_EQ(message, "block granularity needs at least one extent");
  EXPECT_TRUE(failed(SchemeAttr::verify(
      emit, builder.getIntegerType(4), GranularityAttrInterface(),
      false, false, false, builder.getF32Type(), RoundingMode::NearestEven,
      ClipKind::None, APFloat(0.0), Family::None)));
  EXPECT_EQ(message, "scheme needs a format, a granularity and a scale type");
}

TEST_F(SchemeTest, QTensorShapeChecks) {
  auto scheme = SchemeAttr::get(builder.getIntegerType(4),
                                PerGroupAttr::get(&context, 1, 128));
  std::string message;
  auto emit = [&]() {
    return emitError(UnknownLoc::get(&context));
  };
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    message = diag.str();
    return success();
  });
  EXPECT_TRUE(QTensorType::getChecked(emit, &context, {4, 256}, scheme));
  QTensorType type = QTensorType::get(&context, {4, 256}, scheme);
  EXPECT_EQ(type.getParamShape(), SmallVector<int64_t>({4, 2}));
  // A group size that does not divide the axis: a shorter last group.
  QTensorType ragged =
      QTensorType::getChecked(emit, &context, {4, 200}, scheme);
  ASSERT_TRUE(ragged);
  EXPECT_EQ(ragged.getParamShape(), SmallVector<int64_t>({4, 2}));
  EXPECT_EQ(ragged.getScheme().getGranularity().getBlockStarts(1, 200),
            SmallVector<int64_t>({0, 128}));
  EXPECT_FALSE(QTensorType::getChecked(
      emit, &context, {4, 200},
      SchemeAttr::get(builder.getIntegerType(4),
                      PerGroupAttr::get(&context, 2, 128))));
  EXPECT_EQ(message,
            "granularity axis 2 is out of range for a tensor of rank 2");
}

} // namespace
