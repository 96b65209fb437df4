// The TAXII 2.1 request parsing on arbitrary bytes: the input is read as the query string of a
// request (filters of section 3.4, for every endpoint's set of parameters), as an Accept and a
// Content-Type header value, as an added_after timestamp and as an Add Objects body.
// Invariants: an accepted filter is within the documented bounds (limit 1..kMaxPageSize, at most
// kMaxMatchValues valid values per match field, `all` alone), a parsed timestamp formats and
// parses back to itself, and an accepted body becomes one JSON object of type "bundle" whose
// objects are read by the streaming bundle reader without an envelope error.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "http/http.h"
#include "intel/bundle.h"
#include "intel/stix.h"
#include "intel/taxii.h"

namespace {

namespace taxii = caduceus::intel::taxii;

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

void CheckFilter(const caduceus::intel::ObjectFilter& f) {
  Check(f.limit >= 1 && f.limit <= caduceus::intel::kMaxPageSize);
  Check(f.ids.size() <= taxii::kMaxMatchValues && f.types.size() <= taxii::kMaxMatchValues);
  Check(f.versions.size() <= taxii::kMaxMatchValues);
  Check(f.spec_versions.size() <= taxii::kMaxMatchValues);
  Check(f.next.size() <= taxii::kMaxCursorLength);
  for (const auto& id : f.ids) Check(caduceus::intel::IsStixIdentifier(id));
  for (const auto& type : f.types) Check(caduceus::intel::IsStixType(type));
  for (const auto& v : f.versions) Check(caduceus::intel::ParseStixTimestamp(v).has_value());
  if (f.version_all) {
    Check(!f.version_first && !f.version_last && f.versions.empty());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  if (auto target = caduceus::http::ParseTarget("/taxii2/eu/?" + std::string(input))) {
    for (const auto& set : {taxii::kObjectsFilters, taxii::kObjectFilters, taxii::kDeleteFilters,
                            taxii::kVersionsFilters}) {
      if (auto filter = taxii::ParseFilter(target->query, set)) {
        CheckFilter(*filter);
      } else {
        Check(filter.error().code == caduceus::Errc::kInvalidArgument);
        Check(!filter.error().field.empty());
      }
    }
  }

  taxii::Acceptable(input);
  taxii::Acceptable(input, true);
  taxii::IsTaxiiContentType(input);

  if (auto t = taxii::ParseTimestamp(input)) {
    Check(taxii::ParseTimestamp(taxii::FormatTimestamp(*t)) == t);
  }

  constexpr std::string_view kBundleId = "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d";
  if (auto bundle = taxii::EnvelopeToBundle(input, kBundleId)) {
    boost::json::parse_options options;
    options.max_depth = 80;
    boost::system::error_code ec;
    const auto value = boost::json::parse(*bundle, ec, {}, options);
    Check(!ec && value.is_object());
    Check(value.as_object().contains("type"));
    const auto read = caduceus::intel::ReadBundle(
        *bundle, [](std::size_t, caduceus::intel::StixObject&&) {},
        [](caduceus::intel::RejectedObject&&) {});
    if (!read) Check(read.error().field != "/type");
  } else {
    Check(bundle.error().code == caduceus::Errc::kInvalidArgument);
  }
  return 0;
}
