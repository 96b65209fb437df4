#include "hub/demo.h"

#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/random.h"
#include "incidents/model.h"
#include "incidents/service.h"
#include "intel/observables.h"
#include "intel/store.h"

namespace caduceus::hub {
namespace {

namespace json = boost::json;
using identity::Actor;
using identity::OrgKind;
using identity::Role;

struct DemoOrg {
  const char* key;
  const char* name;
  OrgKind kind;
  const char* parent;  // key of the parent
  const char* country;
  const char* provider_type;
  const char* size_band;
};

constexpr DemoOrg kOrgs[] = {
    {"eu", "EU Health Cybersecurity Support Centre", OrgKind::kSupportCentre, nullptr, nullptr,
     nullptr, nullptr},
    {"be", "Belgian Health CSIRT (demo)", OrgKind::kAuthority, "eu", "BE", nullptr, nullptr},
    {"nl", "Dutch Health CSIRT (demo)", OrgKind::kAuthority, "eu", "NL", nullptr, nullptr},
    {"h1", "Sint-Demo University Hospital", OrgKind::kProvider, "be", nullptr, "hospital", "large"},
    {"h2", "Meuse Valley Clinical Laboratory", OrgKind::kProvider, "be", nullptr, "laboratory",
     "small"},
    {"h3", "Noordzee Medical Centre", OrgKind::kProvider, "nl", nullptr, "hospital", "large"},
    {"h4", "Polder Care Home", OrgKind::kProvider, "nl", nullptr, "care_home", "small"},
    // Enough providers per Member State for the index to show national figures (it hides groups
    // of fewer than five), and a third, small Member State whose figures stay hidden.
    {"h5", "Kempen General Hospital", OrgKind::kProvider, "be", nullptr, "hospital", "medium"},
    {"h6", "Ardennes Regional Clinic", OrgKind::kProvider, "be", nullptr, "clinic", "small"},
    {"h7", "Scheldt Imaging Centre", OrgKind::kProvider, "be", nullptr, "clinic", "micro"},
    {"h8", "Brabant Children's Hospital", OrgKind::kProvider, "be", nullptr, "hospital", "large"},
    {"h9", "Waddenzee Hospital", OrgKind::kProvider, "nl", nullptr, "hospital", "medium"},
    {"h10", "IJssel Diagnostics Laboratory", OrgKind::kProvider, "nl", nullptr, "laboratory",
     "medium"},
    {"h11", "Veluwe Rehabilitation Clinic", OrgKind::kProvider, "nl", nullptr, "clinic", "small"},
    {"h12", "Randstad Pharmacy Group", OrgKind::kProvider, "nl", nullptr, "pharmacy", "medium"},
    {"lu", "Luxembourg Health CSIRT (demo)", OrgKind::kAuthority, "eu", "LU", nullptr, nullptr},
    {"h13", "Alzette Hospital", OrgKind::kProvider, "lu", nullptr, "hospital", "medium"},
    {"h14", "Moselle Laboratory", OrgKind::kProvider, "lu", nullptr, "laboratory", "small"},
};

struct DemoUser {
  const char* username;
  const char* display_name;
  Role role;
  const char* org;
};

constexpr DemoUser kUsers[] = {
    {"eu.admin", "Elena Europa (support centre admin)", Role::kAdmin, "eu"},
    {"eu.analyst", "Erik Analyst (support centre)", Role::kAnalyst, "eu"},
    {"be.admin", "Bram Admin (Belgian CSIRT)", Role::kAdmin, "be"},
    {"be.analyst", "Bea Analyst (Belgian CSIRT)", Role::kAnalyst, "be"},
    {"nl.admin", "Noor Admin (Dutch CSIRT)", Role::kAdmin, "nl"},
    {"nl.analyst", "Niels Analyst (Dutch CSIRT)", Role::kAnalyst, "nl"},
    {"h1.admin", "Hanne Admin (Sint-Demo IT security)", Role::kAdmin, "h1"},
    {"h1.reporter", "Hugo Reporter (Sint-Demo service desk)", Role::kReporter, "h1"},
    {"h1.viewer", "Hilde Viewer (Sint-Demo board)", Role::kViewer, "h1"},
    {"h2.admin", "Lotte Admin (Meuse Valley Lab)", Role::kAdmin, "h2"},
    {"h3.admin", "Daan Admin (Noordzee MC)", Role::kAdmin, "h3"},
    {"h3.analyst", "Sanne Analyst (Noordzee MC SOC)", Role::kAnalyst, "h3"},
    {"h4.viewer", "Pieter Viewer (Polder Care Home)", Role::kViewer, "h4"},
};

// A number in [0, 1) fixed by the text: the demo answers are the same on every machine.
double Draw(std::string_view text) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return static_cast<double>(h % 1000003) / 1000003.0;
}

std::string IsoDate(TimePoint t) {
  const std::chrono::year_month_day d{std::chrono::floor<std::chrono::days>(t)};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(d.year()),
                     static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
}

// Answers every question that applies to the provider, better the higher `quality` (0..1):
// evidence questions get a small text file or, when the draw is poor, "not_applicable".
Status AnswerAll(Runtime& rt,
                 const assessment::Assessment& a,
                 const identity::Organisation& org,
                 double quality,
                 double share) {
  auto framework = rt.assessment->GetFramework(a.summary.framework_id, a.summary.framework_version);
  if (!framework) return framework.error();
  const auto today = rt.clock.Now();
  std::vector<assessment::AnswerChange> changes;
  for (const auto& domain : (*framework)->domains) {
    for (const auto& control : domain.controls) {
      for (const auto& q : control.questions) {
        if (q.applies_to &&
            !q.applies_to->Matches(org.provider_type.value_or(""), org.size_band.value_or(""))) {
          continue;
        }
        const auto seed = fmt::format("{}/{}/{}", org.name, a.summary.cycle, q.id);
        if (Draw(seed + "/share") >= share) continue;
        const bool good = Draw(seed) < quality;
        assessment::AnswerChange change{q.id, std::nullopt, {}};
        switch (q.type) {
          case assessment::QuestionType::kChoice:
            change.value = good ? "yes" : (Draw(seed + "/partly") < 0.5 ? "partly" : "no");
            break;
          case assessment::QuestionType::kNumeric: {
            const auto& scale = *q.numeric;
            const auto& best = scale.upper ? scale.bands.front() : scale.bands.back();
            const auto& worst = scale.upper ? scale.bands.back() : scale.bands.front();
            change.value = good ? best.bound : (scale.upper ? worst.bound * 2 + 1 : 0.0);
            break;
          }
          case assessment::QuestionType::kDate:
            change.value = IsoDate(today - std::chrono::days(good ? 60 : 800));
            break;
          case assessment::QuestionType::kEvidence:
            if (!good) {
              change.value = "not_applicable";
              break;
            }
            if (auto added =
                    rt.assessment->AddEvidence(Actor::System(), a.summary.id,
                                               {q.id, "evidence-" + q.id + ".txt", "text/plain",
                                                "Demo evidence for " + q.text + "\n"});
                !added) {
              return added.error();
            }
            continue;
        }
        changes.push_back(std::move(change));
      }
    }
  }
  if (auto saved = rt.assessment->SaveAnswers(Actor::System(), a.summary.id, changes); !saved) {
    return saved.error();
  }
  return {};
}

// What the demo shows of each provider's current cycle: most are accepted, one is waiting for
// its authority, one was sent back, and Sint-Demo's is half answered for the wizard.
enum class Outcome { kAccepted, kSubmitted, kReturned, kHalfDone };

Status SeedAssessment(
    Runtime& rt, const identity::Organisation& org, int cycle, double quality, Outcome outcome) {
  assessment::NewAssessment request;
  request.organisation_id = org.id;
  request.cycle = cycle;
  auto created = rt.assessment->Create(Actor::System(), request);
  if (!created) {
    return created.error().code == Errc::kConflict ? Status{} : Status{created.error()};
  }
  if (auto s = AnswerAll(rt, *created, org, quality, outcome == Outcome::kHalfDone ? 0.5 : 1); !s) {
    return s;
  }
  if (outcome == Outcome::kHalfDone) return {};
  if (auto s = rt.assessment->Submit(Actor::System(), created->summary.id); !s) return s.error();
  if (outcome == Outcome::kSubmitted) return {};
  const bool send_back = outcome == Outcome::kReturned;
  auto reviewed = rt.assessment->ReviewAssessment(
      Actor::System(), created->summary.id,
      send_back ? assessment::ReviewDecision::kReturn : assessment::ReviewDecision::kAccept,
      send_back ? "Please attach the report of your last full restore test of the EHR backups."
                : "");
  if (!reviewed) return reviewed.error();
  return {};
}

// Three cycles of assessments for every demo provider, improving year on year.
Status SeedAssessments(Runtime& rt, const std::map<std::string, identity::Organisation>& orgs) {
  const int year = static_cast<int>(
      std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(rt.clock.Now())}.year());
  for (const auto& d : kOrgs) {
    if (d.kind != OrgKind::kProvider) continue;
    const auto& org = orgs.at(d.key);
    const double base = 0.3 + 0.4 * Draw(d.name);
    for (int cycle = year - 2; cycle <= year; ++cycle) {
      Outcome outcome = Outcome::kAccepted;
      if (cycle == year) {
        const std::string_view key = d.key;
        if (key == "h1") outcome = Outcome::kHalfDone;
        if (key == "h2") outcome = Outcome::kSubmitted;
        if (key == "h3") outcome = Outcome::kReturned;
      }
      const double quality = std::min(0.95, base + 0.1 * (cycle - (year - 2)));
      if (auto s = SeedAssessment(rt, org, cycle, quality, outcome); !s) {
        return Error{s.error().code,
                     fmt::format("assessment {} of {}: {}", cycle, org.name, s.error().message),
                     s.error().field};
      }
    }
  }
  return {};
}

