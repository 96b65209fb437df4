// Files the recovery tests read: the shipped galaxy copy and decryptor catalogue, the accuracy set,
// and (when present) the shared data they were taken from.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "recovery/identify.h"
#include "recovery/knowledge.h"

namespace caduceus::recovery::testdata {

inline std::filesystem::path SourceDir() {
  const char* source = std::getenv("CADUCEUS_SOURCE_DIR");
  return std::filesystem::path(source != nullptr && *source != '\0' ? source
                                                                    : CADUCEUS_TEST_SOURCE_DIR);
}

// The shared data directory (CADUCEUS_SHARED_DIR, default <source>/../shared).
inline std::filesystem::path SharedDir() {
  const char* shared = std::getenv("CADUCEUS_SHARED_DIR");
  if (shared != nullptr && *shared != '\0') return shared;
  return SourceDir() / ".." / "shared";
}

inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline std::string GalaxyText() {
  return ReadFile(SourceDir() / "data" / "recovery" / "misp-galaxy-ransomware.json");
}

// The knowledge base built from the shipped galaxy copy alone (no hub markers), built once.
inline const KnowledgeBase& GalaxyKnowledgeBase() {
  static const KnowledgeBase* kb = [] {
    auto galaxy = ParseGalaxy(GalaxyText());
    if (!galaxy) throw std::runtime_error(galaxy.error().message);
    std::vector<Family> families;
    std::int64_t id = 0;
    for (const auto& g : *galaxy) families.push_back(BuildFamily(++id, g, {}));
    return new KnowledgeBase(std::move(families));
  }();
  return *kb;
}

}  // namespace caduceus::recovery::testdata
