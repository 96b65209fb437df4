// Two hub processes over one database, as a load-balanced installation runs them: sessions,
// logout and login throttling are shared state, and concurrent writes through both hubs keep
// one linear audit chain. Runs on PostgreSQL and on SQLite (two processes on one WAL file).
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "e2e/hub_process.h"
#include "e2e/shared_hub.h"
#include "support/test_db.h"

namespace caduceus::e2e {
namespace {

namespace json = boost::json;
using caduceus::testing::AllBackends;
using caduceus::testing::Backend;

class TwoHubs : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    CADUCEUS_REQUIRE_BACKEND(GetParam());
    db_ = std::make_unique<caduceus::testing::ScratchDatabase>(GetParam());
    hub_ = std::make_unique<Hub>(db_->url());
    logs_ = std::make_unique<LogsOnFailure>(*hub_);
    admin_ = hub_->Bootstrap();
    const auto authority = hub_->AddAuthority("Two Hubs CSIRT e2e", "NL");
    provider_ = hub_->AddProvider("Two Hubs Hospital e2e", authority);
    first_ = hub_->Serve();
    second_ = hub_->Serve();
  }

  void TearDown() override {
    for (auto* server : {&first_, &second_}) {
      if (*server) {
        EXPECT_EQ((*server)->Stop(), 0) << "log: " << (*server)->log_file();
      }
    }
    first_.reset();
    second_.reset();
    logs_.reset();
    hub_.reset();
    db_.reset();
  }

  const std::string& one() const { return first_->base_url(); }
  const std::string& two() const { return second_->base_url(); }

  std::unique_ptr<caduceus::testing::ScratchDatabase> db_;
  std::unique_ptr<Hub> hub_;
  std::unique_ptr<LogsOnFailure> logs_;
  std::unique_ptr<HubServer> first_;
  std::unique_ptr<HubServer> second_;
  CreatedAccount admin_;
  std::int64_t provider_ = 0;
};

TEST_P(TwoHubs, SessionFromOneHubWorksOnTheOtherAndLogoutEndsItEverywhere) {
  const auto user = hub_->AddUser("two.user", "analyst", provider_);
  const auto session = SessionFor(one(), user.username, user.password);
  const auto me = Get(two(), "/api/v1/me", session);
  ASSERT_EQ(me.status, 200) << Describe(me);
  EXPECT_EQ(Str(JsonObject(me).at("user").as_object().at("username")), user.username);
  const auto created = PostJson(
      two(), "/api/v1/tokens", session,
      json::object{{"name", "via hub 2"}, {"scopes", json::array{"read"}}, {"expires_in_days", 1}});
  EXPECT_EQ(created.status, 201) << "the CSRF token is shared too: " << Describe(created);

  ASSERT_EQ(Call(two(), "POST", "/api/v1/auth/logout", session).status, 204);
  EXPECT_TRUE(IsProblem(Get(one(), "/api/v1/me", session), 401, "unauthenticated"));
  EXPECT_TRUE(IsProblem(Get(two(), "/api/v1/me", session), 401, "unauthenticated"));
}

TEST_P(TwoHubs, FailedLoginLockoutCountsAcrossHubs) {
  const auto user = hub_->AddUser("two.locked", "viewer", provider_);
  for (int i = 0; i < 5; ++i) {
    const auto& hub = i % 2 == 0 ? one() : two();
    SCOPED_TRACE("wrong password #" + std::to_string(i + 1) + " on " + hub);
    EXPECT_TRUE(
        IsProblem(Login(hub, user.username, "wrong-password").response, 401, "unauthenticated"));
  }
  for (const auto& hub : {one(), two()}) {
    SCOPED_TRACE(hub);
    const auto r = Login(hub, user.username, user.password).response;
    EXPECT_TRUE(IsProblem(r, 429, "rate-limited"));
    EXPECT_TRUE(HeaderOf(r, "Retry-After").has_value());
  }
}

TEST_P(TwoHubs, ConcurrentWritesThroughBothHubsKeepOneIntactAuditChain) {
  const auto session = SessionFor(one(), admin_.username, admin_.password);
  constexpr int kThreadsPerHub = 2;
  constexpr int kWritesPerThread = 10;
  std::vector<std::vector<int>> statuses(2 * kThreadsPerHub);
  std::vector<std::string> errors(statuses.size());
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < statuses.size(); ++t) {
    threads.emplace_back([&, t] {
      const auto& hub = t % 2 == 0 ? one() : two();
      try {
        for (int i = 0; i < kWritesPerThread; ++i) {
          statuses[t].push_back(PostJson(hub, "/api/v1/tokens", session,
                                         json::object{{"name", "concurrent"},
                                                      {"scopes", json::array{"read"}},
                                                      {"expires_in_days", 1}})
                                    .status);
        }
      } catch (const std::exception& e) {
        errors[t] = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (std::size_t t = 0; t < statuses.size(); ++t) {
    EXPECT_EQ(errors[t], "") << "thread " << t;
    for (int s : statuses[t]) EXPECT_EQ(s, 201) << "thread " << t;
  }

  const auto tokens = JsonObject(Get(two(), "/api/v1/tokens", session)).at("items").as_array();
  EXPECT_EQ(tokens.size(), statuses.size() * kWritesPerThread);
  const auto verify = Call(two(), "POST", "/api/v1/audit/verify", session);
  ASSERT_EQ(verify.status, 200) << Describe(verify);
  const auto report = JsonObject(verify);
  EXPECT_EQ(report.at("ok"), true) << verify.body;
  const auto newest = JsonObject(Get(one(), "/api/v1/audit?limit=1", session)).at("items");
  ASSERT_FALSE(newest.as_array().empty());
  // The verify request's own entry is the newest; the report covered everything before it.
  EXPECT_EQ(report.at("entries_checked").as_int64() + 1,
            newest.as_array()[0].as_object().at("seq").as_int64());
  const auto cli = hub_->Cli({"audit", "verify"});
  EXPECT_EQ(cli.exit_code, 0) << cli.out << cli.err;
}

INSTANTIATE_TEST_SUITE_P(Backends, TwoHubs, ::testing::ValuesIn(AllBackends()), BackendParamName);

}  // namespace
}  // namespace caduceus::e2e
