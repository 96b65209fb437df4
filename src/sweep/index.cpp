#include "sweep/index.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <future>
#include <limits>
#include <numeric>
#include <span>
#include <string>
#include <utility>

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static_assert(std::endian::native == std::endian::little, "the index file form is little-endian");

namespace caduceus::sweep {
namespace {

using detail::HashBytes;
using detail::KeyHash;
using detail::kK1;
using detail::kK2;
using detail::LowerWord;
using detail::Mix;
using detail::WordFilter;
using intel::ObservableKind;

constexpr std::array<char, 8> kMagic = {'C', 'A', 'D', 'S', 'W', 'I', 'X', '\0'};
constexpr std::uint32_t kVersion = 4;
constexpr std::uint32_t kTermPosting = 0x80000000U;  // a posting with this bit names a term
constexpr std::uint8_t kNone = 0xff;                 // no TLP / no confidence
constexpr std::size_t kMaxKeyPayload = 8192;         // longer values are no observable
constexpr int kBloomBitsPerKey = 12;
constexpr int kBloomProbes = 6;
// The front filter (see Index::Storage::front): made for Bloom filters above 256 KiB, a quarter
// of their size and at most 512 KiB, so that it stays in a core's L2 cache.
constexpr std::size_t kFrontMinBloomBytes = std::size_t{256} << 10;
constexpr std::size_t kFrontMaxBytes = std::size_t{512} << 10;
constexpr std::uint32_t kParallelDeriveKeys = 100'000;  // Derive uses two threads from here
constexpr std::size_t kParallelChecksumBytes = std::size_t{8} << 20;  // and Validate from here

// The first byte of a key's bytes: what the rest is.
enum Tag : std::uint8_t {
  kTagDomain = 1,
  kTagIpv4,       // prefix length, 4 address bytes (host bits cleared)
  kTagIpv6,       // prefix length, 16 address bytes (host bits cleared)
  kTagUrl,        // normalised URL
  kTagUrlPrefix,  // normalised URL prefix
  kTagUrlHost,    // the host of a URL indicator: Bloom filter only
  kTagEmail,
  kTagMd5,  // lower-case hex, as are the next three
  kTagSha1,
  kTagSha256,
  kTagSha512,
  kTagFileName,  // ASCII lower case
  kTagLast = kTagFileName,
};
// A domain key's hash is its text's hash in the line filter.
static_assert(kTagDomain == detail::kLineTextTag);

struct Section {
  std::uint64_t offset;
  std::uint64_t size;
};

enum SectionId {
  kSectionBloom,
  kSectionSlots,
  kSectionKeys,
  kSectionPostings,
  kSectionTerms,
  kSectionClauses,
  kSectionIndicators,
  kSectionCollections,
  kSectionUrlPrefixLengths,
  kSectionStrings,
  kSectionIpFilter,
  kSectionLineTexts,  // the line filter's text filter (LineTables::texts)
  kSectionLineTails,  // and its tail filter (LineTables::tails)
  kSectionLineHosts,  // and its host filter (LineTables::hosts)
  kSectionUrlQuads,   // the URL keys' hosts that are IPv4 addresses, ascending
  kSectionFront,      // the front filter (Index::Storage::front), empty for a small Bloom filter
  kSectionCount,
};

// The line filter's facts (LineFilterFacts) in Header::line_flags; `addresses` follows from the
// prefix sets and the URL quads.
constexpr std::uint32_t kLineUsable = 1;
constexpr std::uint32_t kLineDigitTail = 2;
constexpr std::uint32_t kLineDigests = 4;
constexpr std::uint32_t kLineFlags = kLineUsable | kLineDigitTail | kLineDigests;

struct Header {
  std::array<char, 8> magic;
  std::uint32_t version;
  std::uint32_t header_size;
  std::uint64_t file_size;
  std::uint64_t checksum;  // Hash64 of the bytes after the header
  std::uint32_t indicators;
  std::uint32_t keys;
  std::uint32_t slots;         // a power of two, more than keys
  std::uint32_t bloom_blocks;  // a power of two
  std::uint32_t collections;
  std::uint32_t clauses;
  std::uint32_t terms;
  std::uint32_t postings;
  std::uint32_t url_prefix_lengths;
  std::uint32_t ip_filter_log2;  // bits of each of the two address filters, as a power of two
  std::uint32_t url_quads;       // entries of the URL quads section
  std::uint32_t line_flags;      // kLineUsable, kLineDigitTail, kLineDigests
  std::uint32_t line_max_text;   // LineFilterFacts::max_text
  std::uint32_t line_hosts;      // entries of the line filter's host filter
  std::uint64_t v4_prefixes;     // bit p: an ipv4 key of prefix length p (0..32)
  std::array<std::uint64_t, 3> v6_prefixes;  // bit p: an ipv6 key of prefix length p (0..128)
  std::array<Section, kSectionCount> sections;
};

struct KeyRec {
  std::uint64_t hash;
  std::uint32_t bytes_offset;  // into strings: the tag, then the payload
  std::uint32_t bytes_size;
  std::uint32_t posting;  // post_count == 1: the posting itself; else the first in postings
  std::uint32_t post_count;
};

struct TermRec {
  std::uint32_t indicator;
  std::uint16_t clause;
  std::uint8_t position;
  std::uint8_t reserved;
};

struct IndRec {
  std::uint32_t id_offset;
  std::uint16_t id_size;
  std::uint16_t collection;
  std::uint32_t clause_begin;  // compound: first of its entries in the clauses section
  std::uint8_t clause_count;   // compound: number of clauses (1..kMaxClauses)
  std::uint8_t tlp;
  std::uint8_t confidence;
  std::uint8_t compound;
};

struct StrRec {
  std::uint32_t offset;
  std::uint32_t size;
};

static_assert(sizeof(Header) % 8 == 0 && sizeof(KeyRec) == 24 && sizeof(TermRec) == 8 &&
              sizeof(IndRec) == 16 && sizeof(StrRec) == 8);

// In front of the address lookups (one Bloom probe per prefix length present, up to 17 for
// typical IPv4 lists) sit two bitmaps of 2^ip_filter_log2 bits, about 64 per address key: for
// IPv4 indexed by the top bits of the address, for IPv6 by a hash of its first 32 bits; a bit is
// set when some address key covers an address with those bits. An address whose bit is clear
// matches nothing. (Every dotted quad of a line is tested against the IPv4 bitmap: the fewer
// false positives the better, up to 2 MiB.) The address groups behind them have a byte per
// bucket of at most 2^kMaxGroupLog2 buckets.
constexpr std::uint32_t kMinIpFilterLog2 = 10;
constexpr std::uint32_t kMaxIpFilterLog2 = 24;
constexpr std::uint32_t kIpFilterBitsPerKey = 64;
constexpr std::uint32_t kMaxGroupLog2 = 20;

std::uint32_t Be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

std::uint32_t V6FilterBit(std::uint32_t top32, std::uint32_t log2) {
  return static_cast<std::uint32_t>(Mix(top32) & ((std::uint64_t{1} << log2) - 1));
}

// Whether a key of `prefix` bits covers every bucket of an address filter of 2^log2 buckets
// (by the rule of ForEachBucket): an IPv6 key that would hash to more than a sixteenth of them is
// taken to cover them all, so that no other key costs more than 2^(log2 - 4) buckets, and those
// that cover all are gone through once (see ForEachBucket).
bool CoversEveryBucket(bool v6, std::uint32_t prefix, std::uint32_t log2) {
  return v6 ? prefix < 32 && 32 - prefix > log2 - 4 : prefix == 0;
}

// Calls fn(bucket) for each of the 2^log2 buckets of an address filter that a key of `prefix`
// bits starting with the 32 bits `top` covers: IPv4 buckets are the top bits of an address,
// IPv6 buckets a hash of its first 32 bits. The builder sets the filters' bits and the loader
// derives the address groups by this one rule (with buckets of their own size: one of theirs
// holds the filter's buckets with its top bits, or for IPv6 its low bits).
template <class Fn>
void ForEachBucket(bool v6, std::uint32_t prefix, std::uint32_t top, std::uint32_t log2, Fn&& fn) {
  if (CoversEveryBucket(v6, prefix, log2)) {
    for (std::uint32_t i = 0; i < (std::uint32_t{1} << log2); ++i) fn(i);
  } else if (!v6) {
    const std::uint32_t bits = prefix >= log2 ? 0 : log2 - prefix;
    const std::uint32_t first = (top >> (32 - log2)) & ~((std::uint32_t{1} << bits) - 1);
    for (std::uint32_t i = 0; i < (std::uint32_t{1} << bits); ++i) fn(first + i);
  } else if (prefix >= 32) {
    fn(V6FilterBit(top, log2));
  } else {
    const std::uint32_t span = std::uint32_t{1} << (32 - prefix);
    const std::uint32_t first = top & ~(span - 1);
    for (std::uint32_t i = 0; i < span; ++i) fn(V6FilterBit(first + i, log2));
  }
}

bool BitSet(const std::uint64_t* bits, std::uint32_t i) {
  return ((bits[i >> 6] >> (i & 63)) & 1U) != 0;
}

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// A payload assembled on the stack: the values matched are bounded (kMaxKeyPayload).
class Buffer {
 public:
  bool Assign(std::string_view s) {
    if (s.size() > data_.size()) return false;
    std::memcpy(data_.data(), s.data(), s.size());
    size_ = s.size();
    return true;
  }
  // Lower-cases ASCII letters, eight bytes at a time; false (and nothing usable) when a byte is
  // not ASCII.
  bool AssignLower(std::string_view s) {
    if (s.size() > data_.size()) return false;
    std::uint64_t seen = 0;
    std::size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
      std::uint64_t w = 0;
      std::memcpy(&w, s.data() + i, 8);
      seen |= w;
      w = LowerWord(w);
      std::memcpy(data_.data() + i, &w, 8);
    }
    for (; i < s.size(); ++i) {
      seen |= static_cast<unsigned char>(s[i]);
      data_[i] = Lower(s[i]);
    }
    size_ = s.size();
    return (seen & (0x0101010101010101ULL * 0x80)) == 0;
  }
  std::string_view view() const { return {data_.data(), size_}; }
  char* data() { return data_.data(); }
  void Resize(std::size_t n) { size_ = n; }

