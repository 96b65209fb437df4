// Pieces the threat-intelligence pages share: their tabs, the collection and recipient pickers,
// and the report of a submission (what was accepted, rejected, and hit a warninglist).

import { useId, useState } from "preact/hooks";

import { ApiError, get, intelApi } from "../api";
import { Badge, DataTable, Link, Notice, SelectField, Spinner } from "../components";
import type { Resource } from "../hooks";
import { useResource } from "../hooks";
import { useSession } from "../session";
import type { IngestReport, IntelCollection, Items, Organisation, Tlp } from "../types";
import { kindLabel, mayAdministerIntel, plural } from "./intel-model";

type IntelTab = "objects" | "sightings" | "submit" | "collections" | "feeds" | "exports";

export function IntelTabs(props: { current: IntelTab }) {
  const { me } = useSession();
  const tabs: Array<[IntelTab, string, string]> = [
    ["objects", "/intel", "Browse and search"],
    ["sightings", "/intel/sightings", "Sightings"],
    ["submit", "/intel/submit", "Submit"],
    ["collections", "/intel/collections", "Collections"],
    ...(mayAdministerIntel(me)
      ? [["feeds", "/intel/feeds", "Feeds"] as [IntelTab, string, string]]
      : []),
    ["exports", "/intel/exports", "Exports"],
  ];
  return (
    <nav class="tabs" aria-label="Threat intel views">
      {tabs.map(([key, href, label]) => (
        <Link key={key} href={href} class="tab" current={props.current === key}>
          {label}
        </Link>
      ))}
    </nav>
  );
}

/** The collections the reader may read or write, loaded once per page. */
export function useCollections(): Resource<Items<IntelCollection>> {
  return useResource(() => intelApi.collections(), []);
}

/** A select of the given collections; `any` adds a first option that means none. */
export function CollectionSelect(props: {
  label: string;
  name: string;
  collections: IntelCollection[];
  value: string;
  onValue: (id: string) => void;
  hint?: string;
  any?: string;
}) {
  const options: Array<readonly [string, string]> = [
    ...(props.any !== undefined ? [["", props.any] as const] : []),
    ...props.collections.map((c) => [c.id, `${c.title} (${c.root})`] as const),
  ];
  return (
    <SelectField
      label={props.label}
      name={props.name}
      value={props.value}
      onValue={props.onValue}
      options={options}
      hint={props.hint}
    />
  );
}

/** The organisations the user may name as recipients: every visible one but their own. */
export function useRecipientChoices(): Resource<Organisation[]> {
  const { me } = useSession();
  return useResource(
    async () =>
      (await get<Items<Organisation>>("/api/v1/organisations")).items
        .filter((o) => o.id !== me.organisation.id)
        .sort((a, b) => a.name.localeCompare(b.name)),
    [me.organisation.id],
  );
}

/** Checkboxes of recipients, shown for AMBER and RED only (the levels that name them). */
export function RecipientsPicker(props: {
  tlp: Tlp | "";
  choices: Resource<Organisation[]>;
  value: number[];
  onValue: (ids: number[]) => void;
  /** Show the picker whatever the level, with this hint (e.g. for a bundle's own markings). */
  always?: string;
}) {
  const id = useId();
  if (!props.always && props.tlp !== "amber" && props.tlp !== "red") return null;
  const orgs = props.choices.data ?? [];
  const toggle = (org: number, on: boolean) =>
    props.onValue(on ? [...props.value, org] : props.value.filter((x) => x !== org));
  return (
    <fieldset class="checks recipients span-2" aria-describedby={`${id}-hint`}>
      <legend class="field-legend">Recipients</legend>
      <p class="hint" id={`${id}-hint`}>
        {props.always ??
          (props.tlp === "red"
            ? "Only the organisations you tick (and yours) will see it."
            : "Your authority always sees it; tick others who should.")}
      </p>
      {props.choices.loading && !props.choices.data && <Spinner />}
      {orgs.map((o) => (
        <label key={o.id} class="check">
          <input
            type="checkbox"
            name="recipients"
            value={String(o.id)}
            checked={props.value.includes(o.id)}
            onChange={(e) => toggle(o.id, e.currentTarget.checked)}
          />
          {o.name}
        </label>
      ))}
    </fieldset>
  );
}