// Incidents: a year of closed ones across Belgium and the Netherlands (enough providers for the
// statistics to show), and three open ones that show the CSIRT's inbox at work.
struct DemoIncident {
  const char* org;
  const char* title;
  const char* type;  // "" for an incident that has only its early warning
  int aware_days_ago;
};

constexpr DemoIncident kClosedIncidents[] = {
    {"h2", "Phishing wave against laboratory staff", "phishing", 300},
    {"h5", "Ransomware on the radiology network", "ransomware", 270},
    {"h6", "Outage of the appointment portal under DDoS", "ddos", 240},
    {"h7", "Ransomware on an imaging workstation", "ransomware", 200},
    {"h8", "Credential phishing of nurses' accounts", "phishing", 180},
    {"h9", "Ransomware in the patient records system", "ransomware", 150},
    {"h10", "Stolen laboratory results database", "data_breach", 120},
    {"h11", "Malware on the rehabilitation devices' network", "malware", 100},
    {"h12", "Pharmacy ordering system encrypted", "ransomware", 80},
    {"h4", "Phishing of care-home management", "phishing", 60},
};

Result<incidents::ReportFields> Fields(incidents::Stage stage, json::object fields) {
  return incidents::ParseReportFields(stage, fields);
}

json::object EarlyWarningFields(const std::string& summary) {
  return {{"summary", summary},
          {"suspected_malicious", "yes"},
          {"cross_border", "unknown"},
          {"severe_disruption_or_loss", "yes"},
          {"considerable_damage_to_others", "unknown"}};
}

