// The compact, immutable index of an IndicatorSet that the sweep matches log values against, and
// its file form (saved once, memory-mapped by every sweep).
//
// Matching semantics (a log value is given as written and normalised here):
//   domain    the domain and every parent domain of two labels or more are looked up, so an
//             indicator matches itself and all its subdomains; ASCII case-insensitive, a trailing
//             dot ignored, non-ASCII labels compared as their IDNA A-label (punycode)
//   ipv4/ipv6 every indicator whose network contains the address (an address is a /32 or /128
//             network), longest prefix first; any textual form (compressed or not IPv6, an
//             IPv4-mapped IPv6 address matches IPv4 indicators)
//   url       intel::Normalise form (scheme and host case, default port, percent-encoding,
//             empty path as "/"), exactly, and every prefix indicator the normalised URL starts
//             with
//   md5/sha1/sha256/sha512  case-insensitive hex
//   email     local part as written, domain normalised
//   file-name ASCII case-insensitive (Windows file names)
// Each value first goes through a blocked Bloom filter over the hashes of the keys (one cache
// line per probe, about 1.25 bytes per key), then through an open-addressing table of keys whose
// bytes are compared, so throughput hardly depends on the number of indicators. When the Bloom
// filter outgrows 256 KiB, a smaller filter derived from the keys on loading (two bits per key in
// one word, at most 512 KiB, so that it stays in the L2 cache) answers most values before it.
//
// File form: a header (magic "CADSWIX\0", format version, total size, the offset and size of each
// section, a 64-bit checksum of everything after the header) and 8-byte aligned sections. Load
// treats the file as hostile: it checks the magic, version, sizes, every section's bounds and
// alignment, the checksum, and every offset, length and reference inside the sections before
// the index is used, so a corrupt or crafted file is an error, never a crash.
//
// An Index is immutable after Build or Load: every const member is thread-safe. It owns its bytes
// (a buffer or a private read-only mapping, unmapped on destruction) and is movable, not
// copyable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/tlp.h"
#include "intel/observables.h"
#include "sweep/indicators.h"
#include "sweep/key_hash.h"

namespace caduceus::sweep {

// A match of a log value: the indicator's position in the index and, for a compound indicator,
// which of its terms matched (the sweeper evaluates compounds per record from these).
struct Hit {
  std::uint32_t indicator = 0;  // < Index::size()
  bool compound = false;
  std::uint32_t clause = 0;  // compound only: the clause of the term
  std::uint8_t term = 0;     // compound only: the term's position in its clause
};

// An indicator's metadata as the index keeps it (views into the index's bytes, valid while the
// Index lives).
struct IndicatorView {
  std::string_view id;
  std::string_view collection;
  std::optional<TlpLevel> tlp;
  std::optional<int> confidence;
  bool compound = false;
  std::uint32_t clauses = 1;  // number of clauses
};

struct IndexStats {
  std::size_t indicators = 0;
  std::size_t keys = 0;   // distinct terms
  std::size_t bytes = 0;  // size of the index's bytes (the file size)
  // Bytes of the filter in front of a large Bloom filter (part of the file); 0 when there is
  // none.
  std::size_t front_bytes = 0;
};

// What the line filter (line_filter.h) needs to know of an index.
struct LineFilterFacts {
  // Every key has a text the filter finds in a raw line (see line_filter.h); when false the
  // filter lets every line through.
  bool usable = false;
  // Some key's text ends in a label that starts with a digit ("archive.7z"), so a run of name
  // bytes whose last label starts with a digit must still be probed.
  bool digit_tail = false;
  std::size_t max_text = 0;  // the longest text
  bool addresses = false;    // some key is an address
  bool digests = false;      // some key is an MD5, SHA-1, SHA-256 or SHA-512 digest
  bool hosts = false;        // some key is a URL (its host not an IPv4 address) or an e-mail
};

// What the line filter probes inline (line_filter.h): texts, tails and hosts are made from the
// keys when an index is built and stored in its file, v4 is derived when it is loaded:
//   texts  for each key, its text (a domain key's name, a file name, a digest) under
//          detail::LineTextHash, and each IPv4 key's prefix length and network; 32 bits per key
//   tails  for a name of texts, its last two labels ("example.com" of "www.example.com") under
//          detail::LineTailHash; 16 bits per key, since every name of a line is probed in it
//   hosts  a URL key's host unless it is an IPv4 address, an e-mail key's domain, under
//          detail::LineTextHash; 32 bits per such key. Apart from texts, since they match a
//          value only whole and after "//" or '@', not as any name's suffix: a URL key on a
//          popular site would otherwise let through every line that names the site
//   v4     bit (address >> v4_shift) of each IPv4 address a key may match (the index's IPv4
//          filter) or that is the host of a URL key: LineMayHoldIpv4 says yes only if it is set
struct LineTables {
  const detail::WordFilter* texts = nullptr;
  const detail::WordFilter* tails = nullptr;
  const detail::WordFilter* hosts = nullptr;
  const std::uint64_t* v4 = nullptr;
  std::uint32_t v4_shift = 32;
};

class Index {
 public:
  Index();  // an empty index that matches nothing
  ~Index();
  Index(Index&&) noexcept;
  Index& operator=(Index&&) noexcept;

