// RecoveryService on both backends: loading and reloading the galaxy (hub markers survive),
// curation rights, markers and corrections, decryption tools, identification attached to
// incidents, the checklist's authorisation, and the knowledge base shared between hubs.
#include "recovery/service.h"

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "core/random.h"
#include "identity/crypto.h"
#include "incidents/service.h"
#include "storage/database.h"
#include "support/test_db.h"
#include "test_data.h"

namespace caduceus::recovery {
namespace {

namespace json = boost::json;
using caduceus::testing::Backend;
using caduceus::testing::ScratchDatabase;
using identity::Actor;
using identity::OrgKind;
using identity::Principal;
using identity::Role;

constexpr std::string_view kPassword = "correct horse battery staple";
constexpr std::int64_t kStartMillis = 1'795'000'000'000;  // 2026-11-18

constexpr std::string_view kAlpha = "11111111-1111-4111-8111-111111111111";
constexpr std::string_view kBeta = "22222222-2222-4222-8222-222222222222";
constexpr std::string_view kGamma = "33333333-3333-4333-8333-333333333333";

json::object GalaxyValue(std::string_view uuid, std::string_view name, json::object meta) {
  return json::object{{"uuid", uuid}, {"value", name}, {"description", "test"}, {"meta", meta}};
}

std::string Galaxy(json::array values) {
  return json::serialize(json::object{{"type", "ransomware"}, {"values", std::move(values)}});
}

std::string FirstGalaxy() {
  return Galaxy(json::array{
      GalaxyValue(kAlpha, "Alphacrypt",
                  json::object{{"extensions", json::array{".alphacrypt", ".locked"}},
                               {"ransomnotes-filenames", json::array{"ALPHA_README.txt"}},
                               {"ransomnotes", json::array{"Your files are encrypted by "
                                                           "Alphacrypt. Write to "
                                                           "alpha@example.org."}}}),
      GalaxyValue(kBeta, "Betacrypt", json::object{{"extensions", json::array{".betacrypt"}}})});
}

// Alphacrypt gains a synonym, Betacrypt leaves the galaxy, Gammacrypt joins.
std::string SecondGalaxy() {
  return Galaxy(json::array{
      GalaxyValue(kAlpha, "Alphacrypt",
                  json::object{{"synonyms", json::array{"AlphaLock"}},
                               {"extensions", json::array{".alphacrypt", ".locked"}},
                               {"ransomnotes-filenames", json::array{"ALPHA_README.txt"}}}),
      GalaxyValue(kGamma, "Gammacrypt", json::object{{"extensions", json::array{".gammacrypt"}}})});
}

DecryptorData Tool(std::string key, std::vector<std::string> families) {
  DecryptorData d;
  d.key = std::move(key);
  d.families = std::move(families);
  d.tool = "Test decryptor";
  d.provider = "Example Labs";
  d.url = "https://decryptors.example.org/tool";
  d.instructions = "Run it.";
  d.last_verified = "2026-11-01";
  return d;
}

template <class R>
::testing::AssertionResult FailsWith(const R& result, Errc code, std::string_view field = {}) {
  if (!result.has_error()) return ::testing::AssertionFailure() << "succeeded";
  const auto& e = result.error();
  if (e.code != code || (!field.empty() && e.field != field)) {
    return ::testing::AssertionFailure()
           << "failed with " << Slug(e.code) << " field '" << e.field << "': " << e.message;
  }
  return ::testing::AssertionSuccess();
}

template <class R>
::testing::AssertionResult Succeeds(const R& result) {
  if (result.has_error()) {
    return ::testing::AssertionFailure()
           << Slug(result.error().code) << ": " << result.error().message;
  }
  return ::testing::AssertionSuccess();
}

std::vector<std::string> Names(const Identification& id) {
  std::vector<std::string> out;
  for (const auto& c : id.candidates) out.push_back(c.family.name);
  return out;
}

Clues FileNames(std::vector<std::string> names) {
  Clues c;
  c.file_names = std::move(names);
  return c;
}

class RecoveryServiceTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    CADUCEUS_REQUIRE_BACKEND(GetParam());
    InitCrypto();
    scratch_ = std::make_unique<ScratchDatabase>(GetParam());
    auto db = storage::Database::Open(scratch_->url());
    ASSERT_TRUE(db) << db.error().message;
    db_ = std::move(*db);
    storage::ApplyMigrations(*db_, "identity", identity::IdentityService::Migrations());
    storage::ApplyMigrations(*db_, "incidents", incidents::IncidentService::Migrations());
    storage::ApplyMigrations(*db_, "recovery", RecoveryService::Migrations());
    identity::IdentityOptions options;
    options.password_hash = {1, 8 * 1024 * 1024};
    options.secret_key = identity::SecretBox::GenerateKey();
    ids_ = std::make_unique<identity::IdentityService>(*db_, clock_, options);
    recovery_ = std::make_unique<RecoveryService>(*db_, clock_, *ids_);
  }