json::object NotificationFields(const std::string& type, int n) {
  const bool ransomware = type == "ransomware";
  return {
      {"initial_assessment", "Contained to one network segment; forensic analysis ongoing."},
      {"severity", n % 3 == 0 ? "high" : "medium"},
      {"impact", "Clinical systems partly unavailable; downtime procedures in use."},
      {"incident_type", type},
      {"iocs", json::array{json::object{{"type", "domain"}, {"value", "update-check.example"}}}},
      {"patient_care",
       {{"services_down", ransomware ? json::array{"PACS", "appointments"} : json::array{}},
        {"patients_diverted", ransomware && n % 2 == 0},
        {"duration_hours", ransomware ? 36.0 : 4.0}}},
      {"health_data_affected", type == "data_breach" ? "1001-10000" : "none"},
      {"ransom",
       {{"demanded", ransomware},
        {"paid", false},
        {"amount_band", ransomware ? "100k-1M" : "none"}}}};
}

json::object FinalFields() {
  return {{"detailed_description", "Initial access through a phishing e-mail; see the timeline."},
          {"severity", "medium"},
          {"impact", "Services restored from offline backups within two days."},
          {"root_cause", "Phishing leading to stolen credentials without MFA."},
          {"mitigation_applied", "Accounts reset, MFA enforced for remote access."},
          {"mitigation_ongoing", "Staff training and e-mail filtering review."},
          {"cross_border_impact", "None known."}};
}

Status SubmitReport(Runtime& rt, std::int64_t id, incidents::Stage stage, json::object fields) {
  auto parsed = Fields(stage, std::move(fields));
  if (!parsed) return parsed.error();
  if (auto r = rt.incidents->SubmitReport(Actor::System(), id, *parsed); !r) return r.error();
  return {};
}

incidents::Action ActionOf(incidents::ActionType type, std::string text = {}) {
  incidents::Action action;
  action.type = type;
  action.text = std::move(text);
  return action;
}

Status Act(Runtime& rt, std::int64_t id, incidents::Action action) {
  if (auto r = rt.incidents->Act(Actor::System(), id, action); !r) return r.error();
  return {};
}

