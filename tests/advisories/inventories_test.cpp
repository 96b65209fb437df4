// Inventories on both backends: CSV and CycloneDX uploads (replace and merge), rejected uploads
// that change nothing and say which lines are at fault, the upload history with its files,
// listing and paging assets, single-asset edits, and who may read or change an inventory.
#include "advisories/inventories.h"

#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "advisories/alerts.h"
#include "advisories_fixture.h"
#include "support/people.h"

namespace caduceus::advisories {
namespace {

namespace fs = std::filesystem;
using caduceus::testing::Backend;
using identity::Actor;
using identity::OrgKind;
using identity::Principal;
using identity::Role;
using testing::At;
using testing::FailsWith;
using ::testing::SizeIs;
using testing::Succeeds;

constexpr std::string_view kHeader =
    "vendor,product,version,model number,serial,location,owner,patient-safety critical\n";

class InventoryTest : public ::testing::TestWithParam<Backend>,
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
    storage::ApplyMigrations(*db_, "advisories", AdvisoryService::Migrations());
    storage::ApplyMigrations(*db_, "advisories_inventory", AlertService::InventoryMigrations());
    storage::ApplyMigrations(*db_, "advisories_alerts", AlertService::Migrations());
    identity::IdentityOptions options;
    options.password_hash = {1, 8 * 1024 * 1024};
    options.secret_key = identity::SecretBox::GenerateKey();
    ids_ = std::make_unique<identity::IdentityService>(*db_, clock_, options);
    people_ = std::make_unique<caduceus::testing::People>(*ids_);
    advisories_ = std::make_unique<AdvisoryService>(*db_, clock_, *ids_);
    alerts_ = std::make_unique<AlertService>(*db_, clock_, *ids_, *advisories_);
    svc_ = std::make_unique<InventoryService>(*db_, clock_, *ids_, *alerts_);
    sc_ = Org("EU Support Centre", OrgKind::kSupportCentre);
    de_ = Org("BSI", OrgKind::kAuthority, sc_, "DE");
    fr_ = Org("ANSSI", OrgKind::kAuthority, sc_, "FR");
    charite_ = Org("Charite", OrgKind::kProvider, de_, "hospital");
    vivantes_ = Org("Vivantes", OrgKind::kProvider, de_, "hospital");
  }

  UploadRequest Csv(const std::string& rows, std::string mode = "replace") {
    UploadRequest r;
    r.format = "csv";
    r.mode = std::move(mode);
    r.file_name = "assets.csv";
    r.content = std::string(kHeader) + rows;
    return r;
  }

  std::vector<std::string> Serials(const Principal& who) {
    AssetFilter f;
    f.per_page = kMaxAssetPage;
    auto page = svc_->Assets(Actor::Of(who), f);
    if (!page) throw std::runtime_error(page.error().message);
    std::vector<std::string> out;
    for (const auto& a : page->items) out.push_back(a.asset.serial_number);
    return out;
  }

  ManualClock clock_{At("2026-03-02T09:00:00Z")};
  std::unique_ptr<caduceus::testing::ScratchDatabase> scratch_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<identity::IdentityService> ids_;
  std::unique_ptr<AdvisoryService> advisories_;
  std::unique_ptr<AlertService> alerts_;
  std::unique_ptr<InventoryService> svc_;
  std::int64_t sc_ = 0, de_ = 0, fr_ = 0, charite_ = 0, vivantes_ = 0;
};

