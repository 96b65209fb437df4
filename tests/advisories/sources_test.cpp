// Advisory sources on both backends against a real HTTP server on 127.0.0.1 serving a CSAF
// provider tree the test builds: provider-metadata.json, a directory distribution (changes.csv,
// .sha256/.sha512, OpenPGP .asc made with a key generated here by gpg) and a ROLIE feed; only
// changed documents are fetched; tampered checksums, bad signatures, unknown and mislisted keys
// reject the document and the run log says why. Also directories on disk, the KEV catalogue from
// a file, the lease, and the SSRF guard.
#include "advisories/sources.h"

#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include "advisories_fixture.h"
#include "http/server.h"

namespace caduceus::advisories {
namespace {

using identity::Actor;
using identity::Role;
using testing::AdvisoriesTest;
using ::testing::Contains;
using testing::FailsWith;
using ::testing::HasSubstr;
using testing::MiniAdvisory;
using testing::MiniCsaf;
using testing::MiniKev;
using testing::ReadFile;
using testing::SharedDataDir;
using testing::Succeeds;
using testing::WriteFile;
namespace fs = std::filesystem;
namespace json = boost::json;

std::string Digest(std::string_view bytes, const EVP_MD* md) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(bytes.data(), bytes.size(), out, &size, md, nullptr);
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) hex += fmt::format("{:02x}", out[i]);
  return hex;
}

// A GnuPG home with one signing key, generated for the test; the agent it starts is stopped at the
// end.
class TestKey {
 public:
  explicit TestKey(const std::string& dir, const std::string& uid) : home_(dir) {
    fs::create_directories(home_);
    fs::permissions(home_, fs::perms::owner_all);
    ok_ =
        Gpg(fmt::format("--batch --passphrase '' --quick-gen-key '{}' ed25519 sign never", uid)) &&
        Gpg("--armor --export > " + home_ + "/public.asc") &&
        Gpg("--with-colons --list-keys > " + home_ + "/list.txt");
    if (!ok_) return;
    const std::string list = ReadFile(home_ + "/list.txt");
    const std::size_t at = list.find("\nfpr:");
    if (at == std::string::npos) {
      ok_ = false;
      return;
    }
    const std::string line = list.substr(at + 1, list.find('\n', at + 1) - at - 1);
    fingerprint_ = line.substr(12, line.find(':', 12) - 12);
  }
  ~TestKey() {
    const std::string kill =
        fmt::format("GNUPGHOME='{}' gpgconf --kill gpg-agent 2>/dev/null", home_);
    (void)std::system(kill.c_str());
  }

  bool ok() const { return ok_; }
  const std::string& fingerprint() const { return fingerprint_; }
  std::string PublicKey() const { return ReadFile(home_ + "/public.asc"); }
  // A detached armored signature of `text`.
  std::string Sign(const std::string& text) const {
    WriteFile(home_ + "/to-sign", text);
    if (!Gpg("--batch --yes --pinentry-mode loopback --passphrase '' --armor --detach-sign -o " +
             home_ + "/to-sign.asc " + home_ + "/to-sign")) {
      throw std::runtime_error("gpg could not sign");
    }
    return ReadFile(home_ + "/to-sign.asc");
  }

 private:
  bool Gpg(const std::string& args) const {
    const std::string cmd =
        fmt::format("GNUPGHOME='{}' gpg --quiet --no-tty {} 2>/dev/null", home_, args);
    return std::system(cmd.c_str()) == 0;
  }

  std::string home_;
  std::string fingerprint_;
  bool ok_ = false;
};

// A real HTTP server on a free loopback port serving documents by path, counting hits per path.
class ProviderServer {
 public:
  ProviderServer() {
    http::ServerOptions options;
    options.address = "127.0.0.1";
    options.port = 0;
    options.threads = 1;
    options.handle_signals = false;
    server_ =
        std::make_unique<http::Server>(options, [this](http::Request& r) { return Handle(r); });
    thread_ = std::thread([this] { server_->Run(); });
  }
  ~ProviderServer() {
    server_->Stop();
    thread_.join();
  }
  std::string Url(std::string_view path) const {
    return fmt::format("http://127.0.0.1:{}{}", server_->port(), path);
  }
  void Put(const std::string& path, std::string body) {
    std::lock_guard lock(mu_);
    documents_[path] = std::move(body);
  }
  void Remove(const std::string& path) {
    std::lock_guard lock(mu_);
    documents_.erase(path);
  }
  int Hits(const std::string& path) {
    std::lock_guard lock(mu_);
    return hits_[path];
  }
  void ClearHits() {
    std::lock_guard lock(mu_);
    hits_.clear();
  }

