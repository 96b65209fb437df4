#include "sweep/record.h"

#include <array>
#include <string>
#include <utility>

namespace caduceus::sweep {
namespace {

constexpr std::array<std::string_view, kFormatCount> kNames = {
    "text", "squid",     "proxifier", "combined", "bind",       "dnsmasq", "unbound", "windows-dns",
    "zeek", "zeek-json", "json",      "syslog",   "syslog5424", "cef",     "leef",    "csv"};

constexpr std::pair<std::string_view, Format> kAliases[] = {
    {"nginx", Format::kCombined},   {"apache", Format::kCombined},
    {"zeek-tsv", Format::kZeekTsv}, {"jsonl", Format::kJsonLines},
    {"ndjson", Format::kJsonLines}, {"sysmon", Format::kJsonLines},
    {"rfc3164", Format::kSyslog},   {"rfc5424", Format::kSyslog5424},
    {"windns", Format::kWindowsDns}};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

std::string_view FormatName(Format format) {
  const auto index = static_cast<std::size_t>(format);
  return index < kNames.size() ? kNames[index] : "text";
}

std::optional<Format> ParseFormatName(std::string_view name) {
  if (name.size() > 32) return std::nullopt;
  const std::string lower = Lower(name);
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == lower) return static_cast<Format>(i);
  }
  for (const auto& [alias, format] : kAliases) {
    if (alias == lower) return format;
  }
  return std::nullopt;
}

std::optional<intel::Observable> NormaliseField(const Field& field) {
  return intel::Normalise(field.kind, field.value);
}

}  // namespace caduceus::sweep
