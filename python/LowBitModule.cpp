//===- LowBitModule.cpp - Python bindings for LowBit ----------------------===//
//
// A small pybind11 surface over the C++ API: parse a module, run a textual
// pass pipeline, print. MLIR diagnostics become Python exceptions carrying
// the messages with their locations.
//
//===----------------------------------------------------------------------===//

#include "lowbit/Conversion/Passes.h"
#include "lowbit/Dialect/LowBit/IR/LowBitDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

#include <pybind11/pybind11.h>

#include <memory>
#include <string>

namespace py = pybind11;
using namespace mlir;

namespace {

/// Raised for parse, verification and pass failures.
struct LowBitError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Prints `file:line:col: ` like mlir-opt does, or the location as is.
void printLocation(llvm::raw_ostream &os, Location loc) {
  if (auto flc = dyn_cast<FileLineColLoc>(loc))
    os << flc.getFilename().getValue() << ":" << flc.getLine() << ":"
       << flc.getColumn() << ": ";
  else
    os << loc << ": ";
}

/// Collects the diagnostics emitted while it is alive.
class DiagnosticCollector {
public:
  explicit DiagnosticCollector(MLIRContext &context)
      : handler(&context, [this](Diagnostic &diag) {
          llvm::raw_string_ostream os(messages);
          printLocation(os, diag.getLocation());
          os << "error: " << diag.str() << "\n";
          for (Diagnostic &note : diag.getNotes()) {
            printLocation(os, note.getLocation());
            os << "note: " << note.str() << "\n";
          }
          return success();
        }) {}

  [[noreturn]] void fail(const std::string &what) {
    throw LowBitError(what + (messages.empty() ? "" : ":\n" + messages));
  }

private:
  std::string messages;
  ScopedDiagnosticHandler handler;
};

void registerPassesOnce() {
  static bool registered = [] {
    registerTransformsPasses();
    lowbit::registerLowBitConversionPasses();
    return true;
  }();
  (void)registered;
}

/// A parsed module together with the context that owns it.
class PyModule {
public:
  static std::unique_ptr<PyModule> parse(const std::string &text,
                                         const std::string &name) {
    auto self = std::unique_ptr<PyModule>(new PyModule());
    DiagnosticCollector diags(*self->context);
    ParserConfig config(self->context.get());
    self->module = parseSourceString<ModuleOp>(text, config, name);
    if (!self->module)
      diags.fail("failed to parse " + name);
    return self;
  }

  /// Runs a textual pipeline such as "canonicalize,cse" or
  /// "builtin.module(canonicalize)" on the module, in place.
  void run(const std::string &pipeline) {
    registerPassesOnce();
    DiagnosticCollector diags(*context);
    StringRef text = StringRef(pipeline).trim();
    // Parsing "builtin.module(...)" into a module-anchored manager would nest
    // it a second time, so strip the wrapper.
    if (text.consume_front("builtin.module(") && !text.consume_back(")"))
      diags.fail("unbalanced pipeline '" + pipeline + "'");
    PassManager pm(context.get(), ModuleOp::getOperationName());
    std::string error;
    llvm::raw_string_ostream errorStream(error);
    if (failed(parsePassPipeline(text, pm, errorStream)))
      throw LowBitError("invalid pass pipeline '" + pipeline + "': " + error);
    if (failed(pm.run(*module)))
      diags.fail("pass pipeline '" + pipeline + "' failed");
  }

  void verify() {
    DiagnosticCollector diags(*context);
    if (failed(mlir::verify(*module)))
      diags.fail("module failed to verify");
  }

  std::string str(bool generic) {
    std::string s;
    llvm::raw_string_ostream os(s);
    OpPrintingFlags flags;
    if (generic)
      flags.printGenericOpForm();
    module->print(os, flags);
    return s;
  }

private:
  PyModule() : context(std::make_unique<MLIRContext>()) {
    DialectRegistry registry;
    registry.insert<lowbit::LowBitDialect, arith::ArithDialect,
                    func::FuncDialect, linalg::LinalgDialect,
                    math::MathDialect, quant::QuantDialect,
                    tensor::TensorDialect>();
    context->appendDialectRegistry(registry);
    context->loadAllAvailableDialects();
  }

  // Declared first so it outlives the module.
  std::unique_ptr<MLIRContext> context;
  OwningOpRef<ModuleOp> module;
};

} // namespace

PYBIND11_MODULE(_lowbit, m) {
  m.doc() = "LowBit: MLIR low-bit quantization compiler (C++ core)";
  py::register_exception<LowBitError>(m, "LowBitError", PyExc_RuntimeError);

  py::class_<PyModule>(m, "Module")
      .def_static("parse", &PyModule::parse, py::arg("text"),
                  py::arg("name") = "<string>",
                  "Parses and verifies MLIR text; raises LowBitError with "
                  "located diagnostics on failure.")
      .def("run", &PyModule::run, py::arg("pipeline"),
           "Runs a textual pass pipeline on the module in place.")
      .def("verify", &PyModule::verify)
      .def("to_string", &PyModule::str, py::arg("generic") = false)
      .def("__str__", [](PyModule &self) { return self.str(false); });
}
