//===- ToolDiagnostics.cpp - one-line errors for command-line tools -------===//

#include "lowbit/Runner/ToolDiagnostics.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Location.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::lowbit::runner;

OneLineDiagnostics::OneLineDiagnostics(MLIRContext &context, StringRef tool)
    : tool(tool.str()),
      handler(&context, [this](Diagnostic &diag) { return handle(diag); }) {}

LogicalResult OneLineDiagnostics::handle(Diagnostic &diag) {
  if (diag.getSeverity() == DiagnosticSeverity::Remark ||
      diag.getSeverity() == DiagnosticSeverity::Note)
    return success();
  bool isError = diag.getSeverity() == DiagnosticSeverity::Error;
  if (isError && errorReported)
    return success();
  errorReported |= isError;
  std::string message = diag.str();
  std::replace(message.begin(), message.end(), '\n', ' ');
  std::string where = tool + ": ";
  if (auto loc = diag.getLocation()->findInstanceOf<FileLineColLoc>())
    where = llvm::formatv("{0}:{1}:{2}: ", loc.getFilename().getValue(),
                          loc.getLine(), loc.getColumn())
                .str();
  llvm::errs() << where << (isError ? "error: " : "warning: ") << message
               << "\n";
  return success();
}

int mlir::lowbit::runner::failTool(StringRef tool, const llvm::Twine &message) {
  llvm::errs() << tool << ": error: " << message << "\n";
  return 1;
}

int mlir::lowbit::runner::failTool(StringRef tool, llvm::Error error) {
  return failTool(tool, llvm::toString(std::move(error)));
}