 private:
  std::array<char, kMaxKeyPayload> data_;
  std::size_t size_ = 0;
};

std::uint8_t HashTag(ObservableKind kind) {
  switch (kind) {
    case ObservableKind::kMd5:
      return kTagMd5;
    case ObservableKind::kSha1:
      return kTagSha1;
    case ObservableKind::kSha256:
      return kTagSha256;
    default:
      return kTagSha512;
  }
}

// The host of a URL (between "://" and the path, after any userinfo, without the port or a
// trailing dot), for the Bloom pre-filter; nullopt when it cannot be compared cheaply (an IPv6
// literal, percent-escapes, non-ASCII), in which case the URL is normalised without pre-filter.
std::optional<std::string_view> UrlHostForFilter(std::string_view url) {
  const std::size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::nullopt;
  std::string_view rest = url.substr(scheme + 3);
  // A loop, not find_first_of, which calls memchr for every byte.
  std::size_t end = 0;
  while (end < rest.size() && rest[end] != '/' && rest[end] != '?' && rest[end] != '#') ++end;
  std::string_view authority = rest.substr(0, end);
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  if (authority.empty() || authority.front() == '[') return std::nullopt;
  std::string_view host = authority.substr(0, authority.find(':'));
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  if (host.empty()) return std::nullopt;
  for (char c : host) {
    if (c == '%' || static_cast<unsigned char>(c) >= 0x80) return std::nullopt;
  }
  return host;
}

// The hash under which the Bloom filter holds the host of a URL key (normalised URL or prefix);
// nullopt when UrlHostForFilter gives none. `lower` is scratch space, reused across calls.
std::optional<std::uint64_t> UrlHostHash(std::string_view url, std::string& lower) {
  const auto host = UrlHostForFilter(url);
  if (!host) return std::nullopt;
  lower.assign(*host);
  for (char& c : lower) c = Lower(c);
  return KeyHash(kTagUrlHost, lower);
}

void MaskAddress(std::uint8_t* address, int bytes, int prefix) {
  for (int i = 0; i < bytes; ++i) {
    const int bits = std::clamp(prefix - 8 * i, 0, 8);
    address[i] &= static_cast<std::uint8_t>(0xff00U >> bits);
  }
}

// The key of a term: its tag and payload. nullopt for kinds the index does not hold.
std::optional<std::pair<std::uint8_t, std::string>> KeyOf(const Term& term) {
  const intel::Observable& o = term.observable;
  switch (o.kind) {
    case ObservableKind::kDomain:
      return std::pair{kTagDomain, o.value};
    case ObservableKind::kIpv4:
    case ObservableKind::kIpv6: {
      auto net = intel::NetworkOf(o);
      if (!net) return std::nullopt;
      const int bytes = net->v6 ? 16 : 4;
      MaskAddress(net->address.data(), bytes, net->prefix);
      std::string payload(1, static_cast<char>(net->prefix));
      payload.append(reinterpret_cast<const char*>(net->address.data()), bytes);
      return std::pair{net->v6 ? kTagIpv6 : kTagIpv4, std::move(payload)};
    }
    case ObservableKind::kUrl:
      return std::pair{term.prefix ? kTagUrlPrefix : kTagUrl, o.value};
    case ObservableKind::kEmail:
      return std::pair{kTagEmail, o.value};
    case ObservableKind::kMd5:
    case ObservableKind::kSha1:
    case ObservableKind::kSha256:
    case ObservableKind::kSha512: {
      std::string lower = o.value;
      for (char& c : lower) c = Lower(c);
      return std::pair{HashTag(o.kind), std::move(lower)};
    }
    case ObservableKind::kFileName: {
      std::string lower = o.value;
      for (char& c : lower) c = Lower(c);
      return std::pair{kTagFileName, std::move(lower)};
    }
    default:
      return std::nullopt;
  }
}

// The checksum of a file form: its header with the checksum field zeroed, then its body.
std::uint64_t Checksum(const char* data, std::size_t size);

std::size_t AlignUp(std::size_t n) { return (n + 7) & ~std::size_t{7}; }

// The words of the front filter in front of a Bloom filter of `blocks` 64-byte blocks.
std::size_t FrontWords(std::uint32_t blocks) {
  const std::size_t bloom_bytes = std::size_t{blocks} * 64;
  return bloom_bytes <= kFrontMinBloomBytes ? 0 : std::min(bloom_bytes / 4, kFrontMaxBytes) / 8;
}

bool IsAddressTag(std::uint8_t tag) { return tag == kTagIpv4 || tag == kTagIpv6; }

const std::uint64_t* BloomBlock(const std::uint64_t* bloom,
                                std::uint32_t blocks,
                                std::uint64_t hash) {
  return bloom + 8 * static_cast<std::size_t>((hash * kK2 >> 32) & (blocks - 1));
}

bool BloomTest(const std::uint64_t* bloom, std::uint32_t blocks, std::uint64_t hash) {
  const std::uint64_t* block = BloomBlock(bloom, blocks, hash);
  bool all = true;
  for (int j = 0; j < kBloomProbes; ++j) {
    const unsigned bit = static_cast<unsigned>(hash >> (9 * j)) & 511U;
    all &= ((block[bit >> 6] >> (bit & 63)) & 1U) != 0;
  }
  return all;
}

void BloomSet(std::uint64_t* bloom, std::uint32_t blocks, std::uint64_t hash) {
  std::uint64_t* block = bloom + 8 * static_cast<std::size_t>((hash * kK2 >> 32) & (blocks - 1));
  for (int j = 0; j < kBloomProbes; ++j) {
    const unsigned bit = static_cast<unsigned>(hash >> (9 * j)) & 511U;
    block[bit >> 6] |= std::uint64_t{1} << (bit & 63);
  }
}

bool ParseIpv4(std::string_view s, std::array<std::uint8_t, 16>& out) {
  int part = 0;
  std::size_t i = 0;
  while (part < 4) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
    unsigned v = 0;
    const std::size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9' && i - start < 4) {
      v = v * 10 + static_cast<unsigned>(s[i] - '0');
      ++i;
    }
    if (v > 255 || (i - start > 1 && s[start] == '0')) return false;
    out[static_cast<std::size_t>(part)] = static_cast<std::uint8_t>(v);
    ++part;
    if (part < 4) {
      if (i >= s.size() || s[i] != '.') return false;
      ++i;
    }
  }
  return i == s.size();
}

// Where the last two labels of a key's text begin (0 when it has two), when the text is one the
// line filter finds in a raw line: lower-case letters, digits, '_', '-' and '.', with a dot, not
// at either end (a run of such bytes, its dots trimmed, is what the filter probes; see
// line_filter.h); npos when it is not. `digit_tail`: whether its last label starts with a digit.
std::size_t LineFilterTail(std::string_view text, bool& digit_tail) {
  constexpr auto kNotOne = std::string_view::npos;
  if (text.empty() || text.front() == '.' || text.back() == '.') return kNotOne;
  std::size_t dots = 0;
  std::size_t two = 0;
  static constexpr auto kNameByte = [] {
    std::array<bool, 256> name{};
    for (int c = 0; c < 256; ++c) {
      name[static_cast<std::size_t>(c)] =
          (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    }
    return name;
  }();
  bool all_name = true;
  for (const char c : text) all_name &= kNameByte[static_cast<unsigned char>(c)];
  if (!all_name) return kNotOne;
  for (std::size_t i = text.size(); i-- > 0 && dots < 2;) {
    if (text[i] != '.') continue;
    if (++dots == 1) digit_tail = text[i + 1] >= '0' && text[i + 1] <= '9';
    if (dots == 2) two = i + 1;
  }
  return dots == 0 ? kNotOne : two;
}

}  // namespace

struct Index::Storage {
  std::unique_ptr<std::uint64_t[]> owned;  // 8-byte aligned bytes of the file form
  void* map = nullptr;
  std::size_t map_size = 0;

  const char* data = nullptr;
  std::size_t size = 0;
  const Header* header = nullptr;
  const std::uint64_t* bloom = nullptr;
  const std::uint32_t* slots = nullptr;
  const KeyRec* keys = nullptr;
  const std::uint32_t* postings = nullptr;
  const TermRec* terms = nullptr;
  const std::uint32_t* clauses = nullptr;
  const IndRec* indicators = nullptr;
  const StrRec* collections = nullptr;
  const std::uint32_t* url_prefix_lengths = nullptr;
  const char* strings = nullptr;
  std::size_t strings_size = 0;
  const std::uint64_t* v4_filter = nullptr;
  const std::uint64_t* v6_filter = nullptr;
  // In front of a large Bloom filter, whose probes miss the L2 cache: two bits in one 64-bit
  // word per key and per URL indicator's host (FrontWords words, a power of two), made with the
  // Bloom filter. A hash it rejects is in no key; the others go on to the Bloom filter. Empty
  // when the Bloom filter is small itself.
  std::span<const std::uint64_t> front;
  int front_shift = 64;  // a hash's word: (hash * kK1) >> front_shift

