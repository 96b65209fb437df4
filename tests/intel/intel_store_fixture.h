// A scratch database with the intel store on it, on both backends, with the organisations every
// TLP test needs: the support centre, two authorities (DE, FR), two German hospitals under the
// German authority and a French one, plus helpers that build STIX objects.
#pragma once

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/clock.h"
#include "core/random.h"
#include "identity/crypto.h"
#include "identity/service.h"
#include "intel/analysis.h"
#include "intel/store.h"
#include "storage/database.h"
#include "support/people.h"
#include "support/test_db.h"

namespace caduceus::intel::testing {

using caduceus::testing::Backend;
using identity::Actor;
using identity::OrgKind;
using identity::Principal;
using identity::Role;

inline TimePoint At(std::string_view text) {
  auto t = ParseRfc3339(text);
  if (!t) throw std::invalid_argument(std::string(text));
  return *t;
}

template <class R>
::testing::AssertionResult FailsWith(const R& result, Errc code) {
  if (!result.has_error()) return ::testing::AssertionFailure() << "succeeded";
  if (result.error().code != code) {
    return ::testing::AssertionFailure()
           << "failed with " << Slug(result.error().code) << ": " << result.error().message;
  }
  return ::testing::AssertionSuccess();
}

template <class R>
::testing::AssertionResult Succeeds(const R& result) {
  if (result.has_error()) {
    return ::testing::AssertionFailure() << Slug(result.error().code) << " field '"
                                         << result.error().field << "': " << result.error().message;
  }
  return ::testing::AssertionSuccess();
}

// A STIX indicator for a domain, version `modified`, with an optional TLP marking.
inline boost::json::object Indicator(const std::string& uuid,
                                     const std::string& domain,
                                     const std::string& modified = "2026-01-01T00:00:00.000Z",
                                     std::optional<TlpLevel> tlp = std::nullopt) {
  boost::json::object o{{"type", "indicator"},
                        {"spec_version", "2.1"},
                        {"id", "indicator--" + uuid},
                        {"created", "2026-01-01T00:00:00.000Z"},
                        {"modified", modified},
                        {"name", "Phishing domain " + domain},
                        {"pattern", "[domain-name:value = '" + domain + "']"},
                        {"pattern_type", "stix"},
                        {"valid_from", "2026-01-01T00:00:00Z"}};
  if (tlp) o["object_marking_refs"] = boost::json::array{std::string(TlpMarkingId(*tlp))};
  return o;
}

// A v4 UUID whose last group counts: distinct and readable in failures.
inline std::string NumberedUuid(int n) { return fmt::format("6ba7b810-9dad-41d1-80b4-{:012}", n); }

inline std::string Bundle(const std::vector<boost::json::object>& objects) {
  boost::json::array list;
  for (const auto& o : objects) list.push_back(o);
  return boost::json::serialize(
      boost::json::object{{"type", "bundle"},
                          {"id", "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d"},
                          {"objects", std::move(list)}});
}

class IntelStoreTest : public ::testing::TestWithParam<Backend>,
                       protected caduceus::testing::WithPeople {
 protected:
  void SetUp() override {
    CADUCEUS_REQUIRE_BACKEND(GetParam());
    InitCrypto();
    scratch_ = std::make_unique<caduceus::testing::ScratchDatabase>(GetParam());
    auto db = storage::Database::Open(scratch_->url());
    ASSERT_TRUE(db) << db.error().message;
    db_ = std::move(*db);
    storage::ApplyMigrations(*db_, "identity", identity::IdentityService::Migrations());
    storage::ApplyMigrations(*db_, "intel", IntelService::Migrations());
    storage::ApplyMigrations(*db_, "intel_analysis", IntelAnalysis::Migrations());
    identity::IdentityOptions options;
    options.password_hash = {1, 8 * 1024 * 1024};
    options.secret_key = identity::SecretBox::GenerateKey();
    ids_ = std::make_unique<identity::IdentityService>(*db_, clock_, options);
    people_ = std::make_unique<caduceus::testing::People>(*ids_);
    svc_ = std::make_unique<IntelService>(*db_, clock_, *ids_, Lists());

    sc_ = Org("EU Support Centre", OrgKind::kSupportCentre);
    de_ = Org("BSI", OrgKind::kAuthority, sc_, "DE");
    fr_ = Org("ANSSI", OrgKind::kAuthority, sc_, "FR");
    charite_ = Org("Charite", OrgKind::kProvider, de_, "hospital");
    labor_ = Org("Labor Berlin", OrgKind::kProvider, de_, "laboratory");
    aphp_ = Org("AP-HP", OrgKind::kProvider, fr_, "hospital");
    ASSERT_TRUE(Succeeds(svc_->EnsureDefaultRoots()));
  }

  // The warninglists the service checks against; none unless a test overrides it.
  virtual std::shared_ptr<const Warninglists> Lists() { return std::make_shared<Warninglists>(); }

  // The collection with `alias` in the root `slug`.
  CollectionInfo Collection(const std::string& slug, const std::string& alias) {
    auto list = svc_->ListCollections(Actor::System(), slug);
    if (!list) throw std::runtime_error(slug + ": " + list.error().message);
    for (const auto& c : *list) {
      if (c.alias == alias) return c;
    }
    throw std::runtime_error("no collection " + alias + " in " + slug);
  }

  IngestReport SubmitAs(const Principal& who,
                        const CollectionInfo& c,
                        const std::vector<boost::json::object>& objects,
                        SubmitOptions options = {}) {
    auto report = svc_->Submit(Actor::Of(who), c.uuid, Bundle(objects), options);
    if (!report) throw std::runtime_error("submit: " + report.error().message);
    return *report;
  }

  // Ids of every visible object of a collection, paging with `limit`.
  std::vector<std::string> AllIds(Actor actor, const CollectionInfo& c, std::size_t limit = 1000) {
    std::vector<std::string> ids;
    ObjectFilter f;
    f.limit = limit;
    for (;;) {
      auto page = svc_->Objects(actor, c.api_root_slug, c.uuid, f);
      if (!page) throw std::runtime_error("objects: " + page.error().message);
      for (const auto& o : page->objects) ids.push_back(o.id);
      if (!page->more) break;
      f.next = page->next;
    }
    return ids;
  }

  ManualClock clock_{At("2026-03-02T09:00:00Z")};
  std::unique_ptr<caduceus::testing::ScratchDatabase> scratch_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<identity::IdentityService> ids_;
  std::unique_ptr<IntelService> svc_;
  std::int64_t sc_ = 0, de_ = 0, fr_ = 0, charite_ = 0, labor_ = 0, aphp_ = 0;
};

}  // namespace caduceus::intel::testing
