// Submitting threat intel: a single indicator built by the hub from a value, a STIX 2.1 bundle
// (pasted or read from a file in the browser), or a MISP event file. Each goes to a collection
// the user may write to, with a TLP and, for AMBER and RED, the organisations named as
// recipients; the hub's report says what it accepted, rejected and found on warninglists.

import { useId, useState } from "preact/hooks";

import { type ApiError, intelApi } from "../api";
import {
  Badge,
  Card,
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
import { formatBytes } from "../format";
import { useAction } from "../hooks";
import { useSession } from "../session";
import { kTlpLevels, TlpPicker, tlpName } from "../tlp";
import type { IngestReport, IntelCollection, ObservableKind, Tlp } from "../types";
import { FreetextSubmit } from "./intel-freetext";
import { dayBound, kObservableKinds, mayPublish, refang } from "./intel-model";
import {
  CollectionSelect,
  IngestReportView,
  IntelTabs,
  problem,
  RecipientsPicker,
  useCollections,
  useRecipientChoices,
  useTarget,
} from "./intel-shared";

export type SubmitMode = "indicator" | "bundle" | "misp" | "freetext";

const kModes: ReadonlyArray<readonly [SubmitMode, string, string]> = [
  ["indicator", "/intel/submit", "Single indicator"],
  ["bundle", "/intel/submit/bundle", "STIX bundle"],
  ["misp", "/intel/submit/misp", "MISP event"],
  ["freetext", "/intel/submit/freetext", "Free text"],
];

/** Bytes a submission may carry (the hub's limit for an API root). */
const kMaxBytes = 16 * 1024 * 1024;

export function IntelSubmitPage(props: { mode: SubmitMode }) {
  const { me } = useSession();
  const collections = useCollections();
  const writable = collections.data?.items.filter((c) => c.can_write) ?? [];
  return (
    <>
      <PageHeader
        title="Submit threat intel"
        description="Share indicators and reports with the organisations that may see them under the TLP you choose."
      />
      <IntelTabs current="submit" />
      <nav class="subtabs" aria-label="Ways to submit">
        {kModes.map(([mode, href, label]) => (
          <Link key={mode} href={href} class="subtab" current={props.mode === mode}>
            {label}
          </Link>
        ))}
      </nav>
      <ProblemAlert error={collections.error} />
      {collections.loading && !collections.data && <Spinner />}
      {!mayPublish(me) && (
        <Notice kind="info" title="Your role reads threat intel only">
          <p>Administrators and analysts of your organisation publish.</p>
        </Notice>
      )}
      {mayPublish(me) && collections.data && writable.length === 0 && (
        <Notice kind="info" title="No collection you may write to">
          <p>Ask an administrator of a collection to grant your organisation write access.</p>
        </Notice>
      )}
      {mayPublish(me) && writable.length > 0 && (
        <>
          {props.mode === "indicator" && <IndicatorForm collections={writable} />}
          {props.mode === "bundle" && <BundleForm collections={writable} />}
          {props.mode === "misp" && <MispForm collections={writable} />}
          {props.mode === "freetext" && <FreetextSubmit collections={writable} />}
        </>
      )}
    </>
  );
}

function ReportCard(props: { report: IngestReport | null }) {
  if (!props.report) return null;
  return (
    <Card title="What the hub did with it">
      <IngestReportView report={props.report} />
    </Card>
  );
}

interface IndicatorDraft {
  kind: ObservableKind;
  value: string;
  name: string;
  description: string;
  confidence: string;
  valid_until: string;
  labels: string;
}

const kBlankIndicator: IndicatorDraft = {
  kind: "domain",
  value: "",
  name: "",
  description: "",
  confidence: "",
  valid_until: "",
  labels: "",
};

function IndicatorForm(props: { collections: IntelCollection[] }) {
  const target = useTarget(props.collections);
  const choices = useRecipientChoices();
  const [d, setD] = useState<IndicatorDraft>(kBlankIndicator);
  const [recipients, setRecipients] = useState<number[]>([]);
  const [report, setReport] = useState<IngestReport | null>(null);
  const { busy, error, setError, run } = useAction();
  const set = <K extends keyof IndicatorDraft>(k: K, v: IndicatorDraft[K]) =>
    setD((old) => ({ ...old, [k]: v }));

  const submit = (e: Event) => {
    e.preventDefault();
    const c = target.collection;
    if (!c || !target.tlp) return;
    const confidence = d.confidence.trim() === "" ? undefined : Number(d.confidence);
    if (
      confidence !== undefined &&
      !(Number.isInteger(confidence) && confidence >= 0 && confidence <= 100)
    ) {
      setError(
        problem("confidence", "Confidence is a whole number", "Give 0 to 100, or leave it blank."),
      );
      return;
    }
    const labels = d.labels
      .split(",")
      .map((l) => l.trim())
      .filter(Boolean);
    return run(async () => {
      setReport(null);
      const r = await intelApi.submitIndicator(c.id, {
        kind: d.kind,
        value: refang(d.value),
        name: d.name.trim() || undefined,
        description: d.description.trim() || undefined,
        tlp: target.tlp as Tlp,
        recipients: target.tlp === "amber" || target.tlp === "red" ? recipients : undefined,
        confidence,
        valid_until: d.valid_until ? dayBound(d.valid_until, true) : undefined,
        labels: labels.length ? labels : undefined,
      });
      setReport(r);
      if (r.accepted.length > 0) setD((old) => ({ ...old, value: "", name: "", description: "" }));
    });
  };

  return (
    <>
      <Card
        title="Publish a single indicator"
        description="Give the value; the hub builds the STIX indicator and its pattern."
      >
        <Form class="form form-grid" error={error} onSubmit={submit}>
          <SelectField
            label="Kind"
            name="kind"
            value={d.kind}
            onValue={(v) => set("kind", v)}
            options={kObservableKinds}
          />
          <TextField
            label="Value"
            name="value"
            value={d.value}
            onValue={(v) => set("value", v)}
            required
            maxLength={2048}
            class="input mono"
            placeholder="e.g. evil.example"
            hint="Defanged values are read back: hxxp, [.], (dot), [@]."
          />
          <TextField
            label="Name (optional)"
            name="name"
            value={d.name}
            onValue={(v) => set("name", v)}
            maxLength={200}
            hint="Shown instead of the value in lists."
          />
          <CollectionSelect
            label="Collection"
            name="collection"
            collections={props.collections}
            value={target.collection?.id ?? ""}
            onValue={target.setCollection}
          />
          <TextAreaField
            class="span-2"
            label="Description (optional)"
            name="description"
            value={d.description}
            onValue={(v) => set("description", v)}
            rows={3}
            maxLength={4000}
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
          <TextField
            label="Confidence (optional)"
            name="confidence"
            type="number"
            min={0}
            max={100}
            value={d.confidence}
            onValue={(v) => set("confidence", v)}
            hint="0 (none) to 100 (confirmed)."
          />
          <TextField
            label="Valid until (optional)"
            name="valid_until"
            type="date"
            value={d.valid_until}
            onValue={(v) => set("valid_until", v)}
            hint="Exports stop carrying it after this day."
          />
          <TextField
            label="Labels (optional)"
            name="labels"
            value={d.labels}
            onValue={(v) => set("labels", v)}
            maxLength={500}
            hint="Separated by commas, e.g. phishing, ransomware."
          />
          <ProblemAlert error={error} class="span-2" />
          <SubmitActions
            label="Publish the indicator"
            busyLabel="Publishing…"
            busy={busy}
            class="span-2"
          />
        </Form>
      </Card>
      <ReportCard report={report} />
    </>
  );
}

/** Reads a picked file as text in the browser, refusing what the hub would refuse as too big. */
function FilePicker(props: {
  label: string;
  name: string;
  hint: string;
  onText: (name: string, size: number, text: string) => void;
  onError: (e: ApiError) => void;
}) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <input
        id={id}
        type="file"
        class="input-file"
        name={props.name}
        accept=".json,application/json"
        onChange={async (e) => {
          const file = e.currentTarget.files?.[0];
          e.currentTarget.value = "";
          if (!file) return;
          if (file.size > kMaxBytes) {
            props.onError(
              problem(props.name, "The file is too large", `At most ${formatBytes(kMaxBytes)}.`),
            );
            return;
          }
          props.onText(file.name, file.size, await file.text());
        }}
      />
      <p class="hint">{props.hint}</p>
    </div>
  );
}

