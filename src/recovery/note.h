// Ransom notes as text: decoding the bytes a victim found, removing markup, pulling out the
// contact details, and normalising the words so that two copies of one family's note compare
// equal although every victim's copy carries its own ID, key, price and addresses.
//
// Everything here is pure, bounded and thread-safe; any input bytes are acceptable (nothing
// throws on hostile input; output is always valid UTF-8).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace caduceus::recovery {

// Notes longer than this are cut before decoding.
inline constexpr std::size_t kMaxNoteBytes = 1024 * 1024;
// At most this many items of each contact kind are extracted from one text.
inline constexpr std::size_t kMaxContactsPerKind = 64;

enum class NoteEncoding {
  kUtf8,     // valid UTF-8, possibly after a UTF-8 byte-order mark
  kUtf16Le,  // UTF-16 little endian (byte-order mark FF FE, or NUL bytes at odd offsets)
  kUtf16Be,  // UTF-16 big endian (byte-order mark FE FF, or NUL bytes at even offsets)
  kLegacy,   // not UTF-8: read as Windows-1252, the usual encoding of Western notes
};
std::string_view ToString(NoteEncoding encoding);

enum class NoteMarkup { kNone, kHtml, kRtf };

struct DecodedNote {
  std::string text;  // valid UTF-8; CR LF and CR become LF; markup removed
  NoteEncoding encoding = NoteEncoding::kUtf8;
  NoteMarkup markup = NoteMarkup::kNone;
  bool truncated = false;  // the input exceeded kMaxNoteBytes
};

// Decodes note bytes. UTF-16 with an odd byte count drops the last byte; unpaired surrogates and
// ill-formed sequences become U+FFFD. HTML (by the file name's extension .htm/.html/.hta, or by
// content starting with a tag) and RTF ("{\rtf") are converted to plain text.
DecodedNote DecodeNote(std::string_view bytes, std::string_view file_name = {});

// Plain text of an HTML document: tags and comments removed, the content of script, style and
// head elements dropped (the title is kept), block elements and <br> become line breaks, and
// character references decoded. Tolerates any malformed markup.
std::string HtmlToText(std::string_view html);

// Decodes HTML character references: the common named ones (&amp; &lt; &gt; &quot; &apos;
// &nbsp; &laquo; &raquo; &copy; &ndash; &mdash; ... ), decimal (&#10102;) and hexadecimal (&#x41;).
// References that are unknown, malformed, zero, surrogates or beyond U+10FFFF stay as written.
std::string DecodeEntities(std::string_view text);

// Plain text of an RTF document: control words and groups such as fonts and colour tables
// dropped, \par and \line as line breaks, \'hh as Windows-1252, \uN as Unicode.
std::string RtfToText(std::string_view rtf);

// Contact details found in a text, lower-cased, de-duplicated, in order of appearance, at most
// kMaxContactsPerKind of each.
struct Contacts {
  std::vector<std::string> emails;            // local@domain.tld
  std::vector<std::string> onions;            // host names ending in .onion (v2 or v3)
  std::vector<std::string> crypto_addresses;  // Bitcoin (base58 or bech32) and Monero
  std::vector<std::string> urls;              // other http(s) URLs, as written (lower-cased)
};
Contacts ExtractContacts(std::string_view text);

// The words of a note as identification compares them: lower case, punctuation and symbols
// dropped, joined by single spaces, with victim-specific tokens replaced by placeholders:
// <onion> (.onion addresses and URLs), <url> (other URLs and bare domains such as proton.me),
// <email>, <wallet> (Bitcoin, Monero), <hex> (16+ hex
// digits), <key> (long base64-like strings), <id> (letter-digit mixes of 8+ characters, or
// dash-separated groups such as F97F-EFC0-B07D), <num> (numbers, amounts, dates and times).
// Idempotent: normalising a normalised text changes nothing. With `keep_case` letters keep their
// case (identification tells names, which notes capitalise, from ordinary words).
std::string NormaliseNote(std::string_view text, bool keep_case = false);

// Splits a normalised note into its words (placeholders are single words).
std::vector<std::string_view> NoteWords(std::string_view normalised);

// Lower-cases ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic letters in valid UTF-8.
std::string LowerCase(std::string_view text);

}  // namespace caduceus::recovery