  // SC -> BE CSIRT -> two Belgian hospitals; SC -> NL CSIRT.
  void BuildHierarchy() {
    sc_ = Org("EU Support Centre", OrgKind::kSupportCentre, {}, {});
    be_ = Org("CCB", OrgKind::kAuthority, sc_, "BE");
    nl_ = Org("Z-CERT", OrgKind::kAuthority, sc_, "NL");
    hospital_ = Org("UZ Leuven", OrgKind::kProvider, be_, {});
    other_hospital_ = Org("AZ Brugge", OrgKind::kProvider, be_, {});
  }

  std::int64_t Org(std::string name,
                   OrgKind kind,
                   std::optional<std::int64_t> parent,
                   std::optional<std::string> country) {
    identity::NewOrganisation org;
    org.name = std::move(name);
    org.kind = kind;
    org.parent_id = parent;
    org.country = std::move(country);
    if (kind == OrgKind::kProvider) {
      org.provider_type = "hospital";
      org.size_band = "large";
    }
    auto created = ids_->CreateOrganisation(Actor::System(), org);
    if (!created) throw std::runtime_error(created.error().message);
    return created->id;
  }

  Principal User(const std::string& username, std::int64_t org, Role role) {
    identity::NewUser u;
    u.username = username;
    u.display_name = username;
    u.organisation_id = org;
    u.role = role;
    u.password = std::string(kPassword);
    if (auto created = ids_->CreateUser(Actor::System(), u); !created) {
      throw std::runtime_error(created.error().message);
    }
    auto login = ids_->Login({username, std::string(kPassword), std::nullopt, "192.0.2.1", "t"});
    if (!login) throw std::runtime_error(login.error().message);
    return login->principal;
  }

  // An incident row as the incidents module stores it.
  std::int64_t Incident(std::int64_t provider, std::int64_t authority, bool shared) {
    const std::int64_t now = kStartMillis;
    return db_
        ->QueryOne(
            "INSERT INTO incidents (provider_id, authority_id, title, aware_at, created_at,"
            " created_by, updated_at, status, shared_with_support_centre)"
            " VALUES (?, ?, 'Ransomware on the PACS', ?, ?, 'test', ?, 'open', ?) RETURNING id",
            {storage::Int(provider), storage::Int(authority), storage::Int(now), storage::Int(now),
             storage::Int(now), storage::Int(shared ? 1 : 0)})
        ->Int(0);
  }

  std::int64_t FamilyId(std::string_view uuid) {
    return db_
        ->QueryOne("SELECT id FROM recovery_families WHERE uuid = ?",
                   {storage::Text(std::string(uuid))})
        ->Int(0);
  }

  Identification Identify(const Clues& clues, Actor actor = Actor::System()) {
    auto r = recovery_->Identify(actor, clues);
    if (!r) throw std::runtime_error(r.error().message);
    return std::move(*r);
  }

  std::unique_ptr<ScratchDatabase> scratch_;
  std::unique_ptr<storage::Database> db_;
  ManualClock clock_{FromUnixMillis(kStartMillis)};
  std::unique_ptr<identity::IdentityService> ids_;
  std::unique_ptr<RecoveryService> recovery_;
  std::int64_t sc_ = 0, be_ = 0, nl_ = 0, hospital_ = 0, other_hospital_ = 0;
};

// ---- Galaxy -----------------------------------------------------------------------------------

