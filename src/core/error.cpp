#include "core/error.h"

namespace caduceus {

int HttpStatus(Errc code) {
  switch (code) {
    case Errc::kInvalidArgument:
      return 400;
    case Errc::kUnauthenticated:
      return 401;
    case Errc::kPermissionDenied:
      return 403;
    case Errc::kNotFound:
      return 404;
    case Errc::kConflict:
      return 409;
    case Errc::kPayloadTooLarge:
      return 413;
    case Errc::kUnsupportedMediaType:
      return 415;
    case Errc::kNotAcceptable:
      return 406;
    case Errc::kRateLimited:
      return 429;
    case Errc::kUnavailable:
      return 503;
    case Errc::kInternal:
      return 500;
  }
  return 500;
}

std::string_view Slug(Errc code) {
  switch (code) {
    case Errc::kInvalidArgument:
      return "invalid-input";
    case Errc::kUnauthenticated:
      return "unauthenticated";
    case Errc::kPermissionDenied:
      return "forbidden";
    case Errc::kNotFound:
      return "not-found";
    case Errc::kConflict:
      return "conflict";
    case Errc::kPayloadTooLarge:
      return "payload-too-large";
    case Errc::kUnsupportedMediaType:
      return "unsupported-media-type";
    case Errc::kNotAcceptable:
      return "not-acceptable";
    case Errc::kRateLimited:
      return "rate-limited";
    case Errc::kUnavailable:
      return "unavailable";
    case Errc::kInternal:
      return "internal-error";
  }
  return "internal-error";
}

void throw_exception_from_error(const Error& e, const boost::source_location&) {
  throw ErrorException(e);
}

}  // namespace caduceus
