// The audit trail of a live hub: one entry per state-changing request (refused ones and failed
// logins included, none for reads), and tampering with the stored chain — editing, re-hashing
// or deleting a row behind the hub's back — is caught by `caduceus-hub audit verify` and by
// POST /api/v1/audit/verify, naming the first broken entry.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "audit/audit.h"
#include "core/clock.h"
#include "e2e/hub_process.h"
#include "e2e/shared_hub.h"
#include "storage/database.h"

namespace caduceus::e2e {
namespace {

namespace json = boost::json;
using caduceus::testing::AllBackends;
using caduceus::testing::Backend;

struct AuditWorld {
  static HubSettings Settings() { return {}; }
  static AuditWorld Build(Hub& hub, const std::string&) {
    AuditWorld w;
    w.sc_admin = hub.Bootstrap();
    w.authority = hub.AddAuthority("Audit CSIRT e2e", "BE");
    w.provider = hub.AddProvider("Audit Hospital e2e", w.authority);
    w.admin = hub.AddUser("audit.admin", "admin", w.provider);
    w.viewer = hub.AddUser("audit.viewer", "viewer", w.provider);
    w.authority_admin = hub.AddUser("audit.be.admin", "admin", w.authority);
    return w;
  }
  CreatedAccount sc_admin, admin, viewer, authority_admin;
  std::int64_t authority = 0, provider = 0;
};

// The newest audit entries as the support-centre admin sees them (reading is not audited).
json::array Newest(const std::string& url, const Credential& sc_admin, int n) {
  const auto r = Get(url, "/api/v1/audit?limit=" + std::to_string(n), sc_admin);
  if (r.status != 200) throw std::runtime_error("GET /api/v1/audit: " + Describe(r));
  return JsonObject(r).at("items").as_array();
}

std::int64_t HeadSeq(const std::string& url, const Credential& sc_admin) {
  const auto items = Newest(url, sc_admin, 1);
  return items.empty() ? 0 : items[0].as_object().at("seq").as_int64();
}

// `caduceus-hub audit verify`'s count of intact entries, or -1 when it reports a break.
std::int64_t CliVerifiedEntries(Hub& hub) {
  const auto r = hub.Cli({"audit", "verify"});
  const std::string marker = "audit chain intact: ";
  const auto at = r.out.find(marker);
  if (r.exit_code != 0 || at == std::string::npos) return -1;
  return std::stoll(r.out.substr(at + marker.size()));
}

class AuditTrail : public SharedHubTest<AuditWorld> {
 protected:
  Credential ScAdmin() {
    return SessionFor(url(), world().sc_admin.username, world().sc_admin.password);
  }
};

TEST_P(AuditTrail, EveryStateChangingRequestAddsExactlyOneEntry) {
  const auto& w = world();
  const auto sc_admin = ScAdmin();
  const auto admin = SessionFor(url(), w.admin.username, w.admin.password);
  const auto viewer = SessionFor(url(), w.viewer.username, w.viewer.password);
  auto no_csrf = admin;
  no_csrf.csrf.clear();
  const auto read_token = TokenFor(url(), admin, {"read"});
  const auto org = "/api/v1/organisations/" + std::to_string(w.provider);
  std::string token_id;

  struct Case {
    std::string name;
    std::function<Response()> send;
    std::string action;
    std::string actor;
  };
  const json::object token_body{
      {"name", "audited"}, {"scopes", json::array{"read"}}, {"expires_in_days", 1}};
  const std::vector<Case> cases = {
      {"token created", [&] { return PostJson(url(), "/api/v1/tokens", admin, token_body); },
       "token.create", w.admin.username},
      {"token revoked", [&] { return Call(url(), "DELETE", "/api/v1/tokens/" + token_id, admin); },
       "token.revoke", w.admin.username},
      {"CSRF refused", [&] { return PostJson(url(), "/api/v1/tokens", no_csrf, token_body); },
       "token.create", w.admin.username},
      {"role refused",
       [&] {
         return PostJson(url(), "/api/v1/users", viewer,
                         json::object{{"username", "audit.never"},
                                      {"display_name", "Never"},
                                      {"role", "viewer"},
                                      {"organisation_id", w.provider}});
       },
       "user.create", w.viewer.username},
      {"invalid input",
       [&] {
         return PostJson(url(), "/api/v1/users", admin,
                         json::object{{"username", "audit.bad"},
                                      {"display_name", "Bad"},
                                      {"role", "emperor"},
                                      {"organisation_id", w.provider}});
       },
       "user.create", w.admin.username},
      {"wrong media type",
       [&] {
         return Call(url(), "POST", "/api/v1/users", admin, "x", {{"Content-Type", "text/plain"}});
       },
       "user.create", w.admin.username},
      {"read-only token refused",
       [&] {
         return PatchJson(url(), org, Credential::Bearer(read_token.token),
                          json::object{{"name", "Audit Hospital e2e"}});
       },
       "organisation.update", w.admin.username},
      {"organisation updated",
       [&] {
         return PatchJson(url(), org, admin, json::object{{"name", "Audit Hospital e2e"}});
       },
       "organisation.update", w.admin.username},
      {"failed login",
       [&] {
         return PostJson(url(), "/api/v1/auth/login", {},
                         json::object{{"username", w.viewer.username}, {"password", "wrong!"}});
       },
       "auth.login", "anonymous"},
      {"successful login",
       [&] {
         return PostJson(
             url(), "/api/v1/auth/login", {},
             json::object{{"username", w.viewer.username}, {"password", w.viewer.password}});
       },
       "auth.login", w.viewer.username},
      {"unknown route by a signed-in user",
       [&] { return Call(url(), "POST", "/api/v1/nope", admin, "{}"); }, "http.POST",
       w.admin.username},
      {"wrong method by a signed-in user",
       [&] { return Call(url(), "DELETE", "/api/v1/organisations", admin); }, "http.DELETE",
       w.admin.username},
      {"logout", [&] { return Call(url(), "POST", "/api/v1/auth/logout", viewer); }, "auth.logout",
       w.viewer.username},
  };

  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto before = HeadSeq(url(), sc_admin);
    const auto r = c.send();
    if (c.action == "token.create" && r.status == 201) {
      token_id = std::to_string(JsonObject(r).at("item").as_object().at("id").as_int64());
    }
    const auto items = Newest(url(), sc_admin, 2);
    ASSERT_FALSE(items.empty());
    const auto& entry = items[0].as_object();
    EXPECT_EQ(entry.at("seq").as_int64(), before + 1)
        << "expected exactly one new entry for " << Describe(r);
    EXPECT_EQ(Str(entry.at("action")), c.action) << json::serialize(entry);
    EXPECT_EQ(entry.at("status"), r.status) << json::serialize(entry);
    EXPECT_EQ(Str(entry.at("request_id")), HeaderOf(r, "X-Request-ID").value_or("?"));
    EXPECT_EQ(entry.at("address"), "127.0.0.1");
    if (!c.actor.empty()) {
      EXPECT_EQ(Str(entry.at("actor")), c.actor) << json::serialize(entry);
    }
  }

