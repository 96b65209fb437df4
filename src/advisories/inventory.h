// Asset inventories a provider uploads: CycloneDX JSON SBOMs and CSV spreadsheets, parsed into
// one list of assets. Parsing only: nothing is stored here, and a rejected file yields no assets.
//
// CycloneDX (specVersion 1.2 to 1.7; 1.4–1.6 are what providers are asked for):
//   * bomFormat must be "CycloneDX". Every component of metadata.component (the device the SBOM
//     describes, with its own nested components) and of `components`, depth first, becomes one
//     Asset; `parent` links a nested component to the asset that holds it.
//   * Read per component: type (required; the CycloneDX enum: application, framework, library,
//     container, platform, operating-system, device, device-driver, firmware, file,
//     machine-learning-model, data, cryptographic-asset), name (required), version, group,
//     supplier.name, manufacturer.name (1.6), publisher, author, cpe, purl, bom-ref and
//     properties (name/value). cpe and purl are kept as written; matching parses them.
//   * vendor is the first non-empty of manufacturer.name, supplier.name, publisher, author; for
//     metadata.component also metadata.manufacturer.name (1.6), metadata.manufacture.name (1.2–
//     1.5) and metadata.supplier.name.
//   * model_number and serial_number come from a property named (case-insensitively, with an
//     optional "cdx:device:" prefix) "model", "modelNumber", "model_number", "model number",
//     or "serial", "serialNumber", "serial_number", "serial number".
//   * Unknown members are ignored. Failure: Error::Invalid whose `field` is the JSON pointer of
//     the offending element and whose message starts "[json]" (malformed, too deep, a repeated
//     member), "[schema]" (a required member missing or of the wrong type) or "[limit]" (a bound
//     of CycloneDxOptions). Only the first failure is reported.
//
// CSV (RFC 4180, UTF-8, optional byte-order mark; ',' or ';' — whichever the header line uses
// more outside quotes; CRLF or LF line ends; quoted fields may hold delimiters, "" and line
// breaks; fields are trimmed of spaces and tabs):
//   * The first line is the header. Column names are matched case- and punctuation-
//     insensitively: vendor (manufacturer, supplier, make), product (product name, name, device,
//     device name), version (software version, firmware version, firmware, sw version,
//     fw version), model number (model, model no, model nr), serial (serial number, serial no,
//     sn), location (location/department, site, ward), department, owner (responsible,
//     contact), network-connected (network connected, networked, connected, network),
//     patient-safety critical (patient safety critical, safety critical, patient safety,
//     critical), cpe, purl. Other columns are kept as properties. vendor and product are
//     required; a column may appear once.
//   * Yes/no columns accept yes, no, y, n, true, false, 1, 0 (any case); empty is "not stated".
//   * A row is bad when its field count differs from the header's, a quote is misplaced or never
//     closed, vendor or product is empty, a yes/no value is neither, a field is longer than
//     max_field_bytes or is not valid UTF-8 or holds control characters. Blank lines are
//     skipped. Lines are numbered from 1 (the header); a row's line is where it starts.
//   * Any bad row rejects the whole file: the Error (message "[rows] ...", field "line N" of the
//     first) comes back and, when `row_errors` is given, every bad row is listed there (up to
//     max_row_errors). Header and size problems are "[header]" and "[limit]" errors.
//
// Everything here is pure and thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"

namespace caduceus::advisories {

struct Asset {
  std::string vendor;
  std::string product;
  std::string version;
  std::string model_number;
  std::string serial_number;
  std::string location;
  std::string department;
  std::string owner;
  std::optional<bool> network_connected;
  std::optional<bool> patient_safety_critical;
  std::string cpe;
  std::string purl;
  // CycloneDX only.
  std::string type;
  std::string group;
  std::string supplier;
  std::string manufacturer;
  std::string bom_ref;
  // CycloneDX properties, or CSV columns that are not listed above (header → value).
  std::vector<std::pair<std::string, std::string>> properties;
  // Where the asset was read: a JSON pointer ("/components/3/components/0") or "line 12".
  std::string source;
  std::size_t line = 0;  // CSV: the line the row starts on
  // CycloneDX: index in Inventory::assets of the component holding this one; -1 at the top.
  long parent = -1;
};

struct Inventory {
  enum class Format { kCycloneDx, kCsv };

  Format format = Format::kCsv;
  std::string spec_version;   // CycloneDX specVersion
  std::string serial_number;  // CycloneDX serialNumber (a URN)
  std::vector<Asset> assets;
};

struct CycloneDxOptions {
  std::size_t max_bytes = 64 * 1024 * 1024;
  std::size_t max_components = 200'000;
  // Components nested in components (metadata.component counts as depth 1).
  int max_component_depth = 32;
  std::size_t max_properties = 1'000;     // per component
  std::size_t max_string_bytes = 16'384;  // every string read
};

Result<Inventory> ParseCycloneDx(std::string_view json, const CycloneDxOptions& options = {});

struct CsvOptions {
  std::size_t max_bytes = 32 * 1024 * 1024;
  std::size_t max_rows = 500'000;
  std::size_t max_columns = 64;
  std::size_t max_field_bytes = 4'096;
  std::size_t max_row_errors = 1'000;
};

struct RowError {
  std::size_t line = 0;
  std::string column;  // the column at fault, as the header names it; empty for the whole row
  std::string message;
};

Result<Inventory> ParseInventoryCsv(std::string_view text,
                                    const CsvOptions& options = {},
                                    std::vector<RowError>* row_errors = nullptr);

}  // namespace caduceus::advisories