 private:
  http::Response Handle(http::Request& r) {
    std::lock_guard lock(mu_);
    ++hits_[r.path];
    const auto it = documents_.find(r.path);
    if (it == documents_.end()) return http::Response::Text(404, "not found");
    return http::Response::Text(200, it->second, "application/json");
  }

  std::unique_ptr<http::Server> server_;
  std::thread thread_;
  std::mutex mu_;
  std::map<std::string, std::string> documents_;
  std::map<std::string, int> hits_;
};

class SourceServiceTest : public AdvisoriesTest {
 protected:
  void SetUp() override {
    AdvisoriesTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    if (std::system("command -v gpg >/dev/null 2>&1") != 0) GTEST_SKIP() << "gpg is not installed";
    key_ = std::make_unique<TestKey>(dir_.path() + "/gnupg", "Acme PSIRT <psirt@acme.example>");
    ASSERT_TRUE(key_->ok()) << "gpg could not generate a key";
    AdvisoryServiceOptions options;
    options.sources.allow_private_addresses = true;
    options.sources.file_root = dir_.path() + "/files";
    options.sources.timeout = std::chrono::seconds(10);
    fs::create_directories(options.sources.file_root);
    hub_ = std::make_unique<AdvisoryService>(*db_, clock_, *ids_, options);
    publisher_ = &As(de_);
  }

  // Puts a document under /csaf/ with its checksums and signature.
  void Publish(const std::string& name, const std::string& doc, const std::string& changed) {
    server_.Put("/csaf/" + name, doc);
    server_.Put("/csaf/" + name + ".sha512", Digest(doc, EVP_sha512()) + "  " + name + "\n");
    server_.Put("/csaf/" + name + ".asc", key_->Sign(doc));
    changes_csv_[name] = changed;
    std::string csv;
    for (const auto& [n, t] : changes_csv_) csv += fmt::format("\"{}\",\"{}\"\n", n, t);
    server_.Put("/csaf/changes.csv", csv);
  }

  void Metadata(const std::string& fingerprint, bool rolie = false) {
    json::object dist;
    if (rolie) {
      dist["rolie"] = json::object{
          {"feeds", json::array{json::object{{"tlp_label", "WHITE"},
                                             {"url", server_.Url("/feed/white.json")}}}}};
    } else {
      dist["directory_url"] = server_.Url("/csaf/");
    }
    server_.Put("/key.asc", key_->PublicKey());
    server_.Put(
        "/.well-known/csaf/provider-metadata.json",
        json::serialize(json::object{
            {"canonical_url", server_.Url("/.well-known/csaf/provider-metadata.json")},
            {"distributions", json::array{std::move(dist)}},
            {"last_updated", "2026-03-01T10:00:00Z"},
            {"list_on_CSAF_aggregators", true},
            {"metadata_version", "2.0"},
            {"mirror_on_CSAF_aggregators", true},
            {"public_openpgp_keys", json::array{json::object{{"fingerprint", fingerprint},
                                                             {"url", server_.Url("/key.asc")}}}},
            {"publisher", json::object{{"category", "vendor"},
                                       {"name", "Acme Medical"},
                                       {"namespace", "https://acme.example"}}},
            {"role", "csaf_trusted_provider"}}));
  }

  std::int64_t AddSource(const std::string& kind, const std::string& url) {
    advisories::NewSource n;
    n.name = "source " + kind;
    n.kind = kind;
    n.url = url;
    auto s = hub_->sources().Create(Actor::Of(*publisher_), n);
    if (!s) throw std::runtime_error("create source: " + s.error().message);
    return s->id;
  }

  SourceRun RunNow(std::int64_t id) {
    auto run = hub_->sources().Run(Actor::Of(*publisher_), id);
    if (!run) throw std::runtime_error("run: " + run.error().message);
    return *run;
  }

  static std::string Log(const SourceRun& r) {
    std::string out;
    for (const auto& l : r.log) out += l + "\n";
    return out;
  }

