// MISP warninglists (https://github.com/MISP/misp-warninglists, CC0): lists of values that are
// almost never malicious (top domains, public DNS resolvers, RFC 1918 networks, cloud ranges,
// hashes of empty files). An indicator that hits one is flagged when it is submitted and left out
// of the exports that feed firewalls, so a hospital never blocks google.com.
//
// List types, as in the MISP format (list.json: name, version, description, type, list,
// matching_attributes): "string" (exact, case-insensitive; an entry with a leading dot,
// ".example.com", also covers the name's subdomains), "hostname" (the domain or any of its
// subdomains, except that an entry which is itself a public suffix such as "blogspot.com" or
// "github.io" only hits exactly: names under it belong to unrelated registrants), "cidr" (the
// address or network is covered by the list's networks), "substring" (case-insensitive), "regex"
// (PCRE2, "/pattern/flags" as MISP writes them or a bare pattern, applied to the value with a
// backtracking limit). Domain-valued lists also compare the domain of an e-mail address and the
// host of a URL that names a whole site (path "/", no query: "https://bit.ly/AbCd" is not
// bit.ly). Each list applies to the observable kinds its matching_attributes map to
// (ip-src/ip-dst → ipv4/ipv6, domain/hostname → domain, url → url, md5 → md5, ...); a list
// without matching_attributes applies to all, one whose attributes map to no kind to none.
//
// Build once, then read from any thread.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "intel/observables.h"

namespace caduceus::intel {

struct WarninglistInfo {
  std::string name;
  std::string description;
  std::string type;  // string, hostname, cidr, substring, regex
  std::int64_t version = 0;
  std::size_t entries = 0;
  std::vector<ObservableKind> kinds;  // the kinds it applies to, in enum order
};

struct WarninglistHit {
  std::string list;  // the list's name
  Observable observable;
};

class Warninglists {
 public:
  Warninglists();
  ~Warninglists();
  Warninglists(Warninglists&&) noexcept;
  Warninglists& operator=(Warninglists&&) noexcept;

  // Adds one list.json (text). Fails (Error::Invalid, with a JSON pointer) on a malformed list or
  // a regex that does not compile; the set is unchanged then.
  Status AddList(std::string_view list_json);

  // Adds every `<dir>/**/list.json`. Fails on the first bad list, naming its file.
  Status AddDirectory(const std::filesystem::path& dir);

  // The lists the observable hits, in the order the lists were added.
  std::vector<WarninglistHit> Check(const Observable& observable) const;

  std::vector<WarninglistInfo> Lists() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// The lists of `dir` (AddDirectory), or nullopt when `dir` is not a directory (a data directory
// without them, which the caller reports). A bad list is an error.
Result<std::optional<Warninglists>> LoadWarninglists(const std::filesystem::path& dir);

}  // namespace caduceus::intel
