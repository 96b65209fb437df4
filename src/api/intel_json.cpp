#include "api/intel_json.h"

#include <algorithm>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "intel/store.h"

namespace caduceus::api {

namespace json = boost::json;

json::object IngestReportJson(const intel::IngestReport& r) {
  json::array accepted;
  for (const auto& a : r.successes) {
    accepted.push_back(json::object{{"id", a.id}, {"version", a.version}, {"stored", a.stored}});
  }
  json::array rejected;
  for (const auto& f : r.failures) {
    rejected.push_back(json::object{
        {"index", f.index}, {"id", f.id}, {"field", f.error.field}, {"message", f.error.message}});
  }
  json::array warnings;
  for (const auto& w : r.warnings) {
    warnings.push_back(json::object{{"id", w.id},
                                    {"kind", intel::KindName(w.value.kind)},
                                    {"value", w.value.value},
                                    {"list", w.list}});
  }
  return {{"status_id", r.status_id},
          {"total", r.total},
          {"accepted", std::move(accepted)},
          {"rejected", std::move(rejected)},
          {"warnings", std::move(warnings)}};
}

std::string IngestAuditDetail(const intel::IngestReport& r) {
  const auto stored = std::count_if(r.successes.begin(), r.successes.end(),
                                    [](const intel::AcceptedObject& a) { return a.stored; });
  return json::serialize(json::object{{"status_id", r.status_id},
                                      {"accepted", r.successes.size()},
                                      {"stored", stored},
                                      {"rejected", r.failures.size()}});
}

Result<std::vector<std::int64_t>> RecipientsParam(const json::value* v) {
  std::vector<std::int64_t> out;
  if (v == nullptr || v->is_null()) return out;
  const auto* list = v->if_array();
  if (list == nullptr || list->size() > kMaxRecipients) {
    return Error::Invalid(
        fmt::format("must be a list of at most {} organisation ids", kMaxRecipients), "recipients");
  }
  for (const auto& item : *list) {
    if (!item.is_int64() || item.get_int64() < 1) {
      return Error::Invalid("must hold organisation ids", "recipients");
    }
    out.push_back(item.get_int64());
  }
  return out;
}

}  // namespace caduceus::api
