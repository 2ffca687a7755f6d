//===- Passes.h - LowBit conversion passes ----------------------*- C++ -*-===//

#ifndef LOWBIT_CONVERSION_PASSES_H
#define LOWBIT_CONVERSION_PASSES_H

#include "lowbit/Conversion/LowBitMatmulToVector/LowBitMatmulToVector.h"
#include "lowbit/Conversion/LowBitToGPU/LowBitToGPU.h"
#include "lowbit/Conversion/LowBitToLLVM/LowBitToLLVM.h"
#include "lowbit/Conversion/LowBitToLinalg/LowBitToLinalg.h"
#include "lowbit/Conversion/LowBitToQuant/LowBitToQuant.h"
#include "lowbit/Conversion/QuantToLowBit/QuantToLowBit.h"

namespace mlir::lowbit {

#define GEN_PASS_REGISTRATION
#include "lowbit/Conversion/Passes.h.inc"

} // namespace mlir::lowbit

#endif // LOWBIT_CONVERSION_PASSES_H
