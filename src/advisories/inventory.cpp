// CycloneDX and CSV inventory parsing. A CycloneDX validation failure unwinds to ParseCycloneDx
// through the private Failure type, which never leaves this file.
#include "advisories/inventory.h"

#include <algorithm>
#include <initializer_list>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/json.h"
#include "core/text.h"

namespace caduceus::advisories {
namespace {

namespace json = boost::json;

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string ToLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = Lower(c);
  return out;
}

// ---- CycloneDX ---------------------------------------------------------------------------------

struct Failure {
  Error error;
};

[[noreturn]] void Fail(std::string_view kind, std::string_view message, const std::string& ptr) {
  const std::string where = ptr.empty() ? std::string("/") : ptr;
  throw Failure{Error::Invalid(fmt::format("[{}] {} (at {})", kind, message, where), where)};
}

constexpr std::string_view kSpecVersions[] = {"1.2", "1.3", "1.4", "1.5", "1.6", "1.7"};

constexpr std::string_view kComponentTypes[] = {"application",
                                                "framework",
                                                "library",
                                                "container",
                                                "platform",
                                                "operating-system",
                                                "device",
                                                "device-driver",
                                                "firmware",
                                                "file",
                                                "machine-learning-model",
                                                "data",
                                                "cryptographic-asset"};

template <std::size_t N>
bool OneOf(std::string_view value, const std::string_view (&allowed)[N]) {
  return std::find(std::begin(allowed), std::end(allowed), value) != std::end(allowed);
}

// The property names that carry a model or serial number, compared lowercase without the
// optional "cdx:device:" prefix.
bool IsModelProperty(std::string_view name) {
  return name == "model" || name == "modelnumber" || name == "model_number" ||
         name == "model number";
}

bool IsSerialProperty(std::string_view name) {
  return name == "serial" || name == "serialnumber" || name == "serial_number" ||
         name == "serial number";
}

class CycloneDxReader {
 public:
  explicit CycloneDxReader(const CycloneDxOptions& options) : options_(options) {}

  Inventory Run(const json::value& root) {
    const json::object& top = AsObject(root, "");
    if (RequiredString(top, "bomFormat", "") != "CycloneDX") {
      Fail("schema", "bomFormat must be \"CycloneDX\"", "/bomFormat");
    }
    inventory_.format = Inventory::Format::kCycloneDx;
    inventory_.spec_version = RequiredString(top, "specVersion", "");
    if (!OneOf(inventory_.spec_version, kSpecVersions)) {
      Fail("schema", "specVersion must be 1.2 to 1.7", "/specVersion");
    }
    inventory_.serial_number = OptionalString(top, "serialNumber", "");
    if (const json::value* metadata = top.if_contains("metadata")) {
      const json::object& meta = AsObject(*metadata, "/metadata");
      std::string vendor = EntityName(meta, "manufacturer", "/metadata");
      if (vendor.empty()) vendor = EntityName(meta, "manufacture", "/metadata");
      if (vendor.empty()) vendor = EntityName(meta, "supplier", "/metadata");
      if (const json::value* component = meta.if_contains("component")) {
        ReadComponent(*component, "/metadata/component", -1, 1, vendor);
      }
    }
    if (const json::value* components = top.if_contains("components")) {
      ReadComponents(*components, "/components", -1, 1);
    }
    return std::move(inventory_);
  }

 private:
  const json::object& AsObject(const json::value& value, const std::string& ptr) {
    if (!value.is_object()) Fail("schema", "must be an object", ptr);
    return value.get_object();
  }

  std::string AsString(const json::value& value, const std::string& ptr) {
    if (!value.is_string()) Fail("schema", "must be a string", ptr);
    const json::string& s = value.get_string();
    if (s.size() > options_.max_string_bytes) {
      Fail("limit", fmt::format("is longer than {} bytes", options_.max_string_bytes), ptr);
    }
    return std::string(s);
  }

  std::string RequiredString(const json::object& object,
                             std::string_view key,
                             const std::string& ptr) {
    const std::string member = JsonPointerChild(ptr, key);
    const json::value* value = object.if_contains(key);
    if (value == nullptr) Fail("schema", "is required", member);
    std::string s = AsString(*value, member);
    if (s.empty()) Fail("schema", "must not be empty", member);
    return s;
  }