  // The line filter's text filters (line_filter.h), made from the keys when the index is built
  // and stored in it (LineData), views of their sections. line_texts: for each key, the text
  // that a line holding a value that matches it must contain (a domain key's name, a file name,
  // a digest), without the key's kind; 32 bits per key, as it decides which lines are parsed.
  // line_tails: for such a name, its last two labels under LineTailHash; 16 bits per key, as it
  // is probed for every name of a line and should stay in a core's cache. line_hosts: a URL
  // key's host unless it is an IPv4 address, an e-mail key's domain; 32 bits per such key.
  WordFilter line_texts;
  WordFilter line_tails;
  WordFilter line_hosts;
  LineFilterFacts line_facts;
  std::span<const std::uint32_t> url_quads;  // the hosts of URL keys that are IPv4 addresses
  // A bit per address hash for each of them (UrlQuadBit), about 64 bits per address: a quad of a
  // log line looks in the list only when its bit is set.
  std::vector<std::uint64_t> url_quad_bits;
  int url_quad_shift = 64;
  // The IPv4 address filter's bits with those of the URL keys' addresses set as well: most
  // dotted quads of a log are told by this one bit to match neither.
  std::vector<std::uint64_t> line_v4;

  // The text filter's hash of an IPv4 key: prefix length and network (host bits clear).
  static std::uint64_t LineV4Hash(std::uint32_t prefix, std::uint32_t network) {
    return Mix((std::uint64_t{prefix} << 32 | network) ^ kK1);
  }

  std::uint32_t UrlQuadBit(std::uint32_t address) const {
    return static_cast<std::uint32_t>((std::uint64_t{address} * kK1) >> url_quad_shift);
  }

  // Behind each address filter: for each of its buckets, which groups of prefix lengths have a
  // key covering the bucket (bit g for group g), so that an address that passes the filter
  // probes only those prefix lengths, not every length any key has (up to 17 for IPv4 lists,
  // most of them networks that cover a small part of the space). The seven lengths with the most
  // keys have a group each; the others share the eighth. Derived from the keys on attach.
  struct AddressGroups {
    std::vector<std::uint8_t> buckets;
    std::uint32_t log2 = kMinIpFilterLog2;  // the address filter's, at most kMaxGroupLog2
    std::array<std::array<std::uint64_t, 3>, 8> prefixes{};  // per group: bit p for length p
    // The bucket of an address's first 32 bits (that holds its bucket of the address filter).
    std::uint32_t Of(bool v6, std::uint32_t top) const {
      return v6 ? V6FilterBit(top, log2) : top >> (32 - log2);
    }
  };
  AddressGroups v4_groups;
  AddressGroups v6_groups;

  Storage() = default;
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  ~Storage() {
    if (map != nullptr) munmap(map, map_size);
  }

  std::string_view String(std::uint32_t offset, std::uint32_t n) const {
    return {strings + offset, n};
  }

  // Appends the postings of the key (tag, payload) to `out`, if it is present.
  bool Lookup(std::uint8_t tag, std::string_view payload, std::vector<Hit>& out) const {
    return Lookup(tag, payload, KeyHash(tag, payload), out);
  }

  static std::uint64_t FrontBits(std::uint64_t mixed) {
    return (std::uint64_t{1} << ((mixed >> 20) & 63)) | (std::uint64_t{1} << ((mixed >> 26) & 63));
  }

  // Whether a key (or URL host) of this hash may be present: the front filter, then the Bloom
  // filter.
  bool MayContain(std::uint64_t hash) const {
    if (!front.empty()) {
      const std::uint64_t mixed = hash * kK1;
      const std::uint64_t bits = FrontBits(mixed);
      if ((front[mixed >> front_shift] & bits) != bits) return false;
    }
    return BloomTest(bloom, header->bloom_blocks, hash);
  }

  // Starts loading the first filter word MayContain(hash) reads.
  void PrefetchFilter(std::uint64_t hash) const {
    if (front.empty()) {
      __builtin_prefetch(BloomBlock(bloom, header->bloom_blocks, hash));
    } else {
      __builtin_prefetch(&front[(hash * kK1) >> front_shift]);
    }
  }

  // The front filter of what the Bloom filter holds: the keys and the URL keys' hosts.
  static std::vector<std::uint64_t> MakeFront(std::span<const KeyRec> keys,
                                              std::span<const std::uint64_t> hosts,
                                              std::uint32_t bloom_blocks) {
    std::vector<std::uint64_t> words(FrontWords(bloom_blocks), 0);
    if (words.empty()) return words;
    const int shift = 64 - std::countr_zero(words.size());
    auto set = [&](std::uint64_t hash) {
      const std::uint64_t mixed = hash * kK1;
      words[mixed >> shift] |= FrontBits(mixed);
    };
    for (const KeyRec& key : keys) set(key.hash);
    for (const std::uint64_t hash : hosts) set(hash);
    return words;
  }

  // Fills v4_groups and v6_groups from the address keys (once they are known to be valid), with
  // the buckets of the address filters (the builder's rules for which keys set which bits). The
  // address keys come first (the builder puts them there); a file that has others before them
  // matches fewer addresses, nothing worse.
  void BuildAddressGroups() {
    const std::uint32_t log2 = std::min(header->ip_filter_log2, kMaxGroupLog2);
    const std::size_t buckets = std::size_t{1} << log2;
    struct AddressKey {
      std::uint32_t top;
      std::uint8_t prefix;
      bool v6;
    };
    std::vector<AddressKey> addresses;
    std::array<std::array<std::size_t, 129>, 2> counts{};
    for (std::uint32_t k = 0; k < header->keys; ++k) {
      const KeyRec& key = keys[k];
      const auto tag = static_cast<std::uint8_t>(strings[key.bytes_offset]);
      if (!IsAddressTag(tag)) break;
      const auto* bytes = reinterpret_cast<const std::uint8_t*>(strings + key.bytes_offset);
      addresses.push_back({Be32(bytes + 2), bytes[1], tag == kTagIpv6});
      ++counts[tag == kTagIpv6 ? 1 : 0][bytes[1]];
    }
    std::array<std::array<std::uint8_t, 129>, 2> group_of{};
    for (int family = 0; family < 2; ++family) {
      AddressGroups& g = family == 0 ? v4_groups : v6_groups;
      std::array<int, 129> lengths{};
      std::iota(lengths.begin(), lengths.end(), 0);
      const auto& n = counts[static_cast<std::size_t>(family)];
      std::stable_sort(lengths.begin(), lengths.end(), [&](int a, int b) { return n[a] > n[b]; });
      for (std::size_t rank = 0; rank < lengths.size(); ++rank) {
        const int prefix = lengths[rank];
        if (n[static_cast<std::size_t>(prefix)] == 0) break;
        const std::size_t group = std::min<std::size_t>(rank, 7);
        group_of[static_cast<std::size_t>(family)][static_cast<std::size_t>(prefix)] =
            static_cast<std::uint8_t>(group);
        g.prefixes[group][static_cast<std::size_t>(prefix) / 64] |= std::uint64_t{1}
                                                                    << (prefix % 64);
      }
      g.buckets.assign(n == decltype(counts)::value_type{} ? 0 : buckets, 0);
      g.log2 = log2;
    }
    std::array<std::uint8_t, 2> everywhere{};  // the groups of keys that cover every bucket
    for (const AddressKey& a : addresses) {
      AddressGroups& g = a.v6 ? v6_groups : v4_groups;
      const auto bit = static_cast<std::uint8_t>(1U << group_of[a.v6 ? 1 : 0][a.prefix]);
      if (CoversEveryBucket(a.v6, a.prefix, log2)) {
        if ((everywhere[a.v6 ? 1 : 0] & bit) != 0) continue;
        everywhere[a.v6 ? 1 : 0] |= bit;
      }
      ForEachBucket(a.v6, a.prefix, a.top, log2, [&](std::uint32_t i) { g.buckets[i] |= bit; });
    }
  }

