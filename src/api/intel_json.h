// JSON the threat-intelligence route files share (routes_intel*.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <boost/json/fwd.hpp>
#include <boost/json/object.hpp>

#include "core/error.h"

namespace caduceus::intel {
struct IngestReport;
}

namespace caduceus::api {

// Organisations one submission may name as recipients of AMBER and RED objects.
inline constexpr std::size_t kMaxRecipients = 200;

// {"status_id", "total", "accepted": [{id, version, stored}], "rejected": [{index, id, field,
// message}], "warnings": [{id, kind, value, list}]}.
boost::json::object IngestReportJson(const intel::IngestReport& report);

// The audit detail of a submission: counts, never content.
std::string IngestAuditDetail(const intel::IngestReport& report);

// A `recipients` member: absent or null for none, else up to kMaxRecipients positive
// organisation ids.
Result<std::vector<std::int64_t>> RecipientsParam(const boost::json::value* value);

}  // namespace caduceus::api
