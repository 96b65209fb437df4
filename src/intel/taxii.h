// TAXII 2.1 (OASIS Standard, 10 June 2021) without the HTTP: the filters of section 3.4 parsed
// into an ObjectFilter for the store, the content negotiation of sections 1.6.8 and 3.1, the
// TAXII timestamp of section 2, and the resources of sections 3.6.1, 3.7, 4 and 5 rendered as
// JSON text. src/api/routes_taxii.cpp puts these together with the intel store.
//
// Everything here is pure and thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "intel/store.h"

namespace caduceus::intel::taxii {

// The media type of every TAXII 2.1 request and response body (section 1.6.8).
inline constexpr std::string_view kMediaType = "application/taxii+json;version=2.1";
// The media type of the STIX objects a collection holds (section 5.2.1 media_types).
inline constexpr std::string_view kStixMediaType = "application/stix+json;version=2.1";

// A page holds at most kMaxPageSize objects; without `limit` a client gets that many.
inline constexpr std::size_t kDefaultPageSize = kMaxPageSize;
// Values one match[<field>] parameter may list, and the longest `next` cursor accepted.
inline constexpr std::size_t kMaxMatchValues = 100;
inline constexpr std::size_t kMaxCursorLength = 256;

// Which URL query parameters an endpoint takes (the "URL Filtering Parameters" of sections 5.3,
// 5.4, 5.6, 5.7 and 5.8). Parameters an endpoint does not take are ignored, as section 3.4 lets a
// server ignore match fields it does not understand.
struct FilterSet {
  bool added_after = false;
  bool limit = false;
  bool next = false;
  bool id = false;
  bool type = false;
  bool version = false;
  bool spec_version = false;
};

inline constexpr FilterSet kObjectsFilters{true, true, true, true, true, true, true};   // 5.3, 5.4
inline constexpr FilterSet kObjectFilters{true, true, true, false, false, true, true};  // 5.6
inline constexpr FilterSet kDeleteFilters{false, false, false, false, false, true, true};  // 5.7
inline constexpr FilterSet kVersionsFilters{true, true, true, false, false, false, true};  // 5.8

// Reads the filters of section 3.4 from the decoded query parameters of a request:
//   added_after       a timestamp (ParseTimestamp);
//   limit             an integer 1..2^53-1, lowered to kMaxPageSize; kDefaultPageSize if absent;
//   next              an opaque cursor of at most kMaxCursorLength characters of base64url
//                     (the store decides whether it is one of its own);
//   match[id]         STIX identifiers, match[type] STIX type names, match[spec_version]
//                     versions "n.m" (duplicates dropped);
//   match[version]    "all" (alone), "first", "last" and STIX timestamps, each at most once;
//                     "last" when absent.
// Multiple values are comma-separated, at most kMaxMatchValues of them. Each parameter may occur
// once. Anything malformed is Error::Invalid (HTTP 400) with `field` naming the parameter.
Result<ObjectFilter> ParseFilter(std::span<const std::pair<std::string, std::string>> query,
                                 const FilterSet& accepted);

// Whether an Accept header value admits a TAXII 2.1 response (sections 1.6.8 and 3.1): one of
// its media ranges, with a quality above zero, is application/taxii+json with version 2.1 or
// none, application/* or */*; with `stix_too`, also application/stix+json with version 2.1 or
// none (section 5.3 lists it). Names and values compare case-insensitively. A missing header
// admits nothing: section 3.1 requires every request to carry a TAXII media range.
bool Acceptable(std::optional<std::string_view> accept, bool stix_too = false);

// Whether a Content-Type header value is application/taxii+json with version 2.1 or none
// (section 5.5); other parameters such as charset are allowed.
bool IsTaxiiContentType(std::optional<std::string_view> content_type);

// The body of an Add Objects request (section 5.5) as the STIX bundle IntelService::Submit
// reads: an envelope ({"objects": [...]}, more, next and custom properties ignored) gets
// "type": "bundle" and "id": `bundle_id` spliced in before its first property, leaving every
// byte of the objects as sent so that the store's streaming reader validates them; an envelope
// without objects becomes an empty bundle. A STIX bundle sent instead of an envelope (what
// TAXII 2.0 clients post) is passed on unchanged. Error::Invalid (HTTP 422) when the body is
// not one JSON object, nests deeper than 66 levels, repeats a top-level property, has an
// `objects` that is not a list, or has a `type` other than "bundle".
Result<std::string> EnvelopeToBundle(std::string_view body, std::string_view bundle_id);

// The TAXII timestamp of section 2: "YYYY-MM-DDTHH:MM:SS.ssssssZ", always six fractional digits.
std::string FormatTimestamp(TimePoint t);
// Reads a timestamp in the STIX form (upper-case T and Z, any number of fractional digits),
// truncated to the microsecond. nullopt when malformed or outside 1678..2261.
std::optional<TimePoint> ParseTimestamp(std::string_view text);

// The discovery resource (section 4.1.1). Roots are URLs as the client should use them (e.g.
// "/taxii2/eu/"); `default_root` is left out unless it is one of `api_roots`, `api_roots` when
// empty, `description` and `contact` when empty.
struct Discovery {
  std::string title;
  std::string description;
  std::string contact;
  std::string default_root;
  std::vector<std::string> api_roots;
};
std::string RenderDiscovery(const Discovery& discovery);

// EnvelopeToBundle adds at most this many bytes to a body. An API root advertises and enforces
// its store limit less this, so that a body within the advertised max_content_length never
// becomes a bundle the store refuses as too large (section 4.2.1: smaller bodies MUST NOT get a
// 413).
inline constexpr std::size_t kEnvelopeOverhead = 128;
std::size_t MaxContentLength(const ApiRoot& root);

// The api-root resource (section 4.2.1): versions is [kMediaType], max_content_length
// MaxContentLength(root).
std::string RenderApiRoot(const ApiRoot& root);

// The collection resource (section 5.2.1) and the collections resource (5.1.1, `{}` when there
// are none). Empty descriptions and aliases are left out; media_types is [kStixMediaType].
std::string RenderCollection(const CollectionInfo& collection);
std::string RenderCollections(std::span<const CollectionInfo> collections);

// The envelope (section 3.7) of a page: the objects' JSON as stored, in page order, an object
// without a TLP marking given the marking of its stored level (stix.h, WithTlpMarking). `more` is
// present when the page has objects or more is true, `next` when more is true and the store gave
// a cursor, `objects` when there are any; an empty last page is `{}`.
std::string RenderEnvelope(const ObjectPage& page);
// The manifest resource (section 5.3.1): one manifest-record per object version of the page,
// media_type "application/stix+json;version=<its spec_version>". Same rules for more/next.
std::string RenderManifest(const ObjectPage& page);
// The versions resource (section 5.8.1): the versions of the page in page order.
std::string RenderVersions(const ObjectPage& page);

// The status resource (section 4.3.1). Failures name the object by its id, or by "objects/<n>"
// (its index in the envelope) when it had no valid id, with an empty version when that is not
// known; their message is the reason, prefixed with the JSON pointer of the offending property.
// Objects that were already stored are successes with the message "already present".
std::string RenderStatus(const StatusResource& status);

// The error message of section 3.6.1: title, description, error_id (the request id, when
// known), error_code (a slug such as "not-found"), http_status (a string, as the section
// types it), and details {"field": ...} when `field` is not empty.
struct ErrorMessage {
  int http_status = 500;
  std::string title;
  std::string description;
  std::string error_id;
  std::string error_code;
  std::string field;
};
std::string RenderError(const ErrorMessage& error);

// X-TAXII-Date-Added-First and X-TAXII-Date-Added-Last (section 3.2) for a page: the date_added
// of its first and last object (the page's own bounds when the store gave them). Empty when the
// page has no objects, since then there is no date to give.
std::vector<std::pair<std::string, std::string>> DateAddedHeaders(const ObjectPage& page);

}  // namespace caduceus::intel::taxii
