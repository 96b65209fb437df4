// A provider's asset inventory: upload a CycloneDX SBOM or a CSV export (replacing or merging),
// see rejected rows by line, the history of uploads, and the assets themselves with search,
// inline editing of one asset, adding and removing. Authority and support-centre staff read a
// provider's inventory (?org=<id>) without changing it.

import { useEffect, useId, useState } from "preact/hooks";

import { get, type ApiError } from "../api";
import {
  Card,
  ConfirmButton,
  DataTable,
  Form,
  Notice,
  PageHeader,
  ProblemAlert,
  RadioField,
  SelectField,
  Spinner,
  SubmitActions,
  TextField,
} from "../components";
import { formatBytes, formatDateTime } from "../format";
import { useAction, useResource } from "../hooks";
import { navigate, useLocation } from "../router";
import { useSession } from "../session";
import type { Items, Organisation } from "../types";
import {
  actorName,
  inventoryApi,
  isProvider,
  mayHandle,
  plural,
  type Asset,
  type AssetInput,
  type InventoryUpload,
  type RowError,
  type UploadResult,
} from "./early-warning-model";
import { problem } from "./intel-shared";
import { AlertFlags, EarlyWarningTabs } from "./early-warning-shared";

const kMaxUpload = 64 * 1024 * 1024;
const kPerPage = 50;

export function InventoryPage() {
  const { me } = useSession();
  const loc = useLocation();
  const provider = isProvider(me);
  const orgParam = Number(loc.query.get("org")) || undefined;
  const org = provider ? undefined : orgParam;
  const q = loc.query.get("q") ?? "";
  const page = Math.max(1, Number(loc.query.get("page")) || 1);
  const editable = provider && mayHandle(me);

  const assets = useResource(
    () =>
      provider || org
        ? inventoryApi.assets({ q: q || undefined, page, org })
        : Promise.resolve(null),
    [q, page, org, provider],
  );
  const uploads = useResource(
    () => (provider || org ? inventoryApi.uploads(org) : Promise.resolve(null)),
    [org, provider],
  );
  const reload = () => {
    void assets.reload();
    void uploads.reload();
  };

  const go = (params: { q?: string; page?: number; org?: number }) => {
    const s = new URLSearchParams();
    if (params.org) s.set("org", String(params.org));
    if (params.q) s.set("q", params.q);
    if (params.page && params.page > 1) s.set("page", String(params.page));
    const text = s.toString();
    navigate(text ? `/inventory?${text}` : "/inventory");
  };

  return (
    <>
      <PageHeader
        title="Asset inventory"
        description="The medical devices, systems and software your organisation runs. Every advisory is matched against it: keep it current so that alerts reach you, and only those that concern you."
      />
      <EarlyWarningTabs current="inventory" />
      {!provider && <ProviderPicker org={org} onOrg={(id) => go({ org: id })} />}
      {editable && <UploadCard onUploaded={reload} />}
      {(provider || org) && (
        <>
          <AssetsCard
            q={q}
            page={page}
            data={assets.data ?? undefined}
            error={assets.error}
            loading={assets.loading}
            editable={editable}
            onSearch={(text) => go({ q: text, org })}
            onPage={(p) => go({ q, page: p, org })}
            onChanged={reload}
          />
          <UploadsCard data={uploads.data ?? undefined} error={uploads.error} />
        </>
      )}
    </>
  );
}

function ProviderPicker(props: { org: number | undefined; onOrg: (id: number) => void }) {
  const orgs = useResource(
    async () =>
      (await get<Items<Organisation>>("/api/v1/organisations")).items
        .filter((o) => o.kind === "provider")
        .sort((a, b) => a.name.localeCompare(b.name)),
    [],
  );
  return (
    <Card
      title="Provider"
      description="Inventories are kept by each provider; you may read those of the providers you oversee."
    >
      <ProblemAlert error={orgs.error} />
      <SelectField
        label="Provider"
        name="org"
        value={props.org ? String(props.org) : ""}
        onValue={(v) => v && props.onOrg(Number(v))}
        options={[
          ["", "Choose a provider…"],
          ...(orgs.data ?? []).map((o) => [String(o.id), o.name] as const),
        ]}
      />
    </Card>
  );
}

type Format = "cyclonedx" | "csv";

function guessFormat(name: string): Format {
  return /\.csv$/i.test(name) ? "csv" : "cyclonedx";
}

function rowErrors(error: ApiError | null): RowError[] {
  const errors = error?.problem.body?.errors;
  if (!Array.isArray(errors)) return [];
  return errors
    .filter(
      (e): e is RowError =>
        !!e && typeof e === "object" && typeof (e as RowError).message === "string",
    )
    .slice(0, 500);
}

