#include "hub/demo.h"

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
