//===- RuntimeSymbols.h - runtime functions by name, for JITs ---*- C++ -*-===//
//
// LowBit's runtimes (the CUDA runtime, the GPU emulator) list their
// functions by name so that a JIT resolves the symbols of compiled host code
// explicitly, without the tool exporting its own symbols.
//
//===----------------------------------------------------------------------===//

#ifndef LOWBIT_RUNTIME_RUNTIMESYMBOLS_H
#define LOWBIT_RUNTIME_RUNTIMESYMBOLS_H

extern "C" {

/// One function of a runtime by name.
struct LowbitRuntimeSymbol {
  const char *name;
  void *address;
};

} // extern "C"

#endif // LOWBIT_RUNTIME_RUNTIMESYMBOLS_H
