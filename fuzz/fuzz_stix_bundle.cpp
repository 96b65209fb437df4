// The STIX bundle reader on arbitrary bytes. The first two bytes seed the chunking (chunk sizes
// of 1 to 4096 bytes drawn from a small generator); the rest is the input. The same input read
// in one piece and in those chunks must give the same accepted objects, the same rejections and
// the same outcome. For malformed JSON only the kind of failure must agree: Boost.JSON can name
// a different fault (leading or trailing surrogate) and place it a few bytes apart when a token is
// split across chunks. Every accepted object must validate again on its own, and every rejection
// must carry an invalid-argument error with a reason. Each accepted object, serialised as the
// store keeps it, is marked with a TLP as the hub serves it: the text form (which splices the
// marking in when it can) must give the same object as marking the parsed one, carry a TLP
// marking unless it is a marking definition, and not change when marked again.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "intel/bundle.h"
#include "intel/stix.h"

namespace {

using caduceus::Errc;
using caduceus::intel::BundleLimits;
using caduceus::intel::BundleReader;
using caduceus::intel::RejectedObject;
using caduceus::intel::StixObject;

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

void CheckTlpMarking(const boost::json::object& object, std::size_t index) {
  const auto level = static_cast<caduceus::TlpLevel>(index % 5);
  const std::string stored = boost::json::serialize(object);
  const std::string served = caduceus::intel::WithTlpMarking(stored, level);
  boost::json::object marked = object;
  const bool added = caduceus::intel::AddTlpMarking(marked, level);
  Check(boost::json::parse(served) == marked);
  Check(added == (served != stored));
  Check(caduceus::intel::WithTlpMarking(served, level) == served);
  if (object.at("type") != "marking-definition") {
    bool tlp = false;
    for (const auto& ref : marked.at("object_marking_refs").as_array()) {
      tlp = tlp || caduceus::intel::TlpLevelOfMarking(ref.as_string()).has_value();
    }
    Check(tlp);
  }
}

// How the outcome of a failed read is compared: for malformed JSON, the kind only, after
// checking that the offset it names lies within the input.
std::string Comparable(const caduceus::Error& error, std::size_t input_size) {
  const std::string& message = error.message;
  const std::size_t at = message.find("offset ");
  if (at != std::string::npos) {
    std::size_t offset = 0;
    std::size_t end = at + 7;
    while (end < message.size() && message[end] >= '0' && message[end] <= '9') {
      offset = offset * 10 + static_cast<std::size_t>(message[end] - '0');
      ++end;
    }
    Check(end > at + 7 && offset >= 1 && offset <= input_size + 1);
  }
  constexpr std::string_view kJson = "not valid JSON";
  if (message.compare(0, kJson.size(), kJson) == 0) return "error " + std::string(kJson);
  return "error " + error.field + " " + message;
}

struct Outcome {
  std::vector<std::string> events;  // one line per accepted or rejected object, in order
  std::string end;                  // the summary or the error
};

Outcome Read(std::string_view text, std::uint32_t seed, bool chunked) {
  Outcome out;
  std::size_t last_index = 0;
  bool any = false;
  const auto next_index = [&](std::size_t index) {
    Check(!any || index > last_index);
    any = true;
    last_index = index;
  };
  BundleLimits limits;
  limits.max_object_bytes = 16 * 1024;
  limits.max_object_depth = 16;
  BundleReader reader(
      [&](std::size_t index, StixObject&& object) {
        next_index(index);
        Check(object.id == object.json.at("id").as_string());
        Check(caduceus::intel::ValidateStixObject(object.json).has_value());
        if (!chunked) CheckTlpMarking(object.json, index);
        out.events.push_back("+" + std::to_string(index) + " " + object.id + " " +
                             boost::json::serialize(object.json));
      },
      [&](RejectedObject&& rejected) {
        next_index(rejected.index);
        Check(rejected.error.code == Errc::kInvalidArgument);
        Check(!rejected.error.message.empty());
        Check(rejected.id.empty() || caduceus::intel::IsStixIdentifier(rejected.id));
        out.events.push_back("-" + std::to_string(rejected.index) + " " + rejected.id + " " +
                             rejected.error.field + " " + rejected.error.message);
      },
      limits);
  std::uint32_t state = seed | 1;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t size = text.size();
    if (chunked) {
      state = state * 1664525 + 1013904223;
      size = 1 + (state >> 8) % 4096;
    }
    const auto written = reader.Write(text.substr(at, size));
    if (!written) {
      Check(!written.error().message.empty());
      out.end = Comparable(written.error(), text.size());
      return out;
    }
    at += size;
  }
  const auto summary = reader.Finish();
  if (!summary) {
    out.end = Comparable(summary.error(), text.size());
    return out;
  }
  std::size_t accepted = 0;
  for (const std::string& event : out.events) accepted += event[0] == '+' ? 1 : 0;
  Check(summary->accepted == accepted);
  Check(summary->rejected == out.events.size() - accepted);
  out.end = "ok " + std::string(summary->is_bundle ? "bundle " : "object ") + summary->bundle_id;
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::uint32_t seed = static_cast<std::uint32_t>(data[0]) << 8 | data[1];
  const std::string_view text(reinterpret_cast<const char*>(data) + 2, size - 2);
  const Outcome whole = Read(text, seed, false);
  const Outcome chunked = Read(text, seed, true);
  Check(whole.events == chunked.events);
  Check(whole.end == chunked.end);
  return 0;
}
