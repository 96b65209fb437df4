// The agent's clue collection and identification: what is read and what is not (symbolic links,
// ordinary files, file stems, bytes beyond the markers), the bounds, the offline identification
// from an exported knowledge base, and that only the clues are sent to a hub.
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "agent/recovery_collect.h"
#include "http/server.h"
#include "recovery/knowledge.h"
#include "support/test_db.h"

namespace caduceus::agent {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using recovery::Clues;

constexpr std::string_view kLockbitNote =
    "~~~ LockBit 3.0 the world's fastest and most stable ransomware from 2019~~~\n"
    ">>>>> Your data is stolen and encrypted.\n";

void Write(const fs::path& path, std::string_view content) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << content;
}

recovery::KnowledgeBase TestKnowledgeBase() {
  recovery::GalaxyFamily lockbit;
  lockbit.uuid = "8eda8bf1-db5a-412d-8511-45e2f7621d51";
  lockbit.name = "LockBit";
  lockbit.extensions = {".lockbit"};
  lockbit.note_filenames = {"Restore-My-Files.txt"};
  recovery::GalaxyFamily dharma;
  dharma.uuid = "2b365b2c-4a9a-4b66-804d-3b2d2814fe7b";
  dharma.name = "Dharma Ransomware";
  dharma.extensions = {".id-BCBEF350.[paymentbtc@firemail.cc].wallet"};
  return recovery::KnowledgeBase(
      {recovery::BuildFamily(1, lockbit, {}), recovery::BuildFamily(2, dharma, {})});
}

class CollectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(dir_.path()) / "disk";
    for (const char* folder : {"a", "b", "c"}) {
      Write(root_ / folder / "Restore-My-Files.txt", kLockbitNote);
    }
    Write(root_ / "a" / "report.docx.lockbit",
          std::string("HEAD") + std::string(100, 'x') + "TAIL");
    Write(root_ / "b" / "photo.jpg.lockbit", "0123456789");
    Write(root_ / "c" / "J.Smith MRI.dcm.id-1E857D00.[bitlocker@foxmail.com].wallet", "DICM");
    Write(root_ / "c" / "help.txt", "Patient Jan Janssens, room 12");
    Write(root_ / "c" / "letter.docx", "ordinary");
    Write(root_ / "outside" / "secret.lockbit", "outside the walk");
    fs::create_directory_symlink(root_ / "outside", root_ / "a" / "linked-dir");
    fs::create_symlink(root_ / "outside" / "secret.lockbit", root_ / "b" / "linked.lockbit");
  }

  Collected Collect(CollectOptions options = {}) {
    const fs::path roots[] = {root_ / "a", root_ / "b", root_ / "c"};
    return CollectClues(roots, options, clock_);
  }

  testing::TempDir dir_;
  fs::path root_;
  ManualClock clock_{FromUnixMillis(1'795'000'000'000)};
};

TEST_F(CollectTest, CollectsNotesReducedNamesAndMarkersButNotLinksOrOrdinaryFiles) {
  const auto collected = Collect();
  const Clues& clues = collected.clues;
  ASSERT_EQ(clues.notes.size(), 1U);
  EXPECT_EQ(clues.notes[0].file_name, "Restore-My-Files.txt");
  EXPECT_EQ(clues.notes[0].bytes, kLockbitNote);
  EXPECT_EQ(clues.file_names,
            (std::vector<std::string>{"file.dcm.id-1E857D00.[bitlocker@foxmail.com].wallet",
                                      "file.docx.lockbit", "file.jpg.lockbit"}));
  ASSERT_EQ(clues.samples.size(), 3U);
  for (const auto& s : clues.samples) {
    if (s.file_name != "file.docx.lockbit") continue;
    EXPECT_EQ(s.header, "HEAD" + std::string(28, 'x'));
    EXPECT_EQ(s.footer, std::string(28, 'x') + "TAIL");
  }
  EXPECT_EQ(collected.report.symlinks_skipped, 2U);
  EXPECT_FALSE(collected.report.limited);

  const std::string sent = json::serialize(recovery::ToJson(clues));
  for (std::string_view private_text :
       {"Janssens", "Smith", "MRI", "outside", "ordinary", "letter"}) {
    EXPECT_EQ(sent.find(private_text), std::string::npos) << private_text;
  }
}

