// Add or change a catalogue entry (curators). The hub decides who may curate which entry (an
// authority only entries of its own country); a refusal is shown with the hub's explanation.

import { useId, useState } from "preact/hooks";

import { get, patch, post } from "../api";
import {
  Card,
  CheckField,
  Form,
  Link,
  Notice,
  PageHeader,
  ProblemAlert,
  SelectField,
  Spinner,
  SubmitActions,
  TextField,
} from "../components";
import {
  kCostLabels,
  kCountries,
  kEntryKindLabels,
  kNis2Labels,
  kSizeBandLabels,
  kThreatLabels,
} from "../format";
import { useAction, useResource } from "../hooks";
import { navigate } from "../router";
import { useSession } from "../session";
import type {
  CatalogueEntry,
  CatalogueEntryInput,
  CatalogueLink,
  Cost,
  EntryKind,
  SizeBand,
} from "../types";
import { kMeasures, kThreats, mayCurate } from "./catalogue-model";

const kKinds = Object.entries(kEntryKindLabels) as Array<[EntryKind, string]>;
const kCosts = Object.entries(kCostLabels) as Array<[Cost, string]>;
const kSizes = Object.keys(kSizeBandLabels) as SizeBand[];

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

function blank(country: string | null): CatalogueEntryInput {
  return {
    key: "",
    kind: "service",
    title: "",
    summary: "",
    description: "",
    provider_name: "",
    url: "",
    countries: country ? [country] : [],
    languages: ["en"],
    cost: "free",
    org_sizes: [],
    nis2_measures: [],
    threats: [],
    links: [],
    last_reviewed: today(),
  };
}

export function CatalogueFormPage(props: { id?: number }) {
  const { me } = useSession();
  const existing = useResource(
    () =>
      props.id === undefined
        ? Promise.resolve(undefined)
        : get<CatalogueEntry>(`/api/v1/catalogue/${props.id}`),
    [props.id],
  );
  const title = props.id === undefined ? "Add a catalogue entry" : "Edit catalogue entry";

  if (!mayCurate(me)) {
    return (
      <>
        <PageHeader title={title} />
        <Notice kind="warning" title="Only curators change the catalogue">
          <p>
            Entries are curated by the support centre and by national authorities for their country.{" "}
            <Link href="/catalogue">Back to the catalogue</Link>.
          </p>
        </Notice>
      </>
    );
  }

  return (
    <>
      <PageHeader title={title} />
      <p class="back-link">
        <Link href={props.id === undefined ? "/catalogue" : `/catalogue/${props.id}`}>
          ← {props.id === undefined ? "Catalogue" : "Back to the entry"}
        </Link>
      </p>
      <ProblemAlert error={existing.error} />
      {existing.loading && props.id !== undefined && !existing.data && <Spinner />}
      {(props.id === undefined || existing.data) && (
        <EntryForm
          id={props.id}
          initial={
            existing.data
              ? strip(existing.data)
              : blank(me.organisation.kind === "authority" ? me.organisation.country : null)
          }
          authorityCountry={me.organisation.kind === "authority" ? me.organisation.country : null}
        />
      )}
    </>
  );
}

/** The curated content of an entry: what the form edits and sends back. */
function strip(e: CatalogueEntry): CatalogueEntryInput {
  return {
    key: e.key,
    kind: e.kind,
    title: e.title,
    summary: e.summary,
    description: e.description,
    provider_name: e.provider_name,
    url: e.url,
    countries: e.countries,
    languages: e.languages,
    cost: e.cost,
    org_sizes: e.org_sizes,
    nis2_measures: e.nis2_measures,
    threats: e.threats,
    links: e.links,
    last_reviewed: e.last_reviewed,
  };
}