TEST_P(RecoveryServiceTest, GalaxyReloadUpdatesFamiliesByUuidAndKeepsHubMarkers) {
  ASSERT_EQ(*recovery_->LoadGalaxy(FirstGalaxy()), 2);
  const std::int64_t alpha = FamilyId(kAlpha);
  ASSERT_TRUE(Succeeds(recovery_->AddMarker(Actor::System(), alpha,
                                            {{"extension", ".alphacrypt2", 0}, "seen in 2026"})));
  ASSERT_TRUE(Succeeds(
      recovery_->AddMarker(Actor::System(), alpha, {{"ignore_extension", ".locked", 0}, ""})));

  ASSERT_EQ(*recovery_->LoadGalaxy(SecondGalaxy()), 2);
  EXPECT_EQ(FamilyId(kAlpha), alpha);
  auto detail = recovery_->GetFamily(alpha);
  ASSERT_TRUE(Succeeds(detail));
  EXPECT_EQ(detail->data.synonyms, std::vector<std::string>{"AlphaLock"});
  EXPECT_TRUE(detail->data.note_texts.empty());
  ASSERT_EQ(detail->markers.size(), 2U);
  EXPECT_EQ(detail->markers[0].comment, "seen in 2026");
  EXPECT_EQ(detail->effective.extensions,
            (std::vector<std::string>{".alphacrypt", ".alphacrypt2"}));

  EXPECT_EQ(Names(Identify(FileNames({"scan.pdf.alphacrypt2"}))),
            std::vector<std::string>{"Alphacrypt"});
  EXPECT_TRUE(Identify(FileNames({"scan.pdf.locked"})).candidates.empty());

  auto beta = recovery_->GetFamily(FamilyId(kBeta));
  ASSERT_TRUE(Succeeds(beta));
  EXPECT_FALSE(beta->in_galaxy);
  EXPECT_EQ(Names(Identify(FileNames({"x.betacrypt"}))), std::vector<std::string>{"Betacrypt"});
  EXPECT_EQ(Names(Identify(FileNames({"x.gammacrypt"}))), std::vector<std::string>{"Gammacrypt"});
}

TEST_P(RecoveryServiceTest, AGalaxyFileWithAnErrorChangesNothing) {
  ASSERT_TRUE(Succeeds(recovery_->LoadGalaxy(FirstGalaxy())));
  const auto broken = Galaxy(json::array{GalaxyValue(kGamma, "Gammacrypt", json::object{}),
                                         GalaxyValue(kGamma, "Gammacrypt again", json::object{})});
  EXPECT_TRUE(FailsWith(recovery_->LoadGalaxy(broken), Errc::kInvalidArgument, "/values/1/uuid"));
  EXPECT_EQ(db_->QueryOne("SELECT COUNT(*) FROM recovery_families")->Int(0), 2);
  EXPECT_TRUE(FailsWith(recovery_->LoadGalaxy("{\"type\": \"threat-actor\", \"values\": []}"),
                        Errc::kInvalidArgument, "/type"));
}

TEST_P(RecoveryServiceTest, ShippedGalaxyAndToolsIdentifyARealNoteWithItsDecryptor) {
  ASSERT_GT(*recovery_->LoadGalaxy(testdata::GalaxyText()), 2000);
  const auto file = testdata::SourceDir() / "data" / "recovery" / "decryptors.json";
  const auto imported = recovery_->ImportDecryptors(testdata::ReadFile(file));
  ASSERT_TRUE(Succeeds(imported));
  EXPECT_GE(*imported, 25);
  EXPECT_EQ(*recovery_->ImportDecryptors(testdata::ReadFile(file)), 0);

  Clues clues;
  clues.notes.push_back({"GDCB-DECRYPT.txt",
                         "---= GANDCRAB =---\nAttention!\nAll your files "
                         "documents, photos, databases and other important "
                         "files are encrypted and have the extension: .GDCB"});
  const auto id = Identify(clues);
  ASSERT_FALSE(id.candidates.empty());
  EXPECT_EQ(id.candidates.front().family.name, "GandCrab");
  ASSERT_FALSE(id.candidates.front().decryptors.empty());
  EXPECT_EQ(id.candidates.front().decryptors.front().data.key, "bitdefender-gandcrab");

  const auto found = recovery_->Families("lockbit", 10);
  ASSERT_TRUE(Succeeds(found));
  ASSERT_FALSE(found->empty());
  EXPECT_EQ(found->front().name, "LockBit");
}