interface Picked {
  name: string;
  size: number;
  text: string;
}

function PickedFile(props: { file: Picked; onClear: () => void }) {
  return (
    <p class="picked-file" data-testid="picked-file">
      <Badge tone="info">File</Badge> <strong>{props.file.name}</strong>{" "}
      <span class="muted">({formatBytes(props.file.size)})</span>{" "}
      <button type="button" class="btn btn-link" onClick={props.onClear}>
        Remove
      </button>
    </p>
  );
}

function BundleForm(props: { collections: IntelCollection[] }) {
  const target = useTarget(props.collections);
  const choices = useRecipientChoices();
  const [text, setText] = useState("");
  const [file, setFile] = useState<Picked | null>(null);
  const [tlp, setTlp] = useState<Tlp | "">("");
  const [recipients, setRecipients] = useState<number[]>([]);
  const [report, setReport] = useState<IngestReport | null>(null);
  const { busy, error, setError, run } = useAction();

  const submit = (e: Event) => {
    e.preventDefault();
    const c = target.collection;
    if (!c) return;
    const source = file?.text ?? text;
    let bundle: unknown;
    try {
      bundle = JSON.parse(source);
    } catch (x) {
      setError(
        problem(
          "bundle",
          "This is not JSON",
          `Paste or pick a STIX 2.1 bundle or object (${x instanceof Error ? x.message : "parse error"}).`,
        ),
      );
      return;
    }
    return run(async () => {
      setReport(null);
      setReport(
        await intelApi.submitObjects(c.id, {
          bundle,
          tlp: tlp || undefined,
          recipients: recipients.length ? recipients : undefined,
        }),
      );
    });
  };

  const fallback = target.collection ? tlpName(target.collection.default_tlp) : "";
  return (
    <>
      <Card
        title="Submit a STIX 2.1 bundle"
        description="Objects are checked one by one: invalid ones are rejected with the reason, valid ones are stored. Every version is kept."
      >
        <Form class="form form-grid" error={error} onSubmit={submit}>
          <CollectionSelect
            label="Collection"
            name="collection"
            collections={props.collections}
            value={target.collection?.id ?? ""}
            onValue={target.setCollection}
          />
          <SelectField
            label="TLP of objects without a marking"
            name="tlp"
            value={tlp}
            onValue={setTlp}
            options={[
              ["", `The collection's default (${fallback})`],
              ...kTlpLevels.map((t) => [t, tlpName(t)] as const),
            ]}
            hint="Objects that carry a TLP marking keep it."
          />
          {file ? (
            <div class="span-2">
              <PickedFile file={file} onClear={() => setFile(null)} />
            </div>
          ) : (
            <>
              <TextAreaField
                class="span-2"
                label="Paste the bundle"
                name="bundle"
                value={text}
                onValue={setText}
                rows={10}
                placeholder='{"type": "bundle", "id": "bundle--…", "objects": [ … ]}'
              />
              <div class="span-2">
                <FilePicker
                  label="Or pick a bundle file"
                  name="bundle_file"
                  hint={`JSON, at most ${formatBytes(kMaxBytes)}; read in your browser.`}
                  onText={(name, size, t) => setFile({ name, size, text: t })}
                  onError={setError}
                />
              </div>
            </>
          )}
          <RecipientsPicker
            tlp={tlp}
            choices={choices}
            value={recipients}
            onValue={setRecipients}
            always="Named as recipients of the AMBER and RED objects of the bundle."
          />
          <ProblemAlert error={error} class="span-2" />
          <SubmitActions
            label="Submit the bundle"
            busyLabel="Submitting…"
            busy={busy}
            class="span-2"
          />
        </Form>
      </Card>
      <ReportCard report={report} />
    </>
  );
}

