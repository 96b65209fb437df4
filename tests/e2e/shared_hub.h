// A GoogleTest fixture for suites that run on both backends and share one running hub per
// backend across their tests (built on first use, stopped — and required to stop gracefully —
// when the suite ends). Tests must not depend on each other's order: anything a test changes in
// the shared deployment must leave the other tests' assumptions true.
//
// `World` describes the deployment:
//   static HubSettings Settings();
//   static World Build(Hub& hub, const std::string& base_url);  // may throw
#pragma once

#include <map>
#include <memory>
#include <optional>

#include <gtest/gtest.h>

#include "e2e/hub_process.h"
#include "support/test_db.h"

namespace caduceus::e2e {

template <class World>
class SharedHubTest : public ::testing::TestWithParam<caduceus::testing::Backend> {
 public:
  struct Deployment {
    explicit Deployment(caduceus::testing::Backend backend)
        : db(backend), hub(db.url(), World::Settings()) {}
    caduceus::testing::ScratchDatabase db;
    Hub hub;
    std::unique_ptr<HubServer> server;
    World world;
  };

  static void TearDownTestSuite() {
    for (auto& [backend, deployment] : Deployments()) {
      if (deployment && deployment->server && deployment->server->running()) {
        EXPECT_EQ(deployment->server->Stop(), 0)
            << caduceus::testing::BackendName(backend)
            << " hub did not stop gracefully; log: " << deployment->server->log_file();
      }
    }
    Deployments().clear();
  }

 protected:
  void SetUp() override {
    CADUCEUS_REQUIRE_BACKEND(GetParam());
    auto& slot = Deployments()[GetParam()];
    if (!slot) {
      auto fresh = std::make_unique<Deployment>(GetParam());
      fresh->server = fresh->hub.Serve();
      fresh->world = World::Build(fresh->hub, fresh->server->base_url());
      slot = std::move(fresh);
    }
    deployment_ = slot.get();
    logs_.emplace(deployment_->hub);
  }

  void TearDown() override {
    if (deployment_ != nullptr) {
      EXPECT_TRUE(IsHealthy(url())) << "the hub is not healthy after the test";
    }
    logs_.reset();
  }

  const std::string& url() const { return deployment_->server->base_url(); }
  Hub& hub() { return deployment_->hub; }
  World& world() { return deployment_->world; }
  Deployment& deployment() { return *deployment_; }

 private:
  static std::map<caduceus::testing::Backend, std::unique_ptr<Deployment>>& Deployments() {
    static std::map<caduceus::testing::Backend, std::unique_ptr<Deployment>> deployments;
    return deployments;
  }

  Deployment* deployment_ = nullptr;
  std::optional<LogsOnFailure> logs_;
};

// Test names end in the backend: "Suite/Test/SQLite".
inline std::string BackendParamName(
    const ::testing::TestParamInfo<caduceus::testing::Backend>& info) {
  return caduceus::testing::BackendName(info.param);
}

}  // namespace caduceus::e2e