Result<std::int64_t> OpenIncident(Runtime& rt,
                                  const identity::Organisation& org,
                                  const std::string& title,
                                  TimePoint aware_at) {
  incidents::NewIncident n;
  n.organisation_id = org.id;
  n.title = title;
  n.aware_at = aware_at;
  auto created = rt.incidents->Create(Actor::System(), n);
  if (!created) return created.error();
  return created->summary.id;
}

Status SeedIncidents(Runtime& rt, const std::map<std::string, identity::Organisation>& orgs) {
  auto existing = rt.incidents->List(Actor::System(), {});
  if (!existing) return existing.error();
  if (!existing->items.empty()) return {};
  const auto now = rt.clock.Now();
  using incidents::ActionType;
  using incidents::Stage;
  int n = 0;
  for (const auto& d : kClosedIncidents) {
    auto id = OpenIncident(rt, orgs.at(d.org), d.title, now - std::chrono::days(d.aware_days_ago));
    if (!id) return id.error();
    if (auto s = SubmitReport(rt, *id, Stage::kEarlyWarning, EarlyWarningFields(d.title)); !s)
      return s;
    if (auto s = Act(rt, *id, ActionOf(ActionType::kAcknowledge)); !s) return s;
    if (auto s = SubmitReport(rt, *id, Stage::kNotification, NotificationFields(d.type, ++n)); !s) {
      return s;
    }
    if (auto s = SubmitReport(rt, *id, Stage::kFinal, FinalFields()); !s) return s;
    auto classify = ActionOf(ActionType::kClassify);
    classify.category = d.type;
    classify.severity = "medium";
    classify.significant = true;
    if (auto s = Act(rt, *id, classify); !s) return s;
    if (auto s = Act(rt, *id, ActionOf(ActionType::kClose, "Handled; final report received."));
        !s) {
      return s;
    }
  }
  // Sint-Demo: an early warning sent five hours ago, waiting for the Belgian CSIRT.
  auto fresh = OpenIncident(rt, orgs.at("h1"), "Suspicious encryption on the PACS file server",
                            now - std::chrono::hours(5));
  if (!fresh) return fresh.error();
  if (auto s = SubmitReport(rt, *fresh, Stage::kEarlyWarning,
                            EarlyWarningFields("Files on the PACS share are being renamed with an "
                                               "unknown extension; the server was isolated."));
      !s) {
    return s;
  }
  // Noordzee: notified, acknowledged, and the Dutch CSIRT asks a question due in two days; the
  // hospital asked for the EU rapid-response service.
  auto asked = OpenIncident(rt, orgs.at("h3"), "Ransomware in the laboratory information system",
                            now - std::chrono::hours(30));
  if (!asked) return asked.error();
  if (auto s =
          SubmitReport(rt, *asked, Stage::kEarlyWarning,
                       EarlyWarningFields("LIS servers encrypted overnight; ransom note found."));
      !s) {
    return s;
  }
  if (auto s = Act(rt, *asked, ActionOf(ActionType::kAcknowledge)); !s) return s;
  if (auto s = SubmitReport(rt, *asked, Stage::kNotification, NotificationFields("ransomware", 2));
      !s) {
    return s;
  }
  auto question = ActionOf(ActionType::kRequestInformation);
  question.text = "Which backups of the LIS are offline, and when were they last restored?";
  question.due_at = now + std::chrono::hours(48);
  if (auto s = Act(rt, *asked, question); !s) return s;
  auto rapid = ActionOf(ActionType::kRapidResponse);
  rapid.rapid_response = {"Noordzee Medical Centre laboratory",
                          "Laboratory results unavailable; samples sent to partner labs.",
                          "Forensic support and help to rebuild the LIS servers.",
                          "Network segment isolated, backups secured offline.",
                          std::string("Regional hospital IT network")};
  return Act(rt, *asked, rapid);
}

// --- Threat intelligence ---

struct DemoIndicator {
  const char* id;  // fixed, so a second run recognises the set
  const char* name;
  intel::ObservableKind kind;
  const char* value;
  int confidence;
};

json::object Indicator(const DemoIndicator& d, const std::string& created, std::int64_t producer) {
  const auto observable = intel::Normalise(d.kind, d.value);
  return json::object{{"type", "indicator"},
                      {"spec_version", "2.1"},
                      {"id", d.id},
                      {"created", created},
                      {"modified", created},
                      {"created_by_ref", intel::IntelService::OrgIdentityId(producer)},
                      {"name", d.name},
                      {"indicator_types", json::array{"malicious-activity"}},
                      {"pattern_type", "stix"},
                      {"pattern", intel::PatternFor(*observable)},
                      {"valid_from", created},
                      {"confidence", d.confidence}};
}

