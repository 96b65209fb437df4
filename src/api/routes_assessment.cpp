// Routes of the assessment module: frameworks, assessments and their answers, evidence and
// reviews, an organisation's scores over cycles, and the healthcare cybersecurity index.
#include <cmath>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "api/internal.h"
#include "assessment/service.h"
#include "core/text.h"
#include "http/json_body.h"

namespace caduceus::api {

namespace json = boost::json;
using assessment::AnswerValue;
using assessment::AssessmentService;
using http::Method;
using identity::Actor;

namespace {

constexpr std::size_t kMaxQuestionIdInError = 96;

json::value Round(const std::optional<double>& v) {
  if (!v) return nullptr;
  return assessment::RoundScore(*v);
}

json::value MaturityJson(const std::optional<assessment::MaturityLevel>& m) {
  if (!m) return nullptr;
  return json::object{{"level", m->level}, {"name", m->name}};
}

json::value ValueJson(const AnswerValue& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return json::value(*s);
  return json::value(std::get<double>(v));
}

json::object ScoresJson(const assessment::Scores& s) {
  json::array domains;
  for (const auto& d : s.domains) {
    domains.push_back(json::object{{"id", d.id},
                                   {"title", d.title},
                                   {"score", Round(d.score)},
                                   {"maturity", MaturityJson(d.maturity)},
                                   {"answered", d.answered},
                                   {"applicable", d.applicable}});
  }
  return {{"overall", Round(s.overall)},
          {"maturity", MaturityJson(s.maturity)},
          {"domains", std::move(domains)}};
}

json::object SummaryJson(const assessment::AssessmentSummary& s) {
  return {{"id", s.id},
          {"organisation_id", s.organisation_id},
          {"organisation_name", s.organisation_name},
          {"cycle", s.cycle},
          {"framework_id", s.framework_id},
          {"framework_version", s.framework_version},
          {"status", assessment::ToString(s.status)},
          {"completion", std::round(s.completion * 1000) / 1000},
          {"score", Round(s.score)},
          {"maturity", MaturityJson(s.maturity)},
          {"created_at", FormatRfc3339(s.created_at)},
          {"updated_at", FormatRfc3339(s.updated_at)},
          {"submitted_at", OptTime(s.submitted_at)},
          {"reviewed_at", OptTime(s.reviewed_at)}};
}

json::object EvidenceJson(const assessment::EvidenceInfo& e) {
  return {{"id", e.id},
          {"question_id", e.question_id},
          {"filename", e.filename},
          {"content_type", e.content_type},
          {"size", e.size},
          {"sha256", e.sha256},
          {"uploaded_by", e.uploaded_by},
          {"uploaded_at", FormatRfc3339(e.uploaded_at)}};
}

json::object AssessmentJson(const assessment::Assessment& a) {
  json::object out = SummaryJson(a.summary);
  json::object answers;
  for (const auto& [qid, answer] : a.answers) {
    answers[qid] = json::object{{"value", ValueJson(answer.value)},
                                {"comment", answer.comment},
                                {"updated_by", answer.updated_by},
                                {"updated_at", FormatRfc3339(answer.updated_at)}};
  }
  json::array facts;
  for (const auto& f : a.facts) {
    facts.push_back(json::object{{"question_id", f.question_id},
                                 {"suggested", ValueJson(f.suggested)},
                                 {"text", f.text},
                                 {"source", f.source},
                                 {"observed_at", FormatRfc3339(f.observed_at)}});
  }
  json::array evidence;
  for (const auto& e : a.evidence) evidence.push_back(EvidenceJson(e));
  json::array reviews;
  for (const auto& r : a.reviews) {
    reviews.push_back(json::object{
        {"id", r.id},
        {"decision", assessment::ToString(r.decision)},
        {"comment", r.comment},
        {"reviewer", r.reviewer},
        {"organisation_id", r.organisation_id ? json::value(*r.organisation_id) : nullptr},
        {"at", FormatRfc3339(r.at)}});
  }
  out["answers"] = std::move(answers);
  out["facts"] = std::move(facts);
  out["evidence"] = std::move(evidence);
  out["reviews"] = std::move(reviews);
  out["scores"] = ScoresJson(a.scores);
  out["can_answer"] = a.can_answer;
  out["can_submit"] = a.can_submit;
  out["can_review"] = a.can_review;
  return out;
}

json::object GroupJson(const std::string& key,
                       const std::string& label,
                       const std::optional<assessment::Distribution>& d,
                       bool details) {
  json::object g{{"key", key}, {"label", label}, {"suppressed", !d.has_value()}};
  if (!d) return g;
  g["n"] = d->n;
  g["mean"] = assessment::RoundScore(d->mean);
  g["median"] = assessment::RoundScore(d->median);
  if (details) g["p10"] = assessment::RoundScore(d->p10);
  g["p25"] = assessment::RoundScore(d->p25);
  g["p75"] = assessment::RoundScore(d->p75);
  if (!details) return g;
  g["p90"] = assessment::RoundScore(d->p90);
  json::array histogram;
  for (const int n : d->histogram) histogram.push_back(n);
  g["histogram"] = std::move(histogram);
  json::object maturity;
  for (const auto& [level, n] : d->maturity) maturity[std::to_string(level)] = n;
  g["maturity"] = std::move(maturity);
  json::array domains;
  for (const auto& s : d->domains) {
    domains.push_back(json::object{
        {"id", s.id}, {"title", s.title}, {"mean", Round(s.mean)}, {"median", Round(s.median)}});
  }
  g["domains"] = std::move(domains);
  return g;
}

Result<std::optional<int>> CycleParam(const http::Request& req) {
  const auto text = req.QueryParam("cycle");
  if (!text) return std::optional<int>();
  const auto cycle = ParseInteger(*text, assessment::kMinCycle, assessment::kMaxCycle);
  if (!cycle) {
    return Error::Invalid(fmt::format("cycle must be a year from {} to {}", assessment::kMinCycle,
                                      assessment::kMaxCycle),
                          "cycle");
  }
  return std::optional<int>(static_cast<int>(*cycle));
}

Result<assessment::Dimension> ByParam(const http::Request& req) {
  const auto text = req.QueryParam("by");
  if (!text) return assessment::Dimension::kEu;
  const auto by = assessment::ParseDimension(*text);
  if (!by) return Error::Invalid("by must be eu, country, provider_type or size_band", "by");
  return *by;
}

// The media type without parameters, lower case.
std::string MediaType(std::string_view header) {
  header = header.substr(0, header.find(';'));
  while (!header.empty() && (header.back() == ' ' || header.back() == '\t'))
    header.remove_suffix(1);
  while (!header.empty() && (header.front() == ' ' || header.front() == '\t'))
    header.remove_prefix(1);
  std::string out(header);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// RFC 8187 ext-value for Content-Disposition's filename*.
std::string PercentEncode(std::string_view text) {
  std::string out;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '.' || c == '-' || c == '_' || c == '~') {
      out += ch;
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

// RFC 4180: fields with a comma, quote or line break are quoted, quotes doubled.
std::string CsvField(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string CsvNumber(const std::optional<double>& v) {
  return v ? fmt::format("{}", *v) : std::string();
}

// Parses {"answers": {qid: {"value": ..., "comment"?: string}}}.
Result<std::vector<assessment::AnswerChange>> ParseAnswers(const json::object& body) {
  http::FieldReader f(body);
  const json::value* answers = f.Raw("answers", true);
  if (auto st = f.Finish(); !st) return st.error();
  if (!answers->is_object()) return Error::Invalid("answers must be an object", "answers");
  if (answers->get_object().size() > assessment::kMaxAnswersPerSave) {
    return Error::Invalid(
        fmt::format("at most {} answers may be saved at once", assessment::kMaxAnswersPerSave),
        "answers");
  }
  std::vector<assessment::AnswerChange> changes;
  for (const auto& [key, item] : answers->get_object()) {
    const std::string qid(key);
    const std::string field(TruncateUtf8(qid, kMaxQuestionIdInError));
    if (!item.is_object()) {
      return Error::Invalid("each answer must be an object with a value", field);
    }
    const auto& o = item.get_object();
    const json::value* value = o.if_contains("value");
    const json::value* comment = o.if_contains("comment");
    if (value == nullptr || o.size() != 1u + (comment != nullptr ? 1u : 0u)) {
      return Error::Invalid("an answer has a value and optionally a comment", field);
    }
    assessment::AnswerChange change{qid, std::nullopt, ""};
    if (value->is_string()) {
      change.value = AnswerValue(std::string(value->get_string()));
    } else if (value->is_int64()) {
      change.value = AnswerValue(static_cast<double>(value->get_int64()));
    } else if (value->is_uint64()) {
      change.value = AnswerValue(static_cast<double>(value->get_uint64()));
    } else if (value->is_double()) {
      change.value = AnswerValue(value->get_double());
    } else if (!value->is_null()) {
      return Error::Invalid("an answer's value is a string, a number or null", field);
    }
    if (comment != nullptr && !comment->is_null()) {
      if (!comment->is_string()) return Error::Invalid("a comment is a string", field);
      change.comment = std::string(comment->get_string());
    }
    changes.push_back(std::move(change));
  }
  return changes;
}

}  // namespace

void RegisterAssessmentRoutes(Registrar& r, Services& s) {
  AssessmentService& svc = s.assessment;

  r.Add(Method::kGet, "/api/v1/frameworks", Read(), [&svc](http::Request&, RequestContext&) {
    json::array items;
    for (const auto& f : svc.ListFrameworks()) {
      items.push_back(json::object{{"id", f.id},
                                   {"version", f.version},
                                   {"title", f.title},
                                   {"description", f.description},
                                   {"published", f.published},
                                   {"question_count", f.question_count},
                                   {"default", f.is_default}});
    }
    return JsonResponse(200, json::object{{"items", std::move(items)}});
  });

  r.Add(Method::kGet, "/api/v1/frameworks/{id}/{version}", Read(),
        [&svc](http::Request& req, RequestContext&) {
          auto doc = svc.FrameworkDocument(req.PathParam("id"), req.PathParam("version"));
          if (!doc) return ErrorResponse(doc.error(), req.request_id);
          return http::Response::Json(200, std::move(*doc));
        });

  r.Add(Method::kGet, "/api/v1/assessments", Read(),
        [&svc](http::Request& req, RequestContext& ctx) {
          assessment::AssessmentFilter filter;
          if (auto q = req.QueryParam("organisation_id")) {
            filter.organisation_id = ParseInteger(*q, 1, INT64_MAX);
            if (!filter.organisation_id) {
              return ErrorResponse(
                  Error::Invalid("organisation_id must be a positive integer", "organisation_id"),
                  req.request_id);
            }
          }
          auto cycle = CycleParam(req);
          if (!cycle) return ErrorResponse(cycle.error(), req.request_id);
          filter.cycle = *cycle;
          if (auto q = req.QueryParam("status")) {
            filter.status = assessment::ParseAssessmentStatus(*q);
            if (!filter.status) {
              return ErrorResponse(
                  Error::Invalid("status must be draft, submitted, returned or accepted", "status"),
                  req.request_id);
            }
          }
          json::array items;
          for (const auto& a : svc.List(Actor::Of(*ctx.principal), filter)) {
            items.push_back(SummaryJson(a));
          }
          return JsonResponse(200, json::object{{"items", std::move(items)}});
        });

  r.Add(Method::kPost, "/api/v1/assessments", Write("assessment.create"),
        [&svc](http::Request& req, RequestContext& ctx) {
          auto body = req.body.empty() ? Result<json::object>(json::object()) : JsonBody(req);
          if (!body) return ErrorResponse(body.error(), req.request_id);
          http::FieldReader f(*body);
          assessment::NewAssessment n;
          if (auto c = f.Int("cycle", assessment::kMinCycle, assessment::kMaxCycle, false)) {
            n.cycle = static_cast<int>(*c);
          }
          n.framework_id = f.String("framework_id", 64, false);
          n.framework_version = f.String("framework_version", 32, false);
          if (auto st = f.Finish(); !st) return ErrorResponse(st.error(), req.request_id);
          auto created = svc.Create(Actor::Of(*ctx.principal), n);
          if (!created) return ErrorResponse(created.error(), req.request_id);
          ctx.audit_target = fmt::format("assessment:{}", created->summary.id);
          ctx.audit_detail = json::serialize(
              json::object{{"cycle", created->summary.cycle},
                           {"framework_id", created->summary.framework_id},
                           {"framework_version", created->summary.framework_version}});
          return JsonResponse(201, AssessmentJson(*created));
        });

  r.Add(Method::kGet, "/api/v1/assessments/{id}", Read(),
        [&svc](http::Request& req, RequestContext& ctx) {
          auto id = IdParam(req, "id");
          if (!id) return ErrorResponse(id.error(), req.request_id);
          auto a = svc.Get(Actor::Of(*ctx.principal), *id);
          if (!a) return ErrorResponse(a.error(), req.request_id);
          return JsonResponse(200, AssessmentJson(*a));
        });

  r.Add(Method::kPut, "/api/v1/assessments/{id}/answers", Write("assessment.answer"),
        [&svc](http::Request& req, RequestContext& ctx) {
          auto id = IdParam(req, "id");
          if (!id) return ErrorResponse(id.error(), req.request_id);
          ctx.audit_target = fmt::format("assessment:{}", *id);
          auto body = JsonBody(req);
          if (!body) return ErrorResponse(body.error(), req.request_id);
          auto changes = ParseAnswers(*body);
          if (!changes) return ErrorResponse(changes.error(), req.request_id);
          auto a = svc.SaveAnswers(Actor::Of(*ctx.principal), *id, *changes);
          if (!a) return ErrorResponse(a.error(), req.request_id);
          ctx.audit_org = a->summary.organisation_id;
          json::array questions;
          for (const auto& c : *changes) questions.push_back(json::value(c.question_id));
          ctx.audit_detail = json::serialize(json::object{{"questions", std::move(questions)}});
          return JsonResponse(200, AssessmentJson(*a));
        });

  r.Add(Method::kPost, "/api/v1/assessments/{id}/submit", Write("assessment.submit"),
        [&svc](http::Request& req, RequestContext& ctx) {
          auto id = IdParam(req, "id");
          if (!id) return ErrorResponse(id.error(), req.request_id);
          ctx.audit_target = fmt::format("assessment:{}", *id);
          auto a = svc.Submit(Actor::Of(*ctx.principal), *id);
          if (!a) return ErrorResponse(a.error(), req.request_id);
          ctx.audit_org = a->summary.organisation_id;
          ctx.audit_detail = json::serialize(json::object{{"score", Round(a->summary.score)}});
          return JsonResponse(200, AssessmentJson(*a));
        });

  r.Add(Method::kPost, "/api/v1/assessments/{id}/review", Write("assessment.review"),
        [&svc](http::Request& req, RequestContext& ctx) {
          auto id = IdParam(req, "id");
          if (!id) return ErrorResponse(id.error(), req.request_id);
          ctx.audit_target = fmt::format("assessment:{}", *id);
          auto body = JsonBody(req);
          if (!body) return ErrorResponse(body.error(), req.request_id);
          http::FieldReader f(*body);
          auto decision = f.String("decision", 16);
          auto comment = f.String("comment", assessment::kMaxComment, false);
          if (auto st = f.Finish(); !st) return ErrorResponse(st.error(), req.request_id);
          if (*decision != "accept" && *decision != "return") {
            return ErrorResponse(Error::Invalid("decision must be accept or return", "decision"),
                                 req.request_id);
          }
          auto a = svc.ReviewAssessment(Actor::Of(*ctx.principal), *id,
                                        *decision == "accept" ? assessment::ReviewDecision::kAccept
                                                              : assessment::ReviewDecision::kReturn,
                                        comment.value_or(""));
          if (!a) return ErrorResponse(a.error(), req.request_id);
          ctx.audit_org = a->summary.organisation_id;
          ctx.audit_detail = json::serialize(json::object{{"decision", *decision}});
          return JsonResponse(200, AssessmentJson(*a));
        });

  r.Add(Method::kPost, "/api/v1/assessments/{id}/evidence", Write("evidence.add"),
        [&svc](http::Request& req, RequestContext& ctx) {
          auto id = IdParam(req, "id");
          if (!id) return ErrorResponse(id.error(), req.request_id);
          ctx.audit_target = fmt::format("assessment:{}", *id);
          const auto question = req.QueryParam("question_id");
          if (!question || question->empty() || question->size() > kMaxQuestionIdInError) {
            return ErrorResponse(Error::Invalid("question_id is required", "question_id"),
                                 req.request_id);
          }
          if (req.body.size() > assessment::kMaxEvidenceBytes) {
            return ErrorResponse({Errc::kPayloadTooLarge,
                                  fmt::format("an evidence file may not exceed {} MiB",
                                              assessment::kMaxEvidenceBytes >> 20),
                                  {}},
                                 req.request_id);
          }
          assessment::NewEvidence e;
          e.question_id = *question;
          e.filename = req.QueryParam("filename").value_or("");
          e.content_type = MediaType(req.Header("Content-Type").value_or(""));
          e.content = std::move(req.body);
          auto added = svc.AddEvidence(Actor::Of(*ctx.principal), *id, std::move(e));
          if (!added) return ErrorResponse(added.error(), req.request_id);
          ctx.audit_target = fmt::format("evidence:{}", added->id);
          ctx.audit_detail = json::serialize(json::object{{"assessment_id", *id},
                                                          {"question_id", added->question_id},
                                                          {"filename", added->filename},
                                                          {"size", added->size},
                                                          {"sha256", added->sha256}});
          return JsonResponse(201, EvidenceJson(*added));
        });

  r.Add(Method::kGet, "/api/v1/evidence/{id}", Read(),
        [&svc](http::Request& req, RequestContext& ctx) {
          auto id = IdParam(req, "id");
          if (!id) return ErrorResponse(id.error(), req.request_id);
          auto file = svc.GetEvidence(Actor::Of(*ctx.principal), *id);
          if (!file) return ErrorResponse(file.error(), req.request_id);
          auto resp = http::Response::Text(200, std::move(file->content), file->info.content_type);
          resp.headers.Set("Content-Disposition",
                           "attachment; filename*=UTF-8''" + PercentEncode(file->info.filename));
          resp.headers.Set("X-Content-Type-Options", "nosniff");
          resp.headers.Set("Content-Security-Policy", "sandbox");
          return resp;
        });

  r.Add(Method::kDelete, "/api/v1/evidence/{id}", Write("evidence.delete"),
        [&svc](http::Request& req, RequestContext& ctx) {
          auto id = IdParam(req, "id");
          if (!id) return ErrorResponse(id.error(), req.request_id);
          ctx.audit_target = fmt::format("evidence:{}", *id);
          if (auto st = svc.DeleteEvidence(Actor::Of(*ctx.principal), *id); !st) {
            return ErrorResponse(st.error(), req.request_id);
          }
          return http::Response::NoContent();
        });

  r.Add(Method::kGet, "/api/v1/organisations/{id}/scores", Read(),
        [&svc](http::Request& req, RequestContext& ctx) {
          auto id = IdParam(req, "id");
          if (!id) return ErrorResponse(id.error(), req.request_id);
          auto scores = svc.OrganisationScores(Actor::Of(*ctx.principal), *id);
          if (!scores) return ErrorResponse(scores.error(), req.request_id);
          json::array items;
          for (const auto& c : *scores) {
            items.push_back(json::object{{"cycle", c.cycle},
                                         {"assessment_id", c.assessment_id},
                                         {"status", assessment::ToString(c.status)},
                                         {"scores", ScoresJson(c.scores)}});
          }
          return JsonResponse(200, json::object{{"items", std::move(items)}});
        });

  r.Add(Method::kGet, "/api/v1/index", Read(), [&svc](http::Request& req, RequestContext&) {
    auto cycle = CycleParam(req);
    if (!cycle) return ErrorResponse(cycle.error(), req.request_id);
    auto by = ByParam(req);
    if (!by) return ErrorResponse(by.error(), req.request_id);
    const auto report = svc.Index(*cycle, *by);
    json::array cycles;
    for (const int c : report.cycles) cycles.push_back(c);
    json::array groups;
    for (const auto& g : report.groups) groups.push_back(GroupJson(g.key, g.label, g.stats, true));
    return JsonResponse(200, json::object{{"cycle", report.cycle},
                                          {"cycles", std::move(cycles)},
                                          {"by", assessment::ToString(report.by)},
                                          {"k_min", assessment::kIndexMinProviders},
                                          {"groups", std::move(groups)}});
  });

  r.Add(Method::kGet, "/api/v1/index/trend", Read(), [&svc](http::Request& req, RequestContext&) {
    auto by = ByParam(req);
    if (!by) return ErrorResponse(by.error(), req.request_id);
    const auto report = svc.Trend(*by);
    json::array series;
    for (const auto& line : report.series) {
      json::array points;
      for (const auto& p : line.points) {
        json::object point = GroupJson("", "", p.stats, false);
        point.erase("key");
        point.erase("label");
        point["cycle"] = p.cycle;
        points.push_back(std::move(point));
      }
      series.push_back(
          json::object{{"key", line.key}, {"label", line.label}, {"points", std::move(points)}});
    }
    return JsonResponse(200, json::object{{"by", assessment::ToString(report.by)},
                                          {"k_min", assessment::kIndexMinProviders},
                                          {"series", std::move(series)}});
  });

  r.Add(Method::kGet, "/api/v1/index/export", Read(),
        [&svc](http::Request& req, RequestContext& ctx) {
          auto cycle = CycleParam(req);
          if (!cycle) return ErrorResponse(cycle.error(), req.request_id);
          const std::string format = req.QueryParam("format").value_or("json");
          if (format != "json" && format != "csv") {
            return ErrorResponse(Error::Invalid("format must be json or csv", "format"),
                                 req.request_id);
          }
          const auto table = svc.Export(Actor::Of(*ctx.principal), *cycle);
          if (format == "json") {
            json::array rows;
            for (const auto& row : table.rows) {
              json::object o{{"organisation_id", row.organisation_id},
                             {"country", row.country},
                             {"provider_type", row.provider_type},
                             {"size_band", row.size_band},
                             {"cycle", row.cycle},
                             {"status", assessment::ToString(row.status)},
                             {"overall", row.overall ? json::value(*row.overall) : nullptr}};
              for (const auto& d : table.domain_ids) {
                auto it = row.domains.find(d);
                o[d] = it != row.domains.end() && it->second ? json::value(*it->second) : nullptr;
              }
              rows.push_back(std::move(o));
            }
            const auto opt = [](const std::optional<std::string>& v) {
              return v ? json::value(*v) : json::value(nullptr);
            };
            return JsonResponse(200,
                                json::object{{"cycle", table.cycle},
                                             {"framework_id", opt(table.framework_id)},
                                             {"framework_version", opt(table.framework_version)},
                                             {"rows", std::move(rows)}});
          }
          std::string csv = "organisation_id,country,provider_type,size_band,cycle,status,overall";
          for (const auto& d : table.domain_ids) csv += "," + CsvField(d);
          csv += "\r\n";
          for (const auto& row : table.rows) {
            csv += fmt::format("{},{},{},{},{},{},{}", row.organisation_id, CsvField(row.country),
                               CsvField(row.provider_type), CsvField(row.size_band), row.cycle,
                               assessment::ToString(row.status), CsvNumber(row.overall));
            for (const auto& d : table.domain_ids) {
              auto it = row.domains.find(d);
              csv += "," + CsvNumber(it != row.domains.end() ? it->second : std::nullopt);
            }
            csv += "\r\n";
          }
          auto resp = http::Response::Text(200, std::move(csv), "text/csv; charset=utf-8");
          resp.headers.Set(
              "Content-Disposition",
              fmt::format("attachment; filename=\"caduceus-index-{}.csv\"", table.cycle));
          return resp;
        });
}

}  // namespace caduceus::api