  ::caduceus::testing::TempDir dir_;
  std::unique_ptr<TestKey> key_;
  std::unique_ptr<AdvisoryService> hub_;
  const identity::Principal* publisher_ = nullptr;
  ProviderServer server_;
  std::map<std::string, std::string> changes_csv_;
};

MiniAdvisory Doc(const std::string& id, int version = 1) {
  MiniAdvisory m;
  m.tracking_id = id;
  m.version = version;
  m.release = fmt::format("2026-03-0{}T10:00:00Z", version);
  return m;
}

TEST_P(SourceServiceTest, ProviderDirectoryImportsVerifiedDocumentsThenOnlyWhatChanged) {
  Metadata(key_->fingerprint());
  Publish("2026/acme-2026-0001.json", MiniCsaf(Doc("ACME-2026-0001")), "2026-03-01T10:00:00Z");
  Publish("2026/acme-2026-0002.json", MiniCsaf(Doc("ACME-2026-0002")), "2026-03-01T11:00:00Z");
  const std::int64_t id =
      AddSource("provider", server_.Url("/.well-known/csaf/provider-metadata.json"));

  const SourceRun first = RunNow(id);
  EXPECT_EQ(first.status, "ok") << Log(first);
  EXPECT_EQ(first.imported, 2) << Log(first);
  EXPECT_EQ(first.rejected, 0);
  EXPECT_EQ(hub_->AdvisoryIds()->size(), 2U);
  AdvisoryFilter f;
  f.q = "ACME-2026-0002";
  ASSERT_EQ(hub_->List(Actor::System(), f)->items.size(), 1U);
  EXPECT_EQ(hub_->List(Actor::System(), f)->items[0].source, "provider");

  server_.ClearHits();
  const SourceRun second = RunNow(id);
  EXPECT_EQ(second.status, "ok") << Log(second);
  EXPECT_EQ(second.imported, 0);
  EXPECT_EQ(server_.Hits("/csaf/2026/acme-2026-0001.json"), 0);
  EXPECT_EQ(server_.Hits("/csaf/changes.csv"), 1);

  Publish("2026/acme-2026-0001.json", MiniCsaf(Doc("ACME-2026-0001", 2)), "2026-03-02T10:00:00Z");
  server_.ClearHits();
  const SourceRun third = RunNow(id);
  EXPECT_EQ(third.imported, 1) << Log(third);
  EXPECT_THAT(Log(third), HasSubstr("revised"));
  EXPECT_EQ(server_.Hits("/csaf/2026/acme-2026-0001.json"), 1);
  EXPECT_EQ(server_.Hits("/csaf/2026/acme-2026-0002.json"), 0);
  auto runs = hub_->sources().Runs(Actor::Of(*publisher_), id, 10);
  ASSERT_TRUE(Succeeds(runs));
  EXPECT_EQ(runs->size(), 3U);
  EXPECT_EQ(hub_->sources().Get(Actor::Of(*publisher_), id)->last_status, "ok");
}

TEST_P(SourceServiceTest, TamperedChecksumsAndSignaturesRejectTheDocumentAndSaySo) {
  Metadata(key_->fingerprint());
  const std::string good = MiniCsaf(Doc("ACME-2026-0010"));
  Publish("a/checksum.json", MiniCsaf(Doc("ACME-2026-0011")), "2026-03-01T10:00:00Z");
  server_.Put("/csaf/a/checksum.json.sha512", std::string(128, 'a') + "  checksum.json\n");
  Publish("a/signature.json", MiniCsaf(Doc("ACME-2026-0012")), "2026-03-01T10:00:00Z");
  server_.Put("/csaf/a/signature.json.asc", key_->Sign(good));
  Publish("a/unsigned.json", MiniCsaf(Doc("ACME-2026-0013")), "2026-03-01T10:00:00Z");
  server_.Remove("/csaf/a/unsigned.json.asc");
  Publish("a/nosum.json", MiniCsaf(Doc("ACME-2026-0014")), "2026-03-01T10:00:00Z");
  server_.Remove("/csaf/a/nosum.json.sha512");
  TestKey stranger(dir_.path() + "/stranger", "Mallory <m@evil.example>");
  ASSERT_TRUE(stranger.ok());
  Publish("a/stranger.json", MiniCsaf(Doc("ACME-2026-0015")), "2026-03-01T10:00:00Z");
  server_.Put("/csaf/a/stranger.json.asc", stranger.Sign(MiniCsaf(Doc("ACME-2026-0015"))));
  Publish("a/good.json", good, "2026-03-01T10:00:00Z");
  const std::int64_t id =
      AddSource("provider", server_.Url("/.well-known/csaf/provider-metadata.json"));

  const SourceRun run = RunNow(id);
  const std::string log = Log(run);
  EXPECT_EQ(run.status, "partial") << log;
  EXPECT_EQ(run.imported, 1) << log;
  EXPECT_EQ(run.rejected, 5) << log;
  EXPECT_THAT(log, HasSubstr("checksum.json: checksum mismatch"));
  EXPECT_THAT(log, HasSubstr("signature.json: the signature does not match the document"));
  EXPECT_THAT(log, HasSubstr("unsigned.json: no OpenPGP signature"));
  EXPECT_THAT(log, HasSubstr("nosum.json: no .sha256 or .sha512 checksum file"));
  EXPECT_THAT(log, HasSubstr("stranger.json: the signature was made by an unknown key"));
  ASSERT_EQ(hub_->AdvisoryIds()->size(), 1U);
  EXPECT_EQ(hub_->Get(Actor::System(), hub_->AdvisoryIds()->at(0))->summary.tracking_id,
            "ACME-2026-0010");
}