json::object Relationship(const char* id,
                          const std::string& source,
                          const char* type,
                          const std::string& target,
                          const std::string& created) {
  return json::object{{"type", "relationship"},    {"spec_version", "2.1"}, {"id", id},
                      {"created", created},        {"modified", created},   {"source_ref", source},
                      {"relationship_type", type}, {"target_ref", target}};
}

Status Publish(Runtime& rt,
               const std::string& collection,
               std::int64_t producer,
               std::vector<json::object> objects,
               std::optional<TlpLevel> tlp,
               std::vector<std::int64_t> recipients = {}) {
  intel::SubmitOptions options;
  options.source = "demo";
  options.producer_id = producer;
  options.tlp = tlp;
  options.recipients = std::move(recipients);
  auto collections = rt.intel->ListAllCollections(Actor::System());
  if (!collections) return collections.error();
  for (const auto& c : *collections) {
    if (c.api_root_slug + "/" + c.alias != collection) continue;
    auto report = rt.intel->SubmitObjects(Actor::System(), c.uuid, std::move(objects), options);
    if (!report) return report.error();
    if (!report->failures.empty()) {
      return Error::Invalid("demo intel object rejected: " + report->failures.front().error.message,
                            report->failures.front().error.field);
    }
    return {};
  }
  return Error::NotFound("no demo collection " + collection);
}