// ---- Curation -----------------------------------------------------------------------------------

TEST_P(RecoveryServiceTest, OnlySupportCentreStaffCurateFamiliesMarkersAndTools) {
  BuildHierarchy();
  ASSERT_TRUE(Succeeds(recovery_->LoadGalaxy(FirstGalaxy())));
  const std::int64_t alpha = FamilyId(kAlpha);
  const auto tool = recovery_->CreateDecryptor(Actor::System(), Tool("alpha-tool", {"Alphacrypt"}));
  ASSERT_TRUE(Succeeds(tool));
  struct Who {
    Principal principal;
    bool curates;
  };
  const Who people[] = {{User("sc-admin", sc_, Role::kAdmin), true},
                        {User("sc-analyst", sc_, Role::kAnalyst), true},
                        {User("sc-viewer", sc_, Role::kViewer), false},
                        {User("sc-reporter", sc_, Role::kReporter), false},
                        {User("be-admin", be_, Role::kAdmin), false},
                        {User("hospital-admin", hospital_, Role::kAdmin), false}};
  int n = 0;
  for (const auto& who : people) {
    const Actor actor = Actor::Of(who.principal);
    SCOPED_TRACE(who.principal.username);
    EXPECT_EQ(recovery_->MayCurate(actor), who.curates);
    const std::string suffix = std::to_string(++n);
    const auto family = recovery_->CreateFamily(actor, {"Hubcrypt " + suffix, {}, ""});
    const auto marker =
        recovery_->AddMarker(actor, alpha, {{"extension", ".alpha" + suffix, 0}, ""});
    const auto created = recovery_->CreateDecryptor(actor, Tool("tool-" + suffix, {"Alphacrypt"}));
    DecryptorPatch patch;
    patch.tool = "Renamed " + suffix;
    const auto updated = recovery_->UpdateDecryptor(actor, tool->id, patch);
    if (who.curates) {
      EXPECT_TRUE(Succeeds(family));
      EXPECT_TRUE(Succeeds(marker));
      EXPECT_TRUE(Succeeds(created));
      EXPECT_TRUE(Succeeds(updated));
      EXPECT_TRUE(Succeeds(recovery_->DeleteDecryptor(actor, created->id)));
      EXPECT_TRUE(Succeeds(recovery_->DeleteMarker(actor, alpha, marker->markers.back().id)));
    } else {
      EXPECT_TRUE(FailsWith(family, Errc::kPermissionDenied));
      EXPECT_TRUE(FailsWith(marker, Errc::kPermissionDenied));
      EXPECT_TRUE(FailsWith(created, Errc::kPermissionDenied));
      EXPECT_TRUE(FailsWith(updated, Errc::kPermissionDenied));
      EXPECT_TRUE(FailsWith(recovery_->DeleteDecryptor(actor, tool->id), Errc::kPermissionDenied));
    }
  }
  EXPECT_EQ(db_->QueryOne("SELECT COUNT(*) FROM recovery_markers")->Int(0), 0);
}

TEST_P(RecoveryServiceTest, MarkersAreValidatedAndNotAddedTwice) {
  ASSERT_TRUE(Succeeds(recovery_->LoadGalaxy(FirstGalaxy())));
  const std::int64_t alpha = FamilyId(kAlpha);
  EXPECT_TRUE(FailsWith(recovery_->AddMarker(Actor::System(), alpha, {{"colour", "red", 0}, ""}),
                        Errc::kInvalidArgument, "kind"));
  EXPECT_TRUE(FailsWith(recovery_->AddMarker(Actor::System(), alpha, {{"header", "xyz", 0}, ""}),
                        Errc::kInvalidArgument, "value"));
  EXPECT_TRUE(FailsWith(recovery_->AddMarker(Actor::System(), 9999, {{"extension", ".x1", 0}, ""}),
                        Errc::kNotFound));
  const auto added =
      recovery_->AddMarker(Actor::System(), alpha, {{"email", "Alpha@Example.ORG", 0}, ""});
  ASSERT_TRUE(Succeeds(added));
  EXPECT_EQ(added->markers.back().data.value, "alpha@example.org");
  EXPECT_TRUE(FailsWith(
      recovery_->AddMarker(Actor::System(), alpha, {{"email", "alpha@example.org", 0}, ""}),
      Errc::kConflict));
  EXPECT_TRUE(
      FailsWith(recovery_->DeleteMarker(Actor::System(), FamilyId(kBeta), added->markers.back().id),
                Errc::kNotFound));
}