TEST_P(SourceServiceTest, KeyWhoseFingerprintIsNotTheListedOneIsNotTrusted) {
  Metadata(std::string(40, 'A'));
  Publish("b/doc.json", MiniCsaf(Doc("ACME-2026-0020")), "2026-03-01T10:00:00Z");
  const std::int64_t id =
      AddSource("provider", server_.Url("/.well-known/csaf/provider-metadata.json"));
  const SourceRun run = RunNow(id);
  const std::string log = Log(run);
  EXPECT_EQ(run.rejected, 1) << log;
  EXPECT_THAT(log, HasSubstr("not trusted: the key's fingerprint is"));
  EXPECT_THAT(log, HasSubstr("which the provider metadata does not list"));
  EXPECT_TRUE(hub_->AdvisoryIds()->empty());
}

TEST_P(SourceServiceTest, RolieFeedEntriesAreFetchedWithTheirHashAndSignatureLinks) {
  Metadata(key_->fingerprint(), true);
  const std::string doc = MiniCsaf(Doc("ACME-2026-0030"));
  server_.Put("/docs/x.json", doc);
  server_.Put("/docs/x.json.sha256", Digest(doc, EVP_sha256()));
  server_.Put("/docs/x.json.asc", key_->Sign(doc));
  json::array links{json::object{{"rel", "self"}, {"href", server_.Url("/docs/x.json")}},
                    json::object{{"rel", "hash"}, {"href", server_.Url("/docs/x.json.sha256")}},
                    json::object{{"rel", "signature"}, {"href", server_.Url("/docs/x.json.asc")}}};
  server_.Put(
      "/feed/white.json",
      json::serialize(json::object{
          {"feed",
           json::object{{"id", "acme-white"},
                        {"entry", json::array{json::object{{"id", "ACME-2026-0030"},
                                                           {"updated", "2026-03-01T10:00:00Z"},
                                                           {"link", std::move(links)}}}}}}}));
  const std::int64_t id =
      AddSource("provider", server_.Url("/.well-known/csaf/provider-metadata.json"));
  const SourceRun run = RunNow(id);
  EXPECT_EQ(run.status, "ok") << Log(run);
  EXPECT_EQ(run.imported, 1) << Log(run);
  server_.ClearHits();
  RunNow(id);
  EXPECT_EQ(server_.Hits("/docs/x.json"), 0);
}

TEST_P(SourceServiceTest, RealCisaDocumentPassesItsChecksumButNotAnUnlistedSignature) {
  const fs::path dir =
      SharedDataDir() / "csaf" / "cisagov-CSAF" / "csaf_files" / "OT" / "white" / "2024";
  SKIP_WITHOUT(dir / "icsa-24-156-01.json.asc");
  Metadata(key_->fingerprint());
  const std::string doc = ReadFile(dir / "icsa-24-156-01.json");
  server_.Put("/csaf/icsa-24-156-01.json", doc);
  server_.Put("/csaf/icsa-24-156-01.json.sha512", ReadFile(dir / "icsa-24-156-01.json.sha512"));
  server_.Put("/csaf/icsa-24-156-01.json.asc", ReadFile(dir / "icsa-24-156-01.json.asc"));
  server_.Put("/csaf/changes.csv", "\"icsa-24-156-01.json\",\"2024-06-04T06:00:00Z\"\n");
  const std::int64_t id =
      AddSource("provider", server_.Url("/.well-known/csaf/provider-metadata.json"));
  const SourceRun run = RunNow(id);
  const std::string log = Log(run);
  EXPECT_EQ(run.rejected, 1) << log;
  EXPECT_THAT(log, HasSubstr("unknown key")) << "the checksum passed, the signature is CISA's";
  EXPECT_THAT(log, ::testing::Not(HasSubstr("checksum mismatch")));
}