function UploadCard(props: { onUploaded: () => void }) {
  const id = useId();
  const [file, setFile] = useState<File | null>(null);
  const [format, setFormat] = useState<Format>("cyclonedx");
  const [mode, setMode] = useState<"replace" | "merge">("merge");
  const [result, setResult] = useState<UploadResult | null>(null);
  const action = useAction();
  const errors = rowErrors(action.error);

  const submit = (e: Event) => {
    e.preventDefault();
    setResult(null);
    if (!file) {
      action.setError(
        problem("file", "Choose a file", "Pick a CycloneDX JSON or CSV file to upload."),
      );
      return;
    }
    if (file.size > kMaxUpload) {
      action.setError(
        problem("file", "The file is too large", `At most ${formatBytes(kMaxUpload)}.`),
      );
      return;
    }
    void action.run(async () => {
      const r = await inventoryApi.upload(file, format, mode, file.name);
      setResult(r);
      props.onUploaded();
      return `Uploaded ${file.name}: ${plural(r.asset_count, "asset")} in the inventory.`;
    });
  };

  return (
    <Card
      title="Upload an inventory"
      description="CycloneDX 1.4–1.6 JSON (SBOMs of medical devices included) or CSV with the columns vendor, product, version, model number, serial, location, department, owner, network connected, patient safety critical."
    >
      <Form class="form" error={action.error} onSubmit={submit}>
        <div class="field">
          <label for={id}>File</label>
          <input
            id={id}
            type="file"
            class="input input-file"
            name="file"
            accept=".json,.csv,application/json,text/csv"
            aria-invalid={action.error?.problem.field === "file" ? "true" : undefined}
            onChange={(e) => {
              const f = e.currentTarget.files?.[0] ?? null;
              setFile(f);
              if (f) setFormat(guessFormat(f.name));
            }}
          />
          {file && (
            <p class="hint picked-file">
              {file.name} · {formatBytes(file.size)}
            </p>
          )}
        </div>
        <SelectField<Format>
          label="Format"
          name="format"
          value={format}
          onValue={setFormat}
          options={[
            ["cyclonedx", "CycloneDX JSON"],
            ["csv", "CSV"],
          ]}
        />
        <RadioField<"replace" | "merge">
          legend="How to apply it"
          name="mode"
          value={mode}
          onValue={setMode}
          options={[
            ["merge", "Merge: add new assets and update known ones"],
            ["replace", "Replace: the file becomes the whole inventory"],
          ]}
        />
        <ProblemAlert error={errors.length ? null : action.error} />
        {errors.length > 0 && (
          <Notice
            kind="warning"
            title={`The file was rejected: ${plural(errors.length, "row")} at fault. Nothing was changed.`}
          >
            <ul class="plain-list ew-row-errors" data-testid="row-errors">
              {errors.map((r, i) => (
                <li key={i}>
                  {r.line > 0 ? `Line ${r.line}` : "The document"}
                  {r.column !== undefined && r.column !== null && r.column !== ""
                    ? `, ${r.column}`
                    : ""}
                  : {r.message}
                </li>
              ))}
            </ul>
          </Notice>
        )}
        {result && (
          <dl class="stat-row" data-testid="upload-result">
            <div class="stat" data-key="added">
              <dt>Added</dt>
              <dd>{result.added}</dd>
            </div>
            <div class="stat" data-key="updated">
              <dt>Updated</dt>
              <dd>{result.updated}</dd>
            </div>
            <div class="stat" data-key="removed">
              <dt>Removed</dt>
              <dd>{result.removed}</dd>
            </div>
            <div class="stat" data-key="assets">
              <dt>Assets now</dt>
              <dd>{result.asset_count}</dd>
            </div>
            {result.alerts && (
              <div
                class={`stat${result.alerts.created ? " stat-attention" : ""}`}
                data-key="alerts"
              >
                <dt>New alerts</dt>
                <dd>{result.alerts.created}</dd>
              </div>
            )}
          </dl>
        )}
        {action.status && (
          <p role="status" class="muted">
            {action.status}
          </p>
        )}
        <SubmitActions label="Upload" busyLabel="Uploading…" busy={action.busy} />
      </Form>
    </Card>
  );
}

const kEmptyAsset: AssetInput = {
  vendor: "",
  product: "",
  version: "",
  model_number: "",
  serial_number: "",
  location: "",
  department: "",
  owner: "",
  network_connected: null,
  patient_safety_critical: null,
  cpe: "",
  purl: "",
  type: "device",
};

function toInput(a: Asset): AssetInput {
  const { id: _id, updated_at: _u, open_alerts: _o, ...rest } = a;
  return { ...kEmptyAsset, ...rest };
}

