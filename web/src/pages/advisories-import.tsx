// Publishing advisories, for support-centre and authority staff: import CSAF 2.0 documents from
// files, import the CISA KEV catalogue, write an advisory in a form (the hub turns it into CSAF),
// and keep the vendor and product alias table the matcher uses.

import { useId, useState } from "preact/hooks";

import { toApiError, type ApiError } from "../api";
import {
  Card,
  ConfirmButton,
  DataTable,
  Form,
  Link,
  Notice,
  PageHeader,
  ProblemAlert,
  SelectField,
  Spinner,
  SubmitActions,
  TextAreaField,
  TextField,
} from "../components";
import { formatBytes, formatDateTime } from "../format";
import { useAction, useResource } from "../hooks";
import { navigate } from "../router";
import {
  advisoriesApi,
  kRemediationCategories,
  kTlpChoices,
  plural,
  type ImportOutcome,
} from "./early-warning-model";
import { problem } from "./intel-shared";
import { EarlyWarningTabs } from "./early-warning-shared";

const kMaxCsaf = 32 * 1024 * 1024;

const kOutcomeText: Record<ImportOutcome["outcome"], string> = {
  created: "imported as a new advisory",
  revised: "imported as a new revision",
  unchanged: "already known, nothing changed",
  older: "an older revision, kept in the history",
};

interface FileOutcome {
  name: string;
  result?: ImportOutcome;
  error?: ApiError;
}

export function AdvisoryImportPage() {
  return (
    <>
      <PageHeader
        title="Publish advisories"
        description="Import CSAF 2.0 advisories and the KEV catalogue. Each advisory is matched against every provider's inventory as soon as it is stored; the providers it affects are alerted at once."
      />
      <EarlyWarningTabs current="publish" />
      <div class="page-actions">
        <Link href="/advisories/new" class="btn btn-secondary">
          Write an advisory
        </Link>
        <Link href="/advisories/aliases" class="btn btn-ghost">
          Vendor and product aliases
        </Link>
      </div>
      <CsafImportCard />
      <KevCard />
    </>
  );
}

function CsafImportCard() {
  const id = useId();
  const [files, setFiles] = useState<File[]>([]);
  const [outcomes, setOutcomes] = useState<FileOutcome[]>([]);
  const action = useAction();

  const submit = (e: Event) => {
    e.preventDefault();
    if (files.length === 0) {
      action.setError(problem("files", "Choose a file", "Pick one or more CSAF JSON documents."));
      return;
    }
    void action.run(async () => {
      const done: FileOutcome[] = [];
      for (const f of files) {
        if (f.size > kMaxCsaf) {
          done.push({
            name: f.name,
            error: problem("files", "The file is too large", `At most ${formatBytes(kMaxCsaf)}.`),
          });
          continue;
        }
        try {
          done.push({ name: f.name, result: await advisoriesApi.import(await f.text()) });
        } catch (err) {
          done.push({ name: f.name, error: toApiError(err) });
        }
        setOutcomes([...done]);
      }
      setOutcomes(done);
      const ok = done.filter((d) => d.result).length;
      return `${plural(ok, "document")} of ${done.length} imported.`;
    });
  };

  return (
    <Card
      title="Import CSAF documents"
      description="JSON files of CSAF 2.0 advisories, up to 32 MiB each. Invalid documents are refused with the test they fail."
    >
      <Form class="form" error={action.error} onSubmit={submit}>
        <div class="field">
          <label for={id}>CSAF files</label>
          <input
            id={id}
            type="file"
            class="input input-file"
            name="files"
            multiple
            accept=".json,application/json"
            onChange={(e) => setFiles([...(e.currentTarget.files ?? [])])}
          />
        </div>
        <ProblemAlert error={action.error} />
        {action.status && (
          <p role="status" class="muted">
            {action.status}
          </p>
        )}
        {outcomes.length > 0 && (
          <ul class="plain-list" data-testid="import-outcomes" aria-label="Import results">
            {outcomes.map((o, i) => (
              <li key={i} data-outcome={o.result?.outcome ?? "error"}>
                <strong>{o.name}</strong>:{" "}
                {o.result ? (
                  <>
                    {kOutcomeText[o.result.outcome]} —{" "}
                    <Link href={`/advisories/${o.result.id}`}>{o.result.key}</Link>
                  </>
                ) : (
                  <span class="hint-error">
                    {o.error?.problem.title}
                    {o.error?.problem.detail ? `: ${o.error.problem.detail}` : ""}
                    {o.error?.problem.field ? ` (at ${o.error.problem.field})` : ""}
                  </span>
                )}
              </li>
            ))}
          </ul>
        )}
        <SubmitActions label="Import" busyLabel="Importing…" busy={action.busy} />
      </Form>
    </Card>
  );
}