function EntryForm(props: {
  id?: number;
  initial: CatalogueEntryInput;
  authorityCountry: string | null;
}) {
  const [v, setV] = useState<CatalogueEntryInput>(props.initial);
  const [languages, setLanguages] = useState(props.initial.languages.join(", "));
  const { busy, error, run } = useAction();
  const ids = useId();

  const set = <K extends keyof CatalogueEntryInput>(k: K, value: CatalogueEntryInput[K]) =>
    setV((old) => ({ ...old, [k]: value }));
  const toggle = <K extends "countries" | "org_sizes" | "nis2_measures" | "threats">(
    k: K,
    item: string,
    on: boolean,
  ) =>
    setV((old) => {
      const list = (old[k] as string[]).filter((x) => x !== item);
      return { ...old, [k]: on ? [...list, item] : list };
    });
  const setLink = (i: number, change: Partial<CatalogueLink>) =>
    set(
      "links",
      v.links.map((l, j) => (j === i ? { ...l, ...change } : l)),
    );

  const submit = (e: Event) => {
    e.preventDefault();
    const body: Partial<CatalogueEntryInput> = {
      ...v,
      key: v.key.trim(),
      title: v.title.trim(),
      summary: v.summary.trim(),
      description: v.description.trim(),
      provider_name: v.provider_name.trim(),
      url: v.url.trim(),
      languages: languages
        .split(/[\s,;]+/)
        .map((l) => l.trim().toLowerCase())
        .filter(Boolean),
      links: v.links
        .map((l) => ({ title: l.title.trim(), url: l.url.trim() }))
        .filter((l) => l.url),
      last_reviewed: v.last_reviewed || null,
    };
    // The key never changes; a new entry without one gets a key derived from its title.
    if (props.id !== undefined || !body.key) delete body.key;
    if (props.id === undefined && !body.last_reviewed) delete body.last_reviewed;
    return run(async () => {
      const saved =
        props.id === undefined
          ? await post<CatalogueEntry>("/api/v1/catalogue", body)
          : await patch<CatalogueEntry>(`/api/v1/catalogue/${props.id}`, body);
      navigate(`/catalogue/${saved.id}`);
    });
  };

  return (
    <Card
      title={props.id === undefined ? "New entry" : v.title || "Entry"}
      description={
        props.authorityCountry
          ? `As an authority you curate entries for your own country (${props.authorityCountry}) only.`
          : "Leave every country unticked for an entry that applies EU-wide."
      }
    >
      <Form class="form form-grid catalogue-form" error={error} onSubmit={submit}>
        <ProblemAlert error={error} class="span-2" />
        <TextField
          label="Title"
          name="title"
          value={v.title}
          onValue={(x) => set("title", x)}
          required
          minLength={3}
          maxLength={200}
        />
        <TextField
          label={props.id === undefined ? "Key (optional)" : "Key"}
          name="key"
          value={v.key}
          onValue={(x) => set("key", x.toLowerCase())}
          pattern="[a-z0-9\-]{3,64}"
          readOnly={props.id !== undefined}
          hint={
            props.id === undefined
              ? "A stable identifier of 3 to 64 lower-case letters, digits and hyphens; derived from the title when left blank."
              : "The key of an entry never changes."
          }
        />
        <SelectField
          label="Kind"
          name="kind"
          value={v.kind}
          onValue={(x) => set("kind", x)}
          options={kKinds}
        />
        <SelectField
          label="Cost"
          name="cost"
          value={v.cost}
          onValue={(x) => set("cost", x)}
          options={kCosts}
        />
        <TextField
          label="Offered by"
          name="provider_name"
          value={v.provider_name}
          onValue={(x) => set("provider_name", x)}
          maxLength={200}
        />
        <TextField
          label="Web address"
          name="url"
          type="url"
          value={v.url}
          onValue={(x) => set("url", x)}
          placeholder="https://"
          required
          maxLength={2048}
        />
        <TextArea
          id={`${ids}-summary`}
          label="Summary"
          name="summary"
          value={v.summary}
          onValue={(x) => set("summary", x)}
          rows={2}
          maxLength={500}
          hint="One or two sentences, shown in search results (up to 500 characters)."
        />
        <TextArea
          id={`${ids}-description`}
          label="Description"
          name="description"
          value={v.description}
          onValue={(x) => set("description", x)}
          rows={6}
          maxLength={20000}
          hint="Who can use it, how to request it, what it includes. Blank lines separate paragraphs."
        />
        <TextField
          label="Languages"
          name="languages"
          value={languages}
          onValue={setLanguages}
          hint="Two-letter ISO 639-1 codes separated by commas, e.g. en, fr, nl."
        />
        <TextField
          label="Last reviewed"
          name="last_reviewed"
          type="date"
          value={v.last_reviewed ?? ""}
          onValue={(x) => set("last_reviewed", x || null)}
        />
        <CheckGroup
          legend="Countries"
          name="countries"
          class="span-2 check-columns"
          options={kCountries.map(([c, n]) => [c, `${n} (${c})`] as const)}
          selected={v.countries}
          onToggle={(c, on) => toggle("countries", c, on)}
        />
        <CheckGroup
          legend="Organisation sizes"
          name="org_sizes"
          class="span-2"
          options={kSizes.map((s) => [s, kSizeBandLabels[s]] as const)}
          selected={v.org_sizes}
          onToggle={(s, on) => toggle("org_sizes", s, on)}
        />
        <CheckGroup
          legend="NIS2 Article 21(2) measures"
          name="nis2_measures"
          class="span-2 check-columns-2"
          options={kMeasures.map((m) => [m, `(${m}) ${kNis2Labels[m]}`] as const)}
          selected={v.nis2_measures}
          onToggle={(m, on) => toggle("nis2_measures", m, on)}
        />
        <CheckGroup
          legend="Threats"
          name="threats"
          class="span-2"
          options={kThreats.map((t) => [t, kThreatLabels[t]] as const)}
          selected={v.threats}
          onToggle={(t, on) => toggle("threats", t, on)}
        />
        <fieldset class="span-2 link-rows">
          <legend>Links</legend>
          {v.links.map((l, i) => (
            <div class="link-row" key={i}>
              <TextField
                label={`Link ${i + 1} title`}
                name={`links[${i}].title`}
                value={l.title}
                onValue={(x) => setLink(i, { title: x })}
                required
                maxLength={200}
              />
              <TextField
                label={`Link ${i + 1} address`}
                name={`links[${i}].url`}
                type="url"
                value={l.url}
                onValue={(x) => setLink(i, { url: x })}
                required
                maxLength={2048}
              />
              <button
                type="button"
                class="btn btn-small btn-ghost"
                onClick={() =>
                  set(
                    "links",
                    v.links.filter((_, j) => j !== i),
                  )
                }
              >
                Remove <span class="sr-only">link {i + 1}</span>
              </button>
            </div>
          ))}
          <button
            type="button"
            class="btn btn-small btn-secondary"
            onClick={() => set("links", [...v.links, { title: "", url: "" }])}
          >
            Add a link
          </button>
        </fieldset>
        <SubmitActions
          label={props.id === undefined ? "Add entry" : "Save changes"}
          busyLabel="Saving…"
          busy={busy}
          class="span-2"
        />
      </Form>
    </Card>
  );
}