function yesNo(v: boolean | null): string {
  return v === null || v === undefined ? "—" : v ? "Yes" : "No";
}

function AssetsCard(props: {
  q: string;
  page: number;
  data: { items: Asset[]; total: number; per_page: number } | undefined;
  error: ApiError | null;
  loading: boolean;
  editable: boolean;
  onSearch: (q: string) => void;
  onPage: (p: number) => void;
  onChanged: () => void;
}) {
  const [text, setText] = useState(props.q);
  useEffect(() => setText(props.q), [props.q]);
  const [editing, setEditing] = useState<number | null>(null);
  const [adding, setAdding] = useState(false);
  const rowAction = useAction();
  const total = props.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / (props.data?.per_page || kPerPage)));
  const withAlerts = props.data?.items.some((a) => a.open_alerts !== undefined) ?? false;

  return (
    <Card
      title="Assets"
      actions={
        props.editable && !adding ? (
          <button type="button" class="btn btn-secondary btn-small" onClick={() => setAdding(true)}>
            Add an asset
          </button>
        ) : undefined
      }
    >
      <form
        class="ew-toolbar"
        role="search"
        aria-label="Search assets"
        onSubmit={(e) => {
          e.preventDefault();
          props.onSearch(text.trim());
        }}
      >
        <TextField
          label="Search"
          name="q"
          type="search"
          value={text}
          onValue={setText}
          maxLength={200}
          placeholder="vendor, product, model, serial, location…"
        />
        <div class="form-actions">
          <button type="submit" class="btn btn-primary">
            Search
          </button>
        </div>
      </form>
      {adding && (
        <AssetForm
          title="New asset"
          initial={kEmptyAsset}
          submitLabel="Add the asset"
          onCancel={() => setAdding(false)}
          onSave={async (body) => {
            await inventoryApi.addAsset(body);
            setAdding(false);
            props.onChanged();
          }}
        />
      )}
      <ProblemAlert error={props.error ?? rowAction.error} />
      {props.loading && !props.data && <Spinner />}
      <p class="results-count" role="status" data-testid="assets-count">
        {props.data ? (total === 0 ? "No asset." : plural(total, "asset")) : ""}
      </p>
      {props.data && props.data.items.length > 0 && (
        <DataTable
          label="Assets"
          columns={[
            "Asset",
            "Model / serial",
            "Location",
            "Owner",
            "Network",
            "Patient safety",
            withAlerts && "Open alerts",
          ]}
          actions={props.editable}
        >
          {props.data.items.map((a) =>
            editing === a.id ? (
              <tr key={a.id} data-asset-id={a.id}>
                <td colSpan={withAlerts ? 8 : 7}>
                  <AssetForm
                    title={`Edit ${a.vendor} ${a.product}`}
                    initial={toInput(a)}
                    submitLabel="Save the asset"
                    onCancel={() => setEditing(null)}
                    onSave={async (body) => {
                      await inventoryApi.updateAsset(a.id, body);
                      setEditing(null);
                      props.onChanged();
                    }}
                  />
                </td>
              </tr>
            ) : (
              <tr key={a.id} data-asset-id={a.id}>
                <th scope="row">
                  <span class="cell-main">
                    {a.vendor} {a.product}
                  </span>
                  <span class="cell-sub">{a.version || "version unknown"}</span>
                </th>
                <td>
                  <span class="cell-main">{a.model_number || "—"}</span>
                  {a.serial_number && <span class="cell-sub mono">{a.serial_number}</span>}
                </td>
                <td>
                  {a.location || "—"}
                  {a.department && <span class="cell-sub">{a.department}</span>}
                </td>
                <td>{a.owner || "—"}</td>
                <td>{yesNo(a.network_connected)}</td>
                <td>
                  {a.patient_safety_critical ? (
                    <AlertFlags patientSafety />
                  ) : (
                    yesNo(a.patient_safety_critical)
                  )}
                </td>
                {withAlerts && <td>{a.open_alerts ?? 0}</td>}
                {props.editable && (
                  <td class="cell-actions">
                    <button
                      type="button"
                      class="btn btn-small btn-secondary"
                      aria-label={`Edit ${a.vendor} ${a.product}`}
                      onClick={() => setEditing(a.id)}
                    >
                      Edit
                    </button>{" "}
                    <ConfirmButton
                      label="Remove"
                      confirmLabel="Remove"
                      question="Remove this asset?"
                      tone="danger"
                      accessibleLabel={`Remove ${a.vendor} ${a.product}`}
                      onConfirm={() =>
                        rowAction.run(async () => {
                          await inventoryApi.deleteAsset(a.id);
                          props.onChanged();
                        })
                      }
                    />
                  </td>
                )}
              </tr>
            ),
          )}
        </DataTable>
      )}
      {pages > 1 && (
        <div class="pager">
          <button
            type="button"
            class="btn btn-secondary btn-small"
            disabled={props.page <= 1}
            onClick={() => props.onPage(props.page - 1)}
          >
            ← Previous page
          </button>
          <span class="muted">
            Page {props.page} of {pages}
          </span>
          <button
            type="button"
            class="btn btn-secondary btn-small"
            disabled={props.page >= pages}
            onClick={() => props.onPage(props.page + 1)}
          >
            Next page →
          </button>
        </div>
      )}
    </Card>
  );
}

