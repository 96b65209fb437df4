// The error policy: Errc -> HTTP status and slug, and Result<T>::value() throwing ErrorException.
#include "core/error.h"

#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace caduceus {
namespace {

struct Mapping {
  Errc code;
  int status;
  std::string_view slug;
};

constexpr Mapping kMappings[] = {
    {Errc::kInvalidArgument, 400, "invalid-input"},
    {Errc::kUnauthenticated, 401, "unauthenticated"},
    {Errc::kPermissionDenied, 403, "forbidden"},
    {Errc::kNotFound, 404, "not-found"},
    {Errc::kConflict, 409, "conflict"},
    {Errc::kPayloadTooLarge, 413, "payload-too-large"},
    {Errc::kUnsupportedMediaType, 415, "unsupported-media-type"},
    {Errc::kNotAcceptable, 406, "not-acceptable"},
    {Errc::kRateLimited, 429, "rate-limited"},
    {Errc::kUnavailable, 503, "unavailable"},
    {Errc::kInternal, 500, "internal-error"},
};

TEST(Errc, MapsToItsHttpStatus) {
  for (const auto& m : kMappings) {
    EXPECT_EQ(HttpStatus(m.code), m.status) << m.slug;
  }
}

TEST(Errc, MapsToItsStableSlug) {
  for (const auto& m : kMappings) {
    EXPECT_EQ(Slug(m.code), m.slug) << m.status;
  }
}

TEST(Errc, SlugsAndStatusesAreDistinct) {
  std::set<std::string_view> slugs;
  std::set<int> statuses;
  for (const auto& m : kMappings) {
    slugs.insert(Slug(m.code));
    statuses.insert(HttpStatus(m.code));
  }
  EXPECT_EQ(slugs.size(), std::size(kMappings));
  EXPECT_EQ(statuses.size(), std::size(kMappings));
}

TEST(Error, FactoriesSetCodeMessageAndField) {
  const auto invalid = Error::Invalid("too long", "name");
  EXPECT_EQ(invalid.code, Errc::kInvalidArgument);
  EXPECT_EQ(invalid.message, "too long");
  EXPECT_EQ(invalid.field, "name");
  EXPECT_EQ(Error::NotFound("x").code, Errc::kNotFound);
  EXPECT_EQ(Error::Denied("x").code, Errc::kPermissionDenied);
  EXPECT_EQ(Error::Conflict("x").code, Errc::kConflict);
  EXPECT_EQ(Error::Unauthenticated("x").code, Errc::kUnauthenticated);
  EXPECT_TRUE(Error::NotFound("x").field.empty());
}

TEST(Error, DefaultIsInternal) { EXPECT_EQ(Error{}.code, Errc::kInternal); }

TEST(Result, ValueReturnsTheValue) {
  Result<std::string> r = std::string("ok");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r.value(), "ok");
}

TEST(Result, ValueOnAnErrorThrowsErrorExceptionCarryingTheError) {
  Result<int> r = Error::Invalid("bad number", "count");
  ASSERT_TRUE(r.has_error());
  try {
    (void)r.value();
    FAIL() << "value() did not throw";
  } catch (const ErrorException& e) {
    EXPECT_EQ(e.error().code, Errc::kInvalidArgument);
    EXPECT_EQ(e.error().message, "bad number");
    EXPECT_EQ(e.error().field, "count");
    EXPECT_STREQ(e.what(), "bad number");
  }
}

TEST(Result, StatusValueOnAnErrorThrowsErrorException) {
  Status s = Error::Conflict("taken");
  EXPECT_THROW(s.value(), ErrorException);
  Status ok;
  EXPECT_NO_THROW(ok.value());
}

TEST(Result, ErrorExceptionIsAStdException) {
  Result<int> r = Error::NotFound("gone");
  EXPECT_THROW((void)r.value(), std::exception);
}

}  // namespace
}  // namespace caduceus
