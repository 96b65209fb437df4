// Routes of the recovery module: identification from clues, the family knowledge base and its
// curation, decryption tools, the offline export for the agent, and an incident's recovery
// checklist.
#include <boost/json.hpp>
#include <fmt/format.h>

#include "api/internal.h"
#include "http/json_body.h"
#include "recovery/service.h"

namespace caduceus::api {

namespace json = boost::json;
using http::Method;
using identity::Actor;

namespace {

constexpr std::int64_t kDefaultFamilyLimit = 50;

json::array Strings(const std::vector<std::string>& list) {
  json::array a;
  for (const auto& s : list) a.emplace_back(s);
  return a;
}

json::object SummaryBody(const recovery::FamilySummary& s) {
  return json::object{{"id", s.id},           {"uuid", s.uuid},
                      {"name", s.name},       {"synonyms", Strings(s.synonyms)},
                      {"source", s.source},   {"in_galaxy", s.in_galaxy},
                      {"markers", s.markers}, {"decryptors", s.decryptors}};
}

json::object MarkerBody(const recovery::Marker& m) {
  return json::object{{"id", m.id},
                      {"kind", m.data.kind},
                      {"value", m.data.value},
                      {"offset", m.data.offset},
                      {"comment", m.comment},
                      {"created_by", m.created_by},
                      {"created_at", FormatRfc3339(m.created_at)}};
}

json::object FamilyBody(const recovery::FamilyDetail& f, bool can_curate) {
  json::array markers;
  for (const auto& m : f.markers) markers.push_back(MarkerBody(m));
  json::array tools;
  for (const auto& d : f.decryptors) tools.push_back(recovery::ToJson(d));
  return json::object{
      {"id", f.id},
      {"uuid", f.data.uuid},
      {"name", f.data.name},
      {"description", f.data.description},
      {"synonyms", Strings(f.effective.synonyms)},
      {"source", f.source},
      {"in_galaxy", f.in_galaxy},
      {"galaxy", json::object{{"synonyms", Strings(f.data.synonyms)},
                              {"extensions", Strings(f.data.extensions)},
                              {"note_filenames", Strings(f.data.note_filenames)},
                              {"note_texts", Strings(f.data.note_texts)},
                              {"references", Strings(f.data.references)}}},
      {"patterns", json::object{{"extensions", Strings(f.effective.extensions)},
                                {"note_filenames", Strings(f.effective.note_filenames)},
                                {"emails", Strings(f.effective.emails)},
                                {"onions", Strings(f.effective.onions)}}},
      {"markers", std::move(markers)},
      {"decryptors", std::move(tools)},
      {"decryptor_hints", Strings(f.effective.decryptor_hints)},
      {"can_curate", can_curate},
      {"created_at", FormatRfc3339(f.created_at)},
      {"updated_at", FormatRfc3339(f.updated_at)}};
}

json::object ChecklistBody(const recovery::Checklist& c) {
  json::array steps;
  for (const auto& s : c.steps) {
    json::array comments;
    for (const auto& cm : s.comments) {
      comments.push_back(json::object{{"id", cm.id},
                                      {"text", cm.text},
                                      {"author", cm.author},
                                      {"organisation_id", cm.organisation_id},
                                      {"created_at", FormatRfc3339(cm.created_at)}});
    }
    json::object step{{"step", s.step},
                      {"title", s.title},
                      {"state", s.state},
                      {"note", s.note},
                      {"updated_by", s.updated_by ? json::value(*s.updated_by) : nullptr},
                      {"updated_at", OptTime(s.updated_at)},
                      {"comments", std::move(comments)}};
    if (s.step == "report") {
      step["link"] = fmt::format("/api/v1/incidents/{}", c.incident_id);
    }
    steps.push_back(std::move(step));
  }
  json::array identifications;
  for (const auto& i : c.identifications) {
    identifications.push_back(json::object{{"id", i.id},
                                           {"result", json::parse(i.summary_json)},
                                           {"created_by", i.created_by},
                                           {"created_at", FormatRfc3339(i.created_at)}});
  }
  return json::object{{"incident_id", c.incident_id},
                      {"steps", std::move(steps)},
                      {"identifications", std::move(identifications)},
                      {"can_update", c.can_update},
                      {"can_comment", c.can_comment}};
}

// What an identification is audited with: how many clues of each kind, never their content.
std::string IdentifyDetail(const recovery::Clues& clues, const recovery::Identification& id) {
  json::object o{
      {"notes", clues.notes.size()},
      {"file_names", clues.file_names.size()},
      {"samples", clues.samples.size()},
      {"addresses", clues.emails.size() + clues.onions.size() + clues.crypto_addresses.size()},
      {"unknown", id.unknown}};
  if (!id.candidates.empty()) o["top"] = id.candidates.front().family.name;
  return json::serialize(o);
}

Result<std::string> StepParam(const http::Request& req) {
  const std::string step(req.PathParam("step"));
  if (recovery::StepTitle(step).empty()) return Error::NotFound("no such checklist step");
  return step;
}

}  // namespace

void RegisterRecoveryRoutes(Registrar& r, Services& s) {
  auto& recovery = s.recovery;

  r.Add(Method::kPost, "/api/v1/recovery/identify", Write("recovery.identify"),
        [&recovery](http::Request& req, RequestContext& ctx) {
          auto body = JsonBody(req);
          if (!body) return ErrorResponse(body.error(), req.request_id);
          auto clues = recovery::CluesFromJson(*body);
          if (!clues) return ErrorResponse(clues.error(), req.request_id);
          auto result = recovery.Identify(Actor::Of(*ctx.principal), *clues);
          if (!result) return ErrorResponse(result.error(), req.request_id);
          if (clues->incident_id) {
            ctx.audit_target = fmt::format("incident:{}", *clues->incident_id);
          } else {
            ctx.audit_target = "recovery:identify";
          }
          ctx.audit_detail = IdentifyDetail(*clues, *result);
          return JsonResponse(200, recovery::ToJson(*result));
        });

  r.Add(Method::kGet, "/api/v1/recovery/families", Read(),
        [&recovery](http::Request& req, RequestContext&) {
          std::int64_t limit = kDefaultFamilyLimit;
          if (auto v = req.QueryParam("limit")) {
            auto parsed = ParseInteger(*v, 1, recovery::kMaxFamilyListLimit);
            if (!parsed) {
              return ErrorResponse(
                  Error::Invalid(fmt::format("limit must be an integer from 1 to {}",
                                             recovery::kMaxFamilyListLimit),
                                 "limit"),
                  req.request_id);
            }
            limit = *parsed;
          }
          auto families = recovery.Families(req.QueryParam("q").value_or(""), limit);
          if (!families) return ErrorResponse(families.error(), req.request_id);
          json::array items;
          for (const auto& f : *families) items.push_back(SummaryBody(f));
          return JsonResponse(200, json::object{{"items", std::move(items)}});
        });

  r.Add(Method::kPost, "/api/v1/recovery/families", Write("recovery.family.create"),
        [&recovery](http::Request& req, RequestContext& ctx) {
          auto body = JsonBody(req);
          if (!body) return ErrorResponse(body.error(), req.request_id);
          http::FieldReader f(*body);
          recovery::NewFamily family;
          family.name = f.String("name", recovery::kMaxFamilyNameBytes).value_or("");
          family.synonyms = f.StringArray("synonyms", recovery::kMaxSynonyms,
                                          recovery::kMaxFamilyNameBytes, false)
                                .value_or(std::vector<std::string>{});
          family.description =
              f.String("description", recovery::kMaxDescription, false).value_or("");
          if (auto st = f.Finish(); !st) return ErrorResponse(st.error(), req.request_id);
          const Actor actor = Actor::Of(*ctx.principal);
          auto created = recovery.CreateFamily(actor, std::move(family));
          if (!created) return ErrorResponse(created.error(), req.request_id);
          ctx.audit_target = fmt::format("recovery-family:{}", created->id);
          ctx.audit_detail = json::serialize(json::object{{"name", created->data.name}});
          return JsonResponse(201, FamilyBody(*created, recovery.MayCurate(actor)));
        });

  r.Add(Method::kGet, "/api/v1/recovery/families/{id}", Read(),
        [&recovery](http::Request& req, RequestContext& ctx) {
          auto id = IdParam(req, "id");
          if (!id) return ErrorResponse(id.error(), req.request_id);
          auto family = recovery.GetFamily(*id);
          if (!family) return ErrorResponse(family.error(), req.request_id);
          return JsonResponse(200,
                              FamilyBody(*family, recovery.MayCurate(Actor::Of(*ctx.principal))));
        });

  r.Add(Method::kPost, "/api/v1/recovery/families/{id}/markers", Write("recovery.marker.create"),
        [&recovery](http::Request& req, RequestContext& ctx) {
          auto id = IdParam(req, "id");
          if (!id) return ErrorResponse(id.error(), req.request_id);
          ctx.audit_target = fmt::format("recovery-family:{}", *id);
          auto body = JsonBody(req);
          if (!body) return ErrorResponse(body.error(), req.request_id);
          http::FieldReader f(*body);
          recovery::NewMarker marker;
          marker.data.kind = f.String("kind", 32).value_or("");
          marker.data.value = f.String("value", recovery::kMaxMarkerValue).value_or("");
          marker.data.offset = f.Int("offset", 0, recovery::kMaxMarkerOffset, false).value_or(0);
          marker.comment = f.String("comment", recovery::kMaxMarkerComment, false).value_or("");
          if (auto st = f.Finish(); !st) return ErrorResponse(st.error(), req.request_id);
          const Actor actor = Actor::Of(*ctx.principal);
          auto family = recovery.AddMarker(actor, *id, std::move(marker));
          if (!family) return ErrorResponse(family.error(), req.request_id);
          const auto& added = family->markers.back();
          ctx.audit_detail =
              json::serialize(json::object{{"marker_id", added.id}, {"kind", added.data.kind}});
          return JsonResponse(201, FamilyBody(*family, recovery.MayCurate(actor)));
        });

  r.Add(Method::kDelete, "/api/v1/recovery/families/{id}/markers/{marker_id}",
        Write("recovery.marker.delete"), [&recovery](http::Request& req, RequestContext& ctx) {
          auto id = IdParam(req, "id");
          if (!id) return ErrorResponse(id.error(), req.request_id);
          auto marker = IdParam(req, "marker_id");
          if (!marker) return ErrorResponse(marker.error(), req.request_id);
          ctx.audit_target = fmt::format("recovery-family:{}", *id);
          ctx.audit_detail = json::serialize(json::object{{"marker_id", *marker}});
          if (auto st = recovery.DeleteMarker(Actor::Of(*ctx.principal), *id, *marker); !st) {
            return ErrorResponse(st.error(), req.request_id);
          }
          return http::Response::NoContent();
        });

  r.Add(Method::kGet, "/api/v1/recovery/knowledge-base", Read(),
        [&recovery](http::Request& req, RequestContext&) {
          std::int64_t version = 0;
          const auto text = recovery.ExportKnowledgeBase(&version);
          const std::string etag = fmt::format("\"kb-{}\"", version);
          if (req.Header("If-None-Match").value_or("") == etag) {
            http::Response not_modified;
            not_modified.status = 304;
            not_modified.headers.Set("ETag", etag);
            return not_modified;
          }
          auto resp = http::Response::Json(200, *text);
          resp.headers.Set("ETag", etag);
          return resp;
        });

  r.Add(Method::kGet, "/api/v1/recovery/decryptors", Read(),
        [&recovery](http::Request& req, RequestContext&) {
          json::array items;
          for (const auto& d : recovery.Decryptors(req.QueryParam("family"))) {
            items.push_back(recovery::ToJson(d));
          }
          return JsonResponse(200, json::object{{"items", std::move(items)}});
        });

  r.Add(Method::kPost, "/api/v1/recovery/decryptors", Write("recovery.decryptor.create"),
        [&recovery](http::Request& req, RequestContext& ctx) {
          auto body = JsonBody(req);
          if (!body) return ErrorResponse(body.error(), req.request_id);
          auto data = recovery::DecryptorFromJson(json::value(std::move(*body)), false);
          if (!data) return ErrorResponse(data.error(), req.request_id);
          auto created = recovery.CreateDecryptor(Actor::Of(*ctx.principal), std::move(*data));
          if (!created) return ErrorResponse(created.error(), req.request_id);
          ctx.audit_target = fmt::format("recovery-decryptor:{}", created->id);
          ctx.audit_detail = json::serialize(json::object{{"key", created->data.key}});
          return JsonResponse(201, recovery::ToJson(*created));
        });

  r.Add(Method::kPatch, "/api/v1/recovery/decryptors/{id}", Write("recovery.decryptor.update"),
        [&recovery](http::Request& req, RequestContext& ctx) {
          auto id = IdParam(req, "id");
          if (!id) return ErrorResponse(id.error(), req.request_id);
          ctx.audit_target = fmt::format("recovery-decryptor:{}", *id);
          auto body = JsonBody(req);
          if (!body) return ErrorResponse(body.error(), req.request_id);
          auto patch = recovery::DecryptorPatchFromJson(*body);
          if (!patch) return ErrorResponse(patch.error(), req.request_id);
          auto updated = recovery.UpdateDecryptor(Actor::Of(*ctx.principal), *id, *patch);
          if (!updated) return ErrorResponse(updated.error(), req.request_id);
          ctx.audit_detail = json::serialize(json::object{{"key", updated->data.key}});
          return JsonResponse(200, recovery::ToJson(*updated));
        });

  r.Add(Method::kDelete, "/api/v1/recovery/decryptors/{id}", Write("recovery.decryptor.delete"),
        [&recovery](http::Request& req, RequestContext& ctx) {
          auto id = IdParam(req, "id");
          if (!id) return ErrorResponse(id.error(), req.request_id);
          ctx.audit_target = fmt::format("recovery-decryptor:{}", *id);
          if (auto st = recovery.DeleteDecryptor(Actor::Of(*ctx.principal), *id); !st) {
            return ErrorResponse(st.error(), req.request_id);
          }
          return http::Response::NoContent();
        });

  r.Add(Method::kGet, "/api/v1/incidents/{id}/recovery", Read(),
        [&recovery](http::Request& req, RequestContext& ctx) {
          auto id = IdParam(req, "id");
          if (!id) return ErrorResponse(id.error(), req.request_id);
          auto checklist = recovery.GetChecklist(Actor::Of(*ctx.principal), *id);
          if (!checklist) return ErrorResponse(checklist.error(), req.request_id);
          return JsonResponse(200, ChecklistBody(*checklist));
        });

  r.Add(Method::kPut, "/api/v1/incidents/{id}/recovery/steps/{step}", Write("recovery.step.update"),
        [&recovery](http::Request& req, RequestContext& ctx) {
          auto id = IdParam(req, "id");
          if (!id) return ErrorResponse(id.error(), req.request_id);
          ctx.audit_target = fmt::format("incident:{}", *id);
          auto step = StepParam(req);
          if (!step) return ErrorResponse(step.error(), req.request_id);
          auto body = JsonBody(req);
          if (!body) return ErrorResponse(body.error(), req.request_id);
          http::FieldReader f(*body);
          recovery::StepUpdate update;
          update.state = f.String("state", 32, false);
          update.note = f.String("note", recovery::kMaxStepNote, false);
          if (auto st = f.Finish(); !st) return ErrorResponse(st.error(), req.request_id);
          auto checklist = recovery.UpdateStep(Actor::Of(*ctx.principal), *id, *step, update);
          if (!checklist) return ErrorResponse(checklist.error(), req.request_id);
          json::object detail{{"step", *step}};
          if (update.state) detail["state"] = *update.state;
          ctx.audit_detail = json::serialize(detail);
          return JsonResponse(200, ChecklistBody(*checklist));
        });

  r.Add(Method::kPost, "/api/v1/incidents/{id}/recovery/steps/{step}/comments",
        Write("recovery.step.comment"), [&recovery](http::Request& req, RequestContext& ctx) {
          auto id = IdParam(req, "id");
          if (!id) return ErrorResponse(id.error(), req.request_id);
          ctx.audit_target = fmt::format("incident:{}", *id);
          auto step = StepParam(req);
          if (!step) return ErrorResponse(step.error(), req.request_id);
          auto body = JsonBody(req);
          if (!body) return ErrorResponse(body.error(), req.request_id);
          http::FieldReader f(*body);
          auto text = f.String("text", recovery::kMaxStepComment);
          if (auto st = f.Finish(); !st) return ErrorResponse(st.error(), req.request_id);
          auto checklist =
              recovery.CommentStep(Actor::Of(*ctx.principal), *id, *step, std::move(*text));
          if (!checklist) return ErrorResponse(checklist.error(), req.request_id);
          ctx.audit_detail = json::serialize(json::object{{"step", *step}});
          return JsonResponse(201, ChecklistBody(*checklist));
        });
}

}  // namespace caduceus::api
