// One threat-intel object as the reader may see it: its latest version (facts and the JSON as
// received), the warninglists its values hit, where else those values were seen, the sightings
// reported for it per Member State, its relationships and its versions. Members of any role but
// viewer report a sighting from here.

import { type ComponentChildren, Fragment } from "preact";
import { useEffect, useState } from "preact/hooks";

import { get, intelApi } from "../api";
import { BarChart } from "../charts";
import {
  Badge,
  Card,
  CheckField,
  DataTable,
  Form,
  Link,
  Notice,
  PageHeader,
  ProblemAlert,
  Spinner,
  StatusMessage,
  SubmitActions,
  TextField,
} from "../components";
import { countryName, formatDateTime } from "../format";
import { useAction, useResource } from "../hooks";
import { useSession } from "../session";
import { TlpLabel } from "../tlp";
import type {
  Correlation,
  IntelObjectView,
  IntelRelationship,
  Items,
  NamedSighting,
  Organisation,
  SightingSummary,
} from "../types";
import { kindLabel, maySight, objectName, plural, refText, typeLabel } from "./intel-model";
import { IntelTabs } from "./intel-shared";

export function IntelObjectPage(props: { id: string }) {
  const view = useResource(() => intelApi.object(props.id), [props.id]);
  const v = view.data;
  const title = v ? objectName(v.object) : "Threat intel object";
  return (
    <>
      <PageHeader title={title} />
      <IntelTabs current="objects" />
      <p class="back-link">
        <Link href="/intel">← Browse and search</Link>
      </p>
      <ProblemAlert error={view.error} />
      {view.loading && !v && <Spinner />}
      {v && <ObjectDetails id={props.id} view={v} />}
    </>
  );
}

function ObjectDetails(props: { id: string; view: IntelObjectView }) {
  const v = props.view;
  const o = v.object;
  return (
    <>
      <div class="intel-object-head" data-testid="object-head" data-tlp={v.tlp}>
        <TlpLabel tlp={v.tlp} explain />
        <Badge tone="info">{typeLabel(String(o.type ?? ""))}</Badge>
        {o.revoked === true && <Badge>Revoked</Badge>}
        <span class="muted">
          in {v.collection.title}, shared by {v.producer.name}
        </span>
      </div>
      {v.warnings.length > 0 && (
        <Notice kind="warning" title="On a warninglist">
          <p>
            These values are on lists of values that are almost never malicious; exports that feed
            firewalls leave them out.
          </p>
          <ul class="plain-list" data-testid="warninglist-hits">
            {v.warnings.map((w, i) => (
              <li key={i}>
                {kindLabel(w.kind)} <span class="mono">{w.value}</span>: {w.list}
              </li>
            ))}
          </ul>
        </Notice>
      )}
      <div class="grid-2 intel-object-grid">
        <FactsCard view={v} />
        <CorrelationsCard id={props.id} />
      </div>
      <SightingsCard id={props.id} />
      <RelationshipsCard items={v.relationships} />
      <VersionsCard view={v} />
      <JsonCard id={props.id} object={o} />
    </>
  );
}

function text(v: unknown): string | null {
  return typeof v === "string" && v ? v : null;
}

function FactsCard(props: { view: IntelObjectView }) {
  const v = props.view;
  const o = v.object;
  const orgs = useResource(
    () =>
      v.recipients && v.recipients.length
        ? get<Items<Organisation>>("/api/v1/organisations")
        : Promise.resolve({ items: [] }),
    [v.recipients?.join(",")],
  );
  const recipientNames = (v.recipients ?? []).map(
    (id) => orgs.data?.items.find((x) => x.id === id)?.name ?? `organisation ${id}`,
  );
  const labels = Array.isArray(o.labels) ? o.labels.filter((l) => typeof l === "string") : [];
  const rows: Array<[string, ComponentChildren]> = [
    ["STIX id", <span class="mono wrap-anywhere">{String(o.id ?? "")}</span>],
    ["TLP", <TlpLabel tlp={v.tlp} />],
    ["Collection", v.collection.title],
    ["Shared by", v.producer.name],
  ];
  if (text(o.description))
    rows.push(["Description", <p class="timeline-text">{text(o.description)}</p>]);
  if (text(o.pattern)) {
    rows.push(["Pattern", <code class="mono wrap-anywhere">{text(o.pattern)}</code>]);
  }
  if (text(o.value)) rows.push(["Value", <span class="mono wrap-anywhere">{text(o.value)}</span>]);
  if (typeof o.confidence === "number") rows.push(["Confidence", `${o.confidence} / 100`]);
  if (text(o.valid_from)) rows.push(["Valid from", formatDateTime(text(o.valid_from))]);
  if (text(o.valid_until)) rows.push(["Valid until", formatDateTime(text(o.valid_until))]);
  if (text(o.created)) rows.push(["Created", formatDateTime(text(o.created))]);
  if (text(o.modified)) rows.push(["Modified", formatDateTime(text(o.modified))]);
  if (labels.length) {
    rows.push([
      "Labels",
      <ul class="chip-list">
        {labels.map((l) => (
          <li key={String(l)} class="chip">
            {String(l)}
          </li>
        ))}
      </ul>,
    ]);
  }
  if (v.recipients) {
    rows.push(["Recipients", recipientNames.length ? recipientNames.join(", ") : "None named"]);
  }
  return (
    <Card title="Latest version">
      <dl class="facts" data-testid="object-facts">
        {rows.map(([k, value]) => (
          <Fragment key={k}>
            <dt>{k}</dt>
            <dd>{value}</dd>
          </Fragment>
        ))}
      </dl>
    </Card>
  );
}

