//===- ToolDiagnostics.h - one-line errors for command-line tools -*- C++ -*-===//
//
// quant-run and quant-calibrate report every problem as one line and exit
// non-zero. MLIR diagnostics are printed as `file:line:col: error: message`
// (first error only: later errors are usually its consequences; notes and
// remarks dropped), and other failures as `tool: error: message`.
//
//===----------------------------------------------------------------------===//

#ifndef LOWBIT_RUNNER_TOOLDIAGNOSTICS_H
#define LOWBIT_RUNNER_TOOLDIAGNOSTICS_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"

#include <string>

namespace mlir::lowbit::runner {

/// Prints the diagnostics of `context` as one-line messages while alive.
class OneLineDiagnostics {
public:
  OneLineDiagnostics(MLIRContext &context, StringRef tool);

  /// True once an error has been printed.
  bool reported() const { return errorReported; }

private:
  LogicalResult handle(Diagnostic &diag);

  std::string tool;
  ScopedDiagnosticHandler handler;
  bool errorReported = false;
};

/// Prints `tool: error: message` and returns the exit code 1.
int failTool(StringRef tool, const llvm::Twine &message);

/// Reads and parses the MLIR file `path` ("-" for stdin) into a module. On
/// failure the problem has been reported, as one line ("<tool>: error:
/// cannot open ..." or the parser's located diagnostic through
/// `diagnostics`), and the result is null.
OwningOpRef<ModuleOp> parseModuleFile(StringRef tool, StringRef path,
                                      MLIRContext &context,
                                      const OneLineDiagnostics &diagnostics);
int failTool(StringRef tool, llvm::Error error);

} // namespace mlir::lowbit::runner

#endif // LOWBIT_RUNNER_TOOLDIAGNOSTICS_H
