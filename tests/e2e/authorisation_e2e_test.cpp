// The authorisation matrix: every route of the API, called by every role of a foreign provider,
// by session and by API token, with another provider's ids, must refuse or return nothing of
// that provider. Positive controls show the same requests succeed for those entitled to them,
// so a refusal is the policy at work and not a malformed request.
//
// The deployment: the support centre; authority BE with provider Alpha ("A"); authority NL with
// provider Bravo ("B"); users of every role in each of the four organisations.
#include <algorithm>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "e2e/hub_process.h"
#include "e2e/shared_hub.h"

namespace caduceus::e2e {
namespace {

namespace json = boost::json;
using caduceus::testing::AllBackends;

const std::vector<std::string> kRoles = {"admin", "analyst", "reporter", "viewer"};
constexpr const char* kBeName = "Belgian Health CSIRT e2e";
constexpr const char* kNlName = "Dutch Health CSIRT e2e";
constexpr const char* kAlphaName = "Alpha Hospital e2e";
constexpr const char* kBravoName = "Bravo Clinic e2e";
// Alpha's TLP:AMBER indicator, Alpha's device pull feed and the feed BE pulls into its collection.
constexpr const char* kAlphaIntelName = "Alpha AMBER indicator e2e";
constexpr const char* kAlphaIntelValue = "alpha-amber-matrix-e2e.example";
constexpr const char* kAlphaExportFeed = "Alpha firewall feed e2e";
constexpr const char* kBeFeed = "BE block list feed e2e";

struct AuthorisationWorld {
  static HubSettings Settings() { return {}; }
  static AuthorisationWorld Build(Hub& hub, const std::string& url);

  CreatedAccount sc_admin;
  std::int64_t support_centre = 0, be = 0, nl = 0, alpha = 0, bravo = 0;
  std::map<std::string, CreatedAccount> users;  // "alpha.admin", "bravo.viewer", "be.admin", ...
  std::map<std::string, std::int64_t> org_of;   // username -> organisation id
  CreatedToken alpha_token;                     // of alpha.analyst
  std::string alpha_token_owner = "alpha.analyst";
  // A's self-assessment with an evidence file, and a catalogue entry BE curates for Belgium.
  std::string framework_path;  // "<id>/<version>" of the default framework
  std::int64_t alpha_assessment = 0, alpha_evidence = 0, be_entry = 0;
  std::int64_t alpha_incident = 0;  // reported by alpha.reporter, routed to BE
  std::string be_collection;        // Belgium's indicators collection (TAXII id)
  std::string alpha_indicator;      // STIX id of alpha's AMBER indicator in it
  std::int64_t be_feed = 0, alpha_export_feed = 0;
  // Early warning: A's inventory upload and its one asset, the support centre's advisory that
  // affects it, A's alert, and A's subscription and e-mail recipient.
  std::int64_t alpha_upload = 0, alpha_asset = 0, advisory = 0, alpha_alert = 0;
  std::int64_t alpha_subscription = 0, alpha_recipient = 0;

