// Checks on evidence files before they are stored: accepted content types, content sniffing,
// file names. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace caduceus::assessment {

// application/pdf, image/png, image/jpeg, text/plain, text/csv, the OOXML word-processing and
// spreadsheet types and the OpenDocument text and spreadsheet types (exact, lower case, without
// parameters).
bool IsEvidenceType(std::string_view content_type);

// Whether the bytes look like the type: PDF "%PDF-", the PNG signature, JPEG FF D8 FF, a ZIP
// local file header for the office types, and valid UTF-8 without NUL for text/plain and
// text/csv.
bool ContentMatchesType(std::string_view content_type, std::string_view content);

// The last path component (after '/' or '\'), with ill-formed UTF-8 replaced, control
// characters (C0, DEL, C1) removed, surrounding spaces and leading dots stripped, cut to
// `max_bytes` without splitting a character; "evidence" when nothing is left.
std::string SanitizeFilename(std::string_view filename, std::size_t max_bytes);

// SHA-256, lower-case hex.
std::string Sha256Hex(std::string_view bytes);

}  // namespace caduceus::assessment