// A ransomware campaign the support centre shares EU-wide (GREEN), an AMBER phishing indicator a
// Belgian hospital shares with its CSIRT only, a RED one a Dutch hospital names its CSIRT for,
// and a Belgian CSIRT indicator that hits a warninglist.
Status SeedIntel(Runtime& rt, const std::map<std::string, identity::Organisation>& orgs) {
  if (auto s = rt.intel->EnsureDefaultRoots(); !s) return s;
  constexpr const char* kReportId = "report--4f6c1a52-8d0e-4b7a-9a53-0c6f3f6f1a01";
  if (rt.intel->View(Actor::System(), kReportId)) return {};
  const auto created = FormatRfc3339(rt.clock.Now() - std::chrono::days(3));
  const auto eu = orgs.at("eu").id;
  constexpr DemoIndicator kCampaign[] = {
      {"indicator--0b8f5e6a-1c2d-4e3f-8a9b-0c1d2e3f4a01", "Ransomware loader C2 domain",
       intel::ObservableKind::kDomain, "cdn-update-check.example", 85},
      {"indicator--0b8f5e6a-1c2d-4e3f-8a9b-0c1d2e3f4a02", "Ransomware C2 server",
       intel::ObservableKind::kIpv4, "203.0.113.47", 80},
      {"indicator--0b8f5e6a-1c2d-4e3f-8a9b-0c1d2e3f4a03", "Encryptor binary",
       intel::ObservableKind::kSha256,
       "5f2b7a8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809a1b", 95},
      {"indicator--0b8f5e6a-1c2d-4e3f-8a9b-0c1d2e3f4a04", "Data exfiltration endpoint",
       intel::ObservableKind::kUrl, "https://files-share-transfer.example/upload/h", 70},
  };
  constexpr const char* kMalwareId = "malware--6a1f0d3e-2b4c-4d5e-9f60-718293a4b5c6";
  std::vector<json::object> campaign;
  json::array refs{kMalwareId};
  campaign.push_back(json::object{{"type", "malware"},
                                  {"spec_version", "2.1"},
                                  {"id", kMalwareId},
                                  {"created", created},
                                  {"modified", created},
                                  {"name", "LockBit 3.0 (demo)"},
                                  {"malware_types", json::array{"ransomware"}},
                                  {"is_family", true}});
  const char* kRelationshipIds[] = {"relationship--7b2e1f4a-3c5d-4e6f-8a7b-9c0d1e2f3a01",
                                    "relationship--7b2e1f4a-3c5d-4e6f-8a7b-9c0d1e2f3a02",
                                    "relationship--7b2e1f4a-3c5d-4e6f-8a7b-9c0d1e2f3a03",
                                    "relationship--7b2e1f4a-3c5d-4e6f-8a7b-9c0d1e2f3a04"};
  for (std::size_t i = 0; i < std::size(kCampaign); ++i) {
    campaign.push_back(Indicator(kCampaign[i], created, eu));
    campaign.push_back(
        Relationship(kRelationshipIds[i], kCampaign[i].id, "indicates", kMalwareId, created));
    refs.push_back(json::string(kCampaign[i].id));
    refs.push_back(json::string(kRelationshipIds[i]));
  }
  campaign.push_back(json::object{
      {"type", "report"},
      {"spec_version", "2.1"},
      {"id", kReportId},
      {"created", created},
      {"modified", created},
      {"name", "Ransomware campaign against European hospitals (demo)"},
      {"description",
       "Initial access through a fake software-update domain, encryption of PACS and file "
       "servers, exfiltration before encryption."},
      {"report_types", json::array{"threat-report", "malware"}},
      {"published", created},
      {"object_refs", refs}});
  if (auto s = Publish(rt, "eu/indicators", eu, std::move(campaign), TlpLevel::kGreen); !s) {
    return s;
  }
  // Four hospitals in two Member States saw the C2 domain; Sint-Demo's agent also saw the C2
  // server, so its findings page shows something.
  const auto first_seen = FormatRfc3339(rt.clock.Now() - std::chrono::days(2));
  const auto last_seen = FormatRfc3339(rt.clock.Now() - std::chrono::hours(6));
  struct DemoSighting {
    const char* org;
    const char* id;
    const DemoIndicator& of;
  };
  const DemoSighting kSightings[] = {
      {"h1", "sighting--2d7c4b1e-5f6a-4b8c-9d0e-1f2a3b4c5d04", kCampaign[1]},
      {"h1", "sighting--2d7c4b1e-5f6a-4b8c-9d0e-1f2a3b4c5d05", kCampaign[0]},
      {"h2", "sighting--2d7c4b1e-5f6a-4b8c-9d0e-1f2a3b4c5d01", kCampaign[0]},
      {"h5", "sighting--2d7c4b1e-5f6a-4b8c-9d0e-1f2a3b4c5d02", kCampaign[0]},
      {"h9", "sighting--2d7c4b1e-5f6a-4b8c-9d0e-1f2a3b4c5d03", kCampaign[0]}};
  int count = 2;
  for (const auto& [org, id, of] : kSightings) {
    json::object sighting{
        {"type", "sighting"},   {"spec_version", "2.1"},    {"id", id},
        {"created", last_seen}, {"modified", last_seen},    {"sighting_of_ref", of.id},
        {"count", count++},     {"first_seen", first_seen}, {"last_seen", last_seen}};
    if (auto s = Publish(rt, "eu/indicators", orgs.at(org).id, {std::move(sighting)}, {}); !s) {
      return s;
    }
  }
  const DemoIndicator phishing{"indicator--1c9a6f7b-2d3e-4f5a-9b6c-7d8e9f0a1b01",
                               "Webmail credential phishing aimed at Sint-Demo staff",
                               intel::ObservableKind::kDomain, "sint-demo-webmail-login.example",
                               90};
  if (auto s = Publish(rt, "be/indicators", orgs.at("h1").id,
                       {Indicator(phishing, created, orgs.at("h1").id)}, TlpLevel::kAmber);
      !s) {
    return s;
  }
  const DemoIndicator resolver{"indicator--1c9a6f7b-2d3e-4f5a-9b6c-7d8e9f0a1b02",
                               "DNS connectivity check seen before encryption (benign on its own)",
                               intel::ObservableKind::kIpv4, "8.8.8.8", 30};
  if (auto s = Publish(rt, "be/indicators", orgs.at("be").id,
                       {Indicator(resolver, created, orgs.at("be").id)}, TlpLevel::kGreen);
      !s) {
    return s;
  }
  const DemoIndicator insider{
      "indicator--1c9a6f7b-2d3e-4f5a-9b6c-7d8e9f0a1b03",
      "Remote-access tool on the radiology workstation", intel::ObservableKind::kSha256,
      "a3f1c9e27b4d8e6f0a1b2c3d4e5f60718293a4b5c6d7e8f9012a3b4c5d6e7f80", 60};
  return Publish(rt, "nl/indicators", orgs.at("h3").id,
                 {Indicator(insider, created, orgs.at("h3").id)}, TlpLevel::kRed,
                 {orgs.at("nl").id});
}

}  // namespace