/** What the hub did with a submission. */
export function IngestReportView(props: { report: IngestReport }) {
  const r = props.report;
  const stored = r.accepted.filter((a) => a.stored).length;
  return (
    <section class="ingest-report" aria-label="Submission result" data-testid="ingest-report">
      <dl class="stat-row">
        <div class="stat" data-key="accepted">
          <dt>Accepted</dt>
          <dd>{r.accepted.length}</dd>
        </div>
        <div class="stat" data-key="stored">
          <dt>New versions stored</dt>
          <dd>{stored}</dd>
        </div>
        <div class={`stat${r.rejected.length ? " stat-attention" : ""}`} data-key="rejected">
          <dt>Rejected</dt>
          <dd>{r.rejected.length}</dd>
        </div>
        <div class={`stat${r.warnings.length ? " stat-attention" : ""}`} data-key="warnings">
          <dt>Warninglist hits</dt>
          <dd>{r.warnings.length}</dd>
        </div>
      </dl>
      {r.accepted.length > 0 && (
        <ul class="plain-list accepted-list" aria-label="Accepted objects">
          {r.accepted.slice(0, 50).map((a) => (
            <li key={`${a.id}@${a.version}`}>
              <Link href={`/intel/objects/${a.id}`}>
                <span class="mono">{a.id}</span>
              </Link>{" "}
              {!a.stored && <Badge>already stored</Badge>}
            </li>
          ))}
          {r.accepted.length > 50 && (
            <li class="muted">and {plural(r.accepted.length - 50, "more object")}</li>
          )}
        </ul>
      )}
      {r.event_uuid && (
        <p data-testid="misp-event">
          MISP event <span class="mono">{r.event_uuid}</span>
          {r.report_id && (
            <>
              {" "}
              became the report <Link href={`/intel/objects/${r.report_id}`}>{r.report_id}</Link>
            </>
          )}
          {r.sightings ? `, with ${plural(r.sightings, "sighting")}` : ""}.
        </p>
      )}
      {r.skipped && r.skipped.length > 0 && (
        <Notice kind="info" title={`${plural(r.skipped.length, "element")} of the event left out`}>
          <ul class="plain-list">
            {r.skipped.slice(0, 50).map((k, i) => (
              <li key={i}>
                {k.type} <span class="mono">{k.uuid}</span>: {k.reason}
              </li>
            ))}
          </ul>
        </Notice>
      )}
      {r.warnings.length > 0 && (
        <Notice kind="warning" title="Some values are on warninglists">
          <p>
            They are stored but left out of the exports that feed firewalls unless an export asks
            for them.
          </p>
          <ul class="plain-list">
            {r.warnings.map((w, i) => (
              <li key={i}>
                {kindLabel(w.kind)} <span class="mono">{w.value}</span>: {w.list}
              </li>
            ))}
          </ul>
        </Notice>
      )}
      {r.rejected.length > 0 && (
        <DataTable label="Rejected objects" columns={["#", "Object", "Field", "Reason"]} dense>
          {r.rejected.map((x) => (
            <tr key={x.index} data-testid="rejected-object">
              <td>{x.index}</td>
              <td class="mono wrap-anywhere">{x.id || "—"}</td>
              <td class="mono">{x.field || "—"}</td>
              <td>{x.message}</td>
            </tr>
          ))}
        </DataTable>
      )}
    </section>
  );
}

/**
 * The collection a submission goes to, among the writable ones: the user's pick, else the
 * indicators collection of their Member State, else the first listed; and the TLP, which follows
 * the collection's default until the user picks one.
 */
export function useTarget(collections: IntelCollection[] | undefined) {
  const { me } = useSession();
  const writable = (collections ?? []).filter((c) => c.can_write);
  const country = me.organisation.country?.toLowerCase() ?? "";
  const preferred =
    writable.find((c) => c.root === country && c.alias === "indicators") ??
    writable.find((c) => c.root === country) ??
    writable[0];
  const [picked, setPicked] = useState<string>("");
  const [tlpPicked, setTlp] = useState<Tlp | "">("");
  const collection = writable.find((c) => c.id === picked) ?? preferred;
  const tlp: Tlp | "" = tlpPicked || collection?.default_tlp || "";
  return { collection, setCollection: setPicked, tlp, setTlp };
}

/** A problem found in the browser, shown like the hub's on the field it names. */
export function problem(field: string, title: string, detail: string): ApiError {
  return new ApiError({
    type: "urn:caduceus:problem:invalid-input",
    title,
    status: 400,
    detail,
    field,
  });
}
