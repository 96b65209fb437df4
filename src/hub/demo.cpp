#include "hub/demo.h"

#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/random.h"

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

}  // namespace

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