  // What the index file holds for the line filter (line_filter.h), made from the keys.
  struct LineData {
    std::vector<std::uint64_t> texts;  // the words of line_texts
    std::vector<std::uint64_t> tails;  // of line_tails
    std::vector<std::uint64_t> hosts;  // of line_hosts
    std::uint32_t host_count = 0;      // its entries
    std::vector<std::uint32_t> url_quads;
    LineFilterFacts facts;  // but `addresses` and `hosts`, which follow from the header
  };
  static LineData MakeLineData(const KeyRec* keys, std::uint32_t count, const char* strings) {
    LineData data;
    LineFilterFacts& facts = data.facts;
    std::vector<std::uint32_t>& url_quads = data.url_quads;
    facts.usable = true;
    std::string lower;
    std::vector<std::uint64_t> texts;
    std::vector<std::uint64_t> tails;
    std::vector<std::uint64_t> hosts;
    texts.reserve(count);
    tails.reserve(count);
    for (std::uint32_t k = 0; k < count && facts.usable; ++k) {
      const KeyRec& key = keys[k];
      const auto tag = static_cast<std::uint8_t>(strings[key.bytes_offset]);
      const std::string_view payload(strings + key.bytes_offset + 1, key.bytes_size - 1);
      std::string_view text;
      bool name = true;    // a name-like text, not a digest
      bool whole = false;  // a URL's host or an e-mail's domain, matched whole
      switch (tag) {
        case kTagDomain:
          // A name without a dot is never looked up (Match tries names of two labels or more).
          if (std::find(payload.begin(), payload.end(), '.') == payload.end()) continue;
          text = payload;
          break;
        case kTagIpv4: {
          // In the text filter under LineV4Hash, for LineMayHoldIpv4.
          const auto* bytes = reinterpret_cast<const std::uint8_t*>(strings + key.bytes_offset);
          texts.push_back(LineV4Hash(bytes[1], Be32(bytes + 2)));
          continue;
        }
        case kTagIpv6:
          continue;  // the address filters
        case kTagUrl:
        case kTagUrlPrefix: {
          const auto host = UrlHostForFilter(payload);
          if (!host) {
            facts.usable = false;
            continue;
          }
          std::array<std::uint8_t, 16> address{};
          if (ParseIpv4(*host, address)) {
            // Looked up as an address, so that numbers ending in a digit need no text probe.
            url_quads.push_back(Be32(address.data()));
            continue;
          }
          lower.assign(*host);
          for (char& c : lower) c = Lower(c);
          text = lower;
          whole = true;
          break;
        }
        case kTagEmail:
          text = payload.substr(payload.rfind('@') + 1);
          whole = true;
          break;
        case kTagFileName:
          text = payload;
          break;
        default:  // the digests, lower-case hex
          text = payload;
          name = false;
          facts.digests = true;
          break;
      }
      std::size_t two = 0;
      if (name) {
        bool digit_tail = false;
        two = LineFilterTail(text, digit_tail);
        if (two == std::string_view::npos) {
          facts.usable = false;
          continue;
        }
        facts.digit_tail |= digit_tail;
      }
      facts.max_text = std::max(facts.max_text, text.size());
      // A domain key's text hash is its own hash.
      const std::uint64_t hash = tag == kTagDomain ? key.hash : KeyHash(kTagDomain, text);
      if (whole) {
        hosts.push_back(hash);
        continue;
      }
      texts.push_back(hash);
      if (name) tails.push_back(detail::LineTailHash(text.substr(two)));
    }
    data.texts = WordFilter::Make(texts, WordFilter::Words(count, 32));
    data.tails = WordFilter::Make(tails, WordFilter::Words(count, 16));
    data.host_count = static_cast<std::uint32_t>(hosts.size());
    data.hosts = WordFilter::Make(hosts, WordFilter::Words(hosts.size(), 32));
    std::sort(url_quads.begin(), url_quads.end());
    url_quads.erase(std::unique(url_quads.begin(), url_quads.end()), url_quads.end());
    return data;
  }

  // The line filter's views of its sections and the tables it derives from them (once they
  // are known to be valid).
  void DeriveLineFilter() {
    line_texts.View(SectionAt<std::uint64_t>(kSectionLineTexts),
                    header->sections[kSectionLineTexts].size / 8);
    line_tails.View(SectionAt<std::uint64_t>(kSectionLineTails),
                    header->sections[kSectionLineTails].size / 8);
    line_hosts.View(SectionAt<std::uint64_t>(kSectionLineHosts),
                    header->sections[kSectionLineHosts].size / 8);
    url_quads = {SectionAt<std::uint32_t>(kSectionUrlQuads), header->url_quads};
    LineFilterFacts facts;
    facts.usable = (header->line_flags & kLineUsable) != 0;
    facts.digit_tail = (header->line_flags & kLineDigitTail) != 0;
    facts.digests = (header->line_flags & kLineDigests) != 0;
    facts.max_text = header->line_max_text;
    facts.hosts = header->line_hosts != 0;
    const std::size_t quad_bits = std::clamp<std::size_t>(
        std::bit_ceil(url_quads.size() * 64), std::size_t{1} << 10, std::size_t{1} << 22);
    url_quad_bits.assign(quad_bits / 64, 0);
    url_quad_shift = 64 - std::countr_zero(quad_bits);
    const std::uint32_t log2 = header->ip_filter_log2;
    line_v4.assign(v4_filter, v4_filter + (std::size_t{1} << log2) / 64);
    for (std::uint32_t quad : url_quads) {
      const std::uint32_t bit = UrlQuadBit(quad);
      url_quad_bits[bit / 64] |= std::uint64_t{1} << (bit % 64);
      const std::uint32_t bucket = quad >> (32 - log2);
      line_v4[bucket / 64] |= std::uint64_t{1} << (bucket % 64);
    }
    facts.addresses = header->v4_prefixes != 0 ||
                      header->v6_prefixes != std::array<std::uint64_t, 3>{} || !url_quads.empty();
    line_facts = facts;
  }

  // The index's derived filters, once it is valid; for a large index the address groups are
  // built on a second thread meanwhile (they read the keys only), since a sweep waits for all.
  void Derive() {
    if (header->keys < kParallelDeriveKeys) {
      DeriveLineFilter();
      BuildAddressGroups();
      return;
    }
    auto groups = std::async(std::launch::async, [this] { BuildAddressGroups(); });
    DeriveLineFilter();
    groups.get();
  }

  bool Lookup(std::uint8_t tag,
              std::string_view payload,
              std::uint64_t hash,
              std::vector<Hit>& out) const {
    if (!MayContain(hash)) return false;
    const std::uint32_t mask = header->slots - 1;
    for (std::uint32_t i = static_cast<std::uint32_t>(hash) & mask;; i = (i + 1) & mask) {
      const std::uint32_t slot = slots[i];
      if (slot == 0) return false;
      const KeyRec& key = keys[slot - 1];
      if (key.hash != hash || key.bytes_size != payload.size() + 1) continue;
      const char* bytes = strings + key.bytes_offset;
      if (static_cast<std::uint8_t>(bytes[0]) != tag ||
          std::memcmp(bytes + 1, payload.data(), payload.size()) != 0) {
        continue;
      }
      if (key.post_count == 1) {
        Emit(key.posting, out);
      } else {
        for (std::uint32_t p = 0; p < key.post_count; ++p) Emit(postings[key.posting + p], out);
      }
      return true;
    }
  }

  void Emit(std::uint32_t posting, std::vector<Hit>& out) const {
    if ((posting & kTermPosting) == 0) {
      out.push_back(Hit{posting, false, 0, 0});
      return;
    }
    const TermRec& t = terms[posting & ~kTermPosting];
    out.push_back(Hit{t.indicator, true, t.clause, t.position});
  }

  bool MatchDomain(std::string_view value, std::vector<Hit>& out) const {
    Buffer buffer;
    std::string slow;
    std::string_view name;
    if (buffer.AssignLower(value)) {
      name = buffer.view();
      if (!name.empty() && name.back() == '.') name.remove_suffix(1);
    } else {
      auto o = intel::Normalise(ObservableKind::kDomain, value);
      if (!o) return false;
      slow = std::move(o->value);
      name = slow;
    }
    // The name and each parent of two labels or more, in batches: hashed and their first filter
    // words prefetched first, so that the cache misses overlap. (The arrays are not initialised:
    // zeroing them showed in profiles.)
    constexpr std::size_t kBatch = 16;
    std::array<std::size_t, kBatch> sizes;  // each suffix is the last sizes[i] bytes of the name
    std::array<std::uint64_t, kBatch> hashes;
    const std::string_view whole = name;
    bool any = false;
    std::size_t dot = name.find('.');
    while (dot != std::string_view::npos) {
      std::size_t n = 0;
      for (; n < kBatch && dot != std::string_view::npos; ++n) {
        sizes[n] = name.size();
        hashes[n] = KeyHash(kTagDomain, name);
        PrefetchFilter(hashes[n]);
        name.remove_prefix(dot + 1);
        dot = name.find('.');
      }
      for (std::size_t i = 0; i < n; ++i) {
        any |= Lookup(kTagDomain, whole.substr(whole.size() - sizes[i]), hashes[i], out);
      }
    }
    return any;
  }

  bool MatchAddress(bool v6, std::array<std::uint8_t, 16> address, std::vector<Hit>& out) const {
    const std::uint32_t log2 = header->ip_filter_log2;
    const std::uint32_t top = Be32(address.data());
    const std::uint32_t bucket = v6 ? V6FilterBit(top, log2) : top >> (32 - log2);
    const AddressGroups& groups = v6 ? v6_groups : v4_groups;
    if (groups.buckets.empty() || !BitSet(v6 ? v6_filter : v4_filter, bucket)) return false;
    std::array<std::uint64_t, 3> wanted{};
    for (std::uint32_t g = groups.buckets[groups.Of(v6, top)]; g != 0; g &= g - 1) {
      const auto& lengths = groups.prefixes[static_cast<std::size_t>(std::countr_zero(g))];
      for (std::size_t w = 0; w < wanted.size(); ++w) wanted[w] |= lengths[w];
    }
    const int bits = v6 ? 128 : 32;
    const int bytes = v6 ? 16 : 4;
    const std::uint8_t tag = v6 ? kTagIpv6 : kTagIpv4;
    bool any = false;
    std::array<char, 17> payload{};
    for (int prefix = bits; prefix >= 0; --prefix) {
      if (((wanted[static_cast<std::size_t>(prefix) / 64] >> (prefix % 64)) & 1U) == 0) continue;
      MaskAddress(address.data(), bytes, prefix);
      payload[0] = static_cast<char>(prefix);
      std::memcpy(payload.data() + 1, address.data(), static_cast<std::size_t>(bytes));
      any |= Lookup(tag, {payload.data(), static_cast<std::size_t>(bytes) + 1}, out);
    }
    return any;
  }