TEST_F(CollectTest, ANoteNameFoundInOneFolderOnlyIsNotReadUnlessItSaysDecryptOrRecover) {
  Write(root_ / "a" / "README_INSTRUCTIONS.txt", "installation guide");
  Write(root_ / "a" / "HOW_TO_DECRYPT.txt", "pay us");
  const auto clues = Collect().clues;
  std::vector<std::string> names;
  for (const auto& n : clues.notes) names.push_back(n.file_name);
  EXPECT_EQ(names, (std::vector<std::string>{"HOW_TO_DECRYPT.txt", "Restore-My-Files.txt"}));
}

TEST_F(CollectTest, BoundsStopTheWalkAndSaySo) {
  CollectOptions few;
  few.max_file_names = 1;
  few.max_samples = 1;
  auto collected = Collect(few);
  EXPECT_EQ(collected.clues.file_names.size(), 1U);
  EXPECT_EQ(collected.clues.samples.size(), 1U);
  EXPECT_TRUE(collected.report.limited);

  CollectOptions entries;
  entries.max_entries = 2;
  collected = Collect(entries);
  EXPECT_TRUE(collected.report.limited);
  EXPECT_LE(collected.report.entries, 2U);

  CollectOptions no_time;
  no_time.time_limit = std::chrono::seconds(0);
  collected = Collect(no_time);
  EXPECT_TRUE(collected.report.timed_out);
  EXPECT_TRUE(collected.clues.empty());
}

TEST_F(CollectTest, DepthIsBounded) {
  Write(root_ / "d" / "1" / "2" / "3" / "deep.xlsx.lockbit", "x");
  CollectOptions shallow;
  shallow.max_depth = 2;
  const fs::path roots[] = {root_ / "d"};
  const auto collected = CollectClues(roots, shallow, clock_);
  EXPECT_TRUE(collected.clues.file_names.empty());
  EXPECT_TRUE(collected.report.limited);
  const auto deep = CollectClues(roots, CollectOptions{}, clock_);
  EXPECT_EQ(deep.clues.file_names, std::vector<std::string>{"file.xlsx.lockbit"});
}

TEST(RecoveryCollectNames, ReduceFileNameKeepsOnlyTheTypeAndWhatRansomwareAppended) {
  EXPECT_EQ(ReduceFileName("Patient Smith.pdf.lockbit"), "file.pdf.lockbit");
  EXPECT_EQ(ReduceFileName("C:\\scans\\a.b.c.dcm.id-1E85.[a@b.cc].wallet"),
            "file.dcm.id-1E85.[a@b.cc].wallet");
  EXPECT_EQ(ReduceFileName("0123456789ABCDEF0123456789ABCDEF.locky"), "file.locky");
  EXPECT_EQ(ReduceFileName("no-extension"), "");
  EXPECT_EQ(ReduceFileName(".profile"), "");
  EXPECT_TRUE(HasOrdinaryExtension("x.DOCX"));
  EXPECT_FALSE(HasOrdinaryExtension("x.docx.akira"));
}

TEST(RecoveryCollectNames, NoteNamesAreRecognisedByWordsOrByTheKnowledgeBase) {
  const auto kb = TestKnowledgeBase();
  EXPECT_TRUE(LooksLikeNoteName("HOW_TO_DECRYPT.html", nullptr));
  EXPECT_TRUE(LooksLikeNoteName("!!!READ_ME_MEDUSA!!!.txt", nullptr));
  EXPECT_FALSE(LooksLikeNoteName("decrypt.exe", nullptr));
  EXPECT_FALSE(LooksLikeNoteName("Restore-My-Files.pdf", nullptr));
  EXPECT_FALSE(LooksLikeNoteName("budget.txt", nullptr));
  EXPECT_TRUE(LooksLikeNoteName("restore-my-files.TXT", &kb));
}

