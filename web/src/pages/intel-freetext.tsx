// Free-text submission: paste an e-mail or a vendor bulletin, the hub extracts the candidate
// indicators (refanging hxxp, [.], (dot), [@]), checks each and looks it up on the warninglists;
// the analyst ticks the ones to publish, corrects their kind, and chooses the collection, the TLP
// and the recipients.

import { useState } from "preact/hooks";

import { intelApi } from "../api";
import {
  Badge,
  Card,
  DataTable,
  Form,
  ProblemAlert,
  SubmitActions,
  TextAreaField,
  TextField,
} from "../components";
import { useAction } from "../hooks";
import { TlpPicker } from "../tlp";
import type {
  FreetextCandidate,
  IngestReport,
  IntelCollection,
  ObservableKind,
  Tlp,
} from "../types";
import { kObservableKinds, plural } from "./intel-model";
import {
  CollectionSelect,
  IngestReportView,
  problem,
  RecipientsPicker,
  useRecipientChoices,
  useTarget,
} from "./intel-shared";

/** Characters of text the hub extracts from at once (1 MiB of UTF-8 at most). */
const kMaxText = 1_000_000;

interface Row {
  key: string;
  candidate: FreetextCandidate;
  /** How often the value appears in the text. */
  occurrences: number;
  kind: ObservableKind;
  chosen: boolean;
}

/** One row per value (the first place it appears), chosen when valid and on no warninglist. */
function rowsOf(items: FreetextCandidate[]): Row[] {
  const rows = new Map<string, Row>();
  for (const c of items) {
    const key = `${c.kind}\u0000${c.value}`;
    const seen = rows.get(key);
    if (seen) {
      seen.occurrences++;
      continue;
    }
    rows.set(key, {
      key,
      candidate: c,
      occurrences: 1,
      kind: c.kind,
      chosen: c.valid && c.warninglists.length === 0,
    });
  }
  return [...rows.values()];
}

export function FreetextSubmit(props: { collections: IntelCollection[] }) {
  const [text, setText] = useState("");
  const [rows, setRows] = useState<Row[] | null>(null);
  const extraction = useAction();

  const extract = (e: Event) => {
    e.preventDefault();
    if (text.length > kMaxText) {
      extraction.setError(
        problem("text", "The text is too long", "Paste at most about a million characters."),
      );
      return;
    }
    return extraction.run(async () => {
      setRows(null);
      const found = await intelApi.freetext(text);
      setRows(rowsOf(found.items));
    });
  };

  return (
    <>
      <Card
        title="Extract indicators from text"
        description="Paste an e-mail, a vendor bulletin or a report. Nothing is published until you choose what to publish."
      >
        <Form class="form" error={extraction.error} onSubmit={extract}>
          <TextAreaField
            label="Text"
            name="text"
            value={text}
            onValue={setText}
            rows={10}
            required
            placeholder="e.g. The phishing mails link to hxxps://login-portal[.]example/verify from 203.0.113[.]7 …"
          />
          <ProblemAlert error={extraction.error} />
          <SubmitActions
            label="Extract indicators"
            busyLabel="Extracting…"
            busy={extraction.busy}
          />
        </Form>
      </Card>
      {rows && rows.length === 0 && (
        <Card title="Candidates">
          <p class="empty" role="status">
            No indicator was found in this text.
          </p>
        </Card>
      )}
      {rows && rows.length > 0 && (
        <CandidatesCard
          key={rows.map((r) => r.key).join("|")}
          initial={rows}
          collections={props.collections}
        />
      )}
    </>
  );
}