TEST_P(RecoveryServiceTest, HubMadeFamilyWithByteMarkerIsIdentifiedFromFileBytes) {
  const auto family = recovery_->CreateFamily(Actor::System(), {"Wardcrypt", {"WardLock"}, ""});
  ASSERT_TRUE(Succeeds(family));
  EXPECT_EQ(family->source, "hub");
  EXPECT_TRUE(
      FailsWith(recovery_->CreateFamily(Actor::System(), {"WARDCRYPT", {}, ""}), Errc::kConflict));
  ASSERT_TRUE(Succeeds(recovery_->AddMarker(Actor::System(), family->id,
                                            {{"footer", "57415244454e44", 4}, "trailer"})));
  Clues clues;
  clues.samples.push_back({"xray-0001.dcm", "DICM", std::string("....WARDEND\x01\x02\x03\x04")});
  const auto id = Identify(clues);
  ASSERT_EQ(Names(id), std::vector<std::string>{"Wardcrypt"});
  EXPECT_EQ(id.candidates.front().evidence.front().kind, "footer");
  clues.samples.front().footer = "....WARDEND";
  EXPECT_TRUE(Identify(clues).candidates.empty());
}

// ---- Decryptors ---------------------------------------------------------------------------------

TEST_P(RecoveryServiceTest, ToolsAreCreatedChangedDeletedAndLinkedToFamiliesByName) {
  ASSERT_TRUE(Succeeds(recovery_->LoadGalaxy(FirstGalaxy())));
  auto data = Tool("", {"alphacrypt ransomware"});
  data.tool = "Alphacrypt Decryptor!";
  const auto created = recovery_->CreateDecryptor(Actor::System(), data);
  ASSERT_TRUE(Succeeds(created));
  EXPECT_EQ(created->data.key, "alphacrypt-decryptor");
  const auto second = recovery_->CreateDecryptor(Actor::System(), data);
  ASSERT_TRUE(Succeeds(second));
  EXPECT_EQ(second->data.key, "alphacrypt-decryptor-2");
  EXPECT_TRUE(FailsWith(
      recovery_->CreateDecryptor(Actor::System(), Tool("alphacrypt-decryptor", {"Alphacrypt"})),
      Errc::kConflict));
  EXPECT_TRUE(FailsWith(recovery_->CreateDecryptor(Actor::System(), Tool("x", {"Alphacrypt"})),
                        Errc::kInvalidArgument, "key"));

  const auto id = Identify(FileNames({"a.alphacrypt"}));
  ASSERT_EQ(id.candidates.size(), 1U);
  EXPECT_EQ(id.candidates.front().decryptors.size(), 2U);
  EXPECT_EQ(recovery_->Decryptors(std::string("Alphacrypt")).size(), 2U);
  EXPECT_TRUE(recovery_->Decryptors(std::string("Betacrypt")).empty());

  DecryptorPatch patch;
  patch.url = "ftp://nowhere";
  EXPECT_TRUE(FailsWith(recovery_->UpdateDecryptor(Actor::System(), created->id, patch),
                        Errc::kInvalidArgument, "url"));
  patch.url = "https://decryptors.example.org/v2";
  const auto updated = recovery_->UpdateDecryptor(Actor::System(), created->id, patch);
  ASSERT_TRUE(Succeeds(updated));
  EXPECT_EQ(updated->data.url, "https://decryptors.example.org/v2");
  ASSERT_TRUE(Succeeds(recovery_->DeleteDecryptor(Actor::System(), second->id)));
  EXPECT_TRUE(FailsWith(recovery_->DeleteDecryptor(Actor::System(), second->id), Errc::kNotFound));
  EXPECT_EQ(Identify(FileNames({"a.alphacrypt"})).candidates.front().decryptors.size(), 1U);
}

// ---- Incidents ----------------------------------------------------------------------------------

