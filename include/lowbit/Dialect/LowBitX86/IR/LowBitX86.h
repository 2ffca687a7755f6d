//===- LowBitX86.h - x86 instructions the CPU kernels use -------*- C++ -*-===//

#ifndef LOWBIT_DIALECT_LOWBITX86_IR_LOWBITX86_H
#define LOWBIT_DIALECT_LOWBITX86_IR_LOWBITX86_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "lowbit/Dialect/LowBitX86/IR/LowBitX86Dialect.h.inc"

#define GET_OP_CLASSES
#include "lowbit/Dialect/LowBitX86/IR/LowBitX86.h.inc"

#endif // LOWBIT_DIALECT_LOWBITX86_IR_LOWBITX86_H