TEST_F(CollectTest, CollectedCluesIdentifyOfflineFromAnExportedKnowledgeBase) {
  const fs::path kb_file = fs::path(dir_.path()) / "kb.json";
  const fs::path clues_file = fs::path(dir_.path()) / "clues.json";
  Write(kb_file, json::serialize(recovery::KnowledgeBaseToJson(TestKnowledgeBase())));
  std::ostringstream out, err;
  ASSERT_EQ(
      RunRecoveryCollect({(root_ / "a").string(), (root_ / "b").string(), (root_ / "c").string()},
                         clues_file.string(), kb_file.string(), CollectOptions{}, out, err),
      0)
      << err.str();
  EXPECT_NE(err.str().find("2 symbolic links not followed"), std::string::npos) << err.str();

  std::ostringstream result, errors;
  ASSERT_EQ(
      RunRecoveryIdentifyOffline(kb_file.string(), clues_file.string(), false, result, errors), 0)
      << errors.str();
  EXPECT_EQ(result.str().rfind("1. LockBit", 0), 0U) << result.str();
  EXPECT_NE(result.str().find("no decryption tool is known"), std::string::npos);

  std::ostringstream as_json;
  ASSERT_EQ(
      RunRecoveryIdentifyOffline(kb_file.string(), clues_file.string(), true, as_json, errors), 0);
  const auto parsed = json::parse(as_json.str()).as_object();
  EXPECT_EQ(parsed.at("candidates").as_array()[0].at("family").at("name").as_string(), "LockBit");

  std::ostringstream bad;
  Write(clues_file, "{\"notes\": 3}");
  EXPECT_EQ(RunRecoveryIdentifyOffline(kb_file.string(), clues_file.string(), false, result, bad),
            1);
  EXPECT_NE(bad.str().find("notes"), std::string::npos);
}

TEST(RecoveryCollectFormat, SaysClearlyWhenNothingIsIdentified) {
  const std::string text = FormatIdentification(
      json::object{{"candidates", json::array{}}, {"unknown", true}, {"notes", json::array{}}});
  EXPECT_NE(text.find("No family could be identified"), std::string::npos);
  EXPECT_NE(FormatIdentification(json::object{}).find("No family"), std::string::npos);
}

TEST(RecoveryIdentifyHub, SendsOnlyTheCanonicalCluesWithTheTokenAndPrintsTheAnswer) {
  testing::TempDir dir;
  const fs::path clues_file = fs::path(dir.path()) / "clues.json";
  Write(clues_file, R"({"file_names": ["x.docx.lockbit"],)"
                    R"( "note_filename": "C:\\Users\\dr.x\\Restore-My-Files.txt"})");
  std::mutex mu;
  std::string received_body, received_auth, received_path;
  http::ServerOptions options;
  options.port = 0;
  options.threads = 1;
  options.handle_signals = false;
  http::Server server(options, [&](http::Request& req) {
    std::lock_guard<std::mutex> lock(mu);
    received_body = req.body;
    received_path = req.path;
    received_auth = std::string(req.Header("Authorization").value_or(""));
    if (received_auth != "Bearer good-token") {
      return http::Problem(401, "unauthenticated", "Unauthenticated", "bad token");
    }
    return http::Response::Json(
        200, R"({"candidates":[{"family":{"name":"LockBit"},"confidence":0.9,"evidence":[],)"
             R"("decryptors":[]}],"unknown":false,"notes":[]})");
  });
  std::thread runner([&] { server.Run(); });
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/";
  std::ostringstream out, err;
  const int ok =
      RunRecoveryIdentifyHub(url, "good-token", clues_file.string(), {}, false, out, err);
  std::ostringstream refused_out, refused_err;
  const int refused = RunRecoveryIdentifyHub(url, "bad-token", clues_file.string(), {}, false,
                                             refused_out, refused_err);
  server.Stop();
  runner.join();

  EXPECT_EQ(ok, 0) << err.str();
  EXPECT_EQ(out.str().rfind("1. LockBit (90%)", 0), 0U) << out.str();
  EXPECT_EQ(refused, 1);
  EXPECT_NE(refused_err.str().find("HTTP 401"), std::string::npos) << refused_err.str();
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(received_path, "/api/v1/recovery/identify");
  const auto sent = json::parse(received_body).as_object();
  EXPECT_EQ(sent.at("notes").as_array()[0].at("file_name").as_string(), "Restore-My-Files.txt");
  EXPECT_EQ(received_body.find("dr.x"), std::string::npos);
  EXPECT_EQ(sent.at("file_names").as_array()[0].as_string(), "x.docx.lockbit");
}

}  // namespace
}  // namespace caduceus::agent