type TriState = "" | "yes" | "no";
const tri = (v: boolean | null): TriState =>
  v === null || v === undefined ? "" : v ? "yes" : "no";
const fromTri = (v: TriState): boolean | null => (v === "" ? null : v === "yes");

function AssetForm(props: {
  title: string;
  initial: AssetInput;
  submitLabel: string;
  onCancel: () => void;
  onSave: (body: AssetInput) => Promise<void>;
}) {
  const [a, setA] = useState<AssetInput>(props.initial);
  const action = useAction();
  const set = <K extends keyof AssetInput>(k: K, v: AssetInput[K]) =>
    setA((old) => ({ ...old, [k]: v }));
  const text = (k: keyof AssetInput, label: string, required = false) => (
    <TextField
      label={label}
      name={k}
      value={String(a[k] ?? "")}
      onValue={(v) => set(k, v as never)}
      maxLength={k === "cpe" || k === "purl" ? 1000 : 300}
      required={required}
    />
  );
  return (
    <Form
      class="form ew-asset-form"
      error={action.error}
      onSubmit={(e) => {
        e.preventDefault();
        void action.run(() => props.onSave(a));
      }}
    >
      <fieldset class="form-section">
        <legend class="field-legend">{props.title}</legend>
        <div class="ew-inline-form">
          {text("vendor", "Vendor", true)}
          {text("product", "Product", true)}
          {text("version", "Version")}
          {text("model_number", "Model number")}
          {text("serial_number", "Serial number")}
          {text("location", "Location")}
          {text("department", "Department")}
          {text("owner", "Owner")}
          {text("cpe", "CPE 2.3")}
          {text("purl", "Package URL")}
          <SelectField<TriState>
            label="Network connected"
            name="network_connected"
            value={tri(a.network_connected)}
            onValue={(v) => set("network_connected", fromTri(v))}
            options={[
              ["", "Unknown"],
              ["yes", "Yes"],
              ["no", "No"],
            ]}
          />
          <SelectField<TriState>
            label="Patient-safety critical"
            name="patient_safety_critical"
            value={tri(a.patient_safety_critical)}
            onValue={(v) => set("patient_safety_critical", fromTri(v))}
            options={[
              ["", "Unknown"],
              ["yes", "Yes"],
              ["no", "No"],
            ]}
          />
        </div>
        <ProblemAlert error={action.error} />
        <div class="form-actions">
          <button type="submit" class="btn btn-primary btn-small" disabled={action.busy}>
            {action.busy ? "Saving…" : props.submitLabel}
          </button>
          <button type="button" class="btn btn-ghost btn-small" onClick={props.onCancel}>
            Cancel
          </button>
        </div>
      </fieldset>
    </Form>
  );
}

function UploadsCard(props: { data: Items<InventoryUpload> | undefined; error: ApiError | null }) {
  const items = props.data?.items ?? [];
  return (
    <Card title="Upload history">
      <ProblemAlert error={props.error} />
      {props.data && items.length === 0 && <p class="muted">No upload yet.</p>}
      {items.length > 0 && (
        <DataTable
          label="Upload history"
          columns={["When", "File", "Mode", "Added", "Updated", "Removed", "Assets", "By"]}
          dense
        >
          {items.map((u) => (
            <tr key={u.id} data-upload-id={u.id}>
              <td class="cell-date">{formatDateTime(u.uploaded_at)}</td>
              <td>
                <a href={inventoryApi.uploadFileUrl(u.id)} download={u.file_name || undefined}>
                  {u.file_name || `upload ${u.id}`}
                </a>
                <span class="cell-sub">
                  {u.format === "csv" ? "CSV" : "CycloneDX"} · {formatBytes(u.size)}
                </span>
              </td>
              <td>{u.mode === "replace" ? "Replace" : "Merge"}</td>
              <td>{u.added}</td>
              <td>{u.updated}</td>
              <td>{u.removed}</td>
              <td>{u.asset_count}</td>
              <td>{actorName(u.uploaded_by)}</td>
            </tr>
          ))}
        </DataTable>
      )}
    </Card>
  );
}
