// `caduceus-hub recovery load` refreshes the ransomware knowledge base from a URL, as operators
// do from the MISP project; here one hub serves the galaxy file and another loads it.
#include <gtest/gtest.h>

#include "e2e/hub_process.h"
#include "e2e/shared_hub.h"
#include "support/test_db.h"

namespace caduceus::e2e {
namespace {

using caduceus::testing::AllBackends;
using caduceus::testing::Backend;

constexpr const char* kGalaxy = R"({
  "name": "Ransomware", "type": "ransomware", "version": 1,
  "uuid": "10cf658b-5d32-4c4b-bb32-61760a640372",
  "values": [
    {"uuid": "3b9a8c2e-1f0d-4c6b-9a7e-5d2f1e0c4b8a", "value": "E2E Locker",
     "meta": {"extensions": [".e2elock"], "ransomnotes-filenames": ["E2E_README.txt"]}},
    {"uuid": "7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f", "value": "Test Crypt",
     "meta": {"extensions": [".testcrypt"]}}
  ]
})";

class RecoveryLoad : public ::testing::TestWithParam<Backend> {};

TEST_P(RecoveryLoad, GalaxyIsLoadedFromAUrlAndAFailedFetchSaysWhy) {
  CADUCEUS_REQUIRE_BACKEND(GetParam());
  caduceus::testing::ScratchDatabase mirror_db(Backend::kSqlite);
  HubSettings mirror_settings;
  mirror_settings.web_files = {{"index.html", "<!doctype html><title>mirror</title>"},
                               {"clusters/ransomware.json", kGalaxy}};
  Hub mirror(mirror_db.url(), mirror_settings);
  mirror.Bootstrap();
  const auto server = mirror.Serve();

  caduceus::testing::ScratchDatabase db(GetParam());
  Hub hub(db.url());
  hub.Bootstrap();
  const auto loaded =
      hub.CliOk({"recovery", "load", "--galaxy", server->base_url() + "/clusters/ransomware.json"});
  EXPECT_NE(loaded.find("2 ransomware families"), std::string::npos) << loaded;

  const auto missing =
      hub.Cli({"recovery", "load", "--galaxy", server->base_url() + "/clusters/missing.json"});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("answered HTTP 404"), std::string::npos) << missing.err;
}

INSTANTIATE_TEST_SUITE_P(Backends,
                         RecoveryLoad,
                         ::testing::ValuesIn(AllBackends()),
                         BackendParamName);

}  // namespace
}  // namespace caduceus::e2e