TEST_P(RecoveryServiceTest, ChecklistFollowsTheIncidentsAuthorisation) {
  BuildHierarchy();
  const std::int64_t incident = Incident(hospital_, be_, false);
  const Principal provider_user = User("hospital-admin", hospital_, Role::kAdmin);
  const Actor provider = Actor::Of(provider_user);
  const Principal provider_viewer_user = User("hospital-viewer", hospital_, Role::kViewer);
  const Actor provider_viewer = Actor::Of(provider_viewer_user);
  const Principal csirt_user = User("be-analyst", be_, Role::kAnalyst);
  const Actor csirt = Actor::Of(csirt_user);
  const Principal other_csirt_user = User("nl-analyst", nl_, Role::kAnalyst);
  const Actor other_csirt = Actor::Of(other_csirt_user);
  const Principal other_provider_user = User("brugge-admin", other_hospital_, Role::kAdmin);
  const Actor other_provider = Actor::Of(other_provider_user);
  const Principal centre_user = User("sc-analyst", sc_, Role::kAnalyst);
  const Actor centre = Actor::Of(centre_user);

  const auto initial = recovery_->GetChecklist(provider, incident);
  ASSERT_TRUE(Succeeds(initial));
  ASSERT_EQ(initial->steps.size(), 8U);
  EXPECT_EQ(initial->steps[2].step, "report");
  EXPECT_EQ(initial->steps[0].state, "todo");
  EXPECT_TRUE(initial->can_update);

  StepUpdate isolate{std::string("done"), std::string("PACS VLAN cut at 09:40")};
  const auto updated = recovery_->UpdateStep(provider, incident, "isolate", isolate);
  ASSERT_TRUE(Succeeds(updated));
  EXPECT_EQ(updated->steps[0].state, "done");
  EXPECT_EQ(updated->steps[0].updated_by, "hospital-admin");
  const auto note_only = recovery_->UpdateStep(provider, incident, "isolate",
                                               {std::nullopt, std::string("and the RIS")});
  ASSERT_TRUE(Succeeds(note_only));
  EXPECT_EQ(note_only->steps[0].state, "done");
  EXPECT_EQ(note_only->steps[0].note, "and the RIS");

  const auto seen_by_csirt = recovery_->GetChecklist(csirt, incident);
  ASSERT_TRUE(Succeeds(seen_by_csirt));
  EXPECT_FALSE(seen_by_csirt->can_update);
  EXPECT_TRUE(seen_by_csirt->can_comment);
  EXPECT_EQ(seen_by_csirt->steps[0].state, "done");
  EXPECT_TRUE(FailsWith(recovery_->UpdateStep(csirt, incident, "isolate", isolate),
                        Errc::kPermissionDenied));
  const auto commented =
      recovery_->CommentStep(csirt, incident, "restore", "Check the backups are offline first.");
  ASSERT_TRUE(Succeeds(commented));
  ASSERT_EQ(commented->steps[5].comments.size(), 1U);
  EXPECT_EQ(commented->steps[5].comments[0].author, "be-analyst");

  EXPECT_TRUE(Succeeds(recovery_->GetChecklist(provider_viewer, incident)));
  EXPECT_TRUE(FailsWith(recovery_->UpdateStep(provider_viewer, incident, "isolate", isolate),
                        Errc::kPermissionDenied));
  EXPECT_TRUE(FailsWith(recovery_->CommentStep(provider_viewer, incident, "isolate", "hello"),
                        Errc::kPermissionDenied));

  for (const Actor& outsider : {other_csirt, other_provider, centre}) {
    EXPECT_TRUE(FailsWith(recovery_->GetChecklist(outsider, incident), Errc::kNotFound));
    EXPECT_TRUE(
        FailsWith(recovery_->UpdateStep(outsider, incident, "isolate", isolate), Errc::kNotFound));
    EXPECT_TRUE(
        FailsWith(recovery_->CommentStep(outsider, incident, "isolate", "hi"), Errc::kNotFound));
  }
  EXPECT_TRUE(FailsWith(recovery_->GetChecklist(provider, incident + 100), Errc::kNotFound));
  EXPECT_TRUE(
      FailsWith(recovery_->UpdateStep(provider, incident, "pray", isolate), Errc::kNotFound));
  EXPECT_TRUE(FailsWith(
      recovery_->UpdateStep(provider, incident, "isolate", {std::string("finished"), std::nullopt}),
      Errc::kInvalidArgument, "state"));

  const std::int64_t shared = Incident(hospital_, be_, true);
  const auto assisted = recovery_->CommentStep(centre, shared, "identify", "Looks like Akira.");
  ASSERT_TRUE(Succeeds(assisted));
  EXPECT_FALSE(assisted->can_update);
}

