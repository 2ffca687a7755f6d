//===- LowBitAttrs.h - LowBit attributes ------------------------*- C++ -*-===//

#ifndef LOWBIT_DIALECT_LOWBIT_IR_LOWBITATTRS_H
#define LOWBIT_DIALECT_LOWBIT_IR_LOWBITATTRS_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectImplementation.h"

#include "lowbit/Dialect/LowBit/IR/LowBitEnums.h.inc"

#include "lowbit/Dialect/LowBit/IR/LowBitAttrInterfaces.h.inc"

#define GET_ATTRDEF_CLASSES
#include "lowbit/Dialect/LowBit/IR/LowBitAttrs.h.inc"

#endif // LOWBIT_DIALECT_LOWBIT_IR_LOWBITATTRS_H