function MispForm(props: { collections: IntelCollection[] }) {
  const target = useTarget(props.collections);
  const choices = useRecipientChoices();
  const [text, setText] = useState("");
  const [file, setFile] = useState<Picked | null>(null);
  const [tlp, setTlp] = useState<Tlp | "">("");
  const [recipients, setRecipients] = useState<number[]>([]);
  const [report, setReport] = useState<IngestReport | null>(null);
  const { busy, error, setError, run } = useAction();

  const submit = (e: Event) => {
    e.preventDefault();
    const c = target.collection;
    if (!c) return;
    const source = file?.text ?? text;
    try {
      JSON.parse(source);
    } catch {
      setError(
        problem("event", "This is not JSON", "Paste or pick a MISP event file (MISP JSON)."),
      );
      return;
    }
    return run(async () => {
      setReport(null);
      setReport(await intelApi.importMisp(c.id, source, tlp || undefined, recipients));
    });
  };

  return (
    <>
      <Card
        title="Import a MISP event"
        description="Attributes and objects become STIX objects; TLP and PAP tags, galaxy clusters and sightings are kept."
      >
        <Form class="form form-grid" error={error} onSubmit={submit}>
          <CollectionSelect
            label="Collection"
            name="collection"
            collections={props.collections}
            value={target.collection?.id ?? ""}
            onValue={target.setCollection}
          />
          <SelectField
            label="TLP of what has no TLP tag"
            name="tlp"
            value={tlp}
            onValue={setTlp}
            options={[
              [
                "",
                `The collection's default (${target.collection ? tlpName(target.collection.default_tlp) : ""})`,
              ],
              ...kTlpLevels.map((t) => [t, tlpName(t)] as const),
            ]}
            hint="Attributes and events tagged tlp:… keep their level."
          />
          {file ? (
            <div class="span-2">
              <PickedFile file={file} onClear={() => setFile(null)} />
            </div>
          ) : (
            <>
              <div class="span-2">
                <FilePicker
                  label="Pick the event file"
                  name="event_file"
                  hint={`MISP JSON as MISP exports it, at most ${formatBytes(kMaxBytes)}.`}
                  onText={(name, size, t) => setFile({ name, size, text: t })}
                  onError={setError}
                />
              </div>
              <TextAreaField
                class="span-2"
                label="Or paste the event"
                name="event"
                value={text}
                onValue={setText}
                rows={8}
                placeholder='{"Event": {"info": "…", "Attribute": [ … ]}}'
              />
            </>
          )}
          <RecipientsPicker
            tlp={tlp}
            choices={choices}
            value={recipients}
            onValue={setRecipients}
            always="Named as recipients of what the event shares as AMBER or RED."
          />
          <ProblemAlert error={error} class="span-2" />
          <SubmitActions
            label="Import the event"
            busyLabel="Importing…"
            busy={busy}
            class="span-2"
          />
        </Form>
      </Card>
      <ReportCard report={report} />
    </>
  );
}