  // Anonymous requests that match no route, or that a protected route refuses for want of
  // credentials, change nothing and name nobody: the hub does not let them grow the log.
  const auto before_anonymous = HeadSeq(url(), sc_admin);
  EXPECT_EQ(Call(url(), "POST", "/api/v1/nope", {}, "{}").status, 404);
  EXPECT_EQ(Call(url(), "DELETE", "/api/v1/organisations", {}).status, 405);
  EXPECT_EQ(PostJson(url(), "/api/v1/tokens", {}, token_body).status, 401);
  EXPECT_EQ(HeadSeq(url(), sc_admin), before_anonymous);

  const auto before_reads = HeadSeq(url(), sc_admin);
  for (const auto* target : {"/api/v1/me", "/api/v1/organisations", "/api/v1/users",
                             "/api/v1/tokens", "/api/v1/audit", "/healthz", "/metrics"}) {
    Get(url(), target, admin);
  }
  EXPECT_EQ(HeadSeq(url(), sc_admin), before_reads) << "reads must not be audited";
}

TEST_P(AuditTrail, CliCommandsAreAuditedToo) {
  const auto sc_admin = ScAdmin();
  const auto before = HeadSeq(url(), sc_admin);
  const auto user = hub().AddUser("audit.cli.user", "viewer", world().provider);
  const auto entries = Newest(url(), sc_admin, 1);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].as_object().at("seq").as_int64(), before + 1);
  EXPECT_EQ(entries[0].as_object().at("action"), "user.create");
  EXPECT_EQ(entries[0].as_object().at("actor"), "cli");
  EXPECT_EQ(Str(entries[0].as_object().at("target")), "user:" + std::to_string(user.id));
}

