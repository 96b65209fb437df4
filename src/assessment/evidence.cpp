#include "assessment/evidence.h"

#include <array>
#include <stdexcept>
#include <string_view>

#include <openssl/evp.h>

#include "core/random.h"
#include "core/text.h"

namespace caduceus::assessment {
namespace {

constexpr std::array<std::string_view, 9> kTypes = {
    "application/pdf",
    "image/png",
    "image/jpeg",
    "text/plain",
    "text/csv",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
};

bool IsZipType(std::string_view type) {
  return type.starts_with("application/vnd.openxmlformats-officedocument.") ||
         type.starts_with("application/vnd.oasis.opendocument.");
}

}  // namespace

bool IsEvidenceType(std::string_view content_type) {
  for (const auto t : kTypes) {
    if (t == content_type) return true;
  }
  return false;
}

bool ContentMatchesType(std::string_view type, std::string_view content) {
  using namespace std::string_view_literals;
  if (!IsEvidenceType(type)) return false;
  if (type == "application/pdf") return content.starts_with("%PDF-");
  if (type == "image/png") return content.starts_with("\x89PNG\r\n\x1a\n"sv);
  if (type == "image/jpeg") return content.starts_with("\xFF\xD8\xFF"sv);
  if (IsZipType(type)) return content.starts_with("PK\x03\x04"sv);
  return ValidUtf8(content) && content.find('\0') == std::string_view::npos;
}

std::string SanitizeFilename(std::string_view filename, std::size_t max_bytes) {
  if (const auto slash = filename.find_last_of("/\\"); slash != std::string_view::npos) {
    filename.remove_prefix(slash + 1);
  }
  const std::string valid = SanitizeUtf8(filename);
  std::string out;
  for (std::size_t i = 0; i < valid.size(); ++i) {
    const auto c = static_cast<unsigned char>(valid[i]);
    if (c < 0x20 || c == 0x7F) continue;
    // C1 controls U+0080..U+009F are encoded as C2 80..C2 9F.
    if (c == 0xC2 && i + 1 < valid.size() && static_cast<unsigned char>(valid[i + 1]) <= 0x9F) {
      ++i;
      continue;
    }
    out += valid[i];
  }
  const auto first = out.find_first_not_of(". ");
  out = first == std::string::npos ? std::string() : out.substr(first);
  while (!out.empty() && out.back() == ' ') out.pop_back();
  out = std::string(TruncateUtf8(out, max_bytes));
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out.empty() ? std::string("evidence") : out;
}

std::string Sha256Hex(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed");
  }
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest.data()), length));
}

}  // namespace caduceus::assessment