function KevCard() {
  const id = useId();
  const meta = useResource(() => advisoriesApi.kev(), []);
  const [file, setFile] = useState<File | null>(null);
  const action = useAction();
  return (
    <Card
      title="Known Exploited Vulnerabilities"
      description="CISA's KEV catalogue (known_exploited_vulnerabilities.json) marks CVEs known to be exploited and used by ransomware; alerts about them are raised in severity."
    >
      <ProblemAlert error={meta.error} />
      {meta.loading && !meta.data && <Spinner />}
      {meta.data && (
        <p data-testid="kev-meta">
          {meta.data.count > 0
            ? `Catalogue ${meta.data.catalog_version} of ${meta.data.date_released || "—"}: ${plural(meta.data.count, "CVE")}, ${meta.data.ransomware_count} known to be used by ransomware; imported ${formatDateTime(meta.data.imported_at)}.`
            : "No catalogue imported yet."}
        </p>
      )}
      <Form
        class="form"
        error={action.error}
        onSubmit={(e) => {
          e.preventDefault();
          if (!file) {
            action.setError(problem("kev_file", "Choose a file", "Pick the KEV catalogue JSON."));
            return;
          }
          void action.run(async () => {
            const r = await advisoriesApi.importKev(await file.text());
            void meta.reload();
            return `KEV catalogue imported: ${plural(r.count, "CVE")}.`;
          });
        }}
      >
        <div class="field">
          <label for={id}>KEV catalogue file</label>
          <input
            id={id}
            type="file"
            class="input input-file"
            name="kev_file"
            accept=".json,application/json"
            onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)}
          />
        </div>
        <ProblemAlert error={action.error} />
        {action.status && (
          <p role="status" class="muted">
            {action.status}
          </p>
        )}
        <SubmitActions label="Import the catalogue" busyLabel="Importing…" busy={action.busy} />
      </Form>
    </Card>
  );
}

interface VersionRow {
  kind: "range" | "version";
  value: string;
  status: string;
}

interface CveRow {
  id: string;
  vector: string;
  description: string;
}