  std::string OptionalString(const json::object& object,
                             std::string_view key,
                             const std::string& ptr) {
    const json::value* value = object.if_contains(key);
    return value == nullptr ? std::string() : AsString(*value, JsonPointerChild(ptr, key));
  }

  // The name of an organizationalEntity member, or "".
  std::string EntityName(const json::object& object, std::string_view key, const std::string& ptr) {
    const json::value* value = object.if_contains(key);
    if (value == nullptr) return {};
    const std::string member = JsonPointerChild(ptr, key);
    return OptionalString(AsObject(*value, member), "name", member);
  }

  void ReadComponents(const json::value& value, const std::string& ptr, long parent, int depth) {
    if (!value.is_array()) Fail("schema", "must be an array", ptr);
    const json::array& array = value.get_array();
    for (std::size_t i = 0; i < array.size(); ++i) {
      ReadComponent(array[i], JsonPointerChild(ptr, i), parent, depth, {});
    }
  }

  void ReadComponent(const json::value& value,
                     const std::string& ptr,
                     long parent,
                     int depth,
                     const std::string& fallback_vendor) {
    if (depth > options_.max_component_depth) {
      Fail("limit", fmt::format("components nest deeper than {}", options_.max_component_depth),
           ptr);
    }
    if (inventory_.assets.size() >= options_.max_components) {
      Fail("limit", fmt::format("more than {} components", options_.max_components), ptr);
    }
    const json::object& object = AsObject(value, ptr);
    Asset asset;
    asset.type = RequiredString(object, "type", ptr);
    if (!OneOf(asset.type, kComponentTypes)) {
      Fail("schema",
           fmt::format("type \"{}\" is not a CycloneDX component type",
                       TruncateUtf8(asset.type, 64)),
           JsonPointerChild(ptr, "type"));
    }
    asset.product = RequiredString(object, "name", ptr);
    asset.version = OptionalString(object, "version", ptr);
    asset.group = OptionalString(object, "group", ptr);
    asset.cpe = OptionalString(object, "cpe", ptr);
    asset.purl = OptionalString(object, "purl", ptr);
    asset.bom_ref = OptionalString(object, "bom-ref", ptr);
    asset.supplier = EntityName(object, "supplier", ptr);
    asset.manufacturer = EntityName(object, "manufacturer", ptr);
    const std::string publisher = OptionalString(object, "publisher", ptr);
    const std::string author = OptionalString(object, "author", ptr);
    for (const std::string* candidate : std::initializer_list<const std::string*>{
             &asset.manufacturer, &asset.supplier, &publisher, &author, &fallback_vendor}) {
      if (!candidate->empty()) {
        asset.vendor = *candidate;
        break;
      }
    }
    if (const json::value* properties = object.if_contains("properties")) {
      const std::string list = JsonPointerChild(ptr, "properties");
      if (!properties->is_array()) Fail("schema", "must be an array", list);
      const json::array& array = properties->get_array();
      if (array.size() > options_.max_properties) {
        Fail("limit", fmt::format("more than {} properties", options_.max_properties), list);
      }
      for (std::size_t i = 0; i < array.size(); ++i) {
        const std::string item_ptr = JsonPointerChild(list, i);
        const json::object& item = AsObject(array[i], item_ptr);
        std::string name = RequiredString(item, "name", item_ptr);
        std::string text = OptionalString(item, "value", item_ptr);
        std::string key = ToLower(name);
        if (key.rfind("cdx:device:", 0) == 0) key = key.substr(11);
        if (IsModelProperty(key) && asset.model_number.empty()) asset.model_number = text;
        if (IsSerialProperty(key) && asset.serial_number.empty()) asset.serial_number = text;
        asset.properties.emplace_back(std::move(name), std::move(text));
      }
    }
    asset.source = ptr;
    asset.parent = parent;
    const long index = static_cast<long>(inventory_.assets.size());
    inventory_.assets.push_back(std::move(asset));
    if (const json::value* children = object.if_contains("components")) {
      ReadComponents(*children, JsonPointerChild(ptr, "components"), index, depth + 1);
    }
  }