TEST_P(RecoveryServiceTest, IdentificationAttachedToAnIncidentIsKeptWithItsChecklist) {
  BuildHierarchy();
  ASSERT_TRUE(Succeeds(recovery_->LoadGalaxy(FirstGalaxy())));
  const std::int64_t incident = Incident(hospital_, be_, false);
  const Principal provider_user = User("hospital-admin", hospital_, Role::kAdmin);
  const Actor provider = Actor::Of(provider_user);
  const Principal viewer_user = User("hospital-viewer", hospital_, Role::kViewer);
  const Actor viewer = Actor::Of(viewer_user);
  const Principal other_csirt_user = User("nl-analyst", nl_, Role::kAnalyst);
  const Actor other_csirt = Actor::Of(other_csirt_user);

  Clues clues = FileNames({"scan.pdf.alphacrypt"});
  clues.incident_id = incident;
  ASSERT_EQ(Names(Identify(clues, provider)), std::vector<std::string>{"Alphacrypt"});
  EXPECT_TRUE(FailsWith(recovery_->Identify(other_csirt, clues), Errc::kNotFound));
  EXPECT_TRUE(FailsWith(recovery_->Identify(viewer, clues), Errc::kPermissionDenied));
  EXPECT_TRUE(FailsWith(recovery_->Identify(provider, Clues{}), Errc::kInvalidArgument));

  const auto checklist = recovery_->GetChecklist(provider, incident);
  ASSERT_TRUE(Succeeds(checklist));
  ASSERT_EQ(checklist->identifications.size(), 1U);
  const auto summary = json::parse(checklist->identifications[0].summary_json).as_object();
  EXPECT_EQ(summary.at("candidates").as_array()[0].at("name").as_string(), "Alphacrypt");
  EXPECT_EQ(checklist->identifications[0].summary_json.find("scan.pdf"), std::string::npos);

  clues.incident_id.reset();
  Identify(clues, viewer);
  EXPECT_EQ(db_->QueryOne("SELECT COUNT(*) FROM recovery_identifications")->Int(0), 1);
}

// ---- Knowledge base -----------------------------------------------------------------------------

TEST_P(RecoveryServiceTest, AnotherHubSeesMarkersAddedHereAndTheExportIdentifiesOffline) {
  ASSERT_TRUE(Succeeds(recovery_->LoadGalaxy(FirstGalaxy())));
  RecoveryService other_hub(*db_, clock_, *ids_);
  EXPECT_TRUE(
      other_hub.CurrentKnowledgeBase()->Identify(FileNames({"a.alphacrypt3"})).candidates.empty());
  ASSERT_TRUE(Succeeds(recovery_->AddMarker(Actor::System(), FamilyId(kAlpha),
                                            {{"extension", ".alphacrypt3", 0}, ""})));
  EXPECT_EQ(Names(other_hub.CurrentKnowledgeBase()->Identify(FileNames({"a.alphacrypt3"}))),
            std::vector<std::string>{"Alphacrypt"});

  std::int64_t version = 0;
  const auto exported = other_hub.ExportKnowledgeBase(&version);
  EXPECT_GT(version, 0);
  auto offline = ParseKnowledgeBase(*exported);
  ASSERT_TRUE(Succeeds(offline));
  EXPECT_EQ(Names(offline->Identify(FileNames({"a.alphacrypt3"}))),
            std::vector<std::string>{"Alphacrypt"});
  EXPECT_EQ(offline->families().size(), 2U);
}

std::string ParamName(const ::testing::TestParamInfo<Backend>& info) {
  return caduceus::testing::BackendName(info.param);
}

INSTANTIATE_TEST_SUITE_P(Backends,
                         RecoveryServiceTest,
                         ::testing::ValuesIn(caduceus::testing::AllBackends()),
                         ParamName);

}  // namespace
}  // namespace caduceus::recovery