// Early warning: asset inventories for three hospitals and an advisory written by the support
// centre about an infusion-pump gateway, which two of them run in an affected version (the third
// runs the fixed one), so their alert inboxes and the authorities' dashboards show something; and
// a TLP:AMBER advisory of the Dutch CSIRT that only the Netherlands and the support centre see.
Status SeedEarlyWarning(Runtime& rt, const std::map<std::string, identity::Organisation>& orgs) {
  constexpr const char* kTrackingId = "CADUCEUS-DEMO-2026-0001";
  advisories::AdvisoryFilter existing;
  existing.q = kTrackingId;
  auto found = rt.advisories->List(Actor::System(), existing);
  if (!found) return found.error();
  if (!found->items.empty()) return {};
  struct DemoInventory {
    const char* org;
    const char* csv;
  };
  constexpr DemoInventory kInventories[] = {
      {"h1",
       "vendor,product,version,model number,serial,location,department,owner,network "
       "connected,patient-safety critical\n"
       "Meridian Medical,InfuLink Gateway,4.2.1,ILG-400,ILG4-00817,Building A,Intensive care,"
       "Biomedical engineering,yes,yes\n"
       "Meridian Medical,InfuLink Gateway,4.2.1,ILG-400,ILG4-00818,Building B,Oncology,"
       "Biomedical engineering,yes,yes\n"
       "Philips,IntelliVue MX40,B.06.54,867989,DE71234567,Building A,Cardiology,Clinical "
       "engineering,yes,yes\n"
       "Microsoft,Windows Server,2019,,,Data centre,IT,IT operations,yes,no\n"},
      {"h5",
       "vendor,product,version,model number,serial,location,department,owner,network "
       "connected,patient-safety critical\n"
       "Meridian Medical,InfuLink Gateway,3.9.0,ILG-300,ILG3-11020,Main building,Surgery,"
       "Biomedical engineering,yes,yes\n"
       "Siemens Healthineers,syngo.via,VB60A,,,Radiology,Radiology,PACS team,yes,no\n"},
      {"h3",
       "vendor,product,version,model number,serial,location,department,owner,network "
       "connected,patient-safety critical\n"
       "Meridian Medical,InfuLink Gateway,4.3.0,ILG-400,ILG4-20031,Tower 2,Intensive care,"
       "Medical technology,yes,yes\n"
       "GE HealthCare,CARESCAPE Central Station,2.1,,,Tower 2,Intensive care,Medical "
       "technology,yes,yes\n"},
  };
  for (const auto& inventory : kInventories) {
    advisories::UploadRequest upload;
    upload.org_id = orgs.at(inventory.org).id;
    upload.format = "csv";
    upload.file_name = "demo-inventory.csv";
    upload.content = inventory.csv;
    auto uploaded = rt.inventories->Upload(Actor::System(), upload);
    if (!uploaded) return uploaded.error();
  }
  advisories::AuthoredAdvisory form;
  form.title = "Meridian InfuLink Gateway: authentication bypass in the pump management service";
  form.tracking_id = kTrackingId;
  form.tlp = "WHITE";
  form.summary =
      "The pump management service of InfuLink Gateway before 4.3.0 accepts a crafted session "
      "token, letting a network attacker change infusion pump libraries. A demonstration "
      "advisory: the vendor and product are fictitious.";
  form.vendor = "Meridian Medical";
  form.product = "InfuLink Gateway";
  form.versions.push_back({"", "< 4.3.0", "known_affected"});
  form.versions.push_back({"4.3.0", "", "fixed"});
  form.cves.push_back({"CVE-2026-0001", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                       "Authentication bypass in the pump management service."});
  form.remediation = {"vendor_fix", "Update InfuLink Gateway to 4.3.0 or later.", ""};
  auto authored = rt.advisories->Author(Actor::System(), form, orgs.at("eu").id);
  if (!authored) return authored.error();
  // TLP:AMBER from the Dutch CSIRT: its hospitals (Noordzee runs the station) and the support
  // centre see it; the other Member States do not.
  advisories::AuthoredAdvisory amber;
  amber.title = "CARESCAPE Central Station: remote service reachable with a default password";
  amber.tracking_id = "CADUCEUS-DEMO-NL-2026-0001";
  amber.tlp = "AMBER";
  amber.summary =
      "Stations seen by the Dutch CSIRT keep the vendor's default password on the remote service "
      "port. A demonstration advisory shared at TLP:AMBER: the finding is fictitious.";
  amber.vendor = "GE HealthCare";
  amber.product = "CARESCAPE Central Station";
  amber.versions.push_back({"", "< 2.2", "known_affected"});
  amber.versions.push_back({"2.2", "", "fixed"});
  amber.cves.push_back({"CVE-2026-0002", "CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N",
                        "Default password on the remote service."});
  amber.remediation = {"mitigation",
                       "Change the remote service password and reach the port only from the "
                       "clinical engineering network.",
                       ""};
  auto shared = rt.advisories->Author(Actor::System(), amber, orgs.at("nl").id);
  if (!shared) return shared.error();
  return {};
}