export function AdvisoryWritePage() {
  const [title, setTitle] = useState("");
  const [trackingId, setTrackingId] = useState("");
  const [tlp, setTlp] = useState("WHITE");
  const [summary, setSummary] = useState("");
  const [vendor, setVendor] = useState("");
  const [product, setProduct] = useState("");
  const [versions, setVersions] = useState<VersionRow[]>([
    { kind: "range", value: "", status: "known_affected" },
  ]);
  const [cves, setCves] = useState<CveRow[]>([{ id: "", vector: "", description: "" }]);
  const [remCategory, setRemCategory] = useState("vendor_fix");
  const [remDetails, setRemDetails] = useState("");
  const [remUrl, setRemUrl] = useState("");
  const action = useAction();

  const submit = (e: Event) => {
    e.preventDefault();
    const vs = versions.filter((v) => v.value.trim());
    if (vs.length === 0) {
      action.setError(
        problem("versions", "Name a version", "Give at least one affected version or range."),
      );
      return;
    }
    void action.run(async () => {
      const r = await advisoriesApi.author({
        title: title.trim(),
        tracking_id: trackingId.trim() || undefined,
        tlp,
        summary: summary.trim(),
        vendor: vendor.trim(),
        product: product.trim(),
        versions: vs.map((v) =>
          v.kind === "range"
            ? { range: v.value.trim(), status: v.status }
            : { version: v.value.trim(), status: v.status },
        ),
        cves: cves
          .filter((c) => c.id.trim())
          .map((c) => ({
            id: c.id.trim().toUpperCase(),
            cvss_v3_vector: c.vector.trim() || undefined,
            description: c.description.trim(),
          })),
        remediation: {
          category: remCategory,
          details: remDetails.trim(),
          url: remUrl.trim() || undefined,
        },
      });
      navigate(`/advisories/${r.id}`);
    });
  };

  const setVersion = (i: number, v: Partial<VersionRow>) =>
    setVersions((rows) => rows.map((r, j) => (j === i ? { ...r, ...v } : r)));
  const setCve = (i: number, v: Partial<CveRow>) =>
    setCves((rows) => rows.map((r, j) => (j === i ? { ...r, ...v } : r)));

  return (
    <>
      <PageHeader
        title="Write an advisory"
        description="For a warning your CSIRT issues itself. The hub writes it as a CSAF 2.0 document, validates it and matches it against every inventory like an imported one."
      />
      <EarlyWarningTabs current="publish" />
      <Card>
        <Form class="form" error={action.error} onSubmit={submit}>
          <div class="form-grid">
            <TextField
              label="Title"
              name="title"
              value={title}
              onValue={setTitle}
              maxLength={300}
              required
            />
            <TextField
              label="Tracking id (optional)"
              name="tracking_id"
              value={trackingId}
              onValue={setTrackingId}
              maxLength={100}
              hint="Left empty, the hub assigns one."
            />
            <SelectField
              label="TLP"
              name="tlp"
              value={tlp}
              onValue={setTlp}
              options={kTlpChoices}
            />
            <TextField
              label="Vendor"
              name="vendor"
              value={vendor}
              onValue={setVendor}
              maxLength={200}
              required
            />
            <TextField
              label="Product"
              name="product"
              value={product}
              onValue={setProduct}
              maxLength={200}
              required
            />
          </div>
          <TextAreaField
            label="Summary"
            name="summary"
            value={summary}
            onValue={setSummary}
            rows={4}
            maxLength={10000}
            required
          />
          <fieldset class="form-section">
            <legend class="field-legend">Versions</legend>
            <p class="hint">
              A range as vendors write it (“&lt;= 6.2.1”, “prior to 3.0”, “6.x”,
              “vers:generic/&gt;=1.0|&lt;2.0”) or a single version.
            </p>
            {versions.map((v, i) => (
              <div key={i} class="ew-inline-form">
                <SelectField<"range" | "version">
                  label={`Version ${i + 1}: kind`}
                  name={`versions/${i}/kind`}
                  value={v.kind}
                  onValue={(k) => setVersion(i, { kind: k })}
                  options={[
                    ["range", "Range"],
                    ["version", "Single version"],
                  ]}
                />
                <TextField
                  label={`Version ${i + 1}`}
                  name={`versions/${i}`}
                  value={v.value}
                  onValue={(x) => setVersion(i, { value: x })}
                  maxLength={200}
                />
                <SelectField
                  label={`Version ${i + 1}: status`}
                  name={`versions/${i}/status`}
                  value={v.status}
                  onValue={(s) => setVersion(i, { status: s })}
                  options={[
                    ["known_affected", "Affected"],
                    ["fixed", "Fixed"],
                    ["known_not_affected", "Not affected"],
                    ["under_investigation", "Under investigation"],
                  ]}
                />
              </div>
            ))}
            <button
              type="button"
              class="btn btn-ghost btn-small"
              onClick={() =>
                setVersions((r) => [...r, { kind: "range", value: "", status: "fixed" }])
              }
            >
              Add a version
            </button>
          </fieldset>
          <fieldset class="form-section">
            <legend class="field-legend">Vulnerabilities</legend>
            {cves.map((c, i) => (
              <div key={i} class="ew-inline-form">
                <TextField
                  label={`CVE ${i + 1}`}
                  name={`cves/${i}/id`}
                  value={c.id}
                  onValue={(x) => setCve(i, { id: x })}
                  maxLength={30}
                  placeholder="CVE-2025-12345"
                  pattern="[Cc][Vv][Ee]-\d{4}-\d{4,}"
                />
                <TextField
                  label={`CVE ${i + 1}: CVSS v3 vector (optional)`}
                  name={`cves/${i}/cvss_v3_vector`}
                  value={c.vector}
                  onValue={(x) => setCve(i, { vector: x })}
                  maxLength={200}
                  placeholder="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
                />
                <TextField
                  label={`CVE ${i + 1}: description`}
                  name={`cves/${i}/description`}
                  value={c.description}
                  onValue={(x) => setCve(i, { description: x })}
                  maxLength={4000}
                />
              </div>
            ))}
            <button
              type="button"
              class="btn btn-ghost btn-small"
              onClick={() => setCves((r) => [...r, { id: "", vector: "", description: "" }])}
            >
              Add a CVE
            </button>
          </fieldset>
          <fieldset class="form-section">
            <legend class="field-legend">Remediation</legend>
            <div class="form-grid">
              <SelectField
                label="Category"
                name="remediation/category"
                value={remCategory}
                onValue={setRemCategory}
                options={kRemediationCategories}
              />
              <TextField
                label="Link (optional)"
                name="remediation/url"
                type="url"
                value={remUrl}
                onValue={setRemUrl}
                maxLength={2000}
              />
            </div>
            <TextAreaField
              label="What to do"
              name="remediation/details"
              value={remDetails}
              onValue={setRemDetails}
              rows={3}
              maxLength={10000}
              required
            />
          </fieldset>
          <ProblemAlert error={action.error} />
          <SubmitActions label="Publish the advisory" busyLabel="Publishing…" busy={action.busy} />
        </Form>
      </Card>
    </>
  );
}

