//===- LowBitX86.cpp - x86 instructions the CPU kernels use ---------------===//

#include "lowbit/Dialect/LowBitX86/IR/LowBitX86.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace mlir::lowbit::x86;

#include "lowbit/Dialect/LowBitX86/IR/LowBitX86Dialect.cpp.inc"

void LowBitX86Dialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "lowbit/Dialect/LowBitX86/IR/LowBitX86.cpp.inc"
      >();
}

#define GET_OP_CLASSES
#include "lowbit/Dialect/LowBitX86/IR/LowBitX86.cpp.inc"