  bool MatchIp(std::string_view value, std::vector<Hit>& out) const {
    if (header->v4_prefixes == 0 && header->v6_prefixes == std::array<std::uint64_t, 3>{}) {
      return false;
    }
    std::array<std::uint8_t, 16> address{};
    if (ParseIpv4(value, address)) return MatchAddress(false, address, out);
    if (!value.empty() && value.front() == '[') {
      value.remove_prefix(1);
      value = value.substr(0, value.find(']'));
    }
    value = value.substr(0, value.find('%'));
    if (value.empty() || value.size() > 45) return false;
    std::array<char, 46> text{};
    std::memcpy(text.data(), value.data(), value.size());
    if (inet_pton(AF_INET6, text.data(), address.data()) != 1) return false;
    static constexpr std::array<std::uint8_t, 12> kMapped = {0, 0, 0, 0, 0,    0,
                                                             0, 0, 0, 0, 0xff, 0xff};
    if (std::equal(kMapped.begin(), kMapped.end(), address.begin())) {
      std::array<std::uint8_t, 16> v4{};
      std::copy(address.begin() + 12, address.end(), v4.begin());
      return MatchAddress(false, v4, out);
    }
    return MatchAddress(true, address, out);
  }

  bool MatchUrl(std::string_view value, std::vector<Hit>& out) const {
    if (auto host = UrlHostForFilter(value)) {
      Buffer buffer;
      buffer.AssignLower(*host);
      if (!MayContain(KeyHash(kTagUrlHost, buffer.view()))) {
        return false;
      }
    }
    auto o = intel::Normalise(ObservableKind::kUrl, value);
    if (!o) return false;
    const std::string_view url = o->value;
    bool any = Lookup(kTagUrl, url, out);
    for (std::uint32_t i = 0; i < header->url_prefix_lengths; ++i) {
      const std::uint32_t n = url_prefix_lengths[i];
      if (n <= url.size()) any |= Lookup(kTagUrlPrefix, url.substr(0, n), out);
    }
    return any;
  }

  bool MatchEmail(std::string_view value, std::vector<Hit>& out) const {
    const std::size_t at = value.rfind('@');
    if (at == std::string_view::npos || at == 0) return false;
    Buffer buffer;
    std::string_view domain = value.substr(at + 1);
    if (!domain.empty() && domain.back() == '.') domain.remove_suffix(1);
    if (at + 1 + domain.size() <= kMaxKeyPayload) {
      std::memcpy(buffer.data(), value.data(), at + 1);
      bool ascii = true;
      for (std::size_t i = 0; i < domain.size(); ++i) {
        ascii &= static_cast<unsigned char>(domain[i]) < 0x80;
        buffer.data()[at + 1 + i] = Lower(domain[i]);
      }
      buffer.Resize(at + 1 + domain.size());
      if (ascii) return Lookup(kTagEmail, buffer.view(), out);
    }
    auto o = intel::Normalise(ObservableKind::kEmail, value);
    return o && Lookup(kTagEmail, o->value, out);
  }

  bool MatchLower(std::uint8_t tag, std::string_view value, std::vector<Hit>& out) const {
    Buffer buffer;
    if (value.size() > kMaxKeyPayload) return false;
    buffer.AssignLower(value);
    return Lookup(tag, buffer.view(), out);
  }

  template <class T>
  const T* SectionAt(SectionId id) const {
    return reinterpret_cast<const T*>(data + header->sections[id].offset);
  }

  // Points the section pointers at the bytes, once the header and section bounds are known to
  // be in range; false when they are not.
  bool Attach() {
    if (size < sizeof(Header)) return false;
    header = reinterpret_cast<const Header*>(data);
    for (const Section& section : header->sections) {
      if (section.offset > size || section.size > size - section.offset ||
          section.offset % 8 != 0) {
        return false;
      }
    }
    bloom = SectionAt<std::uint64_t>(kSectionBloom);
    slots = SectionAt<std::uint32_t>(kSectionSlots);
    keys = SectionAt<KeyRec>(kSectionKeys);
    postings = SectionAt<std::uint32_t>(kSectionPostings);
    terms = SectionAt<TermRec>(kSectionTerms);
    clauses = SectionAt<std::uint32_t>(kSectionClauses);
    indicators = SectionAt<IndRec>(kSectionIndicators);
    collections = SectionAt<StrRec>(kSectionCollections);
    url_prefix_lengths = SectionAt<std::uint32_t>(kSectionUrlPrefixLengths);
    strings = SectionAt<char>(kSectionStrings);
    strings_size = header->sections[kSectionStrings].size;
    const std::uint32_t log2 =
        std::clamp(header->ip_filter_log2, kMinIpFilterLog2, kMaxIpFilterLog2);
    v4_filter = SectionAt<std::uint64_t>(kSectionIpFilter);
    v6_filter = v4_filter + (std::size_t{1} << log2) / 64;
    front = {SectionAt<std::uint64_t>(kSectionFront), header->sections[kSectionFront].size / 8};
    front_shift = front.empty() ? 64 : 64 - std::countr_zero(front.size());
    return true;
  }

  // The header's identity, then Attach, then Validate.
  Status Check() {
    if (size < sizeof(Header)) return Error::Invalid("not a valid sweep index: too short");
    Header h;
    std::memcpy(&h, data, sizeof(Header));
    if (h.magic != kMagic) return Error::Invalid("not a valid sweep index: wrong magic");
    if (h.version != kVersion) {
      return Error::Invalid(
          fmt::format("not a valid sweep index: unsupported version {}", h.version));
    }
    if (!Attach()) return Error::Invalid("not a valid sweep index: sections out of bounds");
    if (auto valid = Validate(); !valid) return valid;
    Derive();
    return {};
  }

  Status Validate() const;
  Status ValidateSections() const;
};

Status Index::Storage::Validate() const {
  auto bad = [](std::string_view what) {
    return Error::Invalid(fmt::format("not a valid sweep index: {}", what));
  };
  if (size < sizeof(Header)) return bad("too short");
  const Header& h = *header;
  if (h.magic != kMagic) return bad("wrong magic");
  if (h.version != kVersion) return bad(fmt::format("unsupported version {}", h.version));
  if (h.header_size != sizeof(Header) || h.file_size != size) return bad("wrong sizes");
  // A large file's checksum is computed beside the checks of its sections (which hold for any
  // bytes); a mismatch is reported first.
  if (size < kParallelChecksumBytes) {
    if (Checksum(data, size) != h.checksum) return bad("checksum mismatch");
    return ValidateSections();
  }
  auto checksum = std::async(std::launch::async, [this] { return Checksum(data, size); });
  Status sections = ValidateSections();
  if (checksum.get() != h.checksum) return bad("checksum mismatch");
  return sections;
}

