// Package URL parsing, normalisation and matching.
#include "advisories/purl.h"

#include <algorithm>

#include <fmt/format.h>

#include "core/text.h"

namespace caduceus::advisories {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLowerAlnum(char c) { return IsDigit(c) || (c >= 'a' && c <= 'z'); }
char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string ToLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = Lower(c);
  return out;
}

int HexDigit(char c) {
  if (IsDigit(c)) return c - '0';
  c = Lower(c);
  return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

Result<std::string> Decode(std::string_view text, std::string_view field) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size() || HexDigit(text[i + 1]) < 0 || HexDigit(text[i + 2]) < 0) {
      return Error::Invalid(fmt::format("purl {}: bad percent-encoding", field),
                            std::string(field));
    }
    out += static_cast<char>(HexDigit(text[i + 1]) * 16 + HexDigit(text[i + 2]));
    i += 2;
  }
  if (!ValidUtf8(out)) {
    return Error::Invalid(fmt::format("purl {}: not valid UTF-8", field), std::string(field));
  }
  if (!NoControlChars(out)) {
    return Error::Invalid(fmt::format("purl {}: holds a control character", field),
                          std::string(field));
  }
  return out;
}

std::string Encode(std::string_view text, bool keep_slash) {
  std::string out;
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    const bool unreserved = IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            c == '.' || c == '-' || c == '_' || c == '~' || c == ':' ||
                            (keep_slash && c == '/');
    if (unreserved) {
      out += c;
    } else {
      out += fmt::format("%{:02X}", u);
    }
  }
  return out;
}

std::vector<std::string_view> SplitSegments(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '/') {
      if (i > start) out.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

std::string Pep503(std::string_view name) {
  std::string out;
  bool dash = false;
  for (char c : name) {
    if (c == '-' || c == '_' || c == '.') {
      dash = true;
      continue;
    }
    if (dash && !out.empty()) out += '-';
    dash = false;
    out += Lower(c);
  }
  return out;
}

Status Normalise(Purl* p) {
  const std::string& t = p->type;
  if (t == "npm" || t == "deb" || t == "github" || t == "bitbucket" || t == "composer") {
    p->package_namespace = ToLower(p->package_namespace);
    p->name = ToLower(p->name);
  } else if (t == "pypi") {
    p->name = Pep503(p->name);
  } else if (t == "rpm") {
    p->package_namespace = ToLower(p->package_namespace);
  } else if (t == "maven" && p->package_namespace.empty()) {
    return Error::Invalid("purl namespace: a maven purl needs the groupId", "namespace");
  }
  if (p->name.empty()) return Error::Invalid("purl name: is empty", "name");
  return Status{};
}

}  // namespace

const std::string* Purl::Qualifier(std::string_view key) const {
  for (const auto& [k, v] : qualifiers) {
    if (k == key) return &v;
  }
  return nullptr;
}

std::string Purl::ComparableVersion() const {
  if (type == "rpm" && !version.empty() && version.find(':') == std::string::npos) {
    if (const std::string* epoch = Qualifier("epoch")) return *epoch + ":" + version;
  }
  return version;
}

std::string Purl::ToString() const {
  std::string out = fmt::format("pkg:{}/", type);
  for (std::string_view segment : SplitSegments(package_namespace)) {
    out += Encode(segment, false);
    out += '/';
  }
  out += Encode(name, false);
  if (!version.empty()) {
    out += '@';
    out += Encode(version, false);
  }
  for (std::size_t i = 0; i < qualifiers.size(); ++i) {
    out += i == 0 ? '?' : '&';
    out += qualifiers[i].first;
    out += '=';
    out += Encode(qualifiers[i].second, true);
  }
  if (!subpath.empty()) {
    out += '#';
    out += Encode(subpath, true);
  }
  return out;
}