export function AliasesPage() {
  const aliases = useResource(() => advisoriesApi.aliases(), []);
  const [kind, setKind] = useState<"vendor" | "product">("vendor");
  const [name, setName] = useState("");
  const [alias, setAlias] = useState("");
  const action = useAction();
  const rowAction = useAction();
  const items = aliases.data?.items ?? [];

  return (
    <>
      <PageHeader
        title="Vendor and product aliases"
        description="Names that mean the same vendor or product, e.g. “Philips” and “Koninklijke Philips N.V.”. Matching treats them as equal; every advisory is matched again when the table changes."
      />
      <EarlyWarningTabs current="publish" />
      <Card title="Add an alias">
        <Form
          class="form ew-inline-form"
          error={action.error}
          onSubmit={(e) => {
            e.preventDefault();
            void action.run(async () => {
              await advisoriesApi.addAlias({ kind, name: name.trim(), alias: alias.trim() });
              setName("");
              setAlias("");
              void aliases.reload();
              return "Alias added.";
            });
          }}
        >
          <SelectField<"vendor" | "product">
            label="Kind"
            name="kind"
            value={kind}
            onValue={setKind}
            options={[
              ["vendor", "Vendor"],
              ["product", "Product"],
            ]}
          />
          <TextField
            label="Name"
            name="name"
            value={name}
            onValue={setName}
            maxLength={200}
            required
          />
          <TextField
            label="Also written as"
            name="alias"
            value={alias}
            onValue={setAlias}
            maxLength={200}
            required
          />
          <SubmitActions label="Add" busyLabel="Adding…" busy={action.busy} />
          <ProblemAlert error={action.error} />
          {action.status && (
            <p role="status" class="muted">
              {action.status}
            </p>
          )}
        </Form>
      </Card>
      <Card title="Aliases">
        <ProblemAlert error={aliases.error ?? rowAction.error} />
        {aliases.loading && !aliases.data && <Spinner />}
        {aliases.data && items.length === 0 && <p class="muted">No alias yet.</p>}
        {items.length > 0 && (
          <DataTable
            label="Aliases"
            columns={["Kind", "Name", "Also written as", "Added"]}
            actions
            dense
          >
            {items.map((a) => (
              <tr key={a.id}>
                <td>{a.kind === "vendor" ? "Vendor" : "Product"}</td>
                <th scope="row">{a.name}</th>
                <td>{a.alias}</td>
                <td class="cell-date">{formatDateTime(a.created_at)}</td>
                <td class="cell-actions">
                  <ConfirmButton
                    label="Remove"
                    confirmLabel="Remove"
                    question="Remove this alias?"
                    tone="danger"
                    accessibleLabel={`Remove the alias ${a.alias} of ${a.name}`}
                    onConfirm={() =>
                      rowAction.run(async () => {
                        await advisoriesApi.deleteAlias(a.id);
                        void aliases.reload();
                      })
                    }
                  />
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </Card>
      <Notice kind="info">
        Matching also normalises case, punctuation and legal suffixes (Inc., GmbH, B.V., N.V.) by
        itself: add an alias only for names that differ otherwise.
      </Notice>
    </>
  );
}