TEST_P(SourceServiceTest, DirectorySourceImportsChangedFilesAndChecksChecksums) {
  const std::string root = dir_.path() + "/files/csaf";
  WriteFile(root + "/2026/one.json", MiniCsaf(Doc("DIR-2026-0001")));
  WriteFile(root + "/2026/two.json", MiniCsaf(Doc("DIR-2026-0002")));
  WriteFile(root + "/2026/two.json.sha256", std::string(64, '0'));
  WriteFile(root + "/provider-metadata.json", "{}");
  const std::int64_t id = AddSource("directory", "file://" + root);
  const SourceRun first = RunNow(id);
  EXPECT_EQ(first.imported, 1) << Log(first);
  EXPECT_EQ(first.rejected, 1);
  EXPECT_THAT(Log(first), HasSubstr("two.json: checksum mismatch"));
  EXPECT_EQ(first.status, "partial");

  fs::remove(root + "/2026/two.json.sha256");
  const SourceRun second = RunNow(id);
  EXPECT_EQ(second.imported, 1) << Log(second);
  EXPECT_EQ(second.fetched, 1) << "one.json is unchanged and not read again";
  EXPECT_EQ(second.status, "ok");

  advisories::NewSource n;
  n.name = "outside";
  n.kind = "directory";
  n.url = "file:///etc";
  EXPECT_TRUE(FailsWith(hub_->sources().Create(Actor::Of(*publisher_), n), Errc::kInvalidArgument));
}

TEST_P(SourceServiceTest, KevSourceImportsTheCatalogueOnceUntilItChanges) {
  const std::string file = dir_.path() + "/files/kev.json";
  WriteFile(file, MiniKev({"CVE-2026-10001"}));
  const std::int64_t id = AddSource("kev", "file://" + file);
  const SourceRun first = RunNow(id);
  EXPECT_EQ(first.imported, 1) << Log(first);
  EXPECT_NE((*hub_->Kev())->Find("CVE-2026-10001"), nullptr);
  const SourceRun second = RunNow(id);
  EXPECT_EQ(second.imported, 0) << Log(second);
  EXPECT_EQ(second.unchanged, 1);
}

TEST_P(SourceServiceTest, RunDueRunsEnabledSourcesOnTheirInterval) {
  const std::string file = dir_.path() + "/files/kev.json";
  WriteFile(file, MiniKev({"CVE-2026-10001"}));
  const std::int64_t due = AddSource("kev", "file://" + file);
  const std::int64_t off = AddSource("kev", "file://" + file);
  SourcePatch disable;
  disable.enabled = false;
  ASSERT_TRUE(Succeeds(hub_->sources().Update(Actor::Of(*publisher_), off, disable)));
  auto runs = hub_->sources().RunDue();
  ASSERT_EQ(runs.size(), 1U);
  EXPECT_EQ(runs[0].source_id, due);
  EXPECT_TRUE(hub_->sources().RunDue().empty());
  clock_.Advance(std::chrono::minutes(61));
  EXPECT_EQ(hub_->sources().RunDue().size(), 1U);
}

TEST_P(SourceServiceTest, OneRunAtATimeAndOnlyPublishersManageSources) {
  const std::int64_t id = AddSource("kev", "file://" + dir_.path() + "/files/kev.json");
  db_->Query("UPDATE adv_sources SET lease_owner = 'other', lease_until_us = ? WHERE id = ?",
             {storage::Int(INT64_MAX / 2), storage::Int(id)});
  EXPECT_TRUE(FailsWith(hub_->sources().Run(Actor::Of(*publisher_), id), Errc::kConflict));
  const identity::Principal& provider = As(charite_, Role::kAdmin);
  EXPECT_TRUE(FailsWith(hub_->sources().List(Actor::Of(provider)), Errc::kPermissionDenied));
  EXPECT_TRUE(FailsWith(hub_->sources().Run(Actor::Of(provider), id), Errc::kPermissionDenied));
  EXPECT_TRUE(FailsWith(hub_->sources().Delete(Actor::Of(provider), id), Errc::kPermissionDenied));
  ASSERT_TRUE(Succeeds(hub_->sources().Delete(Actor::Of(*publisher_), id)));
  EXPECT_TRUE(FailsWith(hub_->sources().Get(Actor::Of(*publisher_), id), Errc::kNotFound));
}

