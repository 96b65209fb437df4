// Exports for the tools hospitals run: Suricata, Zeek, plain blocklists (firewalls, DNS RPZ),
// CSV and STIX, filtered by collection, TLP ceiling, age and confidence. They download directly
// with the session, or devices pull them with a token created here (shown once) and revoked here.

import { useState } from "preact/hooks";

import { intelApi } from "../api";
import {
  Card,
  CheckField,
  ConfirmButton,
  DataTable,
  Form,
  PageHeader,
  ProblemAlert,
  SecretOnce,
  SelectField,
  Spinner,
  StatusMessage,
  SubmitActions,
  TextField,
} from "../components";
import { formatDateTime } from "../format";
import { useAction, useResource } from "../hooks";
import { isAdmin, useSession } from "../session";
import { kTlpLevels, TlpLabel, tlpName } from "../tlp";
import type {
  CreatedExportFeed,
  ExportFeed,
  ExportFilters,
  ExportFormat,
  IntelCollection,
  Tlp,
} from "../types";
import { formatKinds, formatLabel, kExportFormats } from "./intel-model";
import { CollectionSelect, IntelTabs, useCollections } from "./intel-shared";

interface Draft {
  format: ExportFormat;
  kind: string;
  collection: string;
  tlp_max: Tlp;
  max_age_days: string;
  min_confidence: string;
  include_warninglisted: boolean;
}

const kBlank: Draft = {
  format: "blocklist",
  kind: "domain",
  collection: "",
  tlp_max: "amber",
  max_age_days: "90",
  min_confidence: "",
  include_warninglisted: false,
};

function filtersOf(d: Draft): ExportFilters {
  const kinds = formatKinds(d.format);
  const number = (s: string) => (s.trim() === "" ? undefined : Number(s));
  return {
    kind: kinds ? d.kind || kinds[0][0] : undefined,
    collection: d.collection || undefined,
    tlp_max: d.tlp_max,
    max_age_days: number(d.max_age_days),
    min_confidence: number(d.min_confidence),
    include_warninglisted: d.include_warninglisted || undefined,
  };
}

function FilterFields(props: {
  draft: Draft;
  onDraft: (d: Draft) => void;
  collections: IntelCollection[];
}) {
  const d = props.draft;
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => props.onDraft({ ...d, [k]: v });
  const kinds = formatKinds(d.format);
  return (
    <>
      <SelectField
        label="Format"
        name="format"
        value={d.format}
        onValue={(f) => {
          const k = formatKinds(f);
          props.onDraft({
            ...d,
            format: f,
            kind: k && !k.some(([x]) => x === d.kind) ? k[0][0] : d.kind,
          });
        }}
        options={kExportFormats.map(([f, label]) => [f, label] as const)}
      />
      {kinds ? (
        <SelectField
          label="Values"
          name="kind"
          value={d.kind}
          onValue={(v) => set("kind", v)}
          options={kinds}
        />
      ) : (
        <div />
      )}
      <CollectionSelect
        label="Collection"
        name="collection"
        collections={props.collections}
        value={d.collection}
        onValue={(v) => set("collection", v)}
        any="Every collection you read"
      />
      <SelectField
        label="TLP ceiling"
        name="tlp_max"
        value={d.tlp_max}
        onValue={(v) => set("tlp_max", v)}
        options={kTlpLevels.map((t) => [t, `Up to ${tlpName(t)}`] as const)}
        hint="Devices outside your organisation should not get more than TLP:GREEN."
      />
      <TextField
        label="Added in the last (days)"
        name="max_age_days"
        type="number"
        min={1}
        max={3650}
        value={d.max_age_days}
        onValue={(v) => set("max_age_days", v)}
        hint="Blank: any age."
      />
      <TextField
        label="Minimum confidence"
        name="min_confidence"
        type="number"
        min={0}
        max={100}
        value={d.min_confidence}
        onValue={(v) => set("min_confidence", v)}
        hint="Blank: any."
      />
      <div class="span-2">
        <CheckField
          label="Include values on warninglists (not for firewalls)"
          name="include_warninglisted"
          checked={d.include_warninglisted}
          onChecked={(v) => set("include_warninglisted", v)}
        />
      </div>
    </>
  );
}

export function IntelExportsPage() {
  const { me } = useSession();
  const collections = useCollections();
  const readable = collections.data?.items.filter((c) => c.can_read) ?? [];
  return (
    <>
      <PageHeader
        title="Threat intel exports"
        description="Indicators your organisation may see, in the formats of the tools you run. Revoked, expired and, unless you ask, warninglisted indicators are left out."
      />
      <IntelTabs current="exports" />
      <ProblemAlert error={collections.error} />
      <DownloadCard collections={readable} />
      <PullFeeds collections={readable} admin={isAdmin(me)} />
    </>
  );
}