Status Index::Storage::ValidateSections() const {
  auto bad = [](std::string_view what) {
    return Error::Invalid(fmt::format("not a valid sweep index: {}", what));
  };
  const Header& h = *header;
  if (h.ip_filter_log2 < kMinIpFilterLog2 || h.ip_filter_log2 > kMaxIpFilterLog2) {
    return bad("address filter size");
  }
  if (h.slots == 0 || !std::has_single_bit(h.slots) || h.keys >= h.slots) return bad("slots");
  if (h.bloom_blocks == 0 || !std::has_single_bit(h.bloom_blocks)) return bad("bloom blocks");
  if (h.indicators >= kTermPosting || h.terms >= kTermPosting) return bad("counts");
  if ((h.v4_prefixes >> 33) != 0 || (h.v6_prefixes[2] >> 1) != 0) return bad("prefix sets");
  if ((h.line_flags & ~kLineFlags) != 0 || h.line_max_text > kMaxKeyPayload ||
      h.url_quads > h.keys || h.line_hosts > h.keys) {
    return bad("line filter facts");
  }
  const std::array<std::uint64_t, kSectionCount> expected = {
      std::uint64_t{h.bloom_blocks} * 64,
      std::uint64_t{h.slots} * 4,
      std::uint64_t{h.keys} * sizeof(KeyRec),
      std::uint64_t{h.postings} * 4,
      std::uint64_t{h.terms} * sizeof(TermRec),
      std::uint64_t{h.clauses} * 4,
      std::uint64_t{h.indicators} * sizeof(IndRec),
      std::uint64_t{h.collections} * sizeof(StrRec),
      std::uint64_t{h.url_prefix_lengths} * 4,
      0,
      (std::uint64_t{1} << h.ip_filter_log2) / 4,
      WordFilter::Words(h.keys, 32) * 8,
      WordFilter::Words(h.keys, 16) * 8,
      WordFilter::Words(h.line_hosts, 32) * 8,
      std::uint64_t{h.url_quads} * 4,
      FrontWords(h.bloom_blocks) * 8};
  for (int i = 0; i < kSectionCount; ++i) {
    const Section& s = h.sections[static_cast<std::size_t>(i)];
    if (s.offset % 8 != 0 || s.offset < sizeof(Header) || s.offset > size ||
        s.size > size - s.offset) {
      return bad("section out of bounds");
    }
    if (i != kSectionStrings && s.size != expected[static_cast<std::size_t>(i)]) {
      return bad("section size");
    }
  }
  if (h.sections[kSectionStrings].size > std::numeric_limits<std::uint32_t>::max()) {
    return bad("strings too large");
  }
  auto string_ok = [&](std::uint64_t offset, std::uint64_t n) {
    return offset <= strings_size && n <= strings_size - offset;
  };
  for (std::uint32_t i = 0; i < h.collections; ++i) {
    if (!string_ok(collections[i].offset, collections[i].size)) return bad("collection name");
  }
  for (std::uint32_t i = 0; i < h.clauses; ++i) {
    if (clauses[i] == 0 || clauses[i] > kMaxTermsPerClause) return bad("clause size");
  }
  for (std::uint32_t i = 0; i < h.indicators; ++i) {
    const IndRec& r = indicators[i];
    if (!string_ok(r.id_offset, r.id_size) || r.collection >= h.collections) {
      return bad("indicator");
    }
    if ((r.tlp != kNone && r.tlp > static_cast<std::uint8_t>(TlpLevel::kRed)) ||
        (r.confidence != kNone && r.confidence > 100) || r.compound > 1) {
      return bad("indicator metadata");
    }
    if (r.compound != 0 && (r.clause_count == 0 || r.clause_count > kMaxClauses ||
                            std::uint64_t{r.clause_begin} + r.clause_count > h.clauses)) {
      return bad("indicator clauses");
    }
  }
  for (std::uint32_t i = 0; i < h.terms; ++i) {
    const TermRec& t = terms[i];
    if (t.indicator >= h.indicators || indicators[t.indicator].compound == 0 ||
        t.clause >= indicators[t.indicator].clause_count ||
        t.position >= clauses[indicators[t.indicator].clause_begin + t.clause]) {
      return bad("term");
    }
  }
  auto posting_ok = [&](std::uint32_t p) {
    if ((p & kTermPosting) != 0) return (p & ~kTermPosting) < h.terms;
    return p < h.indicators && indicators[p].compound == 0;
  };
  for (std::uint32_t i = 0; i < h.postings; ++i) {
    if (!posting_ok(postings[i])) return bad("posting");
  }
  for (std::uint32_t i = 0; i < h.keys; ++i) {
    const KeyRec& k = keys[i];
    if (k.bytes_size < 2 || k.bytes_size > kMaxKeyPayload + 1 ||
        !string_ok(k.bytes_offset, k.bytes_size)) {
      return bad("key bytes");
    }
    const auto tag = static_cast<std::uint8_t>(strings[k.bytes_offset]);
    if (tag < kTagDomain || tag > kTagLast || tag == kTagUrlHost) return bad("key tag");
    if (tag == kTagIpv4 || tag == kTagIpv6) {
      const bool v6 = tag == kTagIpv6;
      const auto prefix = static_cast<std::uint8_t>(strings[k.bytes_offset + 1]);
      if (k.bytes_size != (v6 ? 18U : 6U) || prefix > (v6 ? 128 : 32)) return bad("address key");
    }
    if (k.post_count == 0) return bad("key postings");
    if (k.post_count == 1 ? !posting_ok(k.posting)
                          : std::uint64_t{k.posting} + k.post_count > h.postings) {
      return bad("key postings");
    }
  }
  std::uint32_t empty = 0;
  for (std::uint32_t i = 0; i < h.slots; ++i) {
    if (slots[i] > h.keys) return bad("slot");
    empty += slots[i] == 0 ? 1 : 0;
  }
  if (empty == 0) return bad("no empty slot");
  for (std::uint32_t i = 0; i < h.url_prefix_lengths; ++i) {
    if (url_prefix_lengths[i] == 0 || url_prefix_lengths[i] > kMaxKeyPayload) {
      return bad("url prefix length");
    }
  }
  const auto* quads = SectionAt<std::uint32_t>(kSectionUrlQuads);
  for (std::uint32_t i = 1; i < h.url_quads; ++i) {
    if (quads[i - 1] >= quads[i]) return bad("url quads");
  }
  return {};
}

Index::Index() : Index(Build(IndicatorSet{}).value()) {}
Index::~Index() = default;
Index::Index(Index&&) noexcept = default;
Index& Index::operator=(Index&&) noexcept = default;
Index::Index(std::unique_ptr<Storage> storage) : storage_(std::move(storage)) {}

namespace {

struct PendingKey {
  std::uint64_t hash;
  std::string bytes;  // tag + payload
  std::uint32_t posting;
  std::uint32_t entry;
};

}  // namespace