TEST_P(AuditTrail, UntamperedChainVerifiesThroughCliAndApi) {
  const auto sc_admin = ScAdmin();
  const auto head = HeadSeq(url(), sc_admin);
  ASSERT_GT(head, 0);
  EXPECT_EQ(CliVerifiedEntries(hub()), head);

  const auto r = Call(url(), "POST", "/api/v1/audit/verify", sc_admin);
  ASSERT_EQ(r.status, 200) << Describe(r);
  const auto report = JsonObject(r);
  EXPECT_EQ(report.at("ok"), true);
  EXPECT_EQ(report.at("entries_checked"), head);
  EXPECT_TRUE(report.at("first_broken_seq").is_null());
  EXPECT_TRUE(report.at("reason").is_null());

  const auto authority_admin =
      SessionFor(url(), world().authority_admin.username, world().authority_admin.password);
  EXPECT_TRUE(
      IsProblem(Call(url(), "POST", "/api/v1/audit/verify", authority_admin), 403, "forbidden"))
      << "only support-centre admins verify the whole chain";
}

// ---------------------------------------------------------------------------------------------
// Tampering: each test owns its database, since it breaks the chain for good.

class AuditTampering : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    CADUCEUS_REQUIRE_BACKEND(GetParam());
    db_ = std::make_unique<caduceus::testing::ScratchDatabase>(GetParam());
    hub_ = std::make_unique<Hub>(db_->url());
    logs_ = std::make_unique<LogsOnFailure>(*hub_);
    admin_ = hub_->Bootstrap();
    server_ = hub_->Serve();
    session_ = SessionFor(url(), admin_.username, admin_.password);
    for (int i = 0; i < 5; ++i) TokenFor(url(), session_);
    auto opened = storage::Database::Open(db_->url(), {.pool_size = 1});
    ASSERT_TRUE(opened) << opened.error().message;
    direct_ = std::move(*opened);
    head_ = HeadSeq(url(), session_);
    ASSERT_GE(head_, 8) << "init, user add, login and tokens should have left entries";
  }

  void TearDown() override {
    if (server_) {
      EXPECT_TRUE(IsHealthy(url())) << "tampering with the log must not take the hub down";
      EXPECT_EQ(server_->Stop(), 0);
    }
    direct_.reset();
    server_.reset();
    logs_.reset();
    hub_.reset();
    db_.reset();
  }

  const std::string& url() const { return server_->base_url(); }

  // Drops the append-only guard, as an attacker with full database access could.
  void DisableGuard() {
    if (direct_->dialect() == storage::Dialect::kSqlite) {
      direct_->Query("DROP TRIGGER audit_log_no_update");
      direct_->Query("DROP TRIGGER audit_log_no_delete");
    } else {
      direct_->Query("ALTER TABLE audit_log DISABLE TRIGGER USER");
    }
  }

  audit::Entry ReadEntry(std::int64_t seq) {
    auto row = direct_->QueryOne(
        "SELECT seq, at, actor_user_id, actor, organisation_id, action, target, address, "
        "request_id, status, detail, prev_hash, hash FROM audit_log WHERE seq = ?",
        {storage::Int(seq)});
    if (!row) throw std::runtime_error("no audit entry " + std::to_string(seq));
    audit::Entry e;
    e.seq = row->Int(0);
    e.at = FromUnixMillis(row->Int(1));
    e.actor_user_id = row->OptInt(2);
    e.actor = row->Text(3);
    e.organisation_id = row->OptInt(4);
    e.action = row->Text(5);
    e.target = row->Text(6);
    e.address = row->Text(7);
    e.request_id = row->Text(8);
    e.status = static_cast<int>(row->Int(9));
    e.detail = row->Text(10);
    e.prev_hash = row->Text(11);
    e.hash = row->Text(12);
    return e;
  }

  // Both verifiers must report the chain broken at `seq`.
  void ExpectBrokenAt(std::int64_t seq) {
    const auto cli = hub_->Cli({"audit", "verify"});
    EXPECT_NE(cli.exit_code, 0) << cli.out << cli.err;
    EXPECT_NE(cli.out.find("BROKEN at entry " + std::to_string(seq) + ":"), std::string::npos)
        << cli.out << cli.err;

    const auto r = Call(url(), "POST", "/api/v1/audit/verify", session_);
    ASSERT_EQ(r.status, 200) << Describe(r);
    const auto report = JsonObject(r);
    EXPECT_EQ(report.at("ok"), false) << r.body;
    EXPECT_EQ(report.at("first_broken_seq"), seq) << r.body;
    EXPECT_EQ(report.at("entries_checked"), seq - 1) << r.body;
    ASSERT_TRUE(report.at("reason").is_string()) << r.body;
    EXPECT_FALSE(report.at("reason").as_string().empty());
  }

  std::unique_ptr<caduceus::testing::ScratchDatabase> db_;
  std::unique_ptr<Hub> hub_;
  std::unique_ptr<LogsOnFailure> logs_;
  std::unique_ptr<HubServer> server_;
  std::unique_ptr<storage::Database> direct_;
  CreatedAccount admin_;
  Credential session_;
  std::int64_t head_ = 0;
};

