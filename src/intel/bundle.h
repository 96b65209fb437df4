// Streaming reader of STIX 2.1 bundles (section 8): feed the bytes in chunks of any size, get
// each element of "objects" validated (stix.h) as soon as its closing brace arrives. Only the
// object being read is held in memory, so a bundle of a million objects streams in the memory of
// its largest object.
//
// Input is either a bundle ({"type": "bundle", "id": "bundle--<UUID>", "objects": [...]}) or a
// single STIX object. A top-level JSON object with an "objects" array is read as a bundle;
// anything else as one object (delivered with index 0).
//
// Three kinds of failure:
//   - one object is invalid (fails ValidateStixObject, is not a JSON object, repeats a key at any
//     depth, is larger than max_object_bytes or nested deeper than max_object_depth): it is
//     reported through the reject callback with its index and the id it declared, and reading
//     goes on with the next one;
//   - the bundle itself is invalid (type not "bundle", id not bundle--<UUID>, a second "objects",
//     the envelope larger than max_object_bytes): Write or Finish fails. When the envelope's
//     "type" and "id" come before "objects", as every producer writes them, this happens before
//     the first object is delivered; when they come after, objects have already been delivered,
//     so a consumer that must not keep the objects of an invalid bundle commits after Finish;
//   - the input is not JSON (syntax, invalid UTF-8, nesting deeper than the parser's bound,
//     truncated, trailing data): Write or Finish fails with the byte offset.
// After a failure every later call returns the same error.
//
// Object size is counted as the decoded text of the object's keys, strings and numbers plus two
// bytes per key and value, i.e. close to its length without insignificant whitespace; memory per
// object stays within a small multiple of max_object_bytes.
//
// Not thread-safe; one reader reads one input. Callbacks run on the caller's thread inside Write
// and Finish; an exception they throw propagates out of that call and leaves the reader failed.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.h"
#include "intel/stix.h"

namespace caduceus::intel {

struct BundleLimits {
  std::size_t max_object_bytes = 2 * 1024 * 1024;
  std::size_t max_object_depth = 32;  // containers inside one object, the object itself included
};

// An element of "objects" that was not accepted. `error.field` is a JSON pointer relative to the
// element (prefix "/objects/<index>" for the pointer within the bundle).
struct RejectedObject {
  std::size_t index = 0;  // position in "objects"; 0 for a single object
  std::string id;         // the "id" it declared if that is a STIX identifier, else empty
  Error error;
};

struct BundleSummary {
  bool is_bundle = false;
  std::string bundle_id;  // empty for a single object
  std::size_t accepted = 0;
  std::size_t rejected = 0;
};

class BundleReader {
 public:
  using AcceptFn = std::function<void(std::size_t index, StixObject&& object)>;
  using RejectFn = std::function<void(RejectedObject&& rejected)>;

  BundleReader(AcceptFn on_accept, RejectFn on_reject, BundleLimits limits = {});
  ~BundleReader();
  BundleReader(const BundleReader&) = delete;
  BundleReader& operator=(const BundleReader&) = delete;

  // Parses the next chunk; objects completed by it are delivered before it returns.
  Status Write(std::string_view chunk);

  // Ends the input: fails if it is incomplete, delivers a single (non-bundle) object, and checks
  // the bundle envelope.
  Result<BundleSummary> Finish();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Reads a whole input held in memory: Write(text) then Finish().
Result<BundleSummary> ReadBundle(std::string_view text,
                                 const BundleReader::AcceptFn& on_accept,
                                 const BundleReader::RejectFn& on_reject,
                                 BundleLimits limits = {});

}  // namespace caduceus::intel
