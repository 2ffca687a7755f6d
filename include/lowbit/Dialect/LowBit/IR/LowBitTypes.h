//===- LowBitTypes.h - LowBit types -----------------------------*- C++ -*-===//

#ifndef LOWBIT_DIALECT_LOWBIT_IR_LOWBITTYPES_H
#define LOWBIT_DIALECT_LOWBIT_IR_LOWBITTYPES_H

#include "lowbit/Dialect/LowBit/IR/LowBitAttrs.h"
#include "mlir/IR/Types.h"

#define GET_TYPEDEF_CLASSES
#include "lowbit/Dialect/LowBit/IR/LowBitTypes.h.inc"

#endif // LOWBIT_DIALECT_LOWBIT_IR_LOWBITTYPES_H