TEST_P(SourceServiceTest, ASourceIsManagedByItsOrganisationAndSeenByTheSupportCentreToo) {
  const std::int64_t id = AddSource("kev", "file://" + dir_.path() + "/files/kev.json");
  SourceService& sources = hub_->sources();
  const Actor centre = Actor::Of(As(sc_));
  const Actor other = Actor::Of(As(Org("ANSSI", identity::OrgKind::kAuthority, sc_, "FR")));
  SourcePatch elsewhere;
  elsewhere.url = "file://" + dir_.path() + "/files/other.json";
  // Another authority does not see it: it could otherwise publish in BSI's name through it.
  EXPECT_TRUE(sources.List(other)->empty());
  EXPECT_TRUE(FailsWith(sources.Get(other, id), Errc::kNotFound));
  EXPECT_TRUE(FailsWith(sources.Runs(other, id, 10), Errc::kNotFound));
  EXPECT_TRUE(FailsWith(sources.Update(other, id, elsewhere), Errc::kNotFound));
  EXPECT_TRUE(FailsWith(sources.Run(other, id), Errc::kNotFound));
  EXPECT_TRUE(FailsWith(sources.Delete(other, id), Errc::kNotFound));
  // The support centre sees it and its runs, and manages only its own and the CLI's.
  EXPECT_EQ(sources.List(centre)->size(), 1U);
  EXPECT_TRUE(Succeeds(sources.Runs(centre, id, 10)));
  EXPECT_TRUE(FailsWith(sources.Update(centre, id, elsewhere), Errc::kPermissionDenied));
  EXPECT_TRUE(FailsWith(sources.Run(centre, id), Errc::kPermissionDenied));
  EXPECT_TRUE(FailsWith(sources.Delete(centre, id), Errc::kPermissionDenied));
  EXPECT_EQ(sources.Get(centre, id)->url, "file://" + dir_.path() + "/files/kev.json");
  NewSource cli;
  cli.name = "from the CLI";
  cli.kind = "kev";
  cli.url = "file://" + dir_.path() + "/files/kev.json";
  auto unowned = sources.Create(Actor::System(), cli);
  ASSERT_TRUE(Succeeds(unowned));
  EXPECT_TRUE(Succeeds(sources.Update(centre, unowned->id, elsewhere)));
  EXPECT_TRUE(FailsWith(sources.Get(Actor::Of(*publisher_), unowned->id), Errc::kNotFound));
  EXPECT_TRUE(Succeeds(sources.Delete(centre, unowned->id)));
  // Its own organisation does everything.
  EXPECT_TRUE(Succeeds(sources.Update(Actor::Of(*publisher_), id, elsewhere)));
  EXPECT_TRUE(Succeeds(sources.Delete(Actor::Of(*publisher_), id)));
}

TEST_P(SourceServiceTest, LoopbackProvidersAreRefusedByDefault) {
  Metadata(key_->fingerprint());
  AdvisoryService guarded(*db_, clock_, *ids_);
  advisories::NewSource n;
  n.name = "local";
  n.kind = "provider";
  n.url = server_.Url("/.well-known/csaf/provider-metadata.json");
  auto source = guarded.sources().Create(Actor::Of(*publisher_), n);
  ASSERT_TRUE(Succeeds(source));
  auto run = guarded.sources().Run(Actor::Of(*publisher_), source->id);
  ASSERT_TRUE(Succeeds(run));
  EXPECT_EQ(run->status, "failed");
  EXPECT_THAT(Log(*run), HasSubstr("loopback"));
}

INSTANTIATE_TEST_SUITE_P(Backends,
                         SourceServiceTest,
                         ::testing::ValuesIn(::caduceus::testing::AllBackends()));

}  // namespace
}  // namespace caduceus::advisories