TEST_P(AuditTampering, GuardTriggersRefuseChangesAndTheChainStaysIntact) {
  EXPECT_THROW(direct_->Query("UPDATE audit_log SET target = 'x' WHERE seq = 3"),
               storage::StorageError);
  EXPECT_THROW(direct_->Query("DELETE FROM audit_log WHERE seq = 3"), storage::StorageError);
  EXPECT_EQ(CliVerifiedEntries(*hub_), head_);
  const auto report = JsonObject(Call(url(), "POST", "/api/v1/audit/verify", session_));
  EXPECT_EQ(report.at("ok"), true);
}

TEST_P(AuditTampering, EditedEntryIsReportedBrokenAtItsSeq) {
  DisableGuard();
  const auto changed =
      direct_->Query("UPDATE audit_log SET status = 200 WHERE seq = ?", {storage::Int(head_ - 2)});
  ASSERT_EQ(changed.affected_rows, 1);
  ExpectBrokenAt(head_ - 2);
}

TEST_P(AuditTampering, EditedEntryWithARecomputedHashBreaksTheNextLink) {
  DisableGuard();
  auto entry = ReadEntry(4);
  entry.actor = "someone-else";
  const auto forged = audit::AuditLog::ComputeHash(entry);
  const auto changed = direct_->Query("UPDATE audit_log SET actor = ?, hash = ? WHERE seq = 4",
                                      {storage::Text(entry.actor), storage::Text(forged)});
  ASSERT_EQ(changed.affected_rows, 1);
  ExpectBrokenAt(5);
}

TEST_P(AuditTampering, DeletedEntryIsReportedMissing) {
  DisableGuard();
  const auto removed =
      direct_->Query("DELETE FROM audit_log WHERE seq = ?", {storage::Int(head_ - 3)});
  ASSERT_EQ(removed.affected_rows, 1);
  ExpectBrokenAt(head_ - 3);
}

INSTANTIATE_TEST_SUITE_P(Backends,
                         AuditTrail,
                         ::testing::ValuesIn(AllBackends()),
                         BackendParamName);
INSTANTIATE_TEST_SUITE_P(Backends,
                         AuditTampering,
                         ::testing::ValuesIn(AllBackends()),
                         BackendParamName);

}  // namespace
}  // namespace caduceus::e2e