TEST_P(InventoryTest, CsvUploadStoresAssetsKeepsTheFileAndBumpsTheRevision) {
  const Principal& staff = As(charite_);
  const UploadRequest req =
      Csv("Philips,IntelliVue MX40,B.02,865350,SN-1,ICU,Dr. A,yes\n"
          "B. Braun,Space Pump,2.1,,SN-2,Ward 3,,no\n");
  const auto r = svc_->Upload(Actor::Of(staff), req);
  ASSERT_TRUE(Succeeds(r));
  EXPECT_EQ(r->revision, 1);
  EXPECT_EQ(r->added, 2);
  EXPECT_EQ(r->asset_count, 2);
  const auto assets = svc_->Assets(Actor::Of(staff), {});
  ASSERT_TRUE(Succeeds(assets));
  ASSERT_THAT(assets->items, SizeIs(2));
  EXPECT_EQ(assets->revision, 1);
  EXPECT_EQ(assets->items[0].asset.vendor, "B. Braun");
  EXPECT_EQ(assets->items[1].asset.model_number, "865350");
  EXPECT_EQ(assets->items[1].asset.patient_safety_critical, true);
  EXPECT_EQ(assets->items[1].asset.owner, "Dr. A");

  const auto history = svc_->Uploads(Actor::Of(staff));
  ASSERT_TRUE(Succeeds(history));
  ASSERT_THAT(*history, SizeIs(1));
  EXPECT_EQ((*history)[0].format, "csv");
  EXPECT_EQ((*history)[0].uploaded_by, staff.user_id);
  EXPECT_EQ((*history)[0].sha256.size(), 64u);
  const auto file = svc_->UploadFile(Actor::Of(staff), (*history)[0].id);
  ASSERT_TRUE(Succeeds(file));
  EXPECT_EQ(file->second, req.content);
}

TEST_P(InventoryTest, BadRowsRejectTheWholeUploadAndNameEachLine) {
  const Principal& staff = As(charite_);
  ASSERT_TRUE(Succeeds(svc_->Upload(Actor::Of(staff), Csv("Philips,MX40,1,,SN-1,ICU,,yes\n"))));
  std::vector<UploadError> errors;
  const auto r = svc_->Upload(Actor::Of(staff),
                              Csv("GE,Carescape,2,,SN-5,ICU,,yes\n"
                                  ",Missing vendor,1,,SN-6,ICU,,no\n"
                                  "Draeger,Infinity,3,,SN-7,ICU,,perhaps\n"),
                              &errors);
  EXPECT_TRUE(FailsWith(r, Errc::kInvalidArgument));
  ASSERT_THAT(errors, SizeIs(2));
  EXPECT_EQ(errors[0].line, 3u);
  EXPECT_EQ(errors[1].line, 4u);
  EXPECT_FALSE(errors[1].column.empty());
  EXPECT_FALSE(errors[1].message.empty());
  EXPECT_THAT(Serials(staff), ::testing::ElementsAre("SN-1"));
  EXPECT_THAT(svc_->Uploads(Actor::Of(staff)).value(), SizeIs(1));
  EXPECT_EQ(svc_->Assets(Actor::Of(staff), {}).value().revision, 1);

  errors.clear();
  UploadRequest json;
  json.content = R"({"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [{"name": 1}]})";
  EXPECT_TRUE(FailsWith(svc_->Upload(Actor::Of(staff), json, &errors), Errc::kInvalidArgument));
  ASSERT_THAT(errors, SizeIs(1));
  EXPECT_EQ(errors[0].column.rfind("/components/0", 0), 0u);
}

