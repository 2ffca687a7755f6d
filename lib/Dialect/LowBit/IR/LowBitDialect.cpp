//===- LowBitDialect.cpp - LowBit dialect ---------------------------------===//

#include "lowbit/Dialect/LowBit/IR/LowBitDialect.h"
#include "lowbit/Dialect/LowBit/IR/LowBitAttrs.h"
#include "lowbit/Dialect/LowBit/IR/LowBitOps.h"
#include "lowbit/Dialect/LowBit/IR/LowBitTypes.h"

#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace mlir::lowbit;

#include "lowbit/Dialect/LowBit/IR/LowBitDialect.cpp.inc"

namespace {
/// Prints schemes once at the top of a module as `#scheme`, `#scheme1`, ...
/// so quantized tensor types stay readable.
struct LowBitOpAsmInterface : public OpAsmDialectInterface {
  using OpAsmDialectInterface::OpAsmDialectInterface;

  AliasResult getAlias(Attribute attr, raw_ostream &os) const override {
    if (isa<SchemeAttr>(attr)) {
      os << "scheme";
      return AliasResult::OverridableAlias;
    }
    return AliasResult::NoAlias;
  }
};
} // namespace

void LowBitDialect::initialize() {
  registerAttributes();
  registerTypes();
  addOperations<
#define GET_OP_LIST
#include "lowbit/Dialect/LowBit/IR/LowBitOps.cpp.inc"
      >();
  addInterfaces<LowBitOpAsmInterface>();
}
