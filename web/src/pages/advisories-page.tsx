// One advisory: summary, the products it names (with their identification helpers), its
// vulnerabilities with CVSS, product status, remediations, threats and KEV entry, its revisions,
// and the CSAF document itself to download.

import { Badge, Card, DataTable, Link, PageHeader, ProblemAlert, Spinner } from "../components";
import { formatDate, formatDateTime } from "../format";
import { useResource } from "../hooks";
import { useSession } from "../session";
import {
  advisoriesApi,
  formatCvss,
  isProvider,
  kProductStatusLabels,
  remediationLabel,
  type AdvisoryDetail,
  type AdvisoryProduct,
} from "./early-warning-model";
import { AlertFlags, EarlyWarningTabs, SeverityLabel } from "./early-warning-shared";

export function AdvisoryPage(props: { id: number }) {
  const { me } = useSession();
  const adv = useResource(() => advisoriesApi.get(props.id), [props.id]);
  const a = adv.data;
  return (
    <>
      <PageHeader title={a ? a.title : "Advisory"} />
      <EarlyWarningTabs current="advisories" />
      <p>
        <Link href="/advisories" class="back-link">
          ← All advisories
        </Link>
      </p>
      <ProblemAlert error={adv.error} />
      {adv.loading && !a && <Spinner />}
      {a && (
        <>
          <Card
            title="Summary"
            actions={
              <>
                <a
                  class="btn btn-secondary btn-small"
                  href={advisoriesApi.documentUrl(a.id)}
                  download
                >
                  Download the CSAF document
                </a>{" "}
                <Link href={`/alerts?advisory=${a.id}`} class="btn btn-ghost btn-small">
                  {isProvider(me) ? "Your alerts" : "Alerts raised"}
                </Link>
              </>
            }
          >
            <dl class="ew-summary-grid" data-testid="advisory-summary">
              <div class="stat">
                <dt>Severity</dt>
                <dd>
                  <SeverityLabel severity={a.severity} />{" "}
                  <span class="muted">CVSS {formatCvss(a.max_cvss)}</span>
                </dd>
              </div>
              <div class="stat">
                <dt>Publisher</dt>
                <dd>{a.publisher}</dd>
              </div>
              <div class="stat">
                <dt>Tracking id</dt>
                <dd class="mono">
                  {a.tracking_id} (version {a.version})
                </dd>
              </div>
              <div class="stat">
                <dt>Released</dt>
                <dd>
                  {formatDate(a.initial_release)}
                  {a.current_release !== a.initial_release && (
                    <span class="cell-sub">updated {formatDate(a.current_release)}</span>
                  )}
                </dd>
              </div>
              {a.tlp && (
                <div class="stat">
                  <dt>Distribution</dt>
                  <dd>TLP:{a.tlp.toUpperCase()}</dd>
                </div>
              )}
            </dl>
            {a.kev && <AlertFlags kev />}
            {a.summary && <p class="note-text">{a.summary}</p>}
          </Card>
          <ProductsCard products={a.products ?? []} />
          <VulnerabilitiesCard advisory={a} />
          <RevisionsCard advisory={a} />
        </>
      )}
    </>
  );
}