Result<Purl> ParsePurl(std::string_view text) {
  if (text.size() > kMaxPurlBytes) {
    return Error::Invalid(fmt::format("the purl is longer than {} bytes", kMaxPurlBytes));
  }
  std::string_view rest = text;
  Purl p;
  if (const std::size_t hash = rest.rfind('#'); hash != std::string_view::npos) {
    std::vector<std::string> segments;
    for (std::string_view raw : SplitSegments(rest.substr(hash + 1))) {
      auto segment = Decode(raw, "subpath");
      if (!segment) return segment.error();
      if (*segment == "." || *segment == "..") continue;
      if (segment->find('/') != std::string::npos) {
        return Error::Invalid("purl subpath: a segment may not hold '/'", "subpath");
      }
      if (!p.subpath.empty()) p.subpath += '/';
      p.subpath += *segment;
    }
    rest = rest.substr(0, hash);
  }
  if (const std::size_t question = rest.rfind('?'); question != std::string_view::npos) {
    std::string_view query = rest.substr(question + 1);
    rest = rest.substr(0, question);
    std::size_t start = 0;
    for (std::size_t i = 0; i <= query.size(); ++i) {
      if (i < query.size() && query[i] != '&') continue;
      const std::string_view pair = query.substr(start, i - start);
      start = i + 1;
      if (pair.empty()) continue;
      const std::size_t eq = pair.find('=');
      if (eq == std::string_view::npos || eq == 0) {
        return Error::Invalid("purl qualifiers: each is key=value", "qualifiers");
      }
      const std::string key = ToLower(pair.substr(0, eq));
      if (IsDigit(key[0]) || !std::all_of(key.begin(), key.end(), [](char c) {
            return IsLowerAlnum(c) || c == '.' || c == '-' || c == '_';
          })) {
        return Error::Invalid(fmt::format("purl qualifiers: bad key '{}'", key.substr(0, 64)),
                              "qualifiers");
      }
      auto value = Decode(pair.substr(eq + 1), "qualifiers");
      if (!value) return value.error();
      if (value->empty()) continue;
      if (p.Qualifier(key) != nullptr) {
        return Error::Invalid(fmt::format("purl qualifiers: '{}' appears twice", key),
                              "qualifiers");
      }
      if (p.qualifiers.size() >= kMaxPurlQualifiers) {
        return Error::Invalid(fmt::format("purl qualifiers: more than {}", kMaxPurlQualifiers),
                              "qualifiers");
      }
      p.qualifiers.emplace_back(key, std::move(*value));
    }
    std::sort(p.qualifiers.begin(), p.qualifiers.end());
  }
  const std::size_t colon = rest.find(':');
  if (colon == std::string_view::npos || ToLower(rest.substr(0, colon)) != "pkg") {
    return Error::Invalid("a purl starts with 'pkg:'", "type");
  }
  rest = rest.substr(colon + 1);
  while (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
  const std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos) {
    return Error::Invalid("purl: needs pkg:type/name", "name");
  }
  p.type = ToLower(rest.substr(0, slash));
  if (p.type.empty() || IsDigit(p.type[0]) ||
      !std::all_of(p.type.begin(), p.type.end(),
                   [](char c) { return IsLowerAlnum(c) || c == '.' || c == '+' || c == '-'; })) {
    return Error::Invalid("purl type: must be [a-z0-9.+-] and not start with a digit", "type");
  }
  rest = rest.substr(slash + 1);
  // The version follows the last '@' after the last '/', so an unencoded npm scope
  // ("pkg:npm/@angular/core") is not read as a version.
  if (const std::size_t at = rest.rfind('@');
      at != std::string_view::npos && rest.find('/', at) == std::string_view::npos) {
    auto version = Decode(rest.substr(at + 1), "version");
    if (!version) return version.error();
    p.version = std::move(*version);
    rest = rest.substr(0, at);
  }
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  const std::size_t last = rest.rfind('/');
  auto name = Decode(last == std::string_view::npos ? rest : rest.substr(last + 1), "name");
  if (!name) return name.error();
  p.name = std::move(*name);
  if (last != std::string_view::npos) {
    for (std::string_view raw : SplitSegments(rest.substr(0, last))) {
      auto segment = Decode(raw, "namespace");
      if (!segment) return segment.error();
      if (segment->find('/') != std::string::npos) {
        return Error::Invalid("purl namespace: a segment may not hold '/'", "namespace");
      }
      if (!p.package_namespace.empty()) p.package_namespace += '/';
      p.package_namespace += *segment;
    }
  }
  if (const Status ok = Normalise(&p); !ok) return ok.error();
  return p;
}

PurlMatch MatchPurl(const Purl& advisory, const Purl& asset, std::string_view range) {
  auto differs = [](std::string_view what, std::string_view a, std::string_view b) {
    return PurlMatch{Verdict::kNotAffected,
                     fmt::format("purl {} '{}' differs from '{}'", what, a, b)};
  };
  if (advisory.type != asset.type) return differs("type", advisory.type, asset.type);
  if (advisory.package_namespace != asset.package_namespace) {
    return differs("namespace", advisory.package_namespace, asset.package_namespace);
  }
  if (advisory.name != asset.name) return differs("name", advisory.name, asset.name);
  for (const auto& [key, value] : advisory.qualifiers) {
    const std::string* other = asset.Qualifier(key);
    if (other == nullptr) {
      return {Verdict::kNotAffected, fmt::format("purl qualifier '{}' is not on the asset", key)};
    }
    if (*other != value) return differs(fmt::format("qualifier '{}'", key), value, *other);
  }
  if (!advisory.subpath.empty() && advisory.subpath != asset.subpath) {
    return differs("subpath", advisory.subpath, asset.subpath);
  }
  Purl advisory_package = advisory;
  advisory_package.version.clear();
  Purl asset_package = asset;
  asset_package.version.clear();
  const std::string package =
      fmt::format("purl {} = {}", advisory_package.ToString(), asset_package.ToString());
  const VersionScheme scheme = SchemeForPurlType(asset.type);
  if (!range.empty()) {
    const VersionMatch m = Match(asset.ComparableVersion(), range, scheme);
    return {m.verdict, fmt::format("{}; {}", package, m.reason)};
  }
  if (advisory.version.empty()) return {Verdict::kAffected, package + "; all versions"};
  if (asset.version.empty()) {
    return {Verdict::kUnknown, package + "; the installed version is not known"};
  }
  const VersionOrder order =
      CompareVersion(asset.ComparableVersion(), advisory.ComparableVersion(), scheme);
  switch (order.order) {
    case Ordering::kEqual:
      return {Verdict::kAffected,
              fmt::format("{}; version {} = {}", package, asset.version, advisory.version)};
    case Ordering::kUnordered:
      return {Verdict::kUnknown, fmt::format("{}; {}", package, order.reason)};
    case Ordering::kLess:
    case Ordering::kGreater:
      break;
  }
  return {Verdict::kNotAffected,
          fmt::format("{}; version {} is not {}", package, asset.version, advisory.version)};
}

}  // namespace caduceus::advisories