  const CreatedAccount& user(const std::string& name) const { return users.at(name); }
};

AuthorisationWorld AuthorisationWorld::Build(Hub& hub, const std::string& url) {
  AuthorisationWorld w;
  w.sc_admin = hub.Bootstrap();
  w.support_centre = hub.support_centre_id();
  w.be = hub.AddAuthority(kBeName, "BE");
  w.nl = hub.AddAuthority(kNlName, "NL");
  w.alpha = hub.AddProvider(kAlphaName, w.be, "hospital", "large");
  w.bravo = hub.AddProvider(kBravoName, w.nl, "clinic", "small");
  for (const auto& [prefix, org] : std::vector<std::pair<std::string, std::int64_t>>{
           {"be", w.be}, {"nl", w.nl}, {"alpha", w.alpha}, {"bravo", w.bravo}}) {
    for (const auto& role : kRoles) {
      const auto name = prefix + "." + role;
      w.users[name] = hub.AddUser(name, role, org);
      w.org_of[name] = org;
    }
  }
  // Resources of A: an API token of an A user, and audit entries in A's name.
  const auto& owner = w.user(w.alpha_token_owner);
  w.alpha_token = TokenFor(url, SessionFor(url, owner.username, owner.password));
  const auto& alpha_admin = w.user("alpha.admin");
  const auto renamed = PatchJson(url, "/api/v1/organisations/" + std::to_string(w.alpha),
                                 SessionFor(url, alpha_admin.username, alpha_admin.password),
                                 json::object{{"name", kAlphaName}});
  if (renamed.status != 200) throw std::runtime_error("alpha.admin PATCH: " + Describe(renamed));

  const auto alpha_session = SessionFor(url, alpha_admin.username, alpha_admin.password);
  const auto created = PostJson(url, "/api/v1/assessments", alpha_session, json::object{});
  if (created.status != 201) throw std::runtime_error("alpha assessment: " + Describe(created));
  const auto assessment = JsonObject(created);
  w.alpha_assessment = assessment.at("id").as_int64();
  w.framework_path =
      Str(assessment.at("framework_id")) + "/" + Str(assessment.at("framework_version"));
  const auto framework = Get(url, "/api/v1/frameworks/" + w.framework_path, alpha_session);
  if (framework.status != 200) throw std::runtime_error("framework: " + Describe(framework));
  std::string evidence_question;
  const auto framework_body = JsonObject(framework);
  for (const auto& domain : framework_body.at("domains").as_array()) {
    for (const auto& control : domain.at("controls").as_array()) {
      for (const auto& q : control.at("questions").as_array()) {
        if (evidence_question.empty() && Str(q.at("type")) == "evidence") {
          evidence_question = Str(q.at("id"));
        }
      }
    }
  }
  const auto evidence =
      Call(url, "POST",
           "/api/v1/assessments/" + std::to_string(w.alpha_assessment) +
               "/evidence?question_id=" + evidence_question + "&filename=restore-test.txt",
           alpha_session, "Restore test of the EHR: passed.\n", {{"Content-Type", "text/plain"}});
  if (evidence.status != 201) throw std::runtime_error("alpha evidence: " + Describe(evidence));
  w.alpha_evidence = JsonObject(evidence).at("id").as_int64();

  const auto& be_admin = w.user("be.admin");
  const auto entry =
      PostJson(url, "/api/v1/catalogue", SessionFor(url, be_admin.username, be_admin.password),
               json::object{{"kind", "service"},
                            {"title", "Incident hotline for Belgian hospitals"},
                            {"url", "https://example.org/hotline"},
                            {"cost", "free"},
                            {"countries", json::array{"BE"}}});
  if (entry.status != 201) throw std::runtime_error("BE catalogue entry: " + Describe(entry));
  w.be_entry = JsonObject(entry).at("id").as_int64();

  const auto& alpha_reporter = w.user("alpha.reporter");
  const auto reporter = SessionFor(url, alpha_reporter.username, alpha_reporter.password);
  const auto incident = PostJson(url, "/api/v1/incidents", reporter,
                                 json::object{{"title", "Encrypted PACS share at Alpha"},
                                              {"aware_at", "2026-01-05T08:00:00Z"}});
  if (incident.status != 201) throw std::runtime_error("alpha incident: " + Describe(incident));
  w.alpha_incident = JsonObject(incident).at("id").as_int64();
  const auto warned =
      PostJson(url, "/api/v1/incidents/" + std::to_string(w.alpha_incident) + "/reports", reporter,
               json::object{{"stage", "early_warning"},
                            {"fields",
                             {{"summary", "Files renamed with an unknown extension"},
                              {"suspected_malicious", "yes"},
                              {"cross_border", "no"},
                              {"severe_disruption_or_loss", "yes"},
                              {"considerable_damage_to_others", "unknown"}}}});
  if (warned.status != 201) throw std::runtime_error("alpha early warning: " + Describe(warned));

  const auto& alpha_analyst = w.user("alpha.analyst");
  const auto analyst = SessionFor(url, alpha_analyst.username, alpha_analyst.password);
  const auto collections = Get(url, "/api/v1/intel/collections", analyst);
  if (collections.status != 200) throw std::runtime_error("collections: " + Describe(collections));
  const auto collections_body = JsonObject(collections);
  for (const auto& c : collections_body.at("items").as_array()) {
    const auto& o = c.as_object();
    if (Str(o.at("root")) == "be" && o.at("alias").is_string() &&
        Str(o.at("alias")) == "indicators") {
      w.be_collection = Str(o.at("id"));
    }
  }
  const auto published =
      PostJson(url, "/api/v1/intel/collections/" + w.be_collection + "/indicators", analyst,
               json::object{{"kind", "domain"},
                            {"value", kAlphaIntelValue},
                            {"name", kAlphaIntelName},
                            {"tlp", "amber"}});
  if (published.status != 200) throw std::runtime_error("alpha indicator: " + Describe(published));
  w.alpha_indicator =
      Str(JsonObject(published).at("accepted").as_array().at(0).as_object().at("id"));
  const auto sighted = PostJson(url, "/api/v1/intel/sightings", analyst,
                                json::object{{"sighting_of_ref", w.alpha_indicator}, {"count", 3}});
  if (sighted.status != 201) throw std::runtime_error("alpha sighting: " + Describe(sighted));
  const auto feed =
      PostJson(url, "/api/v1/intel/feeds", SessionFor(url, be_admin.username, be_admin.password),
               json::object{{"name", kBeFeed},
                            {"kind", "text"},
                            {"url", "https://example.org/blocklist.txt"},
                            {"collection", w.be_collection},
                            {"enabled", false}});
  if (feed.status != 201) throw std::runtime_error("BE feed: " + Describe(feed));
  w.be_feed = JsonObject(feed).at("id").as_int64();
  const auto export_feed = PostJson(url, "/api/v1/intel/export-feeds", alpha_session,
                                    json::object{{"name", kAlphaExportFeed},
                                                 {"format", "blocklist"},
                                                 {"params", json::object{{"kind", "domain"}}}});
  if (export_feed.status != 201) {
    throw std::runtime_error("alpha export feed: " + Describe(export_feed));
  }
  const auto export_body = JsonObject(export_feed);
  const auto* feed_object = export_body.if_contains("feed");
  w.alpha_export_feed = (feed_object ? feed_object->as_object() : export_body).at("id").as_int64();

  const auto upload = Call(url, "POST", "/api/v1/inventory?format=csv&mode=replace", alpha_session,
                           "vendor,product,version,patient-safety critical\n"
                           "Matrix Medical,Matrix Pump,1.0,yes\n",
                           {{"Content-Type", "text/csv"}});
  if (upload.status != 201) throw std::runtime_error("alpha inventory: " + Describe(upload));
  w.alpha_upload = JsonObject(upload).at("upload_id").as_int64();
  const auto assets = Get(url, "/api/v1/inventory/assets", alpha_session);
  if (assets.status != 200) throw std::runtime_error("alpha assets: " + Describe(assets));
  w.alpha_asset = JsonObject(assets).at("items").as_array().at(0).as_object().at("id").as_int64();
  const auto sc = SessionFor(url, w.sc_admin.username, w.sc_admin.password);
  const auto advisory = PostJson(
      url, "/api/v1/advisories/authored", sc,
      json::object{
          {"title", "Matrix Pump: remote code execution"},
          {"tlp", "WHITE"},
          {"summary", "A flaw in the matrix pump's network service."},
          {"vendor", "Matrix Medical"},
          {"product", "Matrix Pump"},
          {"versions", json::array{json::object{{"range", "< 2.0"}, {"status", "known_affected"}}}},
          {"cves", json::array{json::object{
                       {"id", "CVE-2026-9999"},
                       {"cvss_v3_vector", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
                       {"description", "Remote code execution."}}}},
          {"remediation",
           json::object{{"category", "vendor_fix"}, {"details", "Update to 2.0."}}}});
  if (advisory.status != 201) throw std::runtime_error("advisory: " + Describe(advisory));
  w.advisory = JsonObject(advisory).at("id").as_int64();
  const auto alerts = Get(url, "/api/v1/alerts", alpha_session);
  if (alerts.status != 200) throw std::runtime_error("alpha alerts: " + Describe(alerts));
  const auto alert_items = JsonObject(alerts).at("items").as_array();
  if (alert_items.size() != 1) throw std::runtime_error("alpha alert: " + Describe(alerts));
  w.alpha_alert = alert_items.at(0).as_object().at("id").as_int64();
  const auto subscription = PostJson(url, "/api/v1/subscriptions", alpha_session,
                                     json::object{{"kind", "vendor"}, {"value", "Matrix Medical"}});
  if (subscription.status != 201)
    throw std::runtime_error("subscription: " + Describe(subscription));
  w.alpha_subscription = JsonObject(subscription).at("id").as_int64();
  const auto recipient = PostJson(url, "/api/v1/email-recipients", alpha_session,
                                  json::object{{"address", "soc@alpha-matrix.test"}});
  if (recipient.status != 201) throw std::runtime_error("recipient: " + Describe(recipient));
  w.alpha_recipient = JsonObject(recipient).at("id").as_int64();
  return w;
}

class Authorisation : public SharedHubTest<AuthorisationWorld> {
 protected:
  Credential SessionOf(const std::string& name) {
    const auto& u = world().user(name);
    return SessionFor(url(), u.username, u.password);
  }
  Credential ScAdmin() {
    return SessionFor(url(), world().sc_admin.username, world().sc_admin.password);
  }
  std::string Id(std::int64_t id) { return std::to_string(id); }

  // Usernames of every user SC admin can see.
  std::set<std::string> AllUsernames() {
    const auto r = Get(url(), "/api/v1/users", ScAdmin());
    if (r.status != 200) throw std::runtime_error("SC admin GET /users: " + Describe(r));
    std::set<std::string> out;
    const auto items_body = JsonObject(r);
    for (const auto& u : items_body.at("items").as_array()) {
      out.insert(std::string(u.as_object().at("username").as_string()));
    }
    return out;
  }
  std::size_t OrganisationCount() {
    const auto r = Get(url(), "/api/v1/organisations", ScAdmin());
    if (r.status != 200) throw std::runtime_error("SC admin GET /organisations: " + Describe(r));
    return JsonObject(r).at("items").as_array().size();
  }
};

// ---------------------------------------------------------------------------------------------
// The matrix

enum class Expect {
  kRefused,    // a problem response with one of `refusals`
  kNoForeign,  // 200 whose body holds nothing of A/BE, or a refusal
  kSelf,       // acts on the caller's own account: 2xx or a refusal, nothing of A/BE either way
  kPublic,     // 200 for anyone, nothing of A/BE
};

struct Caller {
  std::string username;
  std::string password;
  std::string kind;  // "session" or "token"
  Credential credential;
};

struct Probe {
  std::string method;
  std::string route;   // the OpenAPI path template this probe exercises
  std::string target;  // with A's ids in place of the parameters
  std::function<std::string(const Caller&)> body;
  Expect expect = Expect::kRefused;
  std::vector<int> refusals = {401, 403, 404};
  bool needs_own_session = false;  // the probe ends the session it is called with
};

std::string NoBody(const Caller&) { return {}; }
std::function<std::string(const Caller&)> Body(json::object o) {
  return [o](const Caller&) { return json::serialize(o); };
}

// Every (method, path) of the API with the probes that exercise it.
std::vector<Probe> MatrixProbes(const AuthorisationWorld& w) {
  const auto alpha = std::to_string(w.alpha);
  const auto be = std::to_string(w.be);
  const auto alpha_admin = std::to_string(w.user("alpha.admin").id);
  const auto alpha_token = std::to_string(w.alpha_token.id);
  const auto& alpha_admin_password = w.user("alpha.admin").password;
  const auto assessment = std::to_string(w.alpha_assessment);
  const auto evidence = std::to_string(w.alpha_evidence);
  const auto be_entry = std::to_string(w.be_entry);
  const auto incident = std::to_string(w.alpha_incident);
  const auto collection = "/api/v1/intel/collections/" + w.be_collection;
  const auto indicator = "/api/v1/intel/objects/" + w.alpha_indicator;
  const auto feed = "/api/v1/intel/feeds/" + std::to_string(w.be_feed);
  const auto advisory = "/api/v1/advisories/" + std::to_string(w.advisory);
  const auto asset = "/api/v1/inventory/assets/" + std::to_string(w.alpha_asset);
  const auto alert = "/api/v1/alerts/" + std::to_string(w.alpha_alert);
  // Each caller's own subscription and recipient, so that repeating the probe is no conflict.
  auto own_subscription = [](const Caller& c) {
    return json::serialize(json::object{{"kind", "keyword"}, {"value", c.username + c.kind}});
  };
  auto own_recipient = [](const Caller& c) {
    return json::serialize(json::object{{"address", c.username.substr(c.username.find('.') + 1) +
                                                        "." + c.kind + "@bravo-matrix.test"}});
  };
  const json::object mallory_indicator{{"type", "indicator"},
                                       {"spec_version", "2.1"},
                                       {"id", "indicator--8d3b0c1e-2f4a-4b5c-9d6e-7f8091a2b3c5"},
                                       {"created", "2026-01-01T00:00:00.000Z"},
                                       {"modified", "2026-01-01T00:00:00.000Z"},
                                       {"pattern", "[domain-name:value = 'mallory.example']"},
                                       {"pattern_type", "stix"},
                                       {"valid_from", "2026-01-01T00:00:00Z"}};
  auto own_assessment = [](const Caller& c) {
    const int role = static_cast<int>(
        std::find(kRoles.begin(), kRoles.end(), c.username.substr(c.username.find('.') + 1)) -
        kRoles.begin());
    return json::serialize(json::object{{"cycle", 2030 + 2 * role + (c.kind == "token")}});
  };
  auto login_as_alpha = [&w](const Caller& c) {
    // The caller's own password against the A user of the same role: never a way in.
    const auto role = c.username.substr(c.username.find('.') + 1);
    return json::serialize(
        json::object{{"username", w.user("alpha." + role).username}, {"password", c.password}});
  };
  auto mallory = [alpha = w.alpha](const Caller& c) {
    return json::serialize(json::object{
        {"username", "mallory." + c.username.substr(c.username.find('.') + 1) + "." + c.kind},
        {"display_name", "Mallory"},
        {"role", "admin"},
        {"organisation_id", alpha}});
  };
  auto mallory_org = [be = w.be](const Caller& c) {
    return json::serialize(json::object{{"name", "Mallory " + c.username + " " + c.kind},
                                        {"kind", "provider"},
                                        {"parent_id", be},
                                        {"provider_type", "hospital"},
                                        {"size_band", "small"}});
  };
  auto mallory_authority = [](const Caller& c) {
    return json::serialize(json::object{{"name", "Mallory CSIRT " + c.username + " " + c.kind},
                                        {"kind", "authority"},
                                        {"country", "FR"}});
  };
  return {
      {"GET", "/healthz", "/healthz", NoBody, Expect::kPublic},
      {"GET", "/metrics", "/metrics", NoBody, Expect::kPublic},
      {"GET", "/api/v1/openapi.json", "/api/v1/openapi.json", NoBody, Expect::kPublic},
      {"POST", "/api/v1/auth/login", "/api/v1/auth/login", login_as_alpha, Expect::kRefused, {401}},
      {"POST",
       "/api/v1/auth/logout",
       "/api/v1/auth/logout",
       NoBody,
       Expect::kSelf,
       {401, 403, 404},
       true},
      {"GET", "/api/v1/me", "/api/v1/me", NoBody, Expect::kSelf},
      {"POST",
       "/api/v1/me/password",
       "/api/v1/me/password",
       Body({{"current_password", alpha_admin_password},
             {"new_password", "a-new-password-of-mallory"}}),
       Expect::kRefused,
       {400, 401, 403}},
      {"POST", "/api/v1/me/totp/setup", "/api/v1/me/totp/setup", NoBody, Expect::kSelf},
      {"POST",
       "/api/v1/me/totp/enable",
       "/api/v1/me/totp/enable",
       Body({{"code", "abcdef"}}),
       Expect::kRefused,
       {400, 401, 403}},
      {"POST",
       "/api/v1/me/totp/disable",
       "/api/v1/me/totp/disable",
       Body({{"password", alpha_admin_password}}),
       Expect::kRefused,
       {400, 401, 403}},
      {"GET", "/api/v1/organisations", "/api/v1/organisations", NoBody, Expect::kNoForeign},
      {"POST",
       "/api/v1/organisations",
       "/api/v1/organisations",
       mallory_org,
       Expect::kRefused,
       {400, 401, 403, 404}},
      {"POST",
       "/api/v1/organisations",
       "/api/v1/organisations",
       mallory_authority,
       Expect::kRefused,
       {400, 401, 403, 404}},
      {"GET", "/api/v1/organisations/{id}", "/api/v1/organisations/" + alpha, NoBody},
      {"GET", "/api/v1/organisations/{id}", "/api/v1/organisations/" + be, NoBody},
      {"PATCH", "/api/v1/organisations/{id}", "/api/v1/organisations/" + alpha,
       Body({{"name", "Taken over by B"}, {"require_totp", true}})},
      {"GET", "/api/v1/users", "/api/v1/users", NoBody, Expect::kNoForeign},
      {"GET", "/api/v1/users", "/api/v1/users?organisation_id=" + alpha, NoBody},
      {"POST", "/api/v1/users", "/api/v1/users", mallory, Expect::kRefused, {400, 401, 403, 404}},
      {"PATCH", "/api/v1/users/{id}", "/api/v1/users/" + alpha_admin,
       Body({{"display_name", "Pwned"}, {"disabled", true}, {"role", "viewer"}})},
      {"POST", "/api/v1/users/{id}/reset-password",
       "/api/v1/users/" + alpha_admin + "/reset-password", NoBody},
      {"GET", "/api/v1/tokens", "/api/v1/tokens", NoBody, Expect::kNoForeign},
      {"POST", "/api/v1/tokens", "/api/v1/tokens",
       Body({{"name", "b-token"}, {"scopes", json::array{"read"}}, {"expires_in_days", 1}}),
       Expect::kSelf},
      {"DELETE", "/api/v1/tokens/{id}", "/api/v1/tokens/" + alpha_token, NoBody},
      {"GET", "/api/v1/audit", "/api/v1/audit?limit=500", NoBody, Expect::kNoForeign},
      {"POST", "/api/v1/audit/verify", "/api/v1/audit/verify", NoBody},
      // Self-assessment and the index.
      {"GET", "/api/v1/frameworks", "/api/v1/frameworks", NoBody, Expect::kNoForeign},
      {"GET", "/api/v1/frameworks/{id}/{version}", "/api/v1/frameworks/" + w.framework_path, NoBody,
       Expect::kNoForeign},
      {"GET", "/api/v1/assessments", "/api/v1/assessments", NoBody, Expect::kNoForeign},
      {"GET", "/api/v1/assessments", "/api/v1/assessments?organisation_id=" + alpha, NoBody,
       Expect::kNoForeign},
      // Each caller starts its own organisation's assessment for a cycle of its own.
      {"POST", "/api/v1/assessments", "/api/v1/assessments", own_assessment, Expect::kSelf},
      {"POST",
       "/api/v1/assessments",
       "/api/v1/assessments",
       Body({{"organisation_id", w.alpha}, {"cycle", 2040}}),
       Expect::kRefused,
       {400, 401, 403, 404}},
      {"GET", "/api/v1/assessments/{id}", "/api/v1/assessments/" + assessment, NoBody},
      {"PUT", "/api/v1/assessments/{id}/answers", "/api/v1/assessments/" + assessment + "/answers",
       Body({{"answers", json::object{}}})},
      {"POST", "/api/v1/assessments/{id}/submit", "/api/v1/assessments/" + assessment + "/submit",
       NoBody},
      {"POST", "/api/v1/assessments/{id}/review", "/api/v1/assessments/" + assessment + "/review",
       Body({{"decision", "return"}, {"comment", "mallory"}})},
      {"POST",
       "/api/v1/assessments/{id}/evidence",
       "/api/v1/assessments/" + assessment + "/evidence?question_id=x&filename=a.txt",
       NoBody,
       Expect::kRefused,
       {400, 401, 403, 404, 415}},
      {"GET", "/api/v1/evidence/{id}", "/api/v1/evidence/" + evidence, NoBody},
      {"DELETE", "/api/v1/evidence/{id}", "/api/v1/evidence/" + evidence, NoBody},
      {"GET", "/api/v1/organisations/{id}/scores", "/api/v1/organisations/" + alpha + "/scores",
       NoBody},
      {"GET", "/api/v1/index", "/api/v1/index?by=country", NoBody, Expect::kNoForeign},
      {"GET", "/api/v1/index/trend", "/api/v1/index/trend?by=provider_type", NoBody,
       Expect::kNoForeign},
      {"GET", "/api/v1/index/export", "/api/v1/index/export", NoBody, Expect::kNoForeign},
      {"GET", "/api/v1/reports/progress", "/api/v1/reports/progress?organisation_id=" + be, NoBody},
      {"GET", "/api/v1/recommendations", "/api/v1/recommendations?organisation_id=" + alpha,
       NoBody},
      // Incidents reach the provider's own CSIRT and nobody else.
      {"GET", "/api/v1/incidents", "/api/v1/incidents", NoBody, Expect::kNoForeign},
      {"POST", "/api/v1/incidents", "/api/v1/incidents",
       Body({{"title", "Bravo's own incident"}, {"aware_at", "2026-02-01T00:00:00Z"}}),
       Expect::kSelf},
      {"GET", "/api/v1/incidents/reminders", "/api/v1/incidents/reminders", NoBody,
       Expect::kNoForeign},
      {"GET", "/api/v1/incidents/statistics", "/api/v1/incidents/statistics?organisation_id=" + be,
       NoBody},
      {"GET", "/api/v1/incidents/{id}", "/api/v1/incidents/" + incident, NoBody},
      {"POST", "/api/v1/incidents/{id}/reports", "/api/v1/incidents/" + incident + "/reports",
       Body({{"stage", "intermediate"}, {"fields", {{"update", "Mallory's update"}}}})},
      {"POST", "/api/v1/incidents/{id}/actions", "/api/v1/incidents/" + incident + "/actions",
       Body({{"type", "acknowledge"}})},
      {"GET", "/api/v1/incidents/{id}/report", "/api/v1/incidents/" + incident + "/report", NoBody},
      // Ransomware recovery: identification is open to all and keeps nothing of A; the
      // knowledge base and decryptors are curated by the support centre; an incident's
      // checklist follows the incident.
      {"POST", "/api/v1/recovery/identify", "/api/v1/recovery/identify",
       Body({{"file_names", json::array{"report.docx.locked"}}}), Expect::kNoForeign},
      {"POST",
       "/api/v1/recovery/identify",
       "/api/v1/recovery/identify",
       Body({{"file_names", json::array{"a.locked"}}, {"incident_id", w.alpha_incident}}),
       Expect::kRefused,
       {400, 401, 403, 404}},
      {"GET", "/api/v1/recovery/families", "/api/v1/recovery/families?q=lock", NoBody,
       Expect::kNoForeign},
      {"POST",
       "/api/v1/recovery/families",
       "/api/v1/recovery/families",
       Body({{"name", "Mallory locker"}}),
       Expect::kRefused,
       {400, 401, 403, 404}},
      {"GET", "/api/v1/recovery/families/{id}", "/api/v1/recovery/families/1", NoBody,
       Expect::kNoForeign},
      {"POST",
       "/api/v1/recovery/families/{id}/markers",
       "/api/v1/recovery/families/1/markers",
       Body({{"kind", "extension"}, {"value", ".mallory"}}),
       Expect::kRefused,
       {400, 401, 403, 404}},
      {"DELETE", "/api/v1/recovery/families/{id}/markers/{marker_id}",
       "/api/v1/recovery/families/1/markers/1", NoBody},
      {"GET", "/api/v1/recovery/knowledge-base", "/api/v1/recovery/knowledge-base", NoBody,
       Expect::kNoForeign},
      {"GET", "/api/v1/recovery/decryptors", "/api/v1/recovery/decryptors", NoBody,
       Expect::kNoForeign},
      {"POST",
       "/api/v1/recovery/decryptors",
       "/api/v1/recovery/decryptors",
       Body({{"family", "Mallory"}, {"tool", "Mallory's decryptor"}}),
       Expect::kRefused,
       {400, 401, 403, 404}},
      {"PATCH",
       "/api/v1/recovery/decryptors/{id}",
       "/api/v1/recovery/decryptors/1",
       Body({{"tool", "Mallory was here"}}),
       Expect::kRefused,
       {400, 401, 403, 404}},
      {"DELETE", "/api/v1/recovery/decryptors/{id}", "/api/v1/recovery/decryptors/1", NoBody},
      {"GET", "/api/v1/incidents/{id}/recovery", "/api/v1/incidents/" + incident + "/recovery",
       NoBody},
      {"PUT", "/api/v1/incidents/{id}/recovery/steps/{step}",
       "/api/v1/incidents/" + incident + "/recovery/steps/isolate", Body({{"state", "done"}})},
      {"POST", "/api/v1/incidents/{id}/recovery/steps/{step}/comments",
       "/api/v1/incidents/" + incident + "/recovery/steps/isolate/comments",
       Body({{"text", "Mallory's comment"}})},
      // The catalogue is open to read; only curators change it, within their country.
      {"GET", "/api/v1/catalogue", "/api/v1/catalogue?country=BE", NoBody, Expect::kNoForeign},
      {"GET", "/api/v1/catalogue/{id}", "/api/v1/catalogue/" + be_entry, NoBody,
       Expect::kNoForeign},
      {"POST",
       "/api/v1/catalogue",
       "/api/v1/catalogue",
       Body({{"kind", "tool"},
             {"title", "Mallory's tool"},
             {"url", "https://example.org/m"},
             {"cost", "free"}}),
       Expect::kRefused,
       {400, 401, 403, 404}},
      {"PATCH", "/api/v1/catalogue/{id}", "/api/v1/catalogue/" + be_entry,
       Body({{"title", "Mallory was here"}})},
      {"DELETE", "/api/v1/catalogue/{id}", "/api/v1/catalogue/" + be_entry, NoBody},
      // Threat intelligence: Belgium's collection is outside a Dutch provider's community, and
      // alpha's AMBER indicator outside its TLP; both are as if they did not exist.
      {"GET", "/api/v1/intel/roots", "/api/v1/intel/roots", NoBody, Expect::kNoForeign},
      {"POST",
       "/api/v1/intel/roots",
       "/api/v1/intel/roots",
       Body({{"slug", "mallory"}, {"title", "Mallory's root"}}),
       Expect::kRefused,
       {400, 401, 403, 404, 409}},
      {"GET", "/api/v1/intel/collections", "/api/v1/intel/collections", NoBody, Expect::kNoForeign},
      {"POST",
       "/api/v1/intel/collections",
       "/api/v1/intel/collections",
       Body({{"root", "be"}, {"title", "Mallory's collection"}}),
       Expect::kRefused,
       {400, 401, 403, 404}},
      {"GET", "/api/v1/intel/collections/{id}", collection, NoBody},
      {"PATCH", "/api/v1/intel/collections/{id}", collection, Body({{"title", "Mallory"}})},
      {"GET", "/api/v1/intel/collections/{id}/grants", collection + "/grants", NoBody},
      {"PUT", "/api/v1/intel/collections/{id}/grants", collection + "/grants",
       Body({{"items", json::array{json::object{
                           {"org_id", w.bravo}, {"can_read", true}, {"can_write", true}}}}})},
      {"POST", "/api/v1/intel/collections/{id}/objects", collection + "/objects",
       Body({{"bundle", mallory_indicator}})},
      {"POST", "/api/v1/intel/collections/{id}/indicators", collection + "/indicators",
       Body({{"kind", "domain"}, {"value", "mallory.example"}, {"tlp", "green"}})},
      {"POST", "/api/v1/intel/collections/{id}/indicators/batch", collection + "/indicators/batch",
       Body({{"items", json::array{json::object{{"kind", "domain"}, {"value", "mallory.example"}}}},
             {"tlp", "green"}})},
      {"POST", "/api/v1/intel/collections/{id}/misp", collection + "/misp",
       Body({{"Event", json::object{{"info", "Mallory"},
                                    {"uuid", "8d3b0c1e-2f4a-4b5c-9d6e-7f8091a2b3c4"},
                                    {"Attribute",
                                     json::array{json::object{{"type", "domain"},
                                                              {"category", "Network activity"},
                                                              {"uuid", "8d3b0c1e-2f4a-4b5c-9d6e-7f8091a2b3c6"},
                                                              {"timestamp", "1795600000"},
                                                              {"to_ids", true},
                                                              {"value", "mallory.example"}}}}}}})},
      {"GET", "/api/v1/intel/objects", "/api/v1/intel/objects?q=alpha", NoBody, Expect::kNoForeign},
      {"GET", "/api/v1/intel/objects/{stix_id}", indicator, NoBody},
      {"GET", "/api/v1/intel/objects/{stix_id}/correlations", indicator + "/correlations", NoBody},
      {"GET", "/api/v1/intel/objects/{stix_id}/sightings", indicator + "/sightings", NoBody},
      {"GET", "/api/v1/intel/sightings", "/api/v1/intel/sightings", NoBody, Expect::kNoForeign},
      {"GET", "/api/v1/intel/sightings", "/api/v1/intel/sightings?view=all", NoBody,
       Expect::kNoForeign},
      {"GET", "/api/v1/intel/objects/{stix_id}/misp", indicator + "/misp", NoBody},
      {"POST", "/api/v1/intel/correlate", "/api/v1/intel/correlate",
       Body(
           {{"values", json::array{json::object{{"kind", "domain"}, {"value", "probe.example"}}}}}),
       Expect::kNoForeign},
      {"POST",
       "/api/v1/intel/sightings",
       "/api/v1/intel/sightings",
       Body({{"sighting_of_ref", w.alpha_indicator}, {"count", 1}}),
       Expect::kRefused,
       {400, 401, 403, 404}},
      {"POST", "/api/v1/intel/freetext", "/api/v1/intel/freetext",
       Body({{"text", "C2 at evil-probe[.]example"}}), Expect::kNoForeign},
      {"GET", "/api/v1/intel/warninglists", "/api/v1/intel/warninglists", NoBody,
       Expect::kNoForeign},
      {"POST", "/api/v1/intel/warninglists/check", "/api/v1/intel/warninglists/check",
       Body({{"values", json::array{json::object{{"kind", "domain"}, {"value", "google.com"}}}}}),
       Expect::kNoForeign},
      {"GET", "/api/v1/intel/exports/{format}", "/api/v1/intel/exports/blocklist?kind=domain",
       NoBody, Expect::kNoForeign},
      {"GET", "/api/v1/intel/export-feeds", "/api/v1/intel/export-feeds", NoBody,
       Expect::kNoForeign},
      {"POST", "/api/v1/intel/export-feeds", "/api/v1/intel/export-feeds",
       [](const Caller& c) {
         return json::serialize(json::object{{"name", "Bravo feed " + c.username + " " + c.kind},
                                             {"format", "blocklist"},
                                             {"params", json::object{{"kind", "domain"}}}});
       },
       Expect::kSelf},
      {"DELETE", "/api/v1/intel/export-feeds/{id}",
       "/api/v1/intel/export-feeds/" + std::to_string(w.alpha_export_feed), NoBody},
      {"GET",
       "/api/v1/intel/pull/{token}",
       "/api/v1/intel/pull/not-a-pull-token",
       NoBody,
       Expect::kRefused,
       {401, 404}},
      {"GET", "/api/v1/intel/feeds", "/api/v1/intel/feeds", NoBody, Expect::kNoForeign},
      {"POST",
       "/api/v1/intel/feeds",
       "/api/v1/intel/feeds",
       Body({{"name", "Mallory's feed"},
             {"kind", "text"},
             {"url", "https://example.org/m.txt"},
             {"collection", w.be_collection}}),
       Expect::kRefused,
       {400, 401, 403, 404}},
      {"GET", "/api/v1/intel/feeds/{id}", feed, NoBody},
      {"PATCH", "/api/v1/intel/feeds/{id}", feed, Body({{"name", "Mallory's feed"}})},
      {"DELETE", "/api/v1/intel/feeds/{id}", feed, NoBody},
      {"POST", "/api/v1/intel/feeds/{id}/run", feed + "/run", NoBody},
      {"GET", "/api/v1/intel/feeds/{id}/runs", feed + "/runs", NoBody},
      // Early warning. Advisories are publications every organisation reads (the one here is the
      // support centre's); publishing is for authorities and the support centre; A's inventory,
      // alerts, subscriptions and recipients are A's alone.
      {"GET", "/api/v1/advisories", "/api/v1/advisories", NoBody, Expect::kNoForeign},
      {"POST", "/api/v1/advisories", "/api/v1/advisories", Body({{"document", {}}}),
       Expect::kRefused, {401, 403, 404, 422}},
      {"GET", "/api/v1/advisories/{id}", advisory, NoBody, Expect::kNoForeign},
      {"GET", "/api/v1/advisories/{id}/document", advisory + "/document", NoBody,
       Expect::kNoForeign},
      {"GET", "/api/v1/advisories/{id}/revisions/{rev}/document",
       advisory + "/revisions/1/document", NoBody, Expect::kNoForeign},
      {"POST", "/api/v1/advisories/authored", "/api/v1/advisories/authored",
       Body({{"title", "Mallory advisory"}}), Expect::kRefused, {400, 401, 403, 404, 422}},
      {"GET", "/api/v1/advisories/kev", "/api/v1/advisories/kev", NoBody, Expect::kNoForeign},
      {"POST", "/api/v1/advisories/kev", "/api/v1/advisories/kev", Body({{"vulnerabilities", {}}}),
       Expect::kRefused, {401, 403, 404, 422}},
      {"GET", "/api/v1/advisories/aliases", "/api/v1/advisories/aliases", NoBody,
       Expect::kNoForeign},
      {"POST", "/api/v1/advisories/aliases", "/api/v1/advisories/aliases",
       Body({{"kind", "vendor"}, {"name", "Matrix Medical"}, {"alias", "Mallory"}})},
      {"DELETE", "/api/v1/advisories/aliases/{id}", "/api/v1/advisories/aliases/1", NoBody},
      {"GET", "/api/v1/advisories/sources", "/api/v1/advisories/sources", NoBody,
       Expect::kNoForeign},
      {"POST", "/api/v1/advisories/sources", "/api/v1/advisories/sources",
       Body({{"name", "Mallory source"}, {"kind", "directory"}, {"url", "file:///tmp"}})},
      {"PATCH", "/api/v1/advisories/sources/{id}", "/api/v1/advisories/sources/1",
       Body({{"enabled", false}})},
      {"DELETE", "/api/v1/advisories/sources/{id}", "/api/v1/advisories/sources/1", NoBody},
      {"POST", "/api/v1/advisories/sources/{id}/run", "/api/v1/advisories/sources/1/run", NoBody},
      {"GET", "/api/v1/advisories/sources/{id}/runs", "/api/v1/advisories/sources/1/runs", NoBody},
      {"POST", "/api/v1/inventory", "/api/v1/inventory?org=" + alpha,
       Body({{"format", "csv"}, {"content", "vendor,product\nMallory,Pump\n"}})},
      {"GET", "/api/v1/inventory/assets", "/api/v1/inventory/assets?org=" + alpha, NoBody},
      {"POST", "/api/v1/inventory/assets", "/api/v1/inventory/assets?org=" + alpha,
       Body({{"vendor", "Mallory"}, {"product", "Pump"}})},
      {"GET", "/api/v1/inventory/assets/{id}", asset, NoBody},
      {"PATCH", "/api/v1/inventory/assets/{id}", asset, Body({{"version", "9.9"}})},
      {"DELETE", "/api/v1/inventory/assets/{id}", asset, NoBody},
      {"GET", "/api/v1/inventory/uploads", "/api/v1/inventory/uploads?org=" + alpha, NoBody},
      {"GET", "/api/v1/inventory/uploads/{id}/file",
       "/api/v1/inventory/uploads/" + std::to_string(w.alpha_upload) + "/file", NoBody},
      {"GET", "/api/v1/alerts", "/api/v1/alerts", NoBody, Expect::kNoForeign},
      {"GET", "/api/v1/alerts/{id}", alert, NoBody},
      {"POST", "/api/v1/alerts/{id}/transition", alert + "/transition",
       Body({{"to", "acknowledged"}})},
      {"POST", "/api/v1/alerts/bulk", "/api/v1/alerts/bulk",
       Body({{"ids", json::array{w.alpha_alert}}, {"to", "acknowledged"}}), Expect::kNoForeign},
      {"GET", "/api/v1/alerts/deadlines", "/api/v1/alerts/deadlines", NoBody, Expect::kNoForeign},
      {"PUT", "/api/v1/alerts/deadlines", "/api/v1/alerts/deadlines",
       Body({{"rules", json::array{}}})},
      {"GET", "/api/v1/alerts/dashboard", "/api/v1/alerts/dashboard", NoBody, Expect::kNoForeign},
      {"GET", "/api/v1/inbox", "/api/v1/inbox", NoBody, Expect::kNoForeign},
      {"POST", "/api/v1/inbox/read", "/api/v1/inbox/read", Body({{"all", true}}), Expect::kSelf},
      {"GET", "/api/v1/subscriptions", "/api/v1/subscriptions", NoBody, Expect::kNoForeign},
      {"POST", "/api/v1/subscriptions", "/api/v1/subscriptions",
       own_subscription, Expect::kSelf},
      {"DELETE", "/api/v1/subscriptions/{id}",
       "/api/v1/subscriptions/" + std::to_string(w.alpha_subscription), NoBody},
      {"GET", "/api/v1/webhooks", "/api/v1/webhooks", NoBody, Expect::kNoForeign},
      {"POST", "/api/v1/webhooks", "/api/v1/webhooks",
       Body({{"url", "http://127.0.0.1:9/hook"}}), Expect::kRefused, {400, 401, 403, 404, 422}},
      {"PATCH", "/api/v1/webhooks/{id}", "/api/v1/webhooks/1", Body({{"enabled", false}})},
      {"DELETE", "/api/v1/webhooks/{id}", "/api/v1/webhooks/1", NoBody},
      {"GET", "/api/v1/webhooks/{id}/deliveries", "/api/v1/webhooks/1/deliveries", NoBody},
      {"POST", "/api/v1/webhooks/{id}/ping", "/api/v1/webhooks/1/ping", NoBody},
      {"GET", "/api/v1/email-recipients", "/api/v1/email-recipients", NoBody, Expect::kNoForeign},
      {"POST", "/api/v1/email-recipients", "/api/v1/email-recipients",
       own_recipient, Expect::kSelf},
      {"DELETE", "/api/v1/email-recipients/{id}",
       "/api/v1/email-recipients/" + std::to_string(w.alpha_recipient), NoBody},
  };
}

// What of A (and its authority BE, which a provider of NL does not see either) must never reach
// a caller of B: names of users and organisations, the token's prefix, and in structured
// bodies any item that belongs to those organisations.
struct Foreign {
  std::set<std::int64_t> orgs;
  std::set<std::int64_t> user_ids;
  std::set<std::string> usernames;
  std::int64_t token_id = 0;
  std::vector<std::string> markers;

  explicit Foreign(const AuthorisationWorld& w) : orgs{w.alpha, w.be}, token_id(w.alpha_token.id) {
    for (const auto& [name, account] : w.users) {
      if (name.starts_with("alpha.") || name.starts_with("be.")) {
        user_ids.insert(account.id);
        usernames.insert(name);
        markers.push_back("\"" + name + "\"");
        markers.push_back("Test user " + name);
      }
    }
    markers.push_back(kAlphaName);
    markers.push_back(kBeName);
    markers.push_back(w.alpha_token.token.substr(0, 10));
    for (const char* m : {kAlphaIntelName, kAlphaIntelValue, kAlphaExportFeed, kBeFeed}) {
      markers.push_back(m);
    }
  }

  // Why `body` (a response to `route`) leaks something, or empty.
  std::string Leak(const std::string& route, const std::string& body) const {
    for (const auto& m : markers) {
      if (body.find(m) != std::string::npos) return "the body contains " + m;
    }
    boost::system::error_code ec;
    const auto value = json::parse(body, ec);
    if (ec || !value.is_object() || !value.as_object().contains("items")) return {};
    for (const auto& item_value : value.as_object().at("items").as_array()) {
      const auto& item = item_value.as_object();
      const auto id =
          item.contains("id") && item.at("id").is_int64() ? item.at("id").as_int64() : -1;
      if (const auto* org = item.if_contains("organisation_id");
          org && org->is_int64() && orgs.contains(org->as_int64())) {
        return "an item of organisation " + std::to_string(org->as_int64()) + ": " +
               json::serialize(item);
      }
      if (route == "/api/v1/organisations" && orgs.contains(id)) {
        return "organisation " + std::to_string(id) + " is listed";
      }
      if (route == "/api/v1/users" && user_ids.contains(id)) {
        return "user " + std::to_string(id) + " is listed";
      }
      if (route == "/api/v1/tokens" && id == token_id) return "A's token is listed";
      if (const auto* actor = item.if_contains("actor");
          actor && actor->is_string() && usernames.contains(std::string(actor->as_string()))) {
        return "an audit entry by " + std::string(actor->as_string());
      }
    }
    return {};
  }
};

std::string Slug(const Response& r) {
  boost::system::error_code ec;
  const auto value = json::parse(r.body, ec);
  if (ec || !value.is_object() || !value.as_object().contains("type")) return {};
  const auto type = std::string(value.as_object().at("type").as_string());
  const auto colon = type.rfind(':');
  return colon == std::string::npos ? type : type.substr(colon + 1);
}

// A refusal for the right reason: not a CSRF, gate or parsing accident of the test itself.
::testing::AssertionResult IsPolicyRefusal(const Response& r, const std::vector<int>& statuses) {
  if (auto refused = IsRefusal(r, statuses); !refused) return refused;
  static const std::set<std::string> kPolicySlugs = {"unauthenticated", "forbidden", "not-found",
                                                     "invalid-input"};
  if (!kPolicySlugs.contains(Slug(r))) {
    return ::testing::AssertionFailure() << "refused for an unrelated reason: " << Describe(r);
  }
  return ::testing::AssertionSuccess();
}

TEST_P(Authorisation, MatrixCoversEveryRouteOfTheOpenApiDescription) {
  const auto r = Get(url(), "/api/v1/openapi.json");
  ASSERT_EQ(r.status, 200) << Describe(r);
  std::set<std::pair<std::string, std::string>> described;
  const auto paths_body = JsonObject(r);
  for (const auto& [path, item] : paths_body.at("paths").as_object()) {
    // TAXII speaks its own media type and error resources; its routes have their own matrix:
    // tests/api/taxii_conformance_test.cpp (a sibling hospital gets the same 404s and pages as
    // for objects that never existed) and tests/e2e/intel_e2e_test.cpp.
    if (std::string_view(path).starts_with("/taxii2/")) continue;
    // The live alert stream never ends a response: what it carries to whom is tested in
    // tests/advisories/delivery_test.cpp (LiveStreamsShowOnlyEventsThePrincipalMayRead) and
    // tests/api/delivery_routes_test.cpp.
    if (path == "/api/v1/alerts/stream") continue;
    for (const auto& [method, operation] : item.as_object()) {
      std::string upper(method);
      std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
      if (upper == "PARAMETERS" || upper == "SUMMARY" || upper == "DESCRIPTION") continue;
      described.emplace(upper, std::string(path));
    }
  }
  std::set<std::pair<std::string, std::string>> probed;
  for (const auto& p : MatrixProbes(world())) probed.emplace(p.method, p.route);
  EXPECT_EQ(probed, described) << "every route needs a row in the authorisation matrix";
}

TEST_P(Authorisation, ForeignProviderIsRefusedOnEveryRouteBySessionAndByToken) {
  const auto& w = world();
  const Foreign foreign(w);
  const auto be_admin = SessionOf("be.admin");
  const auto alpha_users_before =
      Get(url(), "/api/v1/users?organisation_id=" + Id(w.alpha), be_admin);
  ASSERT_EQ(alpha_users_before.status, 200) << Describe(alpha_users_before);
  ASSERT_GE(JsonObject(alpha_users_before).at("items").as_array().size(), kRoles.size());
  const auto alpha_org_before = Get(url(), "/api/v1/organisations/" + Id(w.alpha), be_admin);
  ASSERT_EQ(alpha_org_before.status, 200);
  const auto assessment_path = "/api/v1/assessments/" + Id(w.alpha_assessment);
  const auto alpha_assessment_before = Get(url(), assessment_path, be_admin);
  ASSERT_EQ(alpha_assessment_before.status, 200) << Describe(alpha_assessment_before);
  const auto entry_path = "/api/v1/catalogue/" + Id(w.be_entry);
  const auto incident_path = "/api/v1/incidents/" + Id(w.alpha_incident);
  const auto alpha_incident_before = Get(url(), incident_path, be_admin);
  ASSERT_EQ(alpha_incident_before.status, 200) << Describe(alpha_incident_before);
  const auto be_entry_before = Get(url(), entry_path, be_admin);
  ASSERT_EQ(be_entry_before.status, 200) << Describe(be_entry_before);
  const auto organisations_before = OrganisationCount();
  const auto usernames_before = AllUsernames();

  std::vector<Caller> callers;
  for (const auto& role : kRoles) {
    const auto& account = w.user("bravo." + role);
    const auto session = SessionFor(url(), account.username, account.password);
    callers.push_back({account.username, account.password, "session", session});
    callers.push_back({account.username, account.password, "token",
                       Credential::Bearer(TokenFor(url(), session).token)});
  }

  const auto probes = MatrixProbes(w);
  for (const auto& caller : callers) {
    for (const auto& probe : probes) {
      SCOPED_TRACE(caller.username + " by " + caller.kind + ": " + probe.method + " " +
                   probe.target);
      auto credential = caller.credential;
      if (probe.needs_own_session && caller.kind == "session") {
        credential = SessionFor(url(), caller.username, caller.password);
      }
      const auto r = Call(url(), probe.method, probe.target, credential, probe.body(caller));
      switch (probe.expect) {
        case Expect::kRefused:
          EXPECT_TRUE(IsPolicyRefusal(r, probe.refusals));
          break;
        case Expect::kNoForeign:
          if (r.status != 200) {
            EXPECT_TRUE(IsPolicyRefusal(r, probe.refusals));
          }
          break;
        case Expect::kSelf:
          if (r.status < 200 || r.status > 299) {
            EXPECT_TRUE(IsPolicyRefusal(r, probe.refusals));
          }
          break;
        case Expect::kPublic:
          EXPECT_EQ(r.status, 200) << Describe(r);
          break;
      }
      const auto leak = foreign.Leak(probe.route, r.body);
      EXPECT_TRUE(leak.empty()) << leak << "\n" << Describe(r);
    }
    // The credential worked throughout, so the refusals above were decisions, not a dead
    // credential.
    const auto me = Get(url(), "/api/v1/me", caller.credential);
    ASSERT_EQ(me.status, 200) << caller.username << " by " << caller.kind << ": " << Describe(me);
    EXPECT_EQ(Str(JsonObject(me).at("user").as_object().at("username")), caller.username);
  }

  // Nothing of A changed and nothing was created in A's name.
  const auto alpha_users_after =
      Get(url(), "/api/v1/users?organisation_id=" + Id(w.alpha), be_admin);
  EXPECT_EQ(ParseJson(alpha_users_after.body), ParseJson(alpha_users_before.body));
  const auto alpha_org_after = Get(url(), "/api/v1/organisations/" + Id(w.alpha), be_admin);
  EXPECT_EQ(ParseJson(alpha_org_after.body), ParseJson(alpha_org_before.body));
  // Reminders on the timeline and deadline states are derived from the clock at each read.
  const auto without_timeline = [](const Response& r) {
    auto body = JsonObject(r);
    body.erase("timeline");
    body.erase("deadlines");
    body.erase("waiting");
    return body;
  };
  // Facts are observed afresh on every read; everything else must be as it was.
  const auto without_facts = [](const Response& r) {
    auto body = JsonObject(r);
    body.erase("facts");
    return body;
  };
  EXPECT_EQ(without_facts(Get(url(), assessment_path, be_admin)),
            without_facts(alpha_assessment_before));
  EXPECT_EQ(ParseJson(Get(url(), entry_path, be_admin).body), ParseJson(be_entry_before.body));
  EXPECT_EQ(Get(url(), "/api/v1/evidence/" + Id(w.alpha_evidence), be_admin).status, 200);
  EXPECT_EQ(without_timeline(Get(url(), incident_path, be_admin)),
            without_timeline(alpha_incident_before));
  EXPECT_EQ(OrganisationCount(), organisations_before);
  EXPECT_EQ(AllUsernames(), usernames_before);
  const auto token_me = Get(url(), "/api/v1/me", Credential::Bearer(w.alpha_token.token));
  ASSERT_EQ(token_me.status, 200) << "A's token was revoked: " << Describe(token_me);
  EXPECT_EQ(Str(JsonObject(token_me).at("user").as_object().at("username")), w.alpha_token_owner);
  const auto alpha_admin = Login(url(), "alpha.admin", w.user("alpha.admin").password);
  ASSERT_EQ(alpha_admin.response.status, 200) << Describe(alpha_admin.response);
  EXPECT_EQ(alpha_admin.body.at("password_change_required"), false);
}

// ---------------------------------------------------------------------------------------------
// Positive controls and specific refusals

// The requests the matrix refuses to B succeed for A and its authority: the refusals are the
// policy at work.
TEST_P(Authorisation, AssessmentCatalogueAndIncidentRoutesServeThoseEntitled) {
  const auto& w = world();
  const auto alpha = Id(w.alpha);
  const auto alpha_admin = SessionOf("alpha.admin");
  const auto be_analyst = SessionOf("be.analyst");
  EXPECT_EQ(Get(url(), "/api/v1/assessments/" + Id(w.alpha_assessment), alpha_admin).status, 200);
  EXPECT_EQ(Get(url(), "/api/v1/evidence/" + Id(w.alpha_evidence), alpha_admin).status, 200);
  EXPECT_EQ(Get(url(), "/api/v1/organisations/" + alpha + "/scores", be_analyst).status, 200);
  EXPECT_EQ(Get(url(), "/api/v1/recommendations?organisation_id=" + alpha, be_analyst).status, 200);
  EXPECT_EQ(Get(url(), "/api/v1/reports/progress?organisation_id=" + Id(w.be), be_analyst).status,
            200);
  const auto saved =
      Call(url(), "PUT", "/api/v1/assessments/" + Id(w.alpha_assessment) + "/answers", alpha_admin,
           json::serialize(json::object{{"answers", json::object{}}}));
  EXPECT_EQ(saved.status, 200) << Describe(saved);
  const auto patched =
      PatchJson(url(), "/api/v1/catalogue/" + Id(w.be_entry), SessionOf("be.analyst"),
                json::object{{"summary", "Around the clock, in three languages."}});
  EXPECT_EQ(patched.status, 200) << Describe(patched);
  const auto incident = "/api/v1/incidents/" + Id(w.alpha_incident);
  EXPECT_EQ(Get(url(), incident, be_analyst).status, 200);
  EXPECT_EQ(Get(url(), incident + "/report", SessionOf("alpha.viewer")).status, 200);
  EXPECT_EQ(
      Get(url(), "/api/v1/incidents/statistics?organisation_id=" + Id(w.be), be_analyst).status,
      200);
  EXPECT_TRUE(IsPolicyRefusal(Get(url(), incident, SessionOf("nl.admin")), {404}));
  EXPECT_EQ(Get(url(), incident + "/recovery", be_analyst).status, 200);
  const auto step =
      Call(url(), "PUT", incident + "/recovery/steps/isolate", SessionOf("alpha.reporter"),
           json::serialize(json::object{{"state", "doing"}}));
  EXPECT_EQ(step.status, 200) << Describe(step);
  // The authority of another Member State reads the entry but may not change it.
  const auto nl = PatchJson(url(), "/api/v1/catalogue/" + Id(w.be_entry), SessionOf("nl.admin"),
                            json::object{{"summary", "NL was here"}});
  EXPECT_TRUE(IsPolicyRefusal(nl, {403, 404}));
}

TEST_P(Authorisation, ProviderAdminCannotCreateUsersInAForeignOrganisationButItsAuthorityCan) {
  const auto& w = world();
  auto new_user = [&](const std::string& username, std::int64_t org) {
    return json::object{{"username", username},
                        {"display_name", "New " + username},
                        {"role", "viewer"},
                        {"organisation_id", org}};
  };
  const auto refused =
      PostJson(url(), "/api/v1/users", SessionOf("bravo.admin"), new_user("intruder.one", w.alpha));
  EXPECT_TRUE(IsPolicyRefusal(refused, {400, 403, 404}));

  const auto own = PostJson(url(), "/api/v1/users", SessionOf("bravo.admin"),
                            new_user("bravo.newcomer", w.bravo));
  ASSERT_EQ(own.status, 201) << "B admin's own organisation: " << Describe(own);
  EXPECT_EQ(JsonObject(own).at("user").as_object().at("organisation_id"), w.bravo);

  const auto by_authority =
      PostJson(url(), "/api/v1/users", SessionOf("be.admin"), new_user("alpha.newcomer", w.alpha));
  ASSERT_EQ(by_authority.status, 201) << "BE admin for its provider A: " << Describe(by_authority);
  EXPECT_EQ(JsonObject(by_authority).at("user").as_object().at("organisation_id"), w.alpha);

  const auto by_other_authority =
      PostJson(url(), "/api/v1/users", SessionOf("nl.admin"), new_user("intruder.two", w.alpha));
  EXPECT_TRUE(IsPolicyRefusal(by_other_authority, {400, 403, 404}));

  const auto names = AllUsernames();
  EXPECT_FALSE(names.contains("intruder.one"));
  EXPECT_FALSE(names.contains("intruder.two"));
  EXPECT_TRUE(names.contains("alpha.newcomer"));
}

TEST_P(Authorisation, ForeignProviderAdminCannotChangeOrganisationAButItsAdminsCan) {
  const auto& w = world();
  const auto target = "/api/v1/organisations/" + Id(w.alpha);
  for (const auto& name : {"bravo.admin", "nl.admin"}) {
    SCOPED_TRACE(name);
    const auto r = PatchJson(url(), target, SessionOf(name),
                             json::object{{"name", "Taken over"}, {"require_totp", true}});
    EXPECT_TRUE(IsPolicyRefusal(r, {403, 404}));
  }
  const auto alpha_org = Get(url(), target, SessionOf("be.admin"));
  ASSERT_EQ(alpha_org.status, 200) << Describe(alpha_org);
  EXPECT_EQ(JsonObject(alpha_org).at("name"), kAlphaName);
  EXPECT_EQ(JsonObject(alpha_org).at("require_totp"), false);

  for (const auto& name : {"alpha.admin", "be.admin"}) {
    SCOPED_TRACE(name);
    const auto r = PatchJson(url(), target, SessionOf(name), json::object{{"name", kAlphaName}});
    EXPECT_EQ(r.status, 200) << Describe(r);
  }
  const auto by_analyst =
      PatchJson(url(), target, SessionOf("alpha.analyst"), json::object{{"name", kAlphaName}});
  EXPECT_TRUE(IsPolicyRefusal(by_analyst, {403}));
}

TEST_P(Authorisation, ProviderAdminCannotCreateOrganisationsButItsAuthorityCanAddProviders) {
  const auto& w = world();
  const auto before = OrganisationCount();
  const auto bravo_admin = SessionOf("bravo.admin");
  const auto sibling = PostJson(url(), "/api/v1/organisations", bravo_admin,
                                json::object{{"name", "Bravo Sibling e2e"},
                                             {"kind", "provider"},
                                             {"parent_id", w.nl},
                                             {"provider_type", "pharmacy"},
                                             {"size_band", "micro"}});
  EXPECT_TRUE(IsPolicyRefusal(sibling, {403}));
  const auto authority =
      PostJson(url(), "/api/v1/organisations", bravo_admin,
               json::object{{"name", "Bravo CSIRT e2e"}, {"kind", "authority"}, {"country", "FR"}});
  EXPECT_TRUE(IsPolicyRefusal(authority, {403}));
  const auto under_be = PostJson(url(), "/api/v1/organisations", SessionOf("nl.admin"),
                                 json::object{{"name", "Under BE by NL e2e"},
                                              {"kind", "provider"},
                                              {"parent_id", w.be},
                                              {"provider_type", "pharmacy"},
                                              {"size_band", "micro"}});
  EXPECT_TRUE(IsPolicyRefusal(under_be, {400, 403, 404}));
  EXPECT_EQ(OrganisationCount(), before) << "a refused create left an organisation behind";

  const auto by_authority = PostJson(url(), "/api/v1/organisations", SessionOf("nl.admin"),
                                     json::object{{"name", "NL Pharmacy e2e"},
                                                  {"kind", "provider"},
                                                  {"parent_id", w.nl},
                                                  {"provider_type", "pharmacy"},
                                                  {"size_band", "micro"}});
  ASSERT_EQ(by_authority.status, 201) << Describe(by_authority);
  const auto created = JsonObject(by_authority);
  EXPECT_EQ(created.at("parent_id"), w.nl);
  EXPECT_EQ(created.at("country"), "NL");
  EXPECT_EQ(OrganisationCount(), before + 1);
}

TEST_P(Authorisation, AuthorityAdminManagesItsOwnProvidersOnly) {
  const auto& w = world();
  const Foreign foreign(w);
  const auto alpha_viewer = Id(w.user("alpha.viewer").id);
  const auto same_name = json::object{{"display_name", "Test user alpha.viewer"}};

  const auto nl_admin = SessionOf("nl.admin");
  const auto nl_users = Get(url(), "/api/v1/users", nl_admin);
  ASSERT_EQ(nl_users.status, 200) << Describe(nl_users);
  EXPECT_EQ(foreign.Leak("/api/v1/users", nl_users.body), "");
  EXPECT_NE(nl_users.body.find("\"bravo.viewer\""), std::string::npos)
      << "NL admin should see the users of its provider B: " << nl_users.body;
  EXPECT_TRUE(IsPolicyRefusal(Get(url(), "/api/v1/users?organisation_id=" + Id(w.alpha), nl_admin),
                              {403, 404}));
  EXPECT_TRUE(IsPolicyRefusal(
      PatchJson(url(), "/api/v1/users/" + alpha_viewer, nl_admin, same_name), {403, 404}));
  EXPECT_TRUE(IsPolicyRefusal(
      Call(url(), "POST", "/api/v1/users/" + alpha_viewer + "/reset-password", nl_admin),
      {403, 404}));
  EXPECT_TRUE(
      IsPolicyRefusal(Get(url(), "/api/v1/organisations/" + Id(w.alpha), nl_admin), {403, 404}));
  const auto nl_audit = Get(url(), "/api/v1/audit?limit=500", nl_admin);
  ASSERT_EQ(nl_audit.status, 200) << Describe(nl_audit);
  EXPECT_EQ(foreign.Leak("/api/v1/audit", nl_audit.body), "");

  const auto be_admin = SessionOf("be.admin");
  const auto alpha_users = Get(url(), "/api/v1/users?organisation_id=" + Id(w.alpha), be_admin);
  ASSERT_EQ(alpha_users.status, 200) << Describe(alpha_users);
  for (const auto& role : kRoles) {
    EXPECT_NE(alpha_users.body.find("\"alpha." + role + "\""), std::string::npos)
        << "BE admin should see alpha." << role;
  }
  const auto patched = PatchJson(url(), "/api/v1/users/" + alpha_viewer, be_admin, same_name);
  EXPECT_EQ(patched.status, 200) << Describe(patched);
  const auto be_audit = Get(url(), "/api/v1/audit?limit=500", be_admin);
  ASSERT_EQ(be_audit.status, 200) << Describe(be_audit);
  bool alpha_entry = false;
  const auto items_body = JsonObject(be_audit);
  for (const auto& e : items_body.at("items").as_array()) {
    if (e.as_object().at("organisation_id") == w.alpha) alpha_entry = true;
  }
  EXPECT_TRUE(alpha_entry) << "BE admin should see A's audit entries: " << be_audit.body;
}

TEST_P(Authorisation, AuthorityAdminCannotManageTheSupportCentreOrAnotherAuthority) {
  const auto& w = world();
  const auto be_admin = SessionOf("be.admin");
  for (const auto org : {w.support_centre, w.nl}) {
    SCOPED_TRACE("organisation " + Id(org));
    EXPECT_TRUE(IsPolicyRefusal(PatchJson(url(), "/api/v1/organisations/" + Id(org), be_admin,
                                          json::object{{"require_totp", true}}),
                                {403, 404}));
    EXPECT_TRUE(IsPolicyRefusal(Get(url(), "/api/v1/users?organisation_id=" + Id(org), be_admin),
                                {403, 404}));
    EXPECT_TRUE(IsPolicyRefusal(PostJson(url(), "/api/v1/users", be_admin,
                                         json::object{{"username", "be.planted." + Id(org)},
                                                      {"display_name", "Planted"},
                                                      {"role", "admin"},
                                                      {"organisation_id", org}}),
                                {400, 403, 404}));
  }
  EXPECT_TRUE(IsPolicyRefusal(
      Call(url(), "POST", "/api/v1/users/" + Id(w.user("nl.admin").id) + "/reset-password",
           be_admin),
      {403, 404}));
  EXPECT_TRUE(IsPolicyRefusal(Call(url(), "POST", "/api/v1/audit/verify", be_admin), {403}));
  const auto sc = Get(url(), "/api/v1/organisations/" + Id(w.support_centre), be_admin);
  ASSERT_EQ(sc.status, 200) << "the support centre is visible to all: " << Describe(sc);
  EXPECT_EQ(JsonObject(sc).at("require_totp"), false);
  const auto names = AllUsernames();
  EXPECT_FALSE(names.contains("be.planted." + Id(w.support_centre)));
  EXPECT_FALSE(names.contains("be.planted." + Id(w.nl)));
}

TEST_P(Authorisation, AdminCannotDisableOrDemoteThemself) {
  const auto& w = world();
  const auto alpha_admin = SessionOf("alpha.admin");
  const auto self = "/api/v1/users/" + Id(w.user("alpha.admin").id);
  EXPECT_TRUE(IsProblem(PatchJson(url(), self, alpha_admin, json::object{{"disabled", true}}), 400,
                        "invalid-input"));
  EXPECT_TRUE(IsProblem(PatchJson(url(), self, alpha_admin, json::object{{"role", "viewer"}}), 400,
                        "invalid-input"));
  const auto me = Get(url(), "/api/v1/me", alpha_admin);
  ASSERT_EQ(me.status, 200) << Describe(me);
  EXPECT_EQ(JsonObject(me).at("user").as_object().at("role"), "admin");
  EXPECT_EQ(JsonObject(me).at("user").as_object().at("disabled"), false);
}

TEST_P(Authorisation, ClientSentOrganisationIdIsNeverTrusted) {
  const auto& w = world();
  const auto bravo_admin = SessionOf("bravo.admin");
  const auto created = PostJson(url(), "/api/v1/users", bravo_admin,
                                json::object{{"username", "planted.admin"},
                                             {"display_name", "Planted"},
                                             {"role", "admin"},
                                             {"organisation_id", w.alpha}});
  EXPECT_TRUE(IsPolicyRefusal(created, {400, 403, 404}));
  EXPECT_FALSE(AllUsernames().contains("planted.admin"));

  const auto bravo_viewer = Id(w.user("bravo.viewer").id);
  const auto moved = PatchJson(url(), "/api/v1/users/" + bravo_viewer, bravo_admin,
                               json::object{{"organisation_id", w.alpha}});
  EXPECT_TRUE(IsProblem(moved, 400, "invalid-input"));
  const auto still = Get(url(), "/api/v1/users?organisation_id=" + Id(w.bravo), bravo_admin);
  ASSERT_EQ(still.status, 200) << Describe(still);
  EXPECT_NE(still.body.find("\"bravo.viewer\""), std::string::npos) << still.body;

  const auto login = Call(url(), "POST", "/api/v1/auth/login", {},
                          json::serialize(json::object{{"username", "bravo.admin"},
                                                       {"password", w.user("bravo.admin").password},
                                                       {"organisation_id", w.alpha}}));
  EXPECT_TRUE(IsProblem(login, 400, "invalid-input"));
}

INSTANTIATE_TEST_SUITE_P(Backends,
                         Authorisation,
                         ::testing::ValuesIn(AllBackends()),
                         BackendParamName);

}  // namespace
}  // namespace caduceus::e2e