function TextArea(props: {
  id: string;
  label: string;
  name: string;
  value: string;
  onValue: (v: string) => void;
  rows: number;
  maxLength: number;
  hint?: string;
}) {
  return (
    <div class="field span-2">
      <label for={props.id}>{props.label}</label>
      <textarea
        id={props.id}
        name={props.name}
        class="input textarea"
        rows={props.rows}
        maxLength={props.maxLength}
        value={props.value}
        aria-describedby={props.hint ? `${props.id}-hint` : undefined}
        onInput={(e) => props.onValue(e.currentTarget.value)}
      />
      {props.hint && (
        <p class="hint" id={`${props.id}-hint`}>
          {props.hint}
        </p>
      )}
    </div>
  );
}

function CheckGroup(props: {
  legend: string;
  name: string;
  class?: string;
  options: ReadonlyArray<readonly [string, string]>;
  selected: string[];
  onToggle: (value: string, on: boolean) => void;
}) {
  return (
    <fieldset class={`checks check-group ${props.class ?? ""}`} data-name={props.name}>
      <legend class="field-legend">{props.legend}</legend>
      {props.options.map(([value, label]) => (
        <CheckField
          key={value}
          label={label}
          name={`${props.name}-${value}`}
          checked={props.selected.includes(value)}
          onChecked={(on) => props.onToggle(value, on)}
        />
      ))}
    </fieldset>
  );
}
