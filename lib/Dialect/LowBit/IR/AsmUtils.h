//===- AsmUtils.h - printing helpers shared by attributes and types -------===//

#ifndef LIB_DIALECT_LOWBIT_IR_ASMUTILS_H
#define LIB_DIALECT_LOWBIT_IR_ASMUTILS_H

#include <string>

namespace mlir::lowbit::detail {

/// The shortest %g form of `value` that reads back to the same double, so
/// that tables and clip values print as written (0.9, not 9.000000e-01).
std::string formatShortestDecimal(double value);

} // namespace mlir::lowbit::detail

#endif // LIB_DIALECT_LOWBIT_IR_ASMUTILS_H
