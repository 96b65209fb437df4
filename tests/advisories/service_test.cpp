// AdvisoryService on both backends: CSAF import with revisions per key, validation errors as JSON
// pointers, the change listener, search and filters, what the alert engine reads (prepared
// advisories cached per revision, matched revisions), the KEV catalogue, alias tables, advisories
// authored in the hub, and who may publish. Real CISA medical advisories, OASIS examples and the
// official test documents when /work/shared is present.
#include "advisories/service.h"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "advisories_fixture.h"

namespace caduceus::advisories {
namespace {

using identity::Actor;
using identity::Principal;
using identity::Role;
using testing::AdvisoriesTest;
using ::testing::ElementsAre;
using testing::FailsWith;
using ::testing::HasSubstr;
using testing::MiniAdvisory;
using testing::MiniCsaf;
using testing::MiniKev;
using testing::SharedDataDir;
using ::testing::StartsWith;
using testing::Succeeds;
namespace fs = std::filesystem;

class AdvisoryServiceTest : public AdvisoriesTest {};

TEST_P(AdvisoryServiceTest, ImportCreatesAnAdvisoryWithItsSearchableFacts) {
  const ImportResult r = MustImport(MiniCsaf({}));
  EXPECT_EQ(r.outcome, ImportOutcome::kCreated);
  EXPECT_EQ(r.revision, 1);
  EXPECT_EQ(r.key, "https://acme.example EXAMPLE-2026-0001");
  EXPECT_THAT(changes_, ElementsAre(r.id));

  auto d = svc_->Get(Actor::System(), r.id);
  ASSERT_TRUE(Succeeds(d));
  EXPECT_EQ(d->summary.title, "Acme Infusion Pump vulnerabilities");
  EXPECT_EQ(d->summary.publisher, "Acme Medical");
  EXPECT_EQ(d->summary.tracking_id, "EXAMPLE-2026-0001");
  EXPECT_EQ(d->summary.severity, "critical");
  ASSERT_TRUE(d->summary.max_cvss);
  EXPECT_DOUBLE_EQ(*d->summary.max_cvss, 9.8);
  EXPECT_EQ(d->summary.tlp, "WHITE");
  EXPECT_THAT(d->summary.cves, ElementsAre("CVE-2026-10001"));
  EXPECT_EQ(d->summary.product_count, 2);
  EXPECT_EQ(d->summary.source, "upload");
  ASSERT_EQ(d->prepared->advisory().products.size(), 2U);
  EXPECT_EQ(d->prepared->advisory().products[0].version_range, "vers:generic/<=6.2.1");
  ASSERT_EQ(d->revisions.size(), 1U);
  EXPECT_TRUE(d->revisions[0].current);
}

TEST_P(AdvisoryServiceTest, SameDocumentAgainChangesNothing) {
  const std::string doc = MiniCsaf({});
  const ImportResult first = MustImport(doc);
  changes_.clear();
  const ImportResult again = MustImport(doc);
  EXPECT_EQ(again.outcome, ImportOutcome::kUnchanged);
  EXPECT_EQ(again.id, first.id);
  EXPECT_EQ(again.revision, 1);
  EXPECT_TRUE(changes_.empty());
  EXPECT_EQ(svc_->Get(Actor::System(), first.id)->revisions.size(), 1U);
}

TEST_P(AdvisoryServiceTest, NewerVersionRevisesAndOlderIsKeptWithoutReplacing) {
  MiniAdvisory v1;
  MiniAdvisory v2 = v1;
  v2.version = 2;
  v2.release = "2026-03-05T10:00:00Z";
  v2.title = "Acme Infusion Pump vulnerabilities (Update A)";
  v2.cves = {"CVE-2026-10001", "CVE-2026-10002"};
  const ImportResult created = MustImport(MiniCsaf(v1));
  const ImportResult revised = MustImport(MiniCsaf(v2));
  EXPECT_EQ(revised.outcome, ImportOutcome::kRevised);
  EXPECT_EQ(revised.id, created.id);
  EXPECT_EQ(revised.revision, 2);

  MiniAdvisory v1b = v1;
  v1b.title = "Acme Infusion Pump vulnerabilities (a late copy of version 1)";
  changes_.clear();
  const ImportResult older = MustImport(MiniCsaf(v1b));
  EXPECT_EQ(older.outcome, ImportOutcome::kOlder);
  EXPECT_EQ(older.revision, 2);
  EXPECT_TRUE(changes_.empty());

  auto d = svc_->Get(Actor::System(), created.id);
  ASSERT_TRUE(Succeeds(d));
  EXPECT_EQ(d->summary.title, "Acme Infusion Pump vulnerabilities (Update A)");
  EXPECT_EQ(d->summary.version, "2");
  EXPECT_EQ(d->summary.revision, 2);
  EXPECT_THAT(d->summary.cves, ElementsAre("CVE-2026-10001", "CVE-2026-10002"));
  ASSERT_EQ(d->revisions.size(), 3U);
  EXPECT_EQ(d->revisions[0].revision, 3);
  EXPECT_FALSE(d->revisions[0].current);
  EXPECT_TRUE(d->revisions[1].current);
  auto first = svc_->Document(Actor::System(), created.id, 1);
  ASSERT_TRUE(Succeeds(first));
  EXPECT_EQ(first->text, MiniCsaf(v1));
  EXPECT_EQ(first->file_name, "example-2026-0001.json");
  EXPECT_EQ(svc_->Document(Actor::System(), created.id)->text, MiniCsaf(v2));
  EXPECT_TRUE(FailsWith(svc_->Document(Actor::System(), created.id, 9), Errc::kNotFound));
  auto all = svc_->AdvisoryIds();
  EXPECT_THAT(*all, ElementsAre(created.id));
}

TEST_P(AdvisoryServiceTest, InvalidDocumentIsRefusedWithTheTestAndJsonPointer) {
  MiniAdvisory m;
  std::string doc = MiniCsaf(m);
  // fixed and known_affected both list CSAFPID-0001: contradicting product status (6.1.6).
  const std::string from = R"("fixed":["CSAFPID-0002"])";
  doc.replace(doc.find(from), from.size(), R"("fixed":["CSAFPID-0002","CSAFPID-0001"])");
  auto r = svc_->Import(Actor::System(), doc, kSourceUpload);
  ASSERT_TRUE(FailsWith(r, Errc::kInvalidArgument));
  EXPECT_THAT(r.error().message, StartsWith("[6.1.6]"));
  EXPECT_THAT(r.error().field, StartsWith("/vulnerabilities/0/product_status/"));
  EXPECT_TRUE(FailsWith(svc_->Import(Actor::System(), "{\"document\":", kSourceUpload),
                        Errc::kInvalidArgument));
  EXPECT_TRUE(svc_->AdvisoryIds()->empty());
  EXPECT_TRUE(changes_.empty());
}

TEST_P(AdvisoryServiceTest, OversizedDocumentIsRefusedAsTooLarge) {
  AdvisoryServiceOptions options;
  options.parse.max_bytes = 1000;
  AdvisoryService small(*db_, clock_, *ids_, options);
  EXPECT_TRUE(FailsWith(small.Import(Actor::System(), MiniCsaf({}), kSourceUpload),
                        Errc::kPayloadTooLarge));
}

TEST_P(AdvisoryServiceTest, ListenerRunsAfterCommitAndSeesTheNewRevision) {
  std::vector<std::int64_t> seen_revisions;
  svc_->SetChangeListener([&](std::int64_t id) {
    auto current = svc_->Prepared(id);
    ASSERT_TRUE(current);
    seen_revisions.push_back(current->revision);
  });
  MiniAdvisory m;
  MustImport(MiniCsaf(m));
  m.version = 2;
  m.release = "2026-03-04T00:00:00Z";
  MustImport(MiniCsaf(m));
  EXPECT_THAT(seen_revisions, ElementsAre(1, 2));
}

TEST_P(AdvisoryServiceTest, PreparedIsCachedPerRevisionAndMarkMatchedTracksTheEngine) {
  MiniAdvisory m;
  const ImportResult r = MustImport(MiniCsaf(m));
  AdvisoryService other(*db_, clock_, *ids_);  // a second hub: nothing cached yet
  auto a = other.Prepared(r.id);
  auto b = other.Prepared(r.id);
  ASSERT_TRUE(Succeeds(a));
  EXPECT_EQ(a->prepared.get(), b->prepared.get());
  EXPECT_EQ(a->prepared->key(), r.key);
  EXPECT_THAT(*svc_->UnmatchedAdvisoryIds(), ElementsAre(r.id));
  ASSERT_TRUE(Succeeds(svc_->MarkMatched(r.id, 1)));
  EXPECT_TRUE(svc_->UnmatchedAdvisoryIds()->empty());

  m.version = 2;
  m.release = "2026-03-04T00:00:00Z";
  m.cves = {"CVE-2026-20000"};
  MustImport(MiniCsaf(m));
  auto c = other.Prepared(r.id);
  EXPECT_EQ(c->revision, 2);
  EXPECT_NE(c->prepared.get(), a->prepared.get());
  EXPECT_EQ(c->prepared->advisory().vulnerabilities[0].cve, "CVE-2026-20000");
  EXPECT_THAT(*svc_->UnmatchedAdvisoryIds(), ElementsAre(r.id));
  ASSERT_TRUE(Succeeds(svc_->MarkMatched(r.id, 2)));
  ASSERT_TRUE(Succeeds(svc_->MarkMatched(r.id, 1)));  // a late engine never lowers it
  EXPECT_TRUE(svc_->UnmatchedAdvisoryIds()->empty());
  EXPECT_TRUE(FailsWith(svc_->Prepared(9999), Errc::kNotFound));
  EXPECT_TRUE(FailsWith(svc_->MarkMatched(9999, 1), Errc::kNotFound));
}

TEST_P(AdvisoryServiceTest, SearchFindsByTitleTrackingIdCveVendorAndProductAndPages) {
  MiniAdvisory pump;
  MiniAdvisory monitor;
  monitor.tracking_id = "PHILIPS-2026-7";
  monitor.namespace_url = "https://philips.example";
  monitor.vendor = "Philips";
  monitor.product = "IntelliVue MX40";
  monitor.title = "Patient monitor flaw";
  monitor.cves = {"CVE-2026-30000"};
  monitor.vector = "CVSS:3.1/AV:A/AC:H/PR:L/UI:R/S:U/C:L/I:N/A:N";  // 2.6
  monitor.release = "2026-03-10T00:00:00Z";
  const auto p = MustImport(MiniCsaf(pump));
  const auto m = MustImport(MiniCsaf(monitor));

  const auto ids = [&](AdvisoryFilter f) {
    auto page = svc_->List(Actor::System(), f);
    EXPECT_TRUE(Succeeds(page));
    std::vector<std::int64_t> out;
    for (const auto& s : page->items) out.push_back(s.id);
    return out;
  };
  AdvisoryFilter f;
  EXPECT_THAT(ids(f), ElementsAre(m.id, p.id));  // newest release first
  f.q = "INFUSION";
  EXPECT_THAT(ids(f), ElementsAre(p.id));
  f.q = "philips-2026";
  EXPECT_THAT(ids(f), ElementsAre(m.id));
  f.q = "cve-2026-3000";
  EXPECT_THAT(ids(f), ElementsAre(m.id));
  f.q = "intellivue";
  EXPECT_THAT(ids(f), ElementsAre(m.id));
  f.q = "100%_";
  EXPECT_TRUE(ids(f).empty());
  f = {};
  f.vendor = "acme";
  EXPECT_THAT(ids(f), ElementsAre(p.id));
  f = {};
  f.product = "mx40";
  EXPECT_THAT(ids(f), ElementsAre(m.id));
  f = {};
  f.cve = "cve-2026-10001";
  EXPECT_THAT(ids(f), ElementsAre(p.id));
  f = {};
  f.severity = "low";
  EXPECT_THAT(ids(f), ElementsAre(m.id));
  f = {};
  f.since = testing::At("2026-03-05T00:00:00Z");
  EXPECT_THAT(ids(f), ElementsAre(m.id));
  f = {};
  f.per_page = 1;
  f.page = 2;
  auto page = svc_->List(Actor::System(), f);
  ASSERT_TRUE(Succeeds(page));
  EXPECT_EQ(page->total, 2);
  ASSERT_EQ(page->items.size(), 1U);
  EXPECT_EQ(page->items[0].id, p.id);
  EXPECT_THAT(page->items[0].cves, ElementsAre("CVE-2026-10001"));
  f.per_page = 0;
  EXPECT_TRUE(FailsWith(svc_->List(Actor::System(), f), Errc::kInvalidArgument));
  f = {};
  f.severity = "dreadful";
  EXPECT_TRUE(FailsWith(svc_->List(Actor::System(), f), Errc::kInvalidArgument));
}

TEST_P(AdvisoryServiceTest, KevCatalogueReplacesTheOldOneAndMarksAdvisories) {
  const auto p = MustImport(MiniCsaf({}));
  changes_.clear();
  auto meta = svc_->ImportKev(Actor::System(), MiniKev({"CVE-2026-10001", "CVE-2025-0001"}));
  ASSERT_TRUE(Succeeds(meta));
  EXPECT_EQ(meta->count, 2);
  EXPECT_EQ(meta->ransomware_count, 1);
  EXPECT_EQ(meta->catalog_version, "2026.03.01");
  EXPECT_THAT(changes_, ElementsAre(0));
  auto kev = svc_->Kev();
  ASSERT_TRUE(Succeeds(kev));
  ASSERT_NE((*kev)->Find("CVE-2026-10001"), nullptr);
  EXPECT_TRUE((*kev)->Find("CVE-2026-10001")->known_ransomware_use);

  AdvisoryFilter f;
  f.kev_only = true;
  ASSERT_EQ(svc_->List(Actor::System(), f)->items.size(), 1U);
  EXPECT_TRUE(svc_->List(Actor::System(), f)->items[0].kev);
  auto d = svc_->Get(Actor::System(), p.id);
  ASSERT_EQ(d->kev.size(), 1U);
  EXPECT_EQ(d->kev[0].cve_id, "CVE-2026-10001");

  ASSERT_TRUE(Succeeds(svc_->ImportKev(Actor::System(), MiniKev({"CVE-2025-0001"}, "2026.03.02"))));
  EXPECT_EQ((*svc_->Kev())->Find("CVE-2026-10001"), nullptr);
  EXPECT_TRUE(svc_->List(Actor::System(), f)->items.empty());
  EXPECT_EQ(svc_->KevInfo()->count, 1);

  std::string truncated = MiniKev({"CVE-2025-0001"});
  truncated.replace(truncated.find("\"count\":1"), 9, "\"count\":7");
  EXPECT_TRUE(FailsWith(svc_->ImportKev(Actor::System(), truncated), Errc::kInvalidArgument));
  EXPECT_EQ(svc_->KevInfo()->catalog_version, "2026.03.02");
}

TEST_P(AdvisoryServiceTest, RealKevCatalogueImports) {
  const fs::path file = SharedDataDir() / "cisa-kev" / "known_exploited_vulnerabilities.json";
  SKIP_WITHOUT(file);
  auto meta = svc_->ImportKev(Actor::System(), testing::ReadFile(file));
  ASSERT_TRUE(Succeeds(meta));
  EXPECT_GT(meta->count, 1000);
  EXPECT_GT(meta->ransomware_count, 100);
  EXPECT_EQ(static_cast<std::int64_t>((*svc_->Kev())->entries.size()), meta->count);
}

TEST_P(AdvisoryServiceTest, AliasesAreAddedListedRemovedAndReachTheMatcherTables) {
  const Principal& analyst = As(de_);
  auto added = svc_->AddAlias(Actor::Of(analyst), "vendor", "Philips", "Koninklijke Philips N.V.");
  ASSERT_TRUE(Succeeds(added));
  EXPECT_EQ(added->created_by_org, de_);
  EXPECT_THAT(changes_, ElementsAre(0));
  EXPECT_TRUE(
      FailsWith(svc_->AddAlias(Actor::Of(analyst), "vendor", "Philips", "Koninklijke Philips N.V."),
                Errc::kConflict));
  EXPECT_TRUE(
      FailsWith(svc_->AddAlias(Actor::Of(analyst), "model", "a", "b"), Errc::kInvalidArgument));
  EXPECT_TRUE(
      FailsWith(svc_->AddAlias(Actor::Of(analyst), "vendor", "!!!", "GE"), Errc::kInvalidArgument));
  ASSERT_TRUE(Succeeds(svc_->AddAlias(Actor::Of(analyst), "product", "Engage", "Engage Software")));
  EXPECT_EQ(svc_->ListAliases()->size(), 2U);

  auto tables = svc_->Aliases();
  ASSERT_TRUE(Succeeds(tables));
  EXPECT_TRUE((*tables)->vendors.SameGroup(NormaliseVendorName("Philips"),
                                           NormaliseVendorName("Koninklijke Philips N.V.")));
  EXPECT_TRUE((*tables)->products.SameGroup(NormaliseProductName("engage"),
                                            NormaliseProductName("Engage Software")));

  ASSERT_TRUE(Succeeds(svc_->RemoveAlias(Actor::Of(analyst), added->id)));
  EXPECT_TRUE(FailsWith(svc_->RemoveAlias(Actor::Of(analyst), added->id), Errc::kNotFound));
  EXPECT_EQ((*svc_->Aliases())->vendors.size(), 0U);
  EXPECT_EQ((*svc_->Aliases())->products.size(), 2U);
}

TEST_P(AdvisoryServiceTest, OnlyAuthoritiesAndTheSupportCentrePublish) {
  const Principal& provider = As(charite_, Role::kAdmin);
  const Principal& authority = As(de_);
  const Principal& viewer = As(sc_, Role::kViewer);
  EXPECT_TRUE(FailsWith(svc_->Import(Actor::Of(provider), MiniCsaf({}), kSourceUpload),
                        Errc::kPermissionDenied));
  EXPECT_TRUE(FailsWith(svc_->Import(Actor::Of(viewer), MiniCsaf({}), kSourceUpload),
                        Errc::kPermissionDenied));
  EXPECT_TRUE(FailsWith(svc_->ImportKev(Actor::Of(provider), MiniKev({"CVE-2025-0001"})),
                        Errc::kPermissionDenied));
  EXPECT_TRUE(
      FailsWith(svc_->AddAlias(Actor::Of(provider), "vendor", "A", "B"), Errc::kPermissionDenied));
  EXPECT_TRUE(svc_->AdvisoryIds()->empty());
  EXPECT_TRUE(Succeeds(svc_->Import(Actor::Of(authority), MiniCsaf({}), kSourceUpload)));
  EXPECT_TRUE(FailsWith(svc_->Import(Actor::Of(authority), MiniCsaf({}), "somewhere"),
                        Errc::kInvalidArgument));
}

// A directory source set up by `org` (its holder-to-be for what it imports).
std::int64_t AddSource(storage::Database& db, std::int64_t org) {
  return db
      .QueryOne(
          "INSERT INTO adv_sources (name, kind, url, interval_minutes, next_run_us, "
          "created_by_org, created_at_us, updated_at_us) VALUES ('feed', 'directory', "
          "'file:///feed', 60, 0, ?, 0, 0) RETURNING id",
          {storage::Int(org)})
      ->Int(0);
}

AuthoredAdvisory Form() {
  AuthoredAdvisory f;
  f.title = "Infusion pump telnet service";
  f.summary = "A telnet service is left enabled.";
  f.vendor = "Acme Medical";
  f.product = "Infusion Pump";
  f.versions = {{"", "<= 6.2.1", "known_affected"}, {"6.3", "", "fixed"}};
  f.cves = {{"CVE-2026-40000", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "Telnet."}};
  f.remediation = {"vendor_fix", "Update to 6.3.", "https://acme.example/fix"};
  return f;
}

TEST_P(AdvisoryServiceTest, AuthoredAdvisoryIsValidCsafPublishedByTheAuthority) {
  const Principal& authority = As(de_);
  changes_.clear();
  auto r = svc_->Author(Actor::Of(authority), Form());
  ASSERT_TRUE(Succeeds(r));
  EXPECT_EQ(r->outcome, ImportOutcome::kCreated);
  EXPECT_THAT(changes_, ElementsAre(r->id));
  auto d = svc_->Get(Actor::System(), r->id);
  ASSERT_TRUE(Succeeds(d));
  EXPECT_EQ(d->summary.source, "authored");
  EXPECT_EQ(d->summary.authored_by_org, de_);
  EXPECT_EQ(d->summary.publisher, "BSI");
  EXPECT_EQ(d->summary.tracking_id, "BSI-2026-0001");
  EXPECT_EQ(d->summary.severity, "critical");
  const Advisory& a = d->prepared->advisory();
  EXPECT_EQ(a.publisher.namespace_url,
            fmt::format("https://caduceus.invalid/organisations/{}", de_));
  ASSERT_EQ(a.products.size(), 2U);
  EXPECT_EQ(a.products[0].vendor, "Acme Medical");
  EXPECT_EQ(a.products[0].version_range, "<= 6.2.1");
  ASSERT_EQ(a.vulnerabilities.size(), 1U);
  EXPECT_THAT(a.vulnerabilities[0].product_status.known_affected, ElementsAre("CSAFPID-0001"));
  EXPECT_THAT(a.vulnerabilities[0].product_status.fixed, ElementsAre("CSAFPID-0002"));
  ASSERT_EQ(a.vulnerabilities[0].scores.size(), 1U);
  EXPECT_DOUBLE_EQ(a.vulnerabilities[0].scores[0].base_score, 9.8);
  EXPECT_EQ(a.vulnerabilities[0].remediations[0].url, "https://acme.example/fix");

  // The same tracking id again is its next version, with the history kept.
  clock_.Advance(std::chrono::hours(2));
  AuthoredAdvisory update = Form();
  update.tracking_id = "BSI-2026-0001";
  update.summary = "Also affects 6.2.2.";
  auto revised = svc_->Author(Actor::Of(authority), update);
  ASSERT_TRUE(Succeeds(revised));
  EXPECT_EQ(revised->outcome, ImportOutcome::kRevised);
  EXPECT_EQ(revised->id, r->id);
  const Advisory& b = svc_->Get(Actor::System(), r->id)->prepared->advisory();
  EXPECT_EQ(b.tracking.version, "2");
  EXPECT_EQ(b.tracking.revision_history.size(), 2U);
  EXPECT_EQ(b.summary, "Also affects 6.2.2.");
}

TEST_P(AdvisoryServiceTest, AuthoringRefusesBadFormsByFieldAndProviders) {
  const Principal& authority = As(de_);
  AuthoredAdvisory f = Form();
  f.cves[0].id = "CVE-26-1";
  auto r = svc_->Author(Actor::Of(authority), f);
  ASSERT_TRUE(FailsWith(r, Errc::kInvalidArgument));
  EXPECT_EQ(r.error().field, "cves/0/id");
  f = Form();
  f.cves[0].cvss_v3_vector = "CVSS:3.1/AV:N";
  EXPECT_EQ(svc_->Author(Actor::Of(authority), f).error().field, "cves/0/cvss_v3_vector");
  f = Form();
  f.versions[1].status = "maybe";
  EXPECT_EQ(svc_->Author(Actor::Of(authority), f).error().field, "versions/1/status");
  f = Form();
  f.tlp = "PURPLE";
  EXPECT_EQ(svc_->Author(Actor::Of(authority), f).error().field, "tlp");
  f = Form();
  f.title = "";
  EXPECT_EQ(svc_->Author(Actor::Of(authority), f).error().field, "title");
  EXPECT_TRUE(FailsWith(svc_->Author(Actor::Of(As(charite_, Role::kAdmin)), Form()),
                        Errc::kPermissionDenied));
  EXPECT_TRUE(svc_->AdvisoryIds()->empty());
}

TEST_P(AdvisoryServiceTest, AdminImportOfFilesAndDirectoriesReportsEachFile) {
  ::caduceus::testing::TempDir dir;
  MiniAdvisory other;
  other.tracking_id = "EXAMPLE-2026-0002";
  testing::WriteFile(dir.path() + "/a/one.json", MiniCsaf({}));
  testing::WriteFile(dir.path() + "/b/two.json", MiniCsaf(other));
  testing::WriteFile(dir.path() + "/b/broken.json", "{\"document\": 1}");
  testing::WriteFile(dir.path() + "/acme-feed-tlp-white.json", "{\"feed\": {}}");
  testing::WriteFile(dir.path() + "/notes.txt", "not json");
  auto report = ImportPath(*svc_, dir.path());
  ASSERT_TRUE(Succeeds(report));
  EXPECT_EQ(report->created, 2);
  EXPECT_EQ(report->rejected, 1);
  ASSERT_EQ(report->errors.size(), 1U);
  EXPECT_THAT(report->errors[0], HasSubstr("broken.json: [schema]"));
  EXPECT_EQ(svc_->List(Actor::System(), {})->items[0].source, "directory");

  auto again = ImportPath(*svc_, dir.path() + "/a/one.json");
  ASSERT_TRUE(Succeeds(again));
  EXPECT_EQ(again->unchanged, 1);
  EXPECT_TRUE(FailsWith(ImportPath(*svc_, dir.path() + "/missing"), Errc::kNotFound));

  testing::WriteFile(dir.path() + "/kev.json", MiniKev({"CVE-2026-10001"}));
  auto kev = ImportKevFile(*svc_, dir.path() + "/kev.json");
  ASSERT_TRUE(Succeeds(kev));
  EXPECT_EQ(kev->count, 1);
}

TEST(CvssV3, BaseScoresMatchTheSpecificationExamples) {
  EXPECT_DOUBLE_EQ(*CvssV3BaseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), 9.8);
  EXPECT_DOUBLE_EQ(*CvssV3BaseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"), 10.0);
  EXPECT_DOUBLE_EQ(*CvssV3BaseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"), 6.1);
  EXPECT_DOUBLE_EQ(*CvssV3BaseScore("CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H"), 7.8);
  EXPECT_DOUBLE_EQ(*CvssV3BaseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N"), 0.0);
  EXPECT_FALSE(CvssV3BaseScore("CVSS:2.0/AV:N"));
  EXPECT_FALSE(CvssV3BaseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:X"));
  EXPECT_FALSE(CvssV3BaseScore("CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"));
}

// --- shared data ---------------------------------------------------------------------------------

TEST_P(AdvisoryServiceTest, RealCisaMedicalAdvisoriesImportAndRevisionsAreRecognised) {
  const fs::path dir = SharedDataDir() / "csaf" / "cisagov-CSAF" / "csaf_files" / "OT" / "white";
  SKIP_WITHOUT(dir);
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (e.path().extension() == ".json" && name.rfind("icsma-", 0) == 0) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_GT(files.size(), 100U);
  std::set<std::string> keys;
  for (const fs::path& f : files) {
    auto r = svc_->Import(Actor::System(), testing::ReadFile(f), kSourceDirectory);
    ASSERT_TRUE(Succeeds(r)) << f;
    EXPECT_NE(r->outcome, ImportOutcome::kUnchanged) << f;
    keys.insert(r->key);
  }
  EXPECT_EQ(svc_->AdvisoryIds()->size(), keys.size());
  AdvisoryFilter f;
  f.q = "baxter";
  auto page = svc_->List(Actor::System(), f);
  ASSERT_TRUE(Succeeds(page));
  EXPECT_GT(page->total, 0);
  f = {};
  f.cve = "CVE-2022-26390";
  page = svc_->List(Actor::System(), f);
  ASSERT_EQ(page->items.size(), 1U);
  EXPECT_THAT(page->items[0].title, HasSubstr("Baxter Sigma Spectrum"));
  auto d = svc_->Get(Actor::System(), page->items[0].id);
  ASSERT_TRUE(Succeeds(d));
  EXPECT_FALSE(d->prepared->advisory().products.empty());
  EXPECT_EQ(d->summary.publisher_namespace, "https://www.cisa.gov/");
}

TEST_P(AdvisoryServiceTest, OasisExamplesImportAndFailingConformanceDocumentsAreRefused) {
  const fs::path oasis = SharedDataDir() / "csaf" / "oasis-csaf" / "csaf_2.0";
  SKIP_WITHOUT(oasis);
  std::set<std::string> keys;
  for (const auto& e : fs::recursive_directory_iterator(oasis / "examples" / "csaf")) {
    if (e.path().extension() != ".json") continue;
    auto r = svc_->Import(Actor::System(), testing::ReadFile(e.path()), kSourceUpload);
    ASSERT_TRUE(Succeeds(r)) << e.path();
    keys.insert(r->key);
  }
  EXPECT_GT(keys.size(), 5U);
  const fs::path mandatory = oasis / "test" / "validator" / "data" / "mandatory";
  const std::pair<const char*, const char*> failing[] = {
      {"oasis_csaf_tc-csaf_2_0-2021-6-1-01-01.json", "[6.1.1]"},
      {"oasis_csaf_tc-csaf_2_0-2021-6-1-06-01.json", "[6.1.6]"},
      {"oasis_csaf_tc-csaf_2_0-2021-6-1-14-01.json", "[6.1.14]"}};
  for (const auto& [file, test] : failing) {
    auto r = svc_->Import(Actor::System(), testing::ReadFile(mandatory / file), kSourceUpload);
    ASSERT_TRUE(FailsWith(r, Errc::kInvalidArgument)) << file;
    EXPECT_THAT(r.error().message, StartsWith(test)) << file;
    EXPECT_THAT(r.error().field, StartsWith("/")) << file;
  }
  EXPECT_EQ(svc_->AdvisoryIds()->size(), keys.size());
}

TEST_P(AdvisoryServiceTest, TheHolderIsWhoBroughtTheAdvisoryInAndRevisionsKeepIt) {
  const auto holder = [&](std::int64_t id) {
    return svc_->Get(Actor::System(), id)->summary.holder_org;
  };
  MiniAdvisory m;  // public (WHITE), so that another publisher may revise it
  auto uploaded = svc_->Import(Actor::Of(As(de_)), MiniCsaf(m), kSourceUpload);
  ASSERT_TRUE(Succeeds(uploaded));
  EXPECT_EQ(holder(uploaded->id), de_);
  m.version = 2;
  m.release = "2026-03-05T10:00:00Z";
  auto revised = svc_->Import(Actor::Of(As(sc_)), MiniCsaf(m), kSourceUpload);
  ASSERT_TRUE(Succeeds(revised));
  EXPECT_EQ(revised->outcome, ImportOutcome::kRevised);
  EXPECT_EQ(holder(revised->id), de_);

  auto authored = svc_->Author(Actor::Of(As(sc_)), Form());
  ASSERT_TRUE(Succeeds(authored));
  EXPECT_EQ(holder(authored->id), sc_);

  const std::int64_t source = AddSource(*db_, de_);
  MiniAdvisory fed;
  fed.tracking_id = "FEED-2026-0001";
  auto from_source = svc_->Import(Actor::System(), MiniCsaf(fed), kSourceDirectory, source);
  ASSERT_TRUE(Succeeds(from_source));
  EXPECT_EQ(holder(from_source->id), de_);

  MiniAdvisory cli;
  cli.tracking_id = "CLI-2026-0001";
  EXPECT_EQ(holder(MustImport(MiniCsaf(cli)).id), std::nullopt);
}

TEST_P(AdvisoryServiceTest, OnlyTheHolderRevisesAnAdvisoryThatIsOrWouldBecomeNonPublic) {
  const Actor bsi = Actor::Of(As(de_));
  const Actor centre = Actor::Of(As(sc_));
  const auto revisions = [&](std::int64_t id) {
    return db_
        ->QueryOne("SELECT COUNT(*) FROM adv_revisions WHERE advisory_id = ?", {storage::Int(id)})
        ->Int(0);
  };
  // The next version of an advisory, with the label `tlp`.
  const auto next = [](MiniAdvisory& m, std::string tlp) {
    ++m.version;
    m.release = "2026-03-0" + std::to_string(m.version + 3) + "T10:00:00Z";
    m.tlp = std::move(tlp);
    return MiniCsaf(m);
  };
  const auto revises = [&](const Actor& who, const std::string& document) {
    auto r = svc_->Import(who, document, kSourceUpload);
    return Succeeds(r) && r->outcome == ImportOutcome::kRevised;
  };
  const auto refused = [&](const Actor& who, const std::string& document) {
    return FailsWith(svc_->Import(who, document, kSourceUpload), Errc::kConflict);
  };

  // RED, then WHITE from another publisher: refused, nothing written, still RED.
  MiniAdvisory red;
  red.tracking_id = "RED-2026-0001";
  red.tlp = "RED";
  const std::string first = MiniCsaf(red);
  auto held = svc_->Import(bsi, first, kSourceUpload);
  ASSERT_TRUE(Succeeds(held));
  const std::string widened = next(red, "WHITE");
  EXPECT_TRUE(refused(centre, widened));
  EXPECT_TRUE(refused(centre, first));
  EXPECT_EQ(revisions(held->id), 1);
  EXPECT_EQ(svc_->Get(Actor::System(), held->id)->summary.tlp, "RED");
  // Its holder may, and so may the admin CLI.
  EXPECT_TRUE(revises(bsi, widened));
  EXPECT_TRUE(revises(Actor::System(), next(red, "RED")));

  // A public advisory: another publisher revises it while it stays public, not into AMBER.
  MiniAdvisory open;
  open.tracking_id = "OPEN-2026-0001";
  auto created = svc_->Import(bsi, MiniCsaf(open), kSourceUpload);
  ASSERT_TRUE(Succeeds(created));
  EXPECT_TRUE(revises(centre, next(open, "GREEN")));
  EXPECT_TRUE(refused(centre, next(open, "AMBER")));
  EXPECT_EQ(revisions(created->id), 2);

  // One written in the hub, even WHITE, is its author's alone; a source's import is its owner's.
  auto authored = svc_->Author(bsi, Form());
  ASSERT_TRUE(Succeeds(authored));
  auto document = svc_->Document(Actor::System(), authored->id);
  ASSERT_TRUE(Succeeds(document));
  auto doc = boost::json::parse(document->text).as_object();
  auto& tracking = doc["document"].as_object()["tracking"].as_object();
  tracking["version"] = "2";
  tracking["current_release_date"] = "2099-01-01T00:00:00Z";
  tracking["revision_history"].as_array().push_back(boost::json::object{
      {"date", "2099-01-01T00:00:00Z"}, {"number", "2"}, {"summary", "Rewritten"}});
  const std::string rewritten = boost::json::serialize(doc);
  const std::int64_t source = AddSource(*db_, sc_);
  EXPECT_TRUE(FailsWith(svc_->Import(Actor::System(), rewritten, kSourceDirectory, source),
                        Errc::kConflict));
  EXPECT_EQ(revisions(authored->id), 1);
}

TEST_P(AdvisoryServiceTest, AnAdvisoryTheTlpHidesIsMissingToListsDetailsAndDocuments) {
  MiniAdvisory red;
  red.tlp = "RED";
  red.tracking_id = "RED-2026-0001";
  auto hidden = svc_->Import(Actor::Of(As(de_)), MiniCsaf(red), kSourceUpload);
  ASSERT_TRUE(Succeeds(hidden));
  MustImport(MiniCsaf({}));
  const Actor hospital = Actor::Of(As(charite_));
  auto page = svc_->List(hospital, {});
  ASSERT_TRUE(Succeeds(page));
  EXPECT_EQ(page->total, 1);
  ASSERT_EQ(page->items.size(), 1U);
  EXPECT_EQ(page->items[0].tracking_id, "EXAMPLE-2026-0001");
  EXPECT_TRUE(FailsWith(svc_->Get(hospital, hidden->id), Errc::kNotFound));
  EXPECT_TRUE(FailsWith(svc_->Document(hospital, hidden->id), Errc::kNotFound));
  EXPECT_TRUE(FailsWith(svc_->Document(hospital, hidden->id, 1), Errc::kNotFound));
  EXPECT_TRUE(FailsWith(svc_->Get(Actor::Of(As(sc_)), hidden->id), Errc::kNotFound));
  EXPECT_TRUE(Succeeds(svc_->Get(Actor::Of(As(de_, Role::kViewer)), hidden->id)));
  EXPECT_EQ(svc_->List(Actor::Of(As(de_)), {})->total, 2);
  EXPECT_EQ(svc_->List(Actor::System(), {})->total, 2);
}

TEST_P(AdvisoryServiceTest, AnOlderRedRevisionStaysRedOnceALaterOneIsWhite) {
  MiniAdvisory m;
  m.tlp = "RED";
  ASSERT_TRUE(Succeeds(svc_->Import(Actor::Of(As(de_)), MiniCsaf(m), kSourceUpload)));
  m.tlp = "WHITE";
  m.version = 2;
  m.release = "2026-03-05T10:00:00Z";
  auto white = svc_->Import(Actor::Of(As(de_)), MiniCsaf(m), kSourceUpload);
  ASSERT_TRUE(Succeeds(white));
  const Actor hospital = Actor::Of(As(charite_));
  EXPECT_TRUE(Succeeds(svc_->Get(hospital, white->id)));
  EXPECT_EQ(svc_->Document(hospital, white->id)->text, MiniCsaf(m));
  EXPECT_EQ(svc_->Document(hospital, white->id, 2)->revision, 2);
  EXPECT_TRUE(FailsWith(svc_->Document(hospital, white->id, 1), Errc::kNotFound));
  EXPECT_TRUE(Succeeds(svc_->Document(Actor::Of(As(de_)), white->id, 1)));
}

TEST_P(AdvisoryServiceTest, HoldersAreBackfilledFromTheAuthorElseTheSourceElseUnknown) {
  caduceus::testing::ScratchDatabase scratch(GetParam());
  auto opened = storage::Database::Open(scratch.url());
  ASSERT_TRUE(opened) << opened.error().message;
  storage::Database& db = **opened;
  storage::ApplyMigrations(db, "advisories", AdvisoryService::Migrations().first(1));
  const std::int64_t source =
      db.QueryOne(
            "INSERT INTO adv_sources (name, kind, url, interval_minutes, next_run_us, "
            "created_by_org, created_at_us, updated_at_us) VALUES ('feed', 'provider', "
            "'https://x.example/provider-metadata.json', 60, 0, 7, 0, 0) RETURNING id")
          ->Int(0);
  const auto insert = [&](std::string key, storage::Value source_id, storage::Value author) {
    return db
        .QueryOne(
            "INSERT INTO adv_advisories (key, publisher_name, publisher_namespace, tracking_id, "
            "title, category, tlp, current_version, revision, initial_release_us, "
            "current_release_us, severity, cve_count, product_count, source, source_id, "
            "authored_by_org, created_at_us, updated_at_us) VALUES (?, 'P', 'https://p', ?, 't', "
            "'csaf_base', 'RED', '1', 1, 0, 0, 'low', 0, 0, 'upload', ?, ?, 0, 0) RETURNING id",
            {storage::Text(key), storage::Text(key), source_id, author})
        ->Int(0);
  };
  const std::int64_t authored = insert("a", storage::Null(), storage::Int(5));
  const std::int64_t fed = insert("b", storage::Int(source), storage::Null());
  const std::int64_t unknown = insert("c", storage::Null(), storage::Null());
  storage::ApplyMigrations(db, "advisories", AdvisoryService::Migrations());
  const auto holder = [&](std::int64_t id) {
    return db.QueryOne("SELECT holder_org_id FROM adv_advisories WHERE id = ?", {storage::Int(id)})
        ->OptInt(0);
  };
  EXPECT_EQ(holder(authored), 5);
  EXPECT_EQ(holder(fed), 7);
  EXPECT_EQ(holder(unknown), std::nullopt);
}

INSTANTIATE_TEST_SUITE_P(Backends,
                         AdvisoryServiceTest,
                         ::testing::ValuesIn(::caduceus::testing::AllBackends()));

}  // namespace
}  // namespace caduceus::advisories