  // Builds the index of a set (the indicators keep the set's order). Fails only when the set
  // exceeds the format's limits (2^31 indicators or keys, 4 GiB of strings).
  static Result<Index> Build(const IndicatorSet& set);

  // Writes the index's bytes to `path` (through a temporary file renamed into place).
  Status Save(const std::filesystem::path& path) const;
  // Maps a file written by Save, validating it fully (see above).
  static Result<Index> Load(const std::filesystem::path& path);
  // Validates and copies bytes of the file form (the fuzz target's entry point).
  static Result<Index> FromBytes(std::string_view bytes);
  // The file form.
  std::string_view bytes() const;

  std::size_t size() const;  // number of indicators
  // The metadata of indicator `index` (< size(), as every Hit's indicator is).
  IndicatorView indicator(std::uint32_t index) const;
  // The number of terms of clause `clause` (< indicator(index).clauses) of indicator `index`.
  std::uint32_t clause_terms(std::uint32_t index, std::uint32_t clause) const;
  IndexStats stats() const;

  // Appends the hits of one log value of a kind (as written; it is normalised here) to `out`.
  // Kinds the index does not hold (asn, mutex, registry key) never match. Returns whether any
  // hit was appended. `out` is not cleared.
  bool Match(intel::ObservableKind kind, std::string_view value, std::vector<Hit>& out) const;

  // The probes of the line filter (line_filter.h), which looks for the keys' texts in raw lines.
  LineFilterFacts line_filter_facts() const;
  // The line filter's tables, views valid while the index lives (an empty index has none).
  LineTables line_tables() const;
  // Whether an IPv4 address (host order) may match an address key (the address filter, then
  // the text filter, which holds each IPv4 key's prefix length and network: a false positive
  // now and then) or is the host of a URL key (exactly).
  bool LineMayHoldIpv4(std::uint32_t address) const;
  // Starts loading what LineMayHoldIpv4(address) reads first, so that the line filter's checks
  // of many addresses overlap their cache misses.
  void PrefetchIpv4(std::uint32_t address) const;
  // Whether an address in text (as Match takes an ipv4 or ipv6 value) matches an address key.
  bool MatchesAddress(std::string_view text) const;

 private:
  struct Storage;
  explicit Index(std::unique_ptr<Storage> storage);
  std::unique_ptr<Storage> storage_;
};

// Rewrites the checksum in the header of a file form to match its body (bytes too short for a
// header come back unchanged). For fuzzing and tests, which need altered files to get past the
// checksum to the structural checks behind it.
std::string SealIndexBytes(std::string bytes);

}  // namespace caduceus::sweep
