#include "recovery/clues.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/text.h"
#include "recovery/json_reader.h"

namespace caduceus::recovery {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxCluesDepth = 8;
constexpr std::string_view kHexDigits = "0123456789abcdef";
constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

Error TooLarge(std::string message) { return {Errc::kPayloadTooLarge, std::move(message), {}}; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

// Running totals checked against the bounds while reading.
struct Budget {
  std::size_t note_bytes = 0;
  std::size_t marker_bytes = 0;
};

// Reads "text"/"base64" (or "note_text"/"note_base64") into bytes.
std::optional<std::string> NoteBytes(ObjectReader& r,
                                     std::string_view text_key,
                                     std::string_view base64_key) {
  auto text = r.Text(text_key, kMaxNotesTotalBytes, false);
  auto base64 = r.Text(base64_key, kMaxNotesTotalBytes * 4 / 3 + 4, false);
  if (text && base64) {
    r.Fail(base64_key, fmt::format("may not be given together with {}", text_key));
    return std::nullopt;
  }
  if (base64) {
    auto bytes = FromBase64(*base64);
    if (!bytes) {
      r.Fail(base64_key, "must be base64");
      return std::nullopt;
    }
    return bytes;
  }
  return text;
}

std::optional<std::string> MarkerBytes(ObjectReader& r, std::string_view key) {
  auto hex = r.Text(key, kMaxSampleBytes * 2, false);
  if (!hex) return std::nullopt;
  auto bytes = FromHex(*hex);
  if (!bytes) {
    r.Fail(key, "must be hexadecimal digits, two per byte");
    return std::nullopt;
  }
  return bytes;
}

Status AddNote(Clues& clues, NoteClue note, Budget& budget) {
  if (clues.notes.size() >= kMaxNotes) {
    return TooLarge(fmt::format("at most {} notes may be given", kMaxNotes));
  }
  budget.note_bytes += note.bytes.size();
  if (budget.note_bytes > kMaxNotesTotalBytes) {
    return TooLarge(fmt::format("notes may hold at most {} bytes together", kMaxNotesTotalBytes));
  }
  if (!note.file_name.empty() || !note.bytes.empty()) clues.notes.push_back(std::move(note));
  return {};
}

Status AddSample(Clues& clues, SampleClue sample, Budget& budget) {
  if (clues.samples.size() >= kMaxSamples) {
    return TooLarge(fmt::format("at most {} samples may be given", kMaxSamples));
  }
  budget.marker_bytes += sample.header.size() + sample.footer.size();
  if (budget.marker_bytes > kMaxMarkerBytesTotal) {
    return TooLarge(fmt::format("headers and footers may hold at most {} bytes together",
                                kMaxMarkerBytesTotal));
  }
  if (!sample.header.empty() || !sample.footer.empty()) clues.samples.push_back(std::move(sample));
  return {};
}

std::optional<std::string> FileName(ObjectReader& r, std::string_view key) {
  auto name = r.String(key, kMaxFileNameBytes, false);
  if (!name) return std::nullopt;
  return std::string(BaseName(*name));
}

std::vector<std::string> Contacts(ObjectReader& r, std::string_view key, bool lower) {
  auto list = r.StringList(key, kMaxContactClues, kMaxContactBytes, false)
                  .value_or(std::vector<std::string>{});
  std::vector<std::string> out;
  for (auto& s : list) {
    while (!s.empty() && s.back() == ' ') s.pop_back();
    while (!s.empty() && s.front() == ' ') s.erase(s.begin());
    if (lower) {
      for (auto& c : s) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    if (!s.empty()) out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

std::string_view BaseName(std::string_view path) {
  const auto slash = path.find_last_of("/\\");
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string ToHex(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out += kHexDigits[b >> 4];
    out += kHexDigits[b & 0x0F];
  }
  return out;
}

std::optional<std::string> FromHex(std::string_view hex) {
  std::string compact;
  compact.reserve(hex.size());
  for (char c : hex) {
    if (c == ' ' || c == ':' || c == '\n' || c == '\t') continue;
    compact += c;
  }
  if (compact.size() % 2 != 0) return std::nullopt;
  std::string out;
  out.reserve(compact.size() / 2);
  for (std::size_t i = 0; i < compact.size(); i += 2) {
    const int hi = HexValue(compact[i]);
    const int lo = HexValue(compact[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

std::string ToBase64(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
    std::uint32_t v = 0;
    for (std::size_t k = 0; k < 3; ++k) {
      v = (v << 8) | (k < n ? static_cast<unsigned char>(bytes[i + k]) : 0u);
    }
    for (std::size_t k = 0; k < 4; ++k) {
      out += k <= n ? kBase64Alphabet[(v >> (18 - 6 * k)) & 0x3F] : '=';
    }
  }
  return out;
}

std::optional<std::string> FromBase64(std::string_view text) {
  std::string out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  bool padding = false;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c == '=') {
      padding = true;
      continue;
    }
    if (padding) return std::nullopt;
    const int v = Base64Value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  // Leftover bits must be the zero padding of the last group; a single leftover character
  // cannot encode a byte.
  if (bits >= 6 || (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

Result<Clues> CluesFromJson(const json::object& object) {
  ObjectReader r(object, "");
  Clues clues;
  Budget budget;
  NoteClue single;
  single.file_name = FileName(r, "note_filename").value_or("");
  single.bytes = NoteBytes(r, "note_text", "note_base64").value_or("");
  if (!r.ok()) return r.Finish().error();
  if (auto st = AddNote(clues, std::move(single), budget); !st) return st.error();

  if (const json::value* notes = r.Raw("notes")) {
    if (!notes->is_array()) return Error::Invalid("notes must be an array", "notes");
    for (std::size_t i = 0; i < notes->get_array().size(); ++i) {
      const json::value& item = notes->get_array()[i];
      const std::string prefix = fmt::format("notes/{}/", i);
      if (!item.is_object()) {
        return Error::Invalid(fmt::format("notes/{} must be an object", i),
                              fmt::format("notes/{}", i));
      }
      ObjectReader n(item.get_object(), prefix);
      NoteClue note;
      note.file_name = FileName(n, "file_name").value_or("");
      note.bytes = NoteBytes(n, "text", "base64").value_or("");
      if (auto st = n.Finish(); !st) return st.error();
      if (auto st = AddNote(clues, std::move(note), budget); !st) return st.error();
    }
  }

  if (auto names = r.StringList("file_names", kMaxFileNames, kMaxFileNameBytes, false)) {
    for (const auto& name : *names) {
      const std::string_view base = BaseName(name);
      if (!base.empty()) clues.file_names.emplace_back(base);
    }
  }

  SampleClue top;
  top.header = MarkerBytes(r, "header_hex").value_or("");
  top.footer = MarkerBytes(r, "footer_hex").value_or("");
  if (!r.ok()) return r.Finish().error();
  if (auto st = AddSample(clues, std::move(top), budget); !st) return st.error();
  if (const json::value* samples = r.Raw("samples")) {
    if (!samples->is_array()) return Error::Invalid("samples must be an array", "samples");
    for (std::size_t i = 0; i < samples->get_array().size(); ++i) {
      const json::value& item = samples->get_array()[i];
      const std::string prefix = fmt::format("samples/{}/", i);
      if (!item.is_object()) {
        return Error::Invalid(fmt::format("samples/{} must be an object", i),
                              fmt::format("samples/{}", i));
      }
      ObjectReader s(item.get_object(), prefix);
      SampleClue sample;
      sample.file_name = FileName(s, "file_name").value_or("");
      sample.header = MarkerBytes(s, "header_hex").value_or("");
      sample.footer = MarkerBytes(s, "footer_hex").value_or("");
      if (auto st = s.Finish(); !st) return st.error();
      if (auto st = AddSample(clues, std::move(sample), budget); !st) return st.error();
    }
  }

  clues.emails = Contacts(r, "emails", true);
  clues.onions = Contacts(r, "onions", true);
  clues.crypto_addresses = Contacts(r, "crypto_addresses", false);
  clues.incident_id = r.Int("incident_id", 1, INT64_MAX, false);
  if (auto st = r.Finish(); !st) return st.error();
  return clues;
}

Result<Clues> ParseClues(std::string_view text) {
  if (text.size() > kMaxCluesJsonBytes) {
    return TooLarge(fmt::format("clues may not exceed {} bytes", kMaxCluesJsonBytes));
  }
  auto parsed = ParseJson(text, kMaxCluesDepth);
  if (!parsed) return parsed.error();
  if (!parsed->is_object()) return Error::Invalid("clues must be a JSON object");
  return CluesFromJson(parsed->get_object());
}

json::object ToJson(const Clues& clues) {
  json::object out;
  json::array notes;
  for (const auto& n : clues.notes) {
    json::object o;
    if (!n.file_name.empty()) o["file_name"] = n.file_name;
    if (!n.bytes.empty()) {
      if (ValidUtf8(n.bytes) && n.bytes.find('\0') == std::string::npos) {
        o["text"] = n.bytes;
      } else {
        o["base64"] = ToBase64(n.bytes);
      }
    }
    notes.push_back(std::move(o));
  }
  out["notes"] = std::move(notes);
  json::array names;
  for (const auto& n : clues.file_names) names.emplace_back(n);
  out["file_names"] = std::move(names);
  json::array samples;
  for (const auto& s : clues.samples) {
    json::object o;
    if (!s.file_name.empty()) o["file_name"] = s.file_name;
    if (!s.header.empty()) o["header_hex"] = ToHex(s.header);
    if (!s.footer.empty()) o["footer_hex"] = ToHex(s.footer);
    samples.push_back(std::move(o));
  }
  out["samples"] = std::move(samples);
  const auto list = [](const std::vector<std::string>& items) {
    json::array a;
    for (const auto& s : items) a.emplace_back(s);
    return a;
  };
  out["emails"] = list(clues.emails);
  out["onions"] = list(clues.onions);
  out["crypto_addresses"] = list(clues.crypto_addresses);
  if (clues.incident_id) out["incident_id"] = *clues.incident_id;
  return out;
}

}  // namespace caduceus::recovery
