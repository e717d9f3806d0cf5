#pragma once
// The outcome of an operation that can fail for a reason a person should read: a value, or the
// reason. One shape for what was four (bool with an error string out-parameter, a null pointer
// with one, an error string that is empty on success, a status with an error member). Push
// parsers keep their own status (need more, not this protocol, malformed), which says more than
// failed or not.

#include <optional>
#include <string>
#include <utility>

namespace sipws {

// Why something failed: what the user reads after "sipws: ".
struct Failure {
  std::string message;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: a value converts implicitly
  Result(Failure failure) : error_(std::move(failure.message)) {}

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  // The reason, when !ok().
  const std::string& error() const { return error_; }

 private:
  std::optional<T> value_;
  std::string error_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;  // success
  Result(Failure failure) : ok_(false), error_(std::move(failure.message)) {}

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const std::string& error() const { return error_; }

 private:
  bool ok_ = true;
  std::string error_;
};

}  // namespace sipws
