// The decryption-tool catalogue: the shipped file (real tools, every one linked to a galaxy
// family), validation, patches and the file format's errors.
#include "recovery/decryptor.h"

#include <set>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "test_data.h"

namespace caduceus::recovery {
namespace {

namespace json = boost::json;

json::object ValidJson(std::string key = "tool-one") {
  return json::object{{"key", std::move(key)},
                      {"families", json::array{"GandCrab"}},
                      {"tool", "  GandCrab Decryptor  "},
                      {"provider", "Bitdefender"},
                      {"url", "https://www.nomoreransom.org/en/decryption-tools.html"},
                      {"instructions", "Line one.\nLine two."},
                      {"last_verified", "2026-02-28"}};
}

TEST(DecryptorCatalogue, ShippedFileHoldsRealToolsEachLinkedToAGalaxyFamily) {
  const auto tools = ParseDecryptorFile(
      testdata::ReadFile(testdata::SourceDir() / "data" / "recovery" / "decryptors.json"));
  ASSERT_TRUE(tools.has_value()) << tools.error().message;
  EXPECT_GE(tools->size(), 25U);
  EXPECT_LE(tools->size(), 50U);
  std::vector<Decryptor> linked;
  std::set<std::string> providers;
  for (const auto& t : *tools) {
    EXPECT_EQ(t.last_verified.substr(0, 4), "2026") << t.key;
    EXPECT_EQ(t.url.rfind("https://", 0), 0U) << t.key;
    providers.insert(t.provider);
    linked.push_back({0, t, {}, {}});
  }
  for (std::string_view p : {"Kaspersky", "Emsisoft", "Avast", "Bitdefender"}) {
    EXPECT_TRUE(providers.contains(std::string(p))) << p;
  }
  // Every tool decrypts at least one family the galaxy knows.
  const auto& galaxy = testdata::GalaxyKnowledgeBase();
  const KnowledgeBase kb(galaxy.families(), linked);
  std::set<std::string> used;
  for (const auto& f : kb.families()) {
    for (const auto& d : kb.DecryptorsFor(f)) used.insert(d.data.key);
  }
  for (const auto& t : *tools) EXPECT_TRUE(used.contains(t.key)) << t.key;
}

TEST(DecryptorCatalogue, ValidationTrimsAndChecksEveryField) {
  auto d = DecryptorFromJson(ValidJson(), true);
  ASSERT_TRUE(d.has_value()) << d.error().message;
  EXPECT_EQ(d->tool, "GandCrab Decryptor");
  EXPECT_EQ(d->instructions, "Line one.\nLine two.");

  const auto field = [](json::object o, bool require_key = true) {
    auto r = DecryptorFromJson(o, require_key, "");
    return r.has_value() ? std::string("accepted") : r.error().field;
  };
  auto o = ValidJson("X");
  EXPECT_EQ(field(o), "key");
  o = ValidJson();
  o.erase("key");
  EXPECT_EQ(field(o, false), "accepted");
  EXPECT_EQ(field(o, true), "key");
  o = ValidJson();
  o["families"] = json::array{};
  EXPECT_EQ(field(o), "families");
  o["families"] = json::array{"ok", "!!!"};
  EXPECT_EQ(field(o), "families/1");
  o = ValidJson();
  o["url"] = "javascript:alert(1)";
  EXPECT_EQ(field(o), "url");
  o["url"] = "https://user@evil.example/";
  EXPECT_EQ(field(o), "url");
  o = ValidJson();
  o["last_verified"] = "2026-02-30";
  EXPECT_EQ(field(o), "last_verified");
  o = ValidJson();
  o["tool"] = "two\nlines";
  EXPECT_EQ(field(o), "tool");
  o = ValidJson();
  o["extra"] = 1;
  EXPECT_EQ(field(o), "extra");
  o = ValidJson();
  o["families"] = json::array{"GandCrab", "gandcrab ransomware", "GANDCRAB"};
  EXPECT_EQ(DecryptorFromJson(o, true)->families, std::vector<std::string>{"GandCrab"});
}

TEST(DecryptorCatalogue, PatchesChangeOnlyTheGivenFieldsAndNeverTheKey) {
  auto base = *DecryptorFromJson(ValidJson(), true);
  auto patch = DecryptorPatchFromJson(json::object{{"url", "https://example.org/v2"}});
  ASSERT_TRUE(patch.has_value());
  const auto next = ApplyPatch(base, *patch);
  EXPECT_EQ(next.url, "https://example.org/v2");
  EXPECT_EQ(next.tool, base.tool);
  EXPECT_EQ(DecryptorPatchFromJson(json::object{{"key", "other"}}).error().field, "key");
}

TEST(DecryptorCatalogue, FileErrorsNameTheirPlace) {
  const auto error_field = [](json::object doc) {
    auto r = ParseDecryptorFile(json::serialize(doc));
    return r.has_value() ? std::string("accepted") : r.error().field;
  };
  EXPECT_EQ(error_field({{"format", "other"}, {"decryptors", json::array{}}}), "/format");
  EXPECT_EQ(error_field({{"format", kDecryptorFileFormat},
                         {"decryptors", json::array{ValidJson(), ValidJson()}}}),
            "/decryptors/1/key");
  auto bad = ValidJson();
  bad["url"] = "ftp://x";
  EXPECT_EQ(error_field({{"format", kDecryptorFileFormat}, {"decryptors", json::array{bad}}}),
            "/decryptors/0/url");
  EXPECT_EQ(ParseDecryptorFile(std::string(kMaxDecryptorFileBytes + 1, ' ')).error().code,
            Errc::kPayloadTooLarge);
}

TEST(DecryptorCatalogue, FamilyKeysIgnoreCaseSpacesAndTheWordRansomware) {
  EXPECT_EQ(FamilyKey("STOP/Djvu Ransomware"), "stopdjvu");
  EXPECT_EQ(FamilyKey("Dharma Ransomware"), "dharma");
  EXPECT_EQ(FamilyKey("Ransomware"), "ransomware");
  EXPECT_TRUE(IsCalendarDate("2028-02-29"));
  EXPECT_FALSE(IsCalendarDate("2027-02-29"));
}

}  // namespace
}  // namespace caduceus::recovery
