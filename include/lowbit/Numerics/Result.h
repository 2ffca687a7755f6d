//===- Result.h - value-or-error result type --------------------*- C++ -*-===//
//
// A minimal value-or-message type for the numerics library. The library is
// built without exceptions and without LLVM, so `llvm::Expected` is not an
// option; this keeps failures explicit without any dependency.
//
//===----------------------------------------------------------------------===//

#ifndef LOWBIT_NUMERICS_RESULT_H
#define LOWBIT_NUMERICS_RESULT_H

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace lowbit {
namespace numerics {

/// The error half of a `Result`: `return Failure{"why"};`.
struct Failure {
  std::string message;
};

/// Holds either a `T` or a `Failure` message. Accessing the value of a
/// failed result is a programming error (asserted).
template <typename T> class Result {
public:
  Result(T value) : value(std::move(value)) {}
  Result(Failure failure) : message(std::move(failure.message)) {}

  bool ok() const { return value.has_value(); }
  explicit operator bool() const { return ok(); }

  const T &get() const {
    assert(ok() && "accessing the value of a failed Result");
    return *value;
  }
  const T &operator*() const { return get(); }
  const T *operator->() const { return &get(); }

  /// Returns the failure message; empty on success.
  const std::string &getError() const { return message; }

private:
  std::optional<T> value;
  std::string message;
};

} // namespace numerics
} // namespace lowbit

#endif // LOWBIT_NUMERICS_RESULT_H
