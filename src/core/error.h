// The one error policy of Caduceus.
//
// Expected failures (bad input, missing object, refused access) are values: functions return
// Result<T>, a boost::system::result holding either T or an Error. Exceptions are reserved for
// failures that end the whole operation (a database that went away, a bug); they are caught at
// the request boundary (src/api) and mapped once to RFC 9457 problem+json.
#pragma once

#include <string>
#include <string_view>

#include <boost/system/result.hpp>

namespace caduceus {

enum class Errc {
  kInvalidArgument,       // 400 / 422: input failed validation
  kUnauthenticated,       // 401: no or bad credentials
  kPermissionDenied,      // 403: authenticated but not allowed
  kNotFound,              // 404
  kConflict,              // 409: already exists, version mismatch
  kPayloadTooLarge,       // 413
  kUnsupportedMediaType,  // 415
  kNotAcceptable,         // 406
  kRateLimited,           // 429
  kUnavailable,           // 503: a dependency is down; retry later
  kInternal,              // 500: a bug
};

// HTTP status conventionally associated with an error code.
int HttpStatus(Errc code);
// Stable machine-readable slug, used as the last segment of problem+json "type" URIs.
std::string_view Slug(Errc code);

struct Error {
  Errc code = Errc::kInternal;
  std::string message;  // human-readable, safe to show to the client
  std::string field;    // optional: the input field (JSON pointer or name) at fault

  static Error Invalid(std::string message, std::string field = {}) {
    return {Errc::kInvalidArgument, std::move(message), std::move(field)};
  }
  static Error NotFound(std::string message) { return {Errc::kNotFound, std::move(message), {}}; }
  static Error Denied(std::string message) {
    return {Errc::kPermissionDenied, std::move(message), {}};
  }
  static Error Conflict(std::string message) { return {Errc::kConflict, std::move(message), {}}; }
  static Error Unauthenticated(std::string message) {
    return {Errc::kUnauthenticated, std::move(message), {}};
  }
};

// Thrown by Result<T>::value() on an error; the request boundary maps it like a returned Error.
class ErrorException : public std::exception {
 public:
  explicit ErrorException(Error error) : error_(std::move(error)) {}
  const char* what() const noexcept override { return error_.message.c_str(); }
  const Error& error() const noexcept { return error_; }

 private:
  Error error_;
};

// Found by ADL from boost::system::result<T, Error>::value().
[[noreturn]] void throw_exception_from_error(const Error& e, const boost::source_location& loc);

template <class T>
using Result = boost::system::result<T, Error>;
using Status = boost::system::result<void, Error>;

}  // namespace caduceus