Result<Index> Index::Build(const IndicatorSet& set) {
  if (set.entries.size() >= kTermPosting) return Error::Invalid("too many indicators");
  if (set.collections.size() > std::numeric_limits<std::uint16_t>::max()) {
    return Error::Invalid("too many collections");
  }
  std::vector<PendingKey> pending;
  std::size_t term_count = 0;
  std::size_t string_bytes = 0;
  for (const IndicatorEntry& entry : set.entries) {
    term_count += entry.terms.size();
    string_bytes += entry.id.size();
    for (const Term& t : entry.terms) string_bytes += t.observable.value.size() + 1;
  }
  pending.reserve(term_count);
  std::vector<std::uint64_t> host_hashes;
  std::string host_scratch;
  std::vector<TermRec> terms;
  std::vector<std::uint32_t> clauses;
  std::vector<IndRec> indicators(set.entries.size());
  std::vector<std::uint32_t> url_prefix_lengths;
  std::uint64_t v4_prefixes = 0;
  std::array<std::uint64_t, 3> v6_prefixes{};

  for (std::size_t e = 0; e < set.entries.size(); ++e) {
    const IndicatorEntry& entry = set.entries[e];
    IndRec& rec = indicators[e];
    if (entry.id.size() > std::numeric_limits<std::uint16_t>::max()) {
      return Error::Invalid("an indicator id is too long");
    }
    if (entry.collection >= set.collections.size()) {
      return Error::Invalid("an indicator names an unknown collection");
    }
    rec.collection = static_cast<std::uint16_t>(entry.collection);
    rec.tlp = entry.tlp ? static_cast<std::uint8_t>(*entry.tlp) : kNone;
    rec.confidence = entry.confidence && *entry.confidence >= 0 && *entry.confidence <= 100
                         ? static_cast<std::uint8_t>(*entry.confidence)
                         : kNone;
    const bool compound = entry.compound();
    rec.compound = compound ? 1 : 0;
    std::vector<std::uint32_t> sizes = entry.clause_sizes;
    if (sizes.empty()) sizes.push_back(static_cast<std::uint32_t>(entry.terms.size()));
    if (std::accumulate(sizes.begin(), sizes.end(), std::size_t{0}) != entry.terms.size() ||
        sizes.size() > kMaxClauses || std::any_of(sizes.begin(), sizes.end(), [](std::uint32_t n) {
          return n == 0 || n > kMaxTermsPerClause;
        })) {
      return Error::Invalid("an indicator's clause sizes do not match its terms");
    }
    if (compound) {
      rec.clause_begin = static_cast<std::uint32_t>(clauses.size());
      rec.clause_count = static_cast<std::uint8_t>(sizes.size());
      clauses.insert(clauses.end(), sizes.begin(), sizes.end());
    }
    std::size_t t = 0;
    for (std::size_t c = 0; c < sizes.size(); ++c) {
      for (std::uint32_t p = 0; p < sizes[c]; ++p, ++t) {
        const Term& term = entry.terms[t];
        auto key = KeyOf(term);
        if (!key || key->second.empty() || key->second.size() > kMaxKeyPayload) continue;
        std::uint32_t posting = static_cast<std::uint32_t>(e);
        if (compound) {
          if (terms.size() >= kTermPosting) return Error::Invalid("too many terms");
          posting = kTermPosting | static_cast<std::uint32_t>(terms.size());
          terms.push_back(TermRec{static_cast<std::uint32_t>(e), static_cast<std::uint16_t>(c),
                                  static_cast<std::uint8_t>(p), 0});
        }
        const auto [tag, payload] = *key;
        if (tag == kTagIpv4 || tag == kTagIpv6) {
          const int prefix = static_cast<std::uint8_t>(payload[0]);
          if (tag == kTagIpv4) {
            v4_prefixes |= std::uint64_t{1} << prefix;
          } else {
            v6_prefixes[static_cast<std::size_t>(prefix / 64)] |= std::uint64_t{1} << (prefix % 64);
          }
        }
        if (tag == kTagUrl || tag == kTagUrlPrefix) {
          if (const auto host = UrlHostHash(payload, host_scratch)) host_hashes.push_back(*host);
          if (tag == kTagUrlPrefix) {
            url_prefix_lengths.push_back(static_cast<std::uint32_t>(payload.size()));
          }
        }
        std::string bytes(1, static_cast<char>(tag));
        bytes += payload;
        pending.push_back(PendingKey{KeyHash(tag, payload), std::move(bytes), posting,
                                     static_cast<std::uint32_t>(e)});
      }
    }
  }
  std::sort(url_prefix_lengths.begin(), url_prefix_lengths.end(), std::greater<>());
  url_prefix_lengths.erase(std::unique(url_prefix_lengths.begin(), url_prefix_lengths.end()),
                           url_prefix_lengths.end());
  std::sort(pending.begin(), pending.end(), [](const PendingKey& a, const PendingKey& b) {
    if (a.hash != b.hash) return a.hash < b.hash;
    if (a.bytes != b.bytes) return a.bytes < b.bytes;
    return a.posting < b.posting;
  });
  // The keys: each run of equal pending keys. Address keys come first (for BuildAddressGroups),
  // then each kind by its first posting, so that a load reads the keys, their bytes and the
  // indicators they post to each in one pass.
  struct Run {
    bool address;
    std::uint32_t posting;  // the first
    std::size_t begin;
    std::size_t end;
  };
  std::vector<Run> runs;
  for (std::size_t i = 0; i < pending.size();) {
    std::size_t j = i + 1;
    while (j < pending.size() && pending[j].hash == pending[i].hash &&
           pending[j].bytes == pending[i].bytes) {
      ++j;
    }
    runs.push_back(Run{IsAddressTag(static_cast<std::uint8_t>(pending[i].bytes[0])),
                       pending[i].posting, i, j});
    i = j;
  }
  std::sort(runs.begin(), runs.end(), [](const Run& a, const Run& b) {
    return a.address != b.address ? a.address : a.posting < b.posting;
  });

  std::string strings;
  strings.reserve(string_bytes);
  std::vector<KeyRec> keys;
  keys.reserve(runs.size());
  std::vector<std::uint32_t> postings;
  // For simple entries: where their key's payload is, so that an id equal to it is stored once.
  std::vector<std::uint32_t> key_payload(set.entries.size(), 0);
  for (const Run& run : runs) {
    const std::size_t i = run.begin;
    const std::size_t j = run.end;
    KeyRec key{};
    key.hash = pending[i].hash;
    key.bytes_offset = static_cast<std::uint32_t>(strings.size());
    key.bytes_size = static_cast<std::uint32_t>(pending[i].bytes.size());
    strings += pending[i].bytes;
    key.post_count = static_cast<std::uint32_t>(j - i);
    if (j - i == 1) {
      key.posting = pending[i].posting;
    } else {
      key.posting = static_cast<std::uint32_t>(postings.size());
      for (std::size_t k = i; k < j; ++k) postings.push_back(pending[k].posting);
    }
    for (std::size_t k = i; k < j; ++k) {
      if ((pending[k].posting & kTermPosting) == 0) {
        key_payload[pending[k].entry] = key.bytes_offset + 1;
      }
    }
    keys.push_back(key);
    if (strings.size() > std::numeric_limits<std::uint32_t>::max() / 2) {
      return Error::Invalid("the indicators' strings exceed the index format");
    }
  }
  if (keys.size() >= kTermPosting) return Error::Invalid("too many keys");
  for (std::size_t e = 0; e < set.entries.size(); ++e) {
    const std::string& id = set.entries[e].id;
    const std::uint32_t at = key_payload[e];
    if (at != 0 && at + id.size() <= strings.size() &&
        std::string_view(strings).substr(at, id.size()) == id) {
      indicators[e].id_offset = at;
    } else {
      indicators[e].id_offset = static_cast<std::uint32_t>(strings.size());
      strings += id;
    }
    indicators[e].id_size = static_cast<std::uint16_t>(id.size());
  }
  std::vector<StrRec> collections;
  for (const std::string& name : set.collections) {
    collections.push_back(StrRec{static_cast<std::uint32_t>(strings.size()),
                                 static_cast<std::uint32_t>(name.size())});
    strings += name;
  }
  if (strings.size() > std::numeric_limits<std::uint32_t>::max()) {
    return Error::Invalid("the indicators' strings exceed the index format");
  }

  std::uint32_t slots = 16;
  while (slots < keys.size() + keys.size() / 2 + 1) slots *= 2;
  std::vector<std::uint32_t> slot_table(slots, 0);
  for (std::size_t k = 0; k < keys.size(); ++k) {
    std::uint32_t i = static_cast<std::uint32_t>(keys[k].hash) & (slots - 1);
    while (slot_table[i] != 0) i = (i + 1) & (slots - 1);
    slot_table[i] = static_cast<std::uint32_t>(k + 1);
  }
  const std::size_t bloom_keys = keys.size() + host_hashes.size();
  std::uint32_t blocks = 1;
  while (std::uint64_t{blocks} * 512 < std::uint64_t{bloom_keys} * kBloomBitsPerKey) blocks *= 2;
  std::vector<std::uint64_t> bloom(std::size_t{blocks} * 8, 0);
  for (const KeyRec& k : keys) BloomSet(bloom.data(), blocks, k.hash);
  for (std::uint64_t h : host_hashes) BloomSet(bloom.data(), blocks, h);
  const std::vector<std::uint64_t> front = Storage::MakeFront(keys, host_hashes, blocks);

  std::size_t ip_keys = 0;
  for (const KeyRec& k : keys) {
    const auto tag = static_cast<std::uint8_t>(strings[k.bytes_offset]);
    ip_keys += tag == kTagIpv4 || tag == kTagIpv6 ? 1 : 0;
  }
  std::uint32_t ip_log2 = kMinIpFilterLog2;
  while (ip_log2 < kMaxIpFilterLog2 &&
         (std::size_t{1} << ip_log2) < ip_keys * kIpFilterBitsPerKey) {
    ++ip_log2;
  }
  const std::size_t filter_words = (std::size_t{1} << ip_log2) / 64;
  std::vector<std::uint64_t> ip_filter(2 * filter_words, 0);
  auto set_bit = [&](std::size_t base, std::uint32_t i) {
    ip_filter[base + (i >> 6)] |= std::uint64_t{1} << (i & 63);
  };
  std::array<bool, 2> everywhere{};  // a key that covers every bucket has been gone through
  for (const KeyRec& k : keys) {
    const auto tag = static_cast<std::uint8_t>(strings[k.bytes_offset]);
    if (tag != kTagIpv4 && tag != kTagIpv6) continue;
    const auto prefix =
        static_cast<std::uint32_t>(static_cast<std::uint8_t>(strings[k.bytes_offset + 1]));
    const std::uint32_t top =
        Be32(reinterpret_cast<const std::uint8_t*>(strings.data() + k.bytes_offset + 2));
    const bool v6 = tag == kTagIpv6;
    if (CoversEveryBucket(v6, prefix, ip_log2)) {
      if (everywhere[v6 ? 1 : 0]) continue;
      everywhere[v6 ? 1 : 0] = true;
    }
    ForEachBucket(v6, prefix, top, ip_log2,
                  [&](std::uint32_t i) { set_bit(v6 ? filter_words : 0, i); });
  }

  Header header{};
  header.magic = kMagic;
  header.version = kVersion;
  header.header_size = sizeof(Header);
  header.indicators = static_cast<std::uint32_t>(indicators.size());
  header.keys = static_cast<std::uint32_t>(keys.size());
  header.slots = slots;
  header.bloom_blocks = blocks;
  header.collections = static_cast<std::uint32_t>(collections.size());
  header.clauses = static_cast<std::uint32_t>(clauses.size());
  header.terms = static_cast<std::uint32_t>(terms.size());
  header.postings = static_cast<std::uint32_t>(postings.size());
  header.url_prefix_lengths = static_cast<std::uint32_t>(url_prefix_lengths.size());
  header.v4_prefixes = v4_prefixes;
  header.v6_prefixes = v6_prefixes;
  header.ip_filter_log2 = ip_log2;
  const Storage::LineData line =
      Storage::MakeLineData(keys.data(), static_cast<std::uint32_t>(keys.size()), strings.data());
  header.url_quads = static_cast<std::uint32_t>(line.url_quads.size());
  header.line_hosts = line.host_count;
  header.line_flags = (line.facts.usable ? kLineUsable : 0U) |
                      (line.facts.digit_tail ? kLineDigitTail : 0U) |
                      (line.facts.digests ? kLineDigests : 0U);
  header.line_max_text = static_cast<std::uint32_t>(line.facts.max_text);
  const std::array<std::pair<const void*, std::size_t>, kSectionCount> parts = {{
      {bloom.data(), bloom.size() * 8},
      {slot_table.data(), slot_table.size() * 4},
      {keys.data(), keys.size() * sizeof(KeyRec)},
      {postings.data(), postings.size() * 4},
      {terms.data(), terms.size() * sizeof(TermRec)},
      {clauses.data(), clauses.size() * 4},
      {indicators.data(), indicators.size() * sizeof(IndRec)},
      {collections.data(), collections.size() * sizeof(StrRec)},
      {url_prefix_lengths.data(), url_prefix_lengths.size() * 4},
      {strings.data(), strings.size()},
      {ip_filter.data(), ip_filter.size() * 8},
      {line.texts.data(), line.texts.size() * 8},
      {line.tails.data(), line.tails.size() * 8},
      {line.hosts.data(), line.hosts.size() * 8},
      {line.url_quads.data(), line.url_quads.size() * 4},
      {front.data(), front.size() * 8},
  }};
  std::size_t total = sizeof(Header);
  for (int i = 0; i < kSectionCount; ++i) {
    header.sections[static_cast<std::size_t>(i)] = {total,
                                                    parts[static_cast<std::size_t>(i)].second};
    total = AlignUp(total + parts[static_cast<std::size_t>(i)].second);
  }
  header.file_size = total;
  auto storage = std::make_unique<Storage>();
  storage->owned = std::make_unique_for_overwrite<std::uint64_t[]>(total / 8);
  char* out = reinterpret_cast<char*>(storage->owned.get());
  for (int i = 0; i < kSectionCount; ++i) {
    const auto& [ptr, n] = parts[static_cast<std::size_t>(i)];
    const std::size_t at = header.sections[static_cast<std::size_t>(i)].offset;
    if (n != 0) std::memcpy(out + at, ptr, n);
    std::memset(out + at + n, 0, AlignUp(at + n) - (at + n));
  }
  std::memcpy(out, &header, sizeof(Header));
  header.checksum = Checksum(out, total);
  std::memcpy(out, &header, sizeof(Header));
  storage->data = out;
  storage->size = total;
  storage->Attach();
  storage->Derive();
  return Index(std::move(storage));
}