function ProductsCard(props: { products: AdvisoryProduct[] }) {
  return (
    <Card title="Products">
      {props.products.length === 0 ? (
        <p class="muted">The advisory names no product.</p>
      ) : (
        <DataTable label="Products" columns={["Vendor", "Product", "Version", "Identifiers"]} dense>
          {props.products.map((p, i) => (
            <tr key={`${p.product_id}-${i}`} data-product-id={p.product_id}>
              <td>{p.vendor || "—"}</td>
              <th scope="row">{p.product || p.name || p.product_id}</th>
              <td class="mono">{p.version_range || p.version || "—"}</td>
              <td class="ew-vector">
                {[
                  p.helper?.cpe,
                  p.helper?.purl,
                  p.helper?.model_numbers?.length
                    ? `models: ${p.helper.model_numbers.join(", ")}`
                    : "",
                  p.helper?.serial_numbers?.length
                    ? `serials: ${p.helper.serial_numbers.join(", ")}`
                    : "",
                ]
                  .filter(Boolean)
                  .join(" · ") || "—"}
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </Card>
  );
}

function productName(a: AdvisoryDetail, id: string): string {
  const p = a.products?.find((x) => x.product_id === id);
  if (!p) return id;
  return p.name || [p.vendor, p.product, p.version_range || p.version].filter(Boolean).join(" ");
}

function VulnerabilitiesCard(props: { advisory: AdvisoryDetail }) {
  const a = props.advisory;
  const vulns = a.vulnerabilities ?? [];
  return (
    <Card title="Vulnerabilities">
      {vulns.length === 0 && <p class="muted">No vulnerability listed.</p>}
      {vulns.map((v, i) => (
        <section key={i} class="form-section" data-testid="vulnerability" data-cve={v.cve ?? ""}>
          <h3 class="subheading">
            <span class="mono">{v.cve || "No CVE"}</span>
            {v.title ? ` — ${v.title}` : ""}{" "}
            {v.kev && <AlertFlags kev ransomware={!!v.kev.known_ransomware} />}
          </h3>
          {v.cwes.length > 0 && (
            <p class="muted">{v.cwes.map((c) => `${c.id} ${c.name}`.trim()).join("; ")}</p>
          )}
          {v.description && <p class="note-text">{v.description}</p>}
          {(v.scores ?? []).length > 0 && (
            <DataTable
              label={`Scores of ${v.cve ?? "the vulnerability"}`}
              columns={["CVSS", "Score", "Vector"]}
              dense
            >
              {(v.scores ?? []).map((s, j) => (
                <tr key={j}>
                  <td>{s.cvss_version ? `v${s.cvss_version}` : "—"}</td>
                  <td>
                    {formatCvss(s.base_score)}{" "}
                    <SeverityLabel severity={s.base_severity?.toLowerCase() ?? null} />
                  </td>
                  <td class="ew-vector">{s.vector || "—"}</td>
                </tr>
              ))}
            </DataTable>
          )}
          {v.product_status && Object.keys(v.product_status).length > 0 && (
            <dl class="facts-stacked">
              {Object.entries(v.product_status)
                .filter(([, ids]) => ids.length > 0)
                .map(([status, ids]) => (
                  <div key={status} class="fact">
                    <dt>
                      <Badge
                        tone={
                          status.includes("not_affected") || status.includes("fixed")
                            ? "good"
                            : status.includes("affected")
                              ? "bad"
                              : "neutral"
                        }
                      >
                        {kProductStatusLabels[status] ?? status}
                      </Badge>
                    </dt>
                    <dd>{ids.map((id) => productName(a, id)).join("; ")}</dd>
                  </div>
                ))}
            </dl>
          )}
          {(v.remediations ?? []).length > 0 && (
            <ul class="plain-list" aria-label="Remediations">
              {(v.remediations ?? []).map((r, j) => (
                <li key={j}>
                  <Badge
                    tone={
                      r.category === "vendor_fix"
                        ? "good"
                        : r.category === "none_available" || r.category === "no_fix_planned"
                          ? "bad"
                          : "info"
                    }
                  >
                    {remediationLabel(r.category)}
                  </Badge>{" "}
                  {r.details}{" "}
                  {r.url && /^https?:\/\//i.test(r.url) && (
                    <a href={r.url} rel="noopener noreferrer" target="_blank">
                      {r.url}
                    </a>
                  )}
                </li>
              ))}
            </ul>
          )}
          {(v.threats ?? []).length > 0 && (
            <ul class="plain-list" aria-label="Threats">
              {(v.threats ?? []).map((t, j) => (
                <li key={j}>
                  <strong>{t.category}:</strong> {t.details}
                </li>
              ))}
            </ul>
          )}
          {v.kev && (
            <p class="muted">
              In CISA's KEV catalogue since {v.kev.date_added || "—"}
              {v.kev.known_ransomware ? ", known to be used in ransomware campaigns" : ""}
              {v.kev.required_action ? `. Required action: ${v.kev.required_action}` : "."}
            </p>
          )}
        </section>
      ))}
    </Card>
  );
}

function RevisionsCard(props: { advisory: AdvisoryDetail }) {
  const a = props.advisory;
  const revs = a.revisions ?? [];
  return (
    <Card
      title="Revisions"
      description="Every revision the hub received; the newest is the one matched."
    >
      {revs.length === 0 ? (
        <p class="muted">—</p>
      ) : (
        <DataTable
          label="Revisions"
          columns={["Revision", "Version", "Released", "Received", "Document"]}
          dense
        >
          {revs.map((r) => (
            <tr key={r.revision}>
              <td>
                {r.revision} {r.current && <Badge tone="info">current</Badge>}
              </td>
              <td class="mono">{r.version}</td>
              <td class="cell-date">{formatDateTime(r.current_release)}</td>
              <td class="cell-date">{formatDateTime(r.received_at)}</td>
              <td>
                <a href={advisoriesApi.revisionDocumentUrl(a.id, r.revision)} download>
                  Download
                </a>
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </Card>
  );
}