function DownloadCard(props: { collections: IntelCollection[] }) {
  const [d, setD] = useState<Draft>(kBlank);
  const url = intelApi.exportUrl(d.format, filtersOf(d));
  return (
    <Card
      title="Download now"
      description="With your session; for a one-off look or a manual update."
    >
      <form class="form form-grid" onSubmit={(e) => e.preventDefault()}>
        <FilterFields draft={d} onDraft={setD} collections={props.collections} />
        <div class="form-actions span-2">
          <a class="btn btn-primary" href={url} download data-testid="export-download">
            Download {formatLabel(d.format)}
          </a>
          <code class="code-chip wrap-anywhere">{url}</code>
        </div>
      </form>
    </Card>
  );
}

function filterSummary(f: ExportFeed, collections: IntelCollection[]): string {
  const p = f.params;
  const parts: string[] = [];
  if (p.kind) parts.push(p.kind);
  if (p.type) parts.push(p.type);
  if (p.collection) {
    parts.push(collections.find((c) => c.id === p.collection)?.title ?? "one collection");
  }
  if (p.max_age_days) parts.push(`last ${p.max_age_days} days`);
  if (p.min_confidence) parts.push(`confidence ≥ ${p.min_confidence}`);
  if (p.include_warninglisted === "true") parts.push("with warninglisted");
  return parts.join(" · ") || "everything you may see";
}

function PullFeeds(props: { collections: IntelCollection[]; admin: boolean }) {
  const list = useResource(() => intelApi.exportFeeds(), []);
  const [created, setCreated] = useState<CreatedExportFeed | null>(null);
  const [name, setName] = useState("");
  const [d, setD] = useState<Draft>(kBlank);
  const create = useAction();
  const revoke = useAction();

  const submit = (e: Event) => {
    e.preventDefault();
    return create.run(async () => {
      setCreated(
        await intelApi.createExportFeed({
          name: name.trim(),
          format: d.format,
          params: filtersOf(d),
        }),
      );
      setName("");
      await list.reload();
    });
  };

  return (
    <>
      <Card
        title="Pull feeds for devices"
        description="A firewall, resolver or IDS fetches its list from an address with a token. The token reads with your organisation's access; revoke it when the device goes."
      >
        {created && (
          <SecretOnce
            title={`Pull address of “${created.name}”`}
            secret={intelApi.absolute(created.url)}
            onDismiss={() => setCreated(null)}
          >
            <p>
              The token is shown only now. Configure the device with this address; it answers{" "}
              {formatLabel(created.format)}.
            </p>
          </SecretOnce>
        )}
        <ProblemAlert error={list.error ?? revoke.error} />
        <StatusMessage message={revoke.status} />
        {list.loading && !list.data && <Spinner />}
        {list.data && list.data.items.length === 0 && <p class="empty">No pull feed yet.</p>}
        {list.data && list.data.items.length > 0 && (
          <DataTable
            label="Pull feeds"
            columns={["Name", "Format", "Filters", "TLP ceiling", "Created by", "Last pulled"]}
            actions
          >
            {list.data.items.map((f) => (
              <tr key={f.id} data-export-feed-id={f.id}>
                <th scope="row">
                  <span class="cell-main">{f.name}</span>
                  <span class="cell-sub">{f.token_prefix}…</span>
                </th>
                <td>{formatLabel(f.format)}</td>
                <td>{filterSummary(f, props.collections)}</td>
                <td>{f.params.tlp_max ? <TlpLabel tlp={f.params.tlp_max} /> : "none"}</td>
                <td>
                  <span class="cell-main">{f.created_by}</span>
                  <span class="cell-note">{formatDateTime(f.created_at)}</span>
                </td>
                <td class="cell-date">
                  {f.last_pulled_at ? formatDateTime(f.last_pulled_at) : "Never"}
                  {f.pulls > 0 && <span class="cell-note">{f.pulls} pulls</span>}
                </td>
                <td class="cell-actions">
                  {props.admin && (
                    <ConfirmButton
                      label="Revoke"
                      confirmLabel="Revoke it"
                      question={`Revoke ${f.name}? Devices using it stop getting updates.`}
                      tone="danger"
                      accessibleLabel={`Revoke ${f.name}`}
                      onConfirm={() =>
                        revoke.run(async () => {
                          await intelApi.revokeExportFeed(f.id);
                          await list.reload();
                          return `${f.name} was revoked.`;
                        })
                      }
                    />
                  )}
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </Card>
      {props.admin && (
        <Card title="New pull feed">
          <Form class="form form-grid" error={create.error} onSubmit={submit}>
            <TextField
              label="Name"
              name="name"
              value={name}
              onValue={setName}
              required
              maxLength={100}
              placeholder="e.g. Perimeter firewall"
              class="input"
            />
            <div />
            <FilterFields draft={d} onDraft={setD} collections={props.collections} />
            <ProblemAlert error={create.error} class="span-2" />
            <SubmitActions
              label="Create the pull feed"
              busyLabel="Creating…"
              busy={create.busy}
              class="span-2"
            />
          </Form>
        </Card>
      )}
    </>
  );
}
