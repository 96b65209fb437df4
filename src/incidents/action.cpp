// Parsing of incident actions (POST /api/v1/incidents/{id}/actions), apart from the service so
// that the fuzzer links it without storage.
#include <algorithm>
#include <array>
#include <utility>
#include <vector>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/text.h"
#include "incidents/service.h"

namespace caduceus::incidents {

namespace json = boost::json;

namespace {

constexpr std::array<std::pair<ActionType, std::string_view>, 9> kActionTypes = {{
    {ActionType::kAcknowledge, "acknowledge"},
    {ActionType::kRequestInformation, "request_information"},
    {ActionType::kGuidance, "guidance"},
    {ActionType::kMessage, "message"},
    {ActionType::kClassify, "classify"},
    {ActionType::kClose, "close"},
    {ActionType::kSetHandled, "set_handled"},
    {ActionType::kShare, "share"},
    {ActionType::kRapidResponse, "rapid_response"},
}};
constexpr auto kActionTypeNames = [] {
  std::array<std::string_view, kActionTypes.size()> names{};
  for (std::size_t i = 0; i < kActionTypes.size(); ++i) names[i] = kActionTypes[i].second;
  return names;
}();

std::string Joined(std::span<const std::string_view> words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : ", ") + std::string(w);
  return out;
}

}  // namespace

std::string_view ToString(ActionType type) {
  for (const auto& [t, name] : kActionTypes) {
    if (t == type) return name;
  }
  return "message";
}

std::optional<ActionType> ParseActionType(std::string_view text) {
  for (const auto& [t, name] : kActionTypes) {
    if (name == text) return t;
  }
  return std::nullopt;
}

Result<Action> ParseAction(const json::object& body) {
  Action a;
  const json::value* type = body.if_contains("type");
  if (type == nullptr || !type->is_string() || !ParseActionType(type->get_string())) {
    return Error::Invalid(fmt::format("type must be one of {}", Joined(kActionTypeNames)), "type");
  }
  a.type = *ParseActionType(type->get_string());
  std::vector<std::string_view> allowed = {"type"};
  std::optional<Error> error;
  const auto fail = [&](std::string_view key, std::string message) {
    if (!error) error = Error::Invalid(std::move(message), std::string(key));
  };
  const auto text = [&](std::string_view key, std::size_t max, bool single_line,
                        bool required) -> std::optional<std::string> {
    allowed.push_back(key);
    const json::value* v = body.if_contains(key);
    if (v == nullptr || v->is_null()) {
      if (required) fail(key, fmt::format("{} is required", key));
      return std::nullopt;
    }
    if (!v->is_string()) {
      fail(key, fmt::format("{} must be a string", key));
      return std::nullopt;
    }
    if (auto problem = TextProblem(key, v->get_string(), max, single_line)) {
      fail(key, std::move(*problem));
      return std::nullopt;
    }
    return std::string(v->get_string());
  };
  const auto time = [&](std::string_view key) -> std::optional<TimePoint> {
    allowed.push_back(key);
    const json::value* v = body.if_contains(key);
    std::optional<TimePoint> t;
    if (v != nullptr && v->is_string()) t = ParseRfc3339(v->get_string());
    if (!t) fail(key, fmt::format("{} must be an RFC 3339 time", key));
    return t;
  };
  const auto choice = [&](std::string_view key,
                          std::span<const std::string_view> vocabulary) -> std::string {
    allowed.push_back(key);
    const json::value* v = body.if_contains(key);
    if (v == nullptr || !v->is_string() || !IsOneOf(vocabulary, v->get_string())) {
      fail(key, fmt::format("{} must be one of {}", key, Joined(vocabulary)));
      return {};
    }
    return std::string(v->get_string());
  };
  switch (a.type) {
    case ActionType::kAcknowledge:
    case ActionType::kShare:
      break;
    case ActionType::kRequestInformation:
      a.text = text("question", kMaxShortText, false, true).value_or("");
      a.due_at = time("due_at");
      break;
    case ActionType::kGuidance:
    case ActionType::kMessage:
      a.text = text("text", kMaxText, false, true).value_or("");
      break;
    case ActionType::kClassify: {
      a.category = choice("category", IncidentTypes());
      a.severity = choice("severity", Severities());
      allowed.push_back("significant");
      const json::value* v = body.if_contains("significant");
      if (v == nullptr || !v->is_bool()) {
        fail("significant", "significant must be true or false");
      } else {
        a.significant = v->get_bool();
      }
      break;
    }
    case ActionType::kClose:
      a.text = text("summary", kMaxShortText, false, true).value_or("");
      break;
    case ActionType::kSetHandled:
      a.handled_at = time("handled_at");
      break;
    case ActionType::kRapidResponse: {
      auto& rr = a.rapid_response;
      rr.entity = text("entity", kMaxName, true, true).value_or("");
      rr.impact = text("impact", kMaxShortText, false, true).value_or("");
      rr.support_wanted = text("support_wanted", kMaxShortText, false, true).value_or("");
      rr.mitigation_taken = text("mitigation_taken", kMaxShortText, false, true).value_or("");
      rr.other_support = text("other_support", kMaxShortText, false, false);
      break;
    }
  }
  if (error) return *error;
  for (const auto& [key, value] : body) {
    if (std::find(allowed.begin(), allowed.end(), std::string_view(key)) == allowed.end()) {
      const std::string name(TruncateUtf8(std::string_view(key), 64));
      return Error::Invalid(fmt::format("unknown field '{}' for {}", name, ToString(a.type)), name);
    }
  }
  return a;
}

}  // namespace caduceus::incidents
