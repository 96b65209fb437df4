// The incident report and action parsers on arbitrary bytes, as the routes see them: a strict
// JSON object body, then ParseSubmission (stage report) and ParseAction. A rejection must be an
// Invalid error naming the member at fault; an accepted report must survive its JSON form
// unchanged, and its indicators must already be canonical.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/json_body.h"
#include "incidents/model.h"
#include "incidents/service.h"

namespace {

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

// A rejection is Invalid, says why, and names the member at fault — which is the empty string
// when the body has an unknown member named "".
template <class R>
void CheckRejection(const R& result, const boost::json::object& body) {
  Check(result.error().code == caduceus::Errc::kInvalidArgument);
  Check(!result.error().message.empty());
  Check(!result.error().field.empty() || body.contains(""));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace incidents = caduceus::incidents;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto object = caduceus::http::ParseJsonObject(body);
  if (!object) return 0;

  const auto report = incidents::ParseSubmission(*object);
  if (!report) {
    CheckRejection(report, *object);
  } else {
    const auto stage = incidents::StageOf(*report);
    const auto again = incidents::ParseReportFields(stage, incidents::ToJson(*report));
    Check(again.has_value() && *again == *report);
    if (const auto* n = std::get_if<incidents::Notification>(&*report)) {
      Check(n->iocs.size() <= incidents::kMaxIocs);
      for (const auto& ioc : n->iocs) {
        const auto canonical = incidents::NormaliseIoc(ioc.type, ioc.value);
        Check(canonical.has_value() && *canonical == ioc.value);
      }
    }
  }

  const auto action = incidents::ParseAction(*object);
  if (!action) CheckRejection(action, *object);
  return 0;
}