TEST_P(InventoryTest, ReplaceKeepsMatchingAssetsUpdatesChangedOnesAndRemovesTheRest) {
  const Principal& staff = As(charite_);
  ASSERT_TRUE(
      Succeeds(svc_->Upload(Actor::Of(staff), Csv("Philips,MX40,1,,SN-1,ICU,,yes\n"
                                                  "GE,Carescape,2,,SN-2,ICU,,no\n"
                                                  "Siemens,Syngo,VB10,,,Radiology,,no\n"))));
  const auto before = svc_->Assets(Actor::Of(staff), {}).value();
  const auto replaced = svc_->Upload(Actor::Of(staff), Csv("Philips,MX40,2,,SN-1,ICU,,yes\n"
                                                           "Siemens,Syngo,VB10,,,Radiology,,no\n"
                                                           "Draeger,Infinity,3,,SN-3,ICU,,yes\n"));
  ASSERT_TRUE(Succeeds(replaced));
  EXPECT_EQ(replaced->added, 1);
  EXPECT_EQ(replaced->updated, 1);
  EXPECT_EQ(replaced->removed, 1);
  EXPECT_EQ(replaced->revision, 2);
  const auto after = svc_->Assets(Actor::Of(staff), {}).value();
  std::map<std::string, std::int64_t> id_before, id_after;
  for (const auto& a : before.items) id_before[a.asset.product] = a.id;
  for (const auto& a : after.items) id_after[a.asset.product] = a.id;
  EXPECT_EQ(id_before["MX40"], id_after["MX40"]);
  EXPECT_EQ(id_before["Syngo"], id_after["Syngo"]);
  EXPECT_EQ(id_after.count("Carescape"), 0u);

  const auto merged =
      svc_->Upload(Actor::Of(staff), Csv("Baxter,Sigma Spectrum,8,,SN-9,ER,,yes\n", "merge"));
  ASSERT_TRUE(Succeeds(merged));
  EXPECT_EQ(merged->added, 1);
  EXPECT_EQ(merged->removed, 0);
  EXPECT_EQ(merged->asset_count, 4);
}

TEST_P(InventoryTest, CycloneDxMedicalDeviceSbomUploads) {
  const auto path =
      testing::SharedDataDir() / "cyclonedx/medical-device/sbom-completeness/extended.sbom.json";
  SKIP_WITHOUT(path);
  UploadRequest req;
  req.content = testing::ReadFile(path);
  req.file_name = "extended.sbom.json";
  const auto r = svc_->Upload(Actor::Of(As(charite_)), req);
  ASSERT_TRUE(Succeeds(r));
  EXPECT_GT(r->added, 0);
  EXPECT_EQ(svc_->Uploads(Actor::Of(As(charite_))).value().at(0).format, "cyclonedx");
}

TEST_P(InventoryTest, AssetsFilterAndPage) {
  std::string rows;
  for (int i = 0; i < 25; ++i)
    rows += fmt::format("Acme,Pump {},1,,SN-{},Ward {},,no\n", i, i, i % 3);
  rows += "Philips,MX40,1,,SN-X,ICU,,yes\n";
  ASSERT_TRUE(Succeeds(svc_->Upload(Actor::Of(As(charite_)), Csv(rows))));
  AssetFilter f;
  f.per_page = 10;
  f.page = 3;
  const auto page = svc_->Assets(Actor::Of(As(charite_)), f).value();
  EXPECT_EQ(page.total, 26);
  EXPECT_THAT(page.items, SizeIs(6));
  f = {};
  f.q = "PHILIPS";
  EXPECT_EQ(svc_->Assets(Actor::Of(As(charite_)), f).value().total, 1);
  f.q = "ward 1";
  EXPECT_EQ(svc_->Assets(Actor::Of(As(charite_)), f).value().total, 8);
  f.q = "100%";
  EXPECT_EQ(svc_->Assets(Actor::Of(As(charite_)), f).value().total, 0);
  f = {};
  f.per_page = kMaxAssetPage + 1;
  EXPECT_TRUE(FailsWith(svc_->Assets(Actor::Of(As(charite_)), f), Errc::kInvalidArgument));
}

TEST_P(InventoryTest, SingleAssetEditsBumpTheRevision) {
  const Principal& staff = As(charite_);
  Asset a;
  a.vendor = "Philips";
  a.product = "MX40";
  a.version = "1";
  const auto added = svc_->AddAsset(Actor::Of(staff), std::nullopt, a);
  ASSERT_TRUE(Succeeds(added));
  a.version = "2";
  a.location = "ICU";
  const auto updated = svc_->UpdateAsset(Actor::Of(staff), added->id, a);
  ASSERT_TRUE(Succeeds(updated));
  EXPECT_EQ(updated->asset.location, "ICU");
  EXPECT_EQ(svc_->Assets(Actor::Of(staff), {}).value().revision, 2);
  a.vendor.clear();
  EXPECT_TRUE(FailsWith(svc_->UpdateAsset(Actor::Of(staff), added->id, a), Errc::kInvalidArgument));
  ASSERT_TRUE(Succeeds(svc_->RemoveAsset(Actor::Of(staff), added->id)));
  EXPECT_THAT(Serials(staff), SizeIs(0));
  EXPECT_EQ(svc_->Assets(Actor::Of(staff), {}).value().revision, 3);
  EXPECT_TRUE(FailsWith(svc_->RemoveAsset(Actor::Of(staff), added->id), Errc::kNotFound));
}