const kRelationLabels: Record<string, string> = {
  same: "same value",
  parent: "parent domain or containing network",
  child: "subdomain or address inside",
};

function CorrelationsCard(props: { id: string }) {
  const list = useResource(() => intelApi.correlations(props.id), [props.id]);
  const items = list.data?.items ?? [];
  return (
    <Card
      title="Correlations"
      description="Other objects you may see that carry the same values, or related domains and networks."
    >
      <ProblemAlert error={list.error} />
      {list.loading && !list.data && <Spinner />}
      {list.data && items.length === 0 && (
        <p class="empty">This object carries no value that correlates.</p>
      )}
      {items.map((c) => (
        <CorrelationBlock key={`${c.kind}:${c.value}`} c={c} />
      ))}
    </Card>
  );
}

function CorrelationBlock(props: { c: Correlation }) {
  const c = props.c;
  const lead = c.capped ? "at least " : "";
  return (
    <div class="correlation" data-testid="correlation" data-value={c.value}>
      <p>
        <span class="muted">{kindLabel(c.kind)}</span>{" "}
        <span class="mono wrap-anywhere">{c.value}</span>
      </p>
      <p class="correlation-seen" data-objects={c.objects} data-organisations={c.organisations}>
        {c.objects === 0 ? (
          "Seen in no other object you may see"
        ) : (
          <>
            Also seen in {lead}
            {plural(c.objects, "other object")} by {lead}
            {plural(c.organisations, "organisation")}
          </>
        )}
        {c.capped && <Badge tone="warn">Common value, counting stopped</Badge>}
      </p>
      {c.related.length > 0 && (
        <ul class="plain-list related-list" aria-label={`Objects related to ${c.value}`}>
          {c.related.map((r) => (
            <li key={`${r.id}-${refText(r.matched)}`}>
              <Link href={`/intel/objects/${r.id}`}>{r.name || r.id}</Link>{" "}
              <span class="muted">
                ({typeLabel(r.type)}
                {r.relation !== "same" &&
                  `, ${kRelationLabels[r.relation] ?? r.relation}: ${refText(r.matched)}`}
                {refText(r.collection) && ` · ${refText(r.collection)}`})
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function SightingsCard(props: { id: string }) {
  const { me } = useSession();
  const summary = useResource(() => intelApi.sightings(props.id), [props.id]);
  const [open, setOpen] = useState(false);
  const s = summary.data;
  return (
    <Card
      title="Sightings"
      description="Who saw this object, per Member State. Organisations are named only when they chose to share it."
      actions={
        maySight(me) &&
        !open && (
          <button type="button" class="btn btn-secondary btn-small" onClick={() => setOpen(true)}>
            Report a sighting
          </button>
        )
      }
    >
      {open && (
        <SightingForm
          id={props.id}
          onCancel={() => setOpen(false)}
          onReported={async () => {
            setOpen(false);
            await summary.reload();
          }}
        />
      )}
      <ProblemAlert error={summary.error} />
      {summary.loading && !s && <Spinner />}
      {s && <SightingsView summary={s} />}
    </Card>
  );
}

function SightingsView(props: { summary: SightingSummary }) {
  const s = props.summary;
  if (s.total === 0) return <p class="empty">No sighting reported yet.</p>;
  // A multiple of 4 so that the five ticks fall on whole numbers.
  const max = Math.ceil(Math.max(1, ...s.by_country.map((c) => c.count)) / 4) * 4;
  return (
    <div class="stack" data-testid="sightings" data-total={s.total}>
      <p>
        <strong>{plural(s.total, "sighting")}</strong> reported in total.
      </p>
      {s.by_country.length > 0 && (
        <BarChart
          title="Sightings by Member State"
          description="Number of sightings reported by organisations of each Member State."
          testId="sightings-chart"
          max={max}
          format={(n) => String(Math.round(n))}
          bars={s.by_country.map((c) => ({
            key: c.country || "none",
            label: c.country ? countryName(c.country) : "No Member State",
            value: c.count,
            note: plural(c.organisations, "organisation"),
          }))}
        />
      )}
      {s.own.length > 0 && <NamedSightings title="Your organisation's sightings" items={s.own} />}
      {s.shared.length > 0 && (
        <NamedSightings
          title="Sightings shared by the organisations that saw it"
          items={s.shared}
        />
      )}
    </div>
  );
}

function NamedSightings(props: { title: string; items: NamedSighting[] }) {
  return (
    <>
      <h3 class="subheading">{props.title}</h3>
      <DataTable
        label={props.title}
        columns={["Organisation", "Count", "First seen", "Last seen"]}
        dense
      >
        {props.items.map((n, i) => (
          <tr key={`${n.org_id}-${i}`}>
            <th scope="row">{n.org_name}</th>
            <td>{n.count}</td>
            <td class="cell-date">{formatDateTime(n.first_seen)}</td>
            <td class="cell-date">{formatDateTime(n.last_seen)}</td>
          </tr>
        ))}
      </DataTable>
    </>
  );
}

/** An <input type="datetime-local"> value as an RFC 3339 UTC timestamp, or undefined. */
function localToIso(value: string): string | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

function SightingForm(props: { id: string; onCancel: () => void; onReported: () => void }) {
  const [count, setCount] = useState("1");
  const [first, setFirst] = useState("");
  const [last, setLast] = useState("");
  const [share, setShare] = useState(false);
  const { busy, error, status, run } = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    return run(async () => {
      await intelApi.reportSighting({
        sighting_of_ref: props.id,
        count: Number.parseInt(count, 10),
        first_seen: localToIso(first),
        last_seen: localToIso(last),
        share_identity: share,
      });
      props.onReported();
    });
  };
  return (
    <Form class="form form-grid sighting-form" error={error} onSubmit={submit}>
      <TextField
        label="How many times"
        name="count"
        type="number"
        min={1}
        max={999999999}
        value={count}
        onValue={setCount}
        required
      />
      <div />
      <TextField
        label="First seen"
        name="first_seen"
        type="datetime-local"
        value={first}
        onValue={setFirst}
      />
      <TextField
        label="Last seen"
        name="last_seen"
        type="datetime-local"
        value={last}
        onValue={setLast}
      />
      <div class="span-2">
        <CheckField
          label="Show my organisation's name to those who may see this object"
          name="share_identity"
          checked={share}
          onChecked={setShare}
        />
        <p class="hint">
          Otherwise others see only the count for your Member State, never which organisation saw
          it.
        </p>
      </div>
      <ProblemAlert error={error} class="span-2" />
      <StatusMessage message={status} />
      <div class="form-actions span-2">
        <SubmitActions label="Report the sighting" busyLabel="Reporting…" busy={busy} />
        <button type="button" class="btn btn-ghost" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </Form>
  );
}

function relationText(r: IntelRelationship): string {
  if (r.relationship_type === "object_ref") return "refers to";
  return r.relationship_type.replace(/[-_]/g, " ");
}

function RelationshipsCard(props: { items: IntelRelationship[] }) {
  return (
    <Card title="Relationships">
      {props.items.length === 0 ? (
        <p class="empty">No relationship that you may see.</p>
      ) : (
        <DataTable
          label="Relationships"
          columns={["Relationship", "Type of the other object"]}
          dense
        >
          {props.items.map((r) => {
            const other = r.other_name ? (
              <Link href={`/intel/objects/${r.other_id}`}>{r.other_name}</Link>
            ) : (
              <span class="mono wrap-anywhere">{r.other_id}</span>
            );
            return (
              <tr
                key={`${r.id}-${r.other_id}-${r.outgoing}`}
                data-testid="relationship"
                data-direction={r.outgoing ? "out" : "in"}
              >
                <td>
                  {r.outgoing ? (
                    <>
                      This object <strong>{relationText(r)}</strong> {other}
                    </>
                  ) : (
                    <>
                      {other} <strong>{relationText(r)}</strong> this object
                    </>
                  )}
                </td>
                <td>{typeLabel(r.other_type)}</td>
              </tr>
            );
          })}
        </DataTable>
      )}
    </Card>
  );
}

function VersionsCard(props: { view: IntelObjectView }) {
  return (
    <Card title="Versions" description="Every version kept by the hub, newest first.">
      <DataTable label="Versions" columns={["Version (modified)", "Added to the hub", "TLP"]} dense>
        {props.view.versions.map((x) => (
          <tr key={x.version} data-version={x.version}>
            <td class="mono">{x.version}</td>
            <td class="cell-date">{formatDateTime(x.date_added, true)}</td>
            <td>
              <TlpLabel tlp={x.tlp} />
            </td>
          </tr>
        ))}
      </DataTable>
    </Card>
  );
}

function JsonCard(props: { id: string; object: Record<string, unknown> }) {
  const json = JSON.stringify(props.object, null, 2);
  const [href, setHref] = useState<string | null>(null);
  useEffect(() => {
    const url = URL.createObjectURL(new Blob([json], { type: "application/json" }));
    setHref(url);
    return () => URL.revokeObjectURL(url);
  }, [json]);
  return (
    <Card
      title="STIX JSON of the latest version"
      actions={
        <>
          {href && (
            <a class="btn btn-secondary btn-small" href={href} download={`${props.id}.json`}>
              Download the JSON
            </a>
          )}
          <a class="btn btn-secondary btn-small" href={intelApi.mispUrl(props.id)} download>
            Download as MISP event
          </a>
        </>
      }
    >
      <pre class="json-view" tabIndex={0} aria-label="STIX JSON" data-testid="object-json">
        {json}
      </pre>
    </Card>
  );
}
