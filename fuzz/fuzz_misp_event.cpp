// The MISP importer on arbitrary bytes, and the exporter on what it produced. Every object the
// import returns must validate as STIX, sightings must refer to an imported object, and a
// successful import exported to MISP JSON must import again without error into objects that
// validate; the feed manifest reader must not fail on anything but an error value.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "intel/misp.h"
#include "intel/stix.h"

namespace {

using caduceus::intel::ExportMispEvent;
using caduceus::intel::ImportMispEvent;
using caduceus::intel::MispImport;
using caduceus::intel::MispImportOptions;

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

void CheckImport(const MispImport& import) {
  Check(!import.objects.empty());
  Check(import.objects.back().at("type").as_string() == "report");
  std::set<std::string> ids;
  for (const auto& o : import.objects) {
    Check(caduceus::intel::ValidateStixObject(o).has_value());
    ids.insert(std::string(o.at("id").as_string()));
  }
  for (const auto& s : import.sightings) {
    Check(caduceus::intel::ValidateStixObject(s).has_value());
    Check(ids.contains(std::string(s.at("sighting_of_ref").as_string())));
  }
  for (const auto& skipped : import.skipped) Check(!skipped.reason.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  MispImportOptions options;
  options.limits.max_attributes = 2000;
  options.limits.max_objects = 500;
  const auto import = ImportMispEvent(text, options);
  (void)caduceus::intel::ParseMispManifest(text, options.limits);
  if (!import) {
    Check(import.error().code == caduceus::Errc::kInvalidArgument);
    return 0;
  }
  CheckImport(*import);
  const auto exported = ExportMispEvent(import->objects.back(), import->objects);
  Check(exported.has_value());
  const auto again = ImportMispEvent(boost::json::value(*exported), options);
  Check(again.has_value());
  CheckImport(*again);
  Check(again->report_id == import->report_id);
  return 0;
}