TEST_P(InventoryTest, OnlyTheProvidersStaffChangeItAndOnlyItsOverseersRead) {
  ASSERT_TRUE(
      Succeeds(svc_->Upload(Actor::Of(As(charite_)), Csv("Philips,MX40,1,,SN-1,ICU,,yes\n"))));
  const auto asset_id = svc_->Assets(Actor::Of(As(charite_)), {}).value().items.at(0).id;
  UploadRequest req = Csv("GE,Carescape,2,,SN-2,ICU,,no\n");
  EXPECT_TRUE(FailsWith(svc_->Upload(Actor::Of(As(charite_, Role::kViewer)), req),
                        Errc::kPermissionDenied));
  req.org_id = charite_;
  EXPECT_TRUE(FailsWith(svc_->Upload(Actor::Of(As(vivantes_)), req), Errc::kNotFound));
  EXPECT_TRUE(FailsWith(svc_->Upload(Actor::Of(As(de_)), req), Errc::kPermissionDenied));
  EXPECT_TRUE(FailsWith(svc_->RemoveAsset(Actor::Of(As(vivantes_)), asset_id), Errc::kNotFound));
  EXPECT_TRUE(FailsWith(svc_->GetAsset(Actor::Of(As(fr_)), asset_id), Errc::kNotFound));

  AssetFilter f;
  f.org_id = charite_;
  EXPECT_EQ(svc_->Assets(Actor::Of(As(de_)), f).value().total, 1);
  EXPECT_EQ(svc_->Assets(Actor::Of(As(sc_)), f).value().total, 1);
  EXPECT_TRUE(FailsWith(svc_->Assets(Actor::Of(As(fr_)), f), Errc::kNotFound));
  EXPECT_TRUE(FailsWith(svc_->Assets(Actor::Of(As(vivantes_)), f), Errc::kNotFound));
  EXPECT_THAT(Serials(As(charite_)), ::testing::ElementsAre("SN-1"));
}

TEST_P(InventoryTest, CliUploadReportsCountsOrEveryFaultyLine) {
  caduceus::testing::TempDir dir;
  const std::string good = dir.path() + "/good.csv";
  const std::string bad = dir.path() + "/bad.csv";
  testing::WriteFile(good, std::string(kHeader) + "Philips,MX40,1,,SN-1,ICU,,yes\n");
  testing::WriteFile(bad, std::string(kHeader) + "Philips,MX40,1,,SN-1,ICU,,maybe\n");
  const auto ok = UploadInventoryFile(*svc_, charite_, good);
  ASSERT_TRUE(Succeeds(ok));
  EXPECT_THAT(*ok, ::testing::HasSubstr("1 added"));
  const auto refused = UploadInventoryFile(*svc_, charite_, bad);
  ASSERT_TRUE(FailsWith(refused, Errc::kInvalidArgument));
  EXPECT_THAT(refused.error().message, ::testing::HasSubstr("line 2, column"));
  EXPECT_TRUE(
      FailsWith(UploadInventoryFile(*svc_, charite_, dir.path() + "/none.csv"), Errc::kNotFound));
}

INSTANTIATE_TEST_SUITE_P(Backends,
                         InventoryTest,
                         ::testing::ValuesIn(caduceus::testing::AllBackends()));

}  // namespace
}  // namespace caduceus::advisories
