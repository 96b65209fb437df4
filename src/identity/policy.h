// Authorisation: every access decision of the hub is made here and nowhere else.
//
// Two layers, both in policy.cpp:
//  * route access, decided before a handler runs, from the authenticated principal alone:
//    who may call the route at all, what an API token's scopes allow, and the gates that hold
//    while a user must change their password or enrol a second factor;
//  * object access, decided by the identity service (and later modules) through Allowed():
//    may this principal act on that organisation? The target organisation's place in the
//    hierarchy is read from the database, never taken from the request.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/tlp.h"
#include "identity/model.h"

namespace caduceus::identity {

enum class RouteAccess {
  kPublic,         // no credential needed (login, health)
  kAuthenticated,  // any logged-in user or token
  kAdmin,          // users with the admin role
};

// What a route still allows while the principal has an obligation pending.
enum class Gate {
  kNormal,         // refused while a password change or TOTP enrolment is pending
  kAccountUpkeep,  // allowed while pending (me, logout)
  kCredentials,    // allowed while pending, but only in an interactive session: an API token
                   // never changes its user's password or second factor
};

// Route-level decision. `safe_method` is true for GET/HEAD: tokens with only the read scope may
// call nothing else (the write scope includes reading). Returns kUnauthenticated when a credential
// is needed and missing, and kPermissionDenied (field "password-change-required" /
// "totp-enrollment-required" for the gates) otherwise.
Status AuthorizeRoute(const Principal* principal, RouteAccess access, Gate gate, bool safe_method);

enum class Permission {
  kReadOrganisation,    // know that the organisation exists and read its profile
  kManageOrganisation,  // change its settings (name, TOTP requirement)
  kManageUsers,         // list, create, change users of the organisation
  kReadAudit,           // read audit entries about the organisation
  kVerifyAudit,         // verify the whole audit chain
  kResetCredentials,    // issue a new password to one of its users: own organisation only, so an
                        // overseeing authority or the support centre cannot take over accounts
  kGrantAdmin,          // make a user an admin of the organisation: own organisation only, for
                        // the same reason (the identity service lets an overseer appoint the first
                        // admin of an organisation that has none)
  // Self-assessment; the target is the assessed provider.
  kReadAssessment,    // its assessments, answers, evidence and scores: its own members, its
                      // authority and the support centre
  kAnswerAssessment,  // save answers and attach evidence: its own admins and analysts
  kSubmitAssessment,  // submit a cycle's assessment for review: its own admins
  kReviewAssessment,  // accept it or send it back: admins and analysts of its authority and of the
                      // support centre
  // Sector reports; the target is the organisation whose scope the report covers (the support
  // centre: the EU; an authority: its Member State): its own admins and analysts, and the support
  // centre's.
  kReadProgressReport,
  // NIS2 incident reporting; the target is the reporting provider.
  kReportIncident,  // open an incident: its own admins, analysts and reporters
  // Incident statistics; the target is the organisation whose scope they cover (as for
  // kReadProgressReport).
  kReadIncidentStatistics,
  // Early warning (advisories matched to asset inventories). Target: the provider whose
  // inventory or alerts they are, unless said otherwise.
  kReadInventory,    // its assets and upload history: its own members, its authority and the
                     // support centre
  kManageInventory,  // upload inventories, edit single assets: its own admins and analysts
  kReadAlerts,       // its alerts and their history: its own members, its authority and the
                     // support centre
  kHandleAlerts,     // acknowledge, remediate, resolve: its own admins and analysts
  kManageDelivery,   // its subscriptions, webhooks and e-mail recipients: its own admins and
                     // analysts (the target may be any kind of organisation)
  // Publish advisories (import CSAF, author one in the hub, manage advisory sources and the
  // vendor/product alias tables). Target: the publishing organisation itself; its admins and
  // analysts, when it is the support centre or an authority.
  kPublishAdvisory,
  // Set the acknowledgement and remediation deadlines. Target: an authority (for its providers)
  // or the support centre (the defaults): that organisation's own admins.
  kSetAlertDeadlines,
  // Early-warning dashboards over many providers. Target: the organisation whose scope they
  // cover (as for kReadProgressReport).
  kReadAlertStatistics,
};

// The facts about a target organisation that decisions depend on, loaded from storage.
struct OrgRef {
  std::int64_t id = 0;
  OrgKind kind = OrgKind::kProvider;
  std::optional<std::int64_t> parent_id;
};

bool Allowed(const Principal& principal, Permission permission, const OrgRef& target);

// What may be done with one incident.
enum class IncidentAction {
  kRead,    // see the incident, its reports and its timeline
  kReport,  // add the provider's stage reports and messages, ask for rapid response, publish its
            // indicators: the provider's admins, analysts and reporters
  kHandle,  // the CSIRT's work (acknowledge, ask for information, give guidance, classify, close):
            // admins and analysts of the authority the incident is routed to
  kAssist,  // the support centre's work on an incident shared with it (guidance, messages)
};

// The facts about an incident that decisions depend on, loaded from storage.
struct IncidentRef {
  OrgRef provider;                          // the reporting provider
  std::int64_t authority_id = 0;            // the national CSIRT it is routed to
  bool shared_with_support_centre = false;  // the provider chose so, or asked for rapid response
};

// Members of the provider read its incidents; so does the authority it is routed to, and the
// support centre when the incident is shared with it. Nobody else learns of it.
bool AllowedOnIncident(const Principal& principal,
                       IncidentAction action,
                       const IncidentRef& incident);

// Service-catalogue curation. Support-centre admins and analysts curate every entry; an authority's
// admins and analysts curate entries whose countries are exactly their own Member State
// (`own_country`, loaded from storage). Nobody else curates.
bool AllowedToCurate(const Principal& principal,
                     std::optional<std::string_view> own_country,
                     std::span<const std::string> entry_countries);

// Threat intelligence (TLP 2.0). Objects live in collections; collections in API roots, each the
// home of one sharing community: the EU (every organisation), one Member State (its authority,
// the providers under it, and the support centre) or a list of organisations an admin keeps.

enum class CollectionAction {
  kRead,        // list and read the collection's objects (within their TLP, below)
  kWrite,       // add objects: admins and analysts of an organisation with write access
  kSight,       // report sightings of its indicators: also reporters, and agents' tokens
  kAdminister,  // change the collection, its access list, delete objects: support-centre
                // admins for every collection, an authority's admins for its Member State's
};

// The facts about a collection that decisions depend on, loaded from storage for the
// principal's organisation.
struct CollectionRef {
  bool in_community = false;        // the principal's organisation is in the API root's community
  bool community_read = false;      // the collection's default for community members
  bool community_write = false;     // idem
  std::optional<bool> grant_read;   // an explicit grant to the principal's organisation
  std::optional<bool> grant_write;  // idem
  std::optional<std::string> root_country;  // the Member State of a country API root
  std::optional<std::string> own_country;   // the principal's organisation's Member State
};

bool AllowedOnCollection(const Principal& principal,
                         CollectionAction action,
                         const CollectionRef& collection);

// The facts about one object version that its visibility depends on.
struct IntelObjectScope {
  TlpLevel tlp = TlpLevel::kRed;                   // its marking, or the collection's default
  std::int64_t producer_id = 0;                    // the organisation that submitted it
  std::optional<std::int64_t> producer_parent_id;  // that organisation's parent (its authority)
  std::span<const std::int64_t> recipients;        // organisations the producer named
};

// May an organisation that can read the collection see this object version? The producer always
// does; CLEAR and GREEN: everyone who reads the collection (its community); AMBER: also the
// producer's authority (its parent) and the named recipients; AMBER+STRICT: nobody else; RED:
// the named recipients. Storage mirrors this rule as a SQL predicate (intel/visibility.h), and a
// test holds the two equal.
bool AllowedToSeeIntel(std::int64_t viewer_org_id, const IntelObjectScope& object);

// May the principal delete an object version from a collection (TAXII 2.1 section 5.7)? The
// collection's administrators may (`administers`: AllowedOnCollection kAdminister); otherwise
// only the admins and analysts of the organisation that produced it.
bool AllowedToWithdrawIntel(const Principal& principal, bool administers, std::int64_t producer_id);

// Advisories (CSAF 2.0 documents, whose TLP is 1.0: WHITE, GREEN, AMBER, RED, or none). Every
// advisory has a holder: the organisation that brought it into the hub (the uploader's, the
// author's, or that of the organisation which set up the source it came from). A later revision
// of the same advisory keeps the first holder, whoever imports it.
struct AdvisoryScope {
  std::optional<TlpLevel> tlp;   // nullopt: no TLP label; WHITE reads kClear
  std::optional<OrgRef> holder;  // nullopt: holder unknown (imported before holders were kept,
                                 // or by the admin CLI)
};

// Whether an advisory's label lets every organisation see it: none, WHITE (kClear) or GREEN.
bool AdvisoryIsPublic(std::optional<TlpLevel> tlp);

// May an organisation see an advisory (list it, read it, download it, be alerted about it)?
// No TLP, WHITE and GREEN: every organisation. AMBER: the holder, the organisations under it
// (its providers; every organisation when the holder is the support centre: the hierarchy is
// three levels deep) and the holder's parent (an authority's support centre). RED (and
// AMBER+STRICT, which CSAF 2.0 cannot carry): the holder only. AMBER or RED with the holder
// unknown: the support centre only. The hub's own jobs and the admin CLI see everything; they
// are not organisations and do not ask. Storage mirrors this rule as a SQL predicate
// (advisories/visibility.h), and a test holds the two equal.
bool AllowedToSeeAdvisory(const OrgRef& viewer, const AdvisoryScope& advisory);

// May an organisation add a revision to an advisory that exists (same publisher namespace and
// tracking id)? Its holder always may. Another publisher only while the advisory is public and
// stays public: not authored in the hub, and the current label and the new revision's are none,
// WHITE or GREEN (a vendor's public advisory is revised by whichever source fetches it; an AMBER
// or RED one, or one written in the hub, is its holder's word alone: otherwise anyone who may
// publish could turn a RED advisory WHITE, or rewrite another authority's). The hub's own jobs
// and the admin CLI are not organisations and do not ask.
bool AllowedToReviseAdvisory(std::int64_t importer_org_id,
                             std::optional<std::int64_t> holder_org_id,
                             bool authored_in_hub,
                             std::optional<TlpLevel> current,
                             std::optional<TlpLevel> revision);

// Advisory sources (CSAF providers, directories, the KEV catalogue) import in the name of the
// organisation that set them up: what they bring is held by it (AllowedToSeeAdvisory). Of a
// publisher (kPublishAdvisory on its own organisation, checked first): may it see a source (its
// settings and run log, which name the advisories it imported), or manage it (change, run,
// delete)? Its own organisation's sources: both. The support centre sees every source and manages
// those no organisation set up (the admin CLI's). Nobody else: another authority could otherwise
// point one's source at its own feed and publish in that authority's name.
bool AllowedOnAdvisorySource(const Principal& principal,
                             bool manage,
                             std::optional<std::int64_t> owner_org_id);

// May the principal create an organisation of `kind` under `parent`?
bool AllowedToCreate(const Principal& principal, OrgKind kind, const OrgRef& parent);

}  // namespace caduceus::identity
