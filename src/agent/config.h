// The agent's state directory and its enrolment: which hub, with which credential.
//
// The state directory (default /var/lib/caduceus-agent; `--state DIR` or CADUCEUS_AGENT_STATE)
// is created with mode 0700 and holds config.json (hub URL, user name, CA file, report
// collection) and token (the API token alone), both mode 0600, beside the local store, the
// sweep index and the findings. Every file is written through a temporary file in the same
// directory, fsync'ed and renamed into place, so a crash leaves the old or the new content.
//
// Nothing here prints or logs the token. Functions are stateless and thread-compatible.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"

namespace caduceus::agent {

inline constexpr const char* kDefaultStateDir = "/var/lib/caduceus-agent";
inline constexpr const char* kStateEnv = "CADUCEUS_AGENT_STATE";

struct AgentConfig {
  std::string hub_url;   // scheme://host[:port][/prefix], without a trailing slash
  std::string token;     // an API token of the hub (never printed)
  std::string username;  // when set, TAXII requests use HTTP Basic (user, token); else Bearer
  std::string ca_file;   // extra CA bundle (PEM) for the hub, or empty
  // The collection id sightings go to when the sighted indicator's own collection is not
  // writable by the token; empty: the first writable collection of the indicator's API root.
  std::string report_collection;
  // When set, sightings name it in where_sighted_refs (an identity or location STIX id);
  // otherwise they say nothing of where.
  std::string where_sighted_ref;
};

// `flag` when non-empty, else $CADUCEUS_AGENT_STATE when set, else kDefaultStateDir.
std::filesystem::path ResolveStateDir(const std::string& flag);

// Creates the directory (and parents) if missing and sets it to mode 0700. Fails when the path
// is a symbolic link or not a directory, or cannot be created.
Status EnsureStateDir(const std::filesystem::path& dir);

// Writes `content` to `file` atomically (temporary file in the same directory, fsync, rename)
// with permission bits `mode`.
Status WriteFileAtomic(const std::filesystem::path& file,
                       std::string_view content,
                       unsigned mode = 0600);
// Reads a whole file of at most `max_bytes`.
Result<std::string> ReadSmallFile(const std::filesystem::path& file,
                                  std::size_t max_bytes = 1 << 20);

// Checks and normalises a hub URL: http or https, a host, no query, fragment or user info;
// the trailing slash removed.
Result<std::string> NormaliseHubUrl(std::string_view url);

// Writes config.json and token into `dir` (which EnsureStateDir has prepared).
Status SaveConfig(const std::filesystem::path& dir, const AgentConfig& config);
// Reads them back; NotFound when the agent has not been enrolled.
Result<AgentConfig> LoadConfig(const std::filesystem::path& dir);

// The Authorization header for the hub (Basic with username, else Bearer).
std::pair<std::string, std::string> AuthHeader(const AgentConfig& config);

}  // namespace caduceus::agent