int SeedDemo(Runtime& rt, const std::string& credentials_file) {
  auto& ids = *rt.identity;
  std::map<std::string, identity::Organisation> by_name;
  for (auto& o : ids.ListOrganisations(Actor::System())) by_name[o.name] = o;
  std::map<std::string, identity::Organisation> orgs;
  for (const auto& d : kOrgs) {
    if (auto it = by_name.find(d.name); it != by_name.end()) {
      orgs[d.key] = it->second;
      continue;
    }
    if (d.kind == OrgKind::kSupportCentre) {
      if (auto sc = ids.SupportCentre()) {
        orgs[d.key] = *sc;
        continue;
      }
    }
    identity::NewOrganisation n;
    n.name = d.name;
    n.kind = d.kind;
    if (d.parent) n.parent_id = orgs.at(d.parent).id;
    if (d.country) n.country = d.country;
    if (d.provider_type) n.provider_type = d.provider_type;
    if (d.size_band) n.size_band = d.size_band;
    auto created = ids.CreateOrganisation(Actor::System(), n);
    if (!created) {
      std::cerr << "error: demo organisation " << d.name << ": " << created.error().message << "\n";
      return 1;
    }
    AuditCli(rt, "organisation.create", fmt::format("organisation:{}", created->id),
             R"({"source":"demo"})");
    orgs[d.key] = *created;
  }

  json::array users;
  int created_count = 0;
  for (const auto& d : kUsers) {
    if (ids.FindUserByName(d.username)) continue;
    identity::NewUser n;
    n.username = d.username;
    n.display_name = d.display_name;
    n.role = d.role;
    n.organisation_id = orgs.at(d.org).id;
    n.password = RandomPassword(16);
    auto created = ids.CreateUser(Actor::System(), n);
    if (!created) {
      std::cerr << "error: demo user " << d.username << ": " << created.error().message << "\n";
      return 1;
    }
    AuditCli(rt, "user.create", fmt::format("user:{}", created->user.id), R"({"source":"demo"})");
    ++created_count;
    const auto& org = orgs.at(d.org);
    users.push_back(json::object{{"username", d.username},
                                 {"password", *n.password},
                                 {"role", std::string(identity::ToString(d.role))},
                                 {"organisation", org.name},
                                 {"kind", std::string(identity::ToString(org.kind))}});
  }

  if (auto loaded = LoadFrameworks(rt); !loaded) {
    std::cerr << "error: demo frameworks: " << loaded.error().message << "\n";
    return 1;
  }
  if (auto imported = ImportStarterCatalogue(rt); !imported) {
    std::cerr << "error: demo catalogue: " << imported.error().message << "\n";
    return 1;
  }
  if (auto loaded = LoadRecoveryData(rt, {}, {}); !loaded) {
    std::cerr << "error: demo recovery data: " << loaded.error().message << "\n";
    return 1;
  }
  if (auto seeded = SeedIncidents(rt, orgs); !seeded) {
    std::cerr << "error: demo incidents: " << seeded.error().message << "\n";
    return 1;
  }
  if (auto seeded = SeedIntel(rt, orgs); !seeded) {
    std::cerr << "error: demo threat intelligence: " << seeded.error().message << "\n";
    return 1;
  }
  if (auto seeded = SeedEarlyWarning(rt, orgs); !seeded) {
    std::cerr << "error: demo early warning: " << seeded.error().message << "\n";
    return 1;
  }
  if (auto seeded = SeedAssessments(rt, orgs); !seeded) {
    std::cerr << "error: demo " << seeded.error().message << "\n";
    return 1;
  }

  if (created_count == 0) {
    fmt::print(
        "The demo data set is already present; its passwords were shown when it was "
        "created{}.\n",
        credentials_file.empty() ? "" : " (see " + credentials_file + ")");
    return 0;
  }
  if (!credentials_file.empty()) {
    const auto text = json::serialize(json::object{{"users", users}});
    if (!WritePrivateFile(credentials_file, text, false)) {
      std::cerr << "error: cannot write " << credentials_file << "\n";
      return 1;
    }
  }
  fmt::print("Demo data set created: {} organisations, {} users.\n", std::size(kOrgs),
             created_count);
  fmt::print("{:<14} {:<18} {:<9} {}\n", "USERNAME", "PASSWORD", "ROLE", "ORGANISATION");
  for (const auto& u : users) {
    const auto& o = u.as_object();
    fmt::print("{:<14} {:<18} {:<9} {}\n", o.at("username").as_string().c_str(),
               o.at("password").as_string().c_str(), o.at("role").as_string().c_str(),
               o.at("organisation").as_string().c_str());
  }
  return 0;
}

}  // namespace caduceus::hub