  const CycloneDxOptions& options_;
  Inventory inventory_;
};

// ---- CSV ---------------------------------------------------------------------------------------

enum class Column {
  kVendor,
  kProduct,
  kVersion,
  kModel,
  kSerial,
  kLocation,
  kDepartment,
  kOwner,
  kNetwork,
  kSafety,
  kCpe,
  kPurl,
  kOther,
};

// Lowercase words of a header cell, punctuation removed: "Patient-Safety Critical?" →
// "patient safety critical".
std::string HeaderKey(std::string_view cell) {
  std::string out;
  bool space = false;
  for (char c : cell) {
    c = Lower(c);
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      if (space && !out.empty()) out += ' ';
      space = false;
      out += c;
    } else {
      space = true;
    }
  }
  return out;
}

Column ColumnFor(std::string_view key) {
  struct Name {
    std::string_view key;
    Column column;
  };
  static constexpr Name kNames[] = {
      {"vendor", Column::kVendor},
      {"manufacturer", Column::kVendor},
      {"supplier", Column::kVendor},
      {"make", Column::kVendor},
      {"product", Column::kProduct},
      {"product name", Column::kProduct},
      {"name", Column::kProduct},
      {"device", Column::kProduct},
      {"device name", Column::kProduct},
      {"version", Column::kVersion},
      {"software version", Column::kVersion},
      {"firmware version", Column::kVersion},
      {"firmware", Column::kVersion},
      {"sw version", Column::kVersion},
      {"fw version", Column::kVersion},
      {"model number", Column::kModel},
      {"model", Column::kModel},
      {"model no", Column::kModel},
      {"model nr", Column::kModel},
      {"serial", Column::kSerial},
      {"serial number", Column::kSerial},
      {"serial no", Column::kSerial},
      {"sn", Column::kSerial},
      {"location", Column::kLocation},
      {"location department", Column::kLocation},
      {"site", Column::kLocation},
      {"ward", Column::kLocation},
      {"department", Column::kDepartment},
      {"owner", Column::kOwner},
      {"responsible", Column::kOwner},
      {"contact", Column::kOwner},
      {"network connected", Column::kNetwork},
      {"networked", Column::kNetwork},
      {"connected", Column::kNetwork},
      {"network", Column::kNetwork},
      {"patient safety critical", Column::kSafety},
      {"safety critical", Column::kSafety},
      {"patient safety", Column::kSafety},
      {"critical", Column::kSafety},
      {"cpe", Column::kCpe},
      {"purl", Column::kPurl},
  };
  for (const Name& n : kNames) {
    if (n.key == key) return n.column;
  }
  return Column::kOther;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

struct Record {
  std::size_t line = 0;
  std::vector<std::string> fields;
  std::string error;  // a quoting problem, or empty
  bool quoted_any = false;
};

// Splits RFC 4180 records; a malformed record is still returned, with `error` set, and reading
// goes on at the next line.
class CsvTokenizer {
 public:
  CsvTokenizer(std::string_view text, char delimiter) : text_(text), delimiter_(delimiter) {}

  bool Next(Record* record) {
    if (pos_ >= text_.size()) return false;
    record->line = line_;
    record->fields.clear();
    record->error.clear();
    record->quoted_any = false;
    std::string field;
    bool in_quotes = false;
    bool after_quote = false;
    auto set_error = [&](std::string message) {
      if (record->error.empty()) record->error = std::move(message);
    };
    while (true) {
      if (pos_ >= text_.size()) {
        if (in_quotes) set_error("a quoted field is never closed");
        record->fields.push_back(std::move(field));
        return true;
      }
      const char c = text_[pos_];
      if (in_quotes) {
        if (c == '"') {
          if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
            field += '"';
            pos_ += 2;
          } else {
            in_quotes = false;
            after_quote = true;
            ++pos_;
          }
          continue;
        }
        if (c == '\n') ++line_;
        field += c;
        ++pos_;
        continue;
      }
      if (c == delimiter_) {
        record->fields.push_back(std::move(field));
        field.clear();
        after_quote = false;
        ++pos_;
        continue;
      }
      if (c == '\r' || c == '\n') {
        pos_ += (c == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') ? 2 : 1;
        ++line_;
        record->fields.push_back(std::move(field));
        return true;
      }
      if (after_quote) {
        set_error("text follows a closing quote");
      } else if (c == '"') {
        if (Trim(field).empty()) {
          field.clear();
          in_quotes = true;
          record->quoted_any = true;
        } else {
          set_error("a quote inside an unquoted field");
        }
        ++pos_;
        continue;
      }
      field += c;
      ++pos_;
    }
  }

 private:
  std::string_view text_;
  char delimiter_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
};

char DetectDelimiter(std::string_view text) {
  std::size_t commas = 0;
  std::size_t semicolons = 0;
  bool in_quotes = false;
  for (char c : text) {
    if (c == '"') in_quotes = !in_quotes;
    if (in_quotes) continue;
    if (c == '\n' || c == '\r') break;
    commas += c == ',' ? 1 : 0;
    semicolons += c == ';' ? 1 : 0;
  }
  return semicolons > commas ? ';' : ',';
}

enum class YesNo { kYes, kNo, kEmpty, kNeither };

YesNo ParseYesNo(std::string_view value) {
  const std::string v = ToLower(value);
  if (v.empty()) return YesNo::kEmpty;
  if (v == "yes" || v == "y" || v == "true" || v == "1") return YesNo::kYes;
  if (v == "no" || v == "n" || v == "false" || v == "0") return YesNo::kNo;
  return YesNo::kNeither;
}

}  // namespace

