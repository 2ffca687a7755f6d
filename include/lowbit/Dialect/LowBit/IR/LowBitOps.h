//===- LowBitOps.h - LowBit operations --------------------------*- C++ -*-===//

#ifndef LOWBIT_DIALECT_LOWBIT_IR_LOWBITOPS_H
#define LOWBIT_DIALECT_LOWBIT_IR_LOWBITOPS_H

#include "lowbit/Dialect/LowBit/IR/LowBitAttrs.h"
#include "lowbit/Dialect/LowBit/IR/LowBitDialect.h"
#include "lowbit/Dialect/LowBit/IR/LowBitTypes.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "lowbit/Dialect/LowBit/IR/LowBitOps.h.inc"

#endif // LOWBIT_DIALECT_LOWBIT_IR_LOWBITOPS_H