Status Index::Save(const std::filesystem::path& path) const {
  const std::string_view data = bytes();
  std::filesystem::path temp = path;
  temp += ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) {
    return Error{Errc::kUnavailable,
                 fmt::format("cannot write {}: {}", temp.string(), std::strerror(errno)),
                 {}};
  }
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int saved = errno;
      ::close(fd);
      ::unlink(temp.c_str());
      return Error{Errc::kUnavailable,
                   fmt::format("cannot write {}: {}", temp.string(), std::strerror(saved)),
                   {}};
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(temp.c_str());
    return Error{Errc::kUnavailable, fmt::format("cannot write {}", temp.string()), {}};
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int saved = errno;
    ::unlink(temp.c_str());
    return Error{Errc::kUnavailable,
                 fmt::format("cannot rename to {}: {}", path.string(), std::strerror(saved)),
                 {}};
  }
  return {};
}

Result<Index> Index::Load(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int saved = errno;
    if (saved == ENOENT) return Error::NotFound(fmt::format("no index at {}", path.string()));
    return Error{Errc::kUnavailable,
                 fmt::format("cannot open {}: {}", path.string(), std::strerror(saved)),
                 {}};
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Error::Invalid(fmt::format("{} is not a regular file", path.string()));
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size < sizeof(Header)) {
    ::close(fd);
    return Error::Invalid("not a valid sweep index: too short");
  }
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) {
    return Error{Errc::kUnavailable,
                 fmt::format("cannot map {}: {}", path.string(), std::strerror(errno)),
                 {}};
  }
  auto storage = std::make_unique<Storage>();
  storage->map = map;
  storage->map_size = size;
  storage->data = static_cast<const char*>(map);
  storage->size = size;
  if (auto status = storage->Check(); !status) return status.error();
  return Index(std::move(storage));
}

Result<Index> Index::FromBytes(std::string_view bytes) {
  auto storage = std::make_unique<Storage>();
  storage->owned = std::make_unique<std::uint64_t[]>((bytes.size() + 7) / 8);
  if (!bytes.empty()) std::memcpy(storage->owned.get(), bytes.data(), bytes.size());
  storage->data = reinterpret_cast<const char*>(storage->owned.get());
  storage->size = bytes.size();
  if (auto status = storage->Check(); !status) return status.error();
  return Index(std::move(storage));
}

std::string_view Index::bytes() const {
  if (!storage_) return {};
  return {storage_->data, storage_->size};
}

std::size_t Index::size() const { return storage_ ? storage_->header->indicators : 0; }

IndicatorView Index::indicator(std::uint32_t index) const {
  const IndRec& r = storage_->indicators[index];
  const StrRec& c = storage_->collections[r.collection];
  IndicatorView view;
  view.id = storage_->String(r.id_offset, r.id_size);
  view.collection = storage_->String(c.offset, c.size);
  if (r.tlp != kNone) view.tlp = static_cast<TlpLevel>(r.tlp);
  if (r.confidence != kNone) view.confidence = r.confidence;
  view.compound = r.compound != 0;
  view.clauses = r.compound != 0 ? r.clause_count : 1;
  return view;
}

std::uint32_t Index::clause_terms(std::uint32_t index, std::uint32_t clause) const {
  const IndRec& r = storage_->indicators[index];
  if (r.compound == 0) return 1;
  return storage_->clauses[r.clause_begin + clause];
}

IndexStats Index::stats() const {
  if (!storage_) return {};
  return IndexStats{storage_->header->indicators, storage_->header->keys, storage_->size,
                    storage_->front.size_bytes()};
}

namespace {

// HashBytes' step in four lanes, each over every fourth word, so that their multiplications
// overlap (a load checks 90 MB at 1M indicators); the bytes after the last 32 by HashBytes.
std::uint64_t HashLanes(const char* p, std::size_t n) {
  std::array<std::uint64_t, 4> h = {kK1, kK2, kK1 ^ kK2, std::rotl(kK1, 32)};
  for (std::uint64_t& lane : h) lane ^= static_cast<std::uint64_t>(n) * kK2;
  for (; n >= 32; p += 32, n -= 32) {
    for (std::size_t l = 0; l < h.size(); ++l) {
      std::uint64_t w = 0;
      std::memcpy(&w, p + 8 * l, 8);
      h[l] = std::rotl(h[l] ^ (w * kK2), 31) * kK1;
    }
  }
  std::uint64_t all = HashBytes(0, p, n);
  for (const std::uint64_t lane : h) all = Mix(all ^ lane);
  return all;
}

std::uint64_t Checksum(const char* data, std::size_t size) {
  std::array<char, sizeof(Header)> header{};
  std::memcpy(header.data(), data, sizeof(Header));
  std::memset(header.data() + offsetof(Header, checksum), 0, sizeof(std::uint64_t));
  const std::uint64_t head = HashBytes(1, header.data(), header.size());
  const std::uint64_t body = HashLanes(data + sizeof(Header), size - sizeof(Header));
  return Mix(head ^ std::rotl(body, 17));
}

}  // namespace

std::string SealIndexBytes(std::string bytes) {
  if (bytes.size() < sizeof(Header)) return bytes;
  const std::uint64_t checksum = Checksum(bytes.data(), bytes.size());
  std::memcpy(bytes.data() + offsetof(Header, checksum), &checksum, sizeof(checksum));
  return bytes;
}

LineFilterFacts Index::line_filter_facts() const {
  return storage_ ? storage_->line_facts : LineFilterFacts{};
}

LineTables Index::line_tables() const {
  if (!storage_) return {};
  const Storage& s = *storage_;
  return LineTables{&s.line_texts, &s.line_tails, &s.line_hosts, s.line_v4.data(),
                    32 - s.header->ip_filter_log2};
}

bool Index::LineMayHoldIpv4(std::uint32_t address) const {
  if (!storage_) return false;
  const Storage& s = *storage_;
  const std::uint32_t bucket = address >> (32 - s.header->ip_filter_log2);
  if (!BitSet(s.line_v4.data(), bucket)) return false;
  if (BitSet(s.url_quad_bits.data(), s.UrlQuadBit(address)) &&
      std::binary_search(s.url_quads.begin(), s.url_quads.end(), address)) {
    return true;
  }
  // The networks of the prefix lengths of the keys that cover the address's bucket of the
  // groups, in the text filter (one cache access each, where an exact lookup costs several).
  if (s.v4_groups.buckets.empty()) return false;
  std::uint64_t wanted = 0;
  for (std::uint32_t g = s.v4_groups.buckets[s.v4_groups.Of(false, address)]; g != 0; g &= g - 1) {
    wanted |= s.v4_groups.prefixes[static_cast<std::size_t>(std::countr_zero(g))][0];
  }
  for (; wanted != 0; wanted &= wanted - 1) {
    const auto prefix = static_cast<std::uint32_t>(std::countr_zero(wanted));
    const std::uint32_t mask = prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix);
    if (s.line_texts.May(Storage::LineV4Hash(prefix, address & mask))) return true;
  }
  return false;
}

void Index::PrefetchIpv4(std::uint32_t address) const {
  if (!storage_) return;
  const Storage& s = *storage_;
  __builtin_prefetch(&s.url_quad_bits[s.UrlQuadBit(address) / 64]);
  if (!s.v4_groups.buckets.empty()) {
    __builtin_prefetch(&s.v4_groups.buckets[s.v4_groups.Of(false, address)]);
  }
}

namespace {

// The first 32 bits of an IPv6 address in text whose first two groups are written out
// ("2001:db8:..."), or nullopt.
std::optional<std::uint32_t> LeadingGroups(std::string_view text) {
  std::uint32_t top = 0;
  std::size_t i = 0;
  for (int group = 0; group < 2; ++group) {
    const std::size_t start = i;
    std::uint32_t value = 0;
    for (; i < text.size() && i - start < 5; ++i) {
      const char c = text[i];
      const int digit = c >= '0' && c <= '9'   ? c - '0'
                        : c >= 'a' && c <= 'f' ? c - 'a' + 10
                        : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                               : -1;
      if (digit < 0) break;
      value = value * 16 + static_cast<std::uint32_t>(digit);
    }
    if (i == start || i - start > 4 || i == text.size() || text[i] != ':') return std::nullopt;
    top = (top << 16) | value;
    ++i;
  }
  return top;
}

}  // namespace

bool Index::MatchesAddress(std::string_view text) const {
  if (!storage_ || text.empty() || text.size() > 64) return false;
  const Storage& s = *storage_;
  // Most addresses of a log are told by the IPv6 filter's bit of their first 32 bits, without
  // parsing them (but not those 0 bits long: IPv4-mapped and -compatible ones are IPv4's).
  if (const auto top = LeadingGroups(text); top && *top != 0) {
    if (s.v6_groups.buckets.empty() ||
        !BitSet(s.v6_filter, V6FilterBit(*top, s.header->ip_filter_log2))) {
      return false;
    }
  }
  std::vector<Hit> hits;
  return s.MatchIp(text, hits);
}

bool Index::Match(ObservableKind kind, std::string_view value, std::vector<Hit>& out) const {
  if (!storage_ || value.empty() || value.size() > kMaxKeyPayload) return false;
  const Storage& s = *storage_;
  switch (kind) {
    case ObservableKind::kDomain:
      return s.MatchDomain(value, out);
    case ObservableKind::kIpv4:
    case ObservableKind::kIpv6:
      return s.MatchIp(value, out);
    case ObservableKind::kUrl:
      return s.MatchUrl(value, out);
    case ObservableKind::kEmail:
      return s.MatchEmail(value, out);
    case ObservableKind::kMd5:
    case ObservableKind::kSha1:
    case ObservableKind::kSha256:
    case ObservableKind::kSha512:
      return s.MatchLower(HashTag(kind), value, out);
    case ObservableKind::kFileName:
      return s.MatchLower(kTagFileName, value, out);
    default:
      return false;
  }
}

}  // namespace caduceus::sweep
