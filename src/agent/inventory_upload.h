// `caduceus inventory upload FILE`: sends the hospital's asset inventory (CycloneDX 1.4-1.6 JSON
// or CSV) to the hub with the enrolled token, so the early-warning service matches it
// (docs/agent.md). The hub applies all of it or nothing; a refused upload is reported row by row.
#pragma once

#include <cstddef>
#include <filesystem>
#include <iosfwd>
#include <string>

#include "client/http_client.h"

namespace caduceus::agent {

// The largest inventory file sent, as the hub's inventory service accepts.
inline constexpr std::size_t kMaxInventoryBytes = 64 * 1024 * 1024;

struct InventoryUploadOptions {
  std::filesystem::path file;
  std::string mode = "replace";  // "replace" or "merge"
  std::string format;            // "cyclonedx", "csv", or empty: the hub guesses from the content
};

// Exit code: 0 the hub applied the upload (its summary on `out`), 1 the hub refused it (each bad
// row on `err`) or could not be reached, 2 bad arguments, an unreadable file or an agent that is
// not enrolled.
int RunInventoryUpload(const std::filesystem::path& state_dir,
                       const InventoryUploadOptions& upload,
                       const client::ClientOptions& client_options,
                       std::ostream& out,
                       std::ostream& err);

}  // namespace caduceus::agent