function CandidatesCard(props: { initial: Row[]; collections: IntelCollection[] }) {
  const [rows, setRows] = useState<Row[]>(props.initial);
  const target = useTarget(props.collections);
  const choices = useRecipientChoices();
  const [recipients, setRecipients] = useState<number[]>([]);
  const [prefix, setPrefix] = useState("");
  const [report, setReport] = useState<IngestReport | null>(null);
  const { busy, error, setError, run } = useAction();
  const chosen = rows.filter((r) => r.chosen);

  const change = (key: string, patch: Partial<Row>) =>
    setRows((old) => old.map((r) => (r.key === key ? { ...r, ...patch } : r)));
  const all = (on: boolean) => setRows((old) => old.map((r) => ({ ...r, chosen: on })));

  const publish = (e: Event) => {
    e.preventDefault();
    const c = target.collection;
    if (!c || !target.tlp) return;
    if (chosen.length === 0) {
      setError(problem("candidates", "Nothing chosen", "Tick at least one candidate to publish."));
      return;
    }
    return run(async () => {
      setReport(null);
      setReport(
        await intelApi.submitBatch(c.id, {
          items: chosen.map((r) => ({ kind: r.kind, value: r.candidate.value })),
          tlp: target.tlp as Tlp,
          recipients: target.tlp === "amber" || target.tlp === "red" ? recipients : undefined,
          name_prefix: prefix.trim() || undefined,
        }),
      );
    });
  };

  const invalid = rows.filter((r) => !r.candidate.valid).length;
  const listed = rows.filter((r) => r.candidate.warninglists.length > 0).length;
  return (
    <>
      <Card
        title="Candidates"
        description={
          `${plural(rows.length, "value")} found` +
          (invalid ? `, ${invalid} not valid` : "") +
          (listed ? `, ${listed} on warninglists` : "") +
          ". Those that are valid and on no warninglist are ticked."
        }
        actions={
          <>
            <button type="button" class="btn btn-small btn-ghost" onClick={() => all(true)}>
              Tick all
            </button>
            <button type="button" class="btn btn-small btn-ghost" onClick={() => all(false)}>
              Tick none
            </button>
          </>
        }
      >
        <DataTable
          label="Candidate indicators"
          columns={["Publish", "Value", "Kind", "As written", "Check", "Warninglists", "Known"]}
          dense
        >
          {rows.map((r) => (
            <CandidateRow key={r.key} row={r} onChange={(p) => change(r.key, p)} />
          ))}
        </DataTable>
      </Card>
      <Card title="Publish the ticked candidates">
        <Form class="form form-grid" error={error} onSubmit={publish}>
          <CollectionSelect
            label="Collection"
            name="collection"
            collections={props.collections}
            value={target.collection?.id ?? ""}
            onValue={target.setCollection}
          />
          <TextField
            label="Name prefix (optional)"
            name="name_prefix"
            value={prefix}
            onValue={setPrefix}
            maxLength={100}
            hint="E.g. the campaign or the bulletin: each indicator is named “prefix value”."
          />
          <div class="span-2">
            <TlpPicker legend="TLP" name="tlp" value={target.tlp} onValue={target.setTlp} />
          </div>
          <RecipientsPicker
            tlp={target.tlp}
            choices={choices}
            value={recipients}
            onValue={setRecipients}
          />
          <ProblemAlert error={error} class="span-2" />
          <SubmitActions
            label={`Publish ${plural(chosen.length, "indicator")}`}
            busyLabel="Publishing…"
            busy={busy}
            class="span-2"
          />
        </Form>
        {report && <IngestReportView report={report} />}
      </Card>
    </>
  );
}

function CandidateRow(props: { row: Row; onChange: (patch: Partial<Row>) => void }) {
  const r = props.row;
  const c = r.candidate;
  return (
    <tr
      data-testid="candidate"
      data-value={c.value}
      data-kind={r.kind}
      data-valid={String(c.valid)}
      data-refanged={String(c.refanged)}
      class={c.valid ? undefined : "row-muted"}
    >
      <td>
        <input
          type="checkbox"
          class="row-check"
          checked={r.chosen}
          aria-label={`Publish ${c.value}`}
          onChange={(e) => props.onChange({ chosen: e.currentTarget.checked })}
        />
      </td>
      <th scope="row" class="mono candidate-value">
        {c.value}
        {r.occurrences > 1 && <span class="cell-note">{r.occurrences} times in the text</span>}
      </th>
      <td>
        <select
          class="input input-compact candidate-kind"
          aria-label={`Kind of ${c.value}`}
          value={r.kind}
          onChange={(e) => props.onChange({ kind: e.currentTarget.value as ObservableKind })}
        >
          {kObservableKinds.map(([k, label]) => (
            <option key={k} value={k}>
              {label}
            </option>
          ))}
        </select>
      </td>
      <td>
        {c.refanged ? (
          <>
            <Badge tone="info">Refanged</Badge>
            <span class="cell-sub candidate-raw" data-testid="raw">
              {c.raw}
            </span>
          </>
        ) : (
          <span class="muted">as is</span>
        )}
      </td>
      <td>
        {c.valid ? (
          <Badge tone="good">Valid</Badge>
        ) : (
          <>
            <Badge tone="bad">Not valid</Badge>
            {c.reason && <span class="cell-note">{c.reason}</span>}
          </>
        )}
      </td>
      <td>
        {c.warninglists.length === 0 ? (
          <span class="muted">None</span>
        ) : (
          <ul class="plain-list">
            {c.warninglists.map((w) => (
              <li key={w}>
                <Badge tone="warn">{w}</Badge>
              </li>
            ))}
          </ul>
        )}
      </td>
      <td>
        {c.known && c.known.objects > 0 ? (
          <span>
            {plural(c.known.objects, "object")}, {plural(c.known.organisations, "organisation")}
          </span>
        ) : (
          <span class="muted">New</span>
        )}
      </td>
    </tr>
  );
}
