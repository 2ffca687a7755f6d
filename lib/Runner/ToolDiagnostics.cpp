//===- ToolDiagnostics.cpp - one-line errors for command-line tools -------===//

#include "lowbit/Runner/ToolDiagnostics.h"

#include "mlir/Parser/Parser.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

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

OwningOpRef<ModuleOp>
mlir::lowbit::runner::parseModuleFile(StringRef tool, StringRef path,
                                      MLIRContext &context,
                                      const OneLineDiagnostics &diagnostics) {
  auto file = llvm::MemoryBuffer::getFileOrSTDIN(path, /*IsText=*/true);
  if (!file) {
    failTool(tool, "cannot open '" + path + "': " + file.getError().message());
    return nullptr;
  }
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(*file), llvm::SMLoc());
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module && !diagnostics.reported())
    failTool(tool, "cannot parse " + path);
  return module;
}
