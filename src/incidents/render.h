// What incidents look like outside the JSON API: the printable per-incident report (standalone
// HTML with print CSS) and the statistics as CSV (RFC 4180).
//
// Every piece of text that came from a person (titles, report fields, messages, organisation
// names) is escaped; the HTML holds no script, no external resource and no link a reader could
// be lured by. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/clock.h"
#include "incidents/service.h"

namespace caduceus::incidents {

// A standalone HTML document: summary, deadlines, the latest report of each stage (with how many
// earlier versions exist), indicators, information and rapid-response requests, and the
// timeline. Serve it with a CSP that allows inline styles only.
std::string RenderIncidentReport(const Incident& incident, TimePoint generated_at);

// One CSV field per RFC 4180: quoted (with quotes doubled) when it holds a comma, a quote, a
// line break or leading/trailing spaces. A field that a spreadsheet would read as a formula
// (starting with =, +, -, @, tab or carriage return) is prefixed with an apostrophe first.
std::string CsvField(std::string_view text);

// The statistics as CSV: header "dimension,key,label,incidents,suppressed", a "scope" row (key:
// the scope, label: the organisation), then one row per group; suppressed groups have an empty
// count. Lines end with CRLF.
std::string StatisticsCsv(const Statistics& statistics);

}  // namespace caduceus::incidents