Result<Inventory> ParseCycloneDx(std::string_view text, const CycloneDxOptions& options) {
  if (text.size() > options.max_bytes) {
    return Error::Invalid(
        fmt::format("[limit] the document is larger than {} bytes (at /)", options.max_bytes), "/");
  }
  json::monotonic_resource resource;
  try {
    const std::size_t depth = 2 * static_cast<std::size_t>(options.max_component_depth) + 16;
    const auto root = ParseStrictJson(text, depth, &resource);
    if (!root) Fail("json", root.error().message, root.error().pointer);
    return CycloneDxReader(options).Run(*root);
  } catch (Failure& failure) {
    return std::move(failure.error);
  }
}

Result<Inventory> ParseInventoryCsv(std::string_view text,
                                    const CsvOptions& options,
                                    std::vector<RowError>* row_errors) {
  if (row_errors != nullptr) row_errors->clear();
  if (text.size() > options.max_bytes) {
    return Error::Invalid(
        fmt::format("[limit] the file is larger than {} bytes", options.max_bytes), "line 1");
  }
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  CsvTokenizer tokenizer(text, DetectDelimiter(text));
  Record header;
  if (!tokenizer.Next(&header) || (header.fields.size() == 1 && Trim(header.fields[0]).empty())) {
    return Error::Invalid("[header] the first line must name the columns", "line 1");
  }
  if (!header.error.empty()) {
    return Error::Invalid(fmt::format("[header] {}", header.error), "line 1");
  }
  if (header.fields.size() > options.max_columns) {
    return Error::Invalid(fmt::format("[limit] more than {} columns", options.max_columns),
                          "line 1");
  }
  std::vector<Column> columns;
  std::vector<std::string> names;
  for (const std::string& cell : header.fields) {
    const std::string name(TruncateUtf8(Trim(cell), 128));
    const Column column = ColumnFor(HeaderKey(name));
    if (column != Column::kOther &&
        std::find(columns.begin(), columns.end(), column) != columns.end()) {
      return Error::Invalid(fmt::format("[header] column '{}' names a column given before", name),
                            "line 1");
    }
    if (!ValidUtf8(name)) return Error::Invalid("[header] the header is not valid UTF-8", "line 1");
    columns.push_back(column);
    names.push_back(name);
  }
  for (const auto& [column, what] :
       {std::pair{Column::kVendor, "vendor"}, std::pair{Column::kProduct, "product"}}) {
    if (std::find(columns.begin(), columns.end(), column) == columns.end()) {
      return Error::Invalid(fmt::format("[header] there is no {} column", what), "line 1");
    }
  }

  Inventory inventory;
  inventory.format = Inventory::Format::kCsv;
  std::size_t bad_rows = 0;
  std::size_t rows = 0;
  RowError first;
  Record record;
  while (tokenizer.Next(&record)) {
    if (record.fields.size() == 1 && !record.quoted_any && Trim(record.fields[0]).empty() &&
        record.error.empty()) {
      continue;
    }
    if (++rows > options.max_rows) {
      return Error::Invalid(fmt::format("[limit] more than {} rows", options.max_rows),
                            fmt::format("line {}", record.line));
    }
    std::vector<RowError> problems;
    auto problem = [&](std::string column, std::string message) {
      problems.push_back({record.line, std::move(column), std::move(message)});
    };
    if (!record.error.empty()) {
      problem({}, record.error);
    } else if (record.fields.size() != columns.size()) {
      problem({}, fmt::format("has {} fields, the header has {}", record.fields.size(),
                              columns.size()));
    }
    Asset asset;
    asset.line = record.line;
    asset.source = fmt::format("line {}", record.line);
    for (std::size_t k = 0; problems.empty() && k < columns.size(); ++k) {
      const std::string_view value = Trim(record.fields[k]);
      if (value.size() > options.max_field_bytes) {
        problem(names[k], fmt::format("is longer than {} bytes", options.max_field_bytes));
        continue;
      }
      if (!ValidUtf8(value)) {
        problem(names[k], "is not valid UTF-8");
        continue;
      }
      if (!NoControlChars(value)) {
        problem(names[k], "holds a control character");
        continue;
      }
      std::string v(value);
      switch (columns[k]) {
        case Column::kVendor:
          asset.vendor = std::move(v);
          break;
        case Column::kProduct:
          asset.product = std::move(v);
          break;
        case Column::kVersion:
          asset.version = std::move(v);
          break;
        case Column::kModel:
          asset.model_number = std::move(v);
          break;
        case Column::kSerial:
          asset.serial_number = std::move(v);
          break;
        case Column::kLocation:
          asset.location = std::move(v);
          break;
        case Column::kDepartment:
          asset.department = std::move(v);
          break;
        case Column::kOwner:
          asset.owner = std::move(v);
          break;
        case Column::kCpe:
          asset.cpe = std::move(v);
          break;
        case Column::kPurl:
          asset.purl = std::move(v);
          break;
        case Column::kNetwork:
        case Column::kSafety: {
          const YesNo yes_no = ParseYesNo(v);
          if (yes_no == YesNo::kNeither) {
            problem(names[k], fmt::format("'{}' is not yes or no", TruncateUtf8(v, 32)));
            break;
          }
          std::optional<bool>& target = columns[k] == Column::kNetwork
                                            ? asset.network_connected
                                            : asset.patient_safety_critical;
          if (yes_no != YesNo::kEmpty) target = yes_no == YesNo::kYes;
          break;
        }
        case Column::kOther:
          if (!v.empty()) asset.properties.emplace_back(names[k], std::move(v));
          break;
      }
    }
    if (problems.empty()) {
      for (std::size_t k = 0; k < columns.size(); ++k) {
        if (columns[k] == Column::kVendor && asset.vendor.empty()) problem(names[k], "is empty");
        if (columns[k] == Column::kProduct && asset.product.empty()) problem(names[k], "is empty");
      }
    }
    if (!problems.empty()) {
      if (bad_rows++ == 0) first = problems.front();
      for (RowError& e : problems) {
        if (row_errors != nullptr && row_errors->size() < options.max_row_errors) {
          row_errors->push_back(std::move(e));
        }
      }
      continue;
    }
    if (bad_rows == 0) inventory.assets.push_back(std::move(asset));
  }
  if (bad_rows > 0) {
    const std::string where = first.column.empty() ? "" : fmt::format("column '{}' ", first.column);
    return Error::Invalid(fmt::format("[rows] {} bad row{}; the first: line {}: {}{}", bad_rows,
                                      bad_rows == 1 ? "" : "s", first.line, where, first.message),
                          fmt::format("line {}", first.line));
  }
  return inventory;
}

}  // namespace caduceus::advisories
