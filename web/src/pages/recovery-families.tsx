// The ransomware knowledge base: families from the MISP galaxy and those the support centre
// added, each with the patterns identification uses, the hub's markers and the decryption tools
// known for it. Support-centre staff add families and markers (byte markers, note phrases,
// contact patterns, corrections of galaxy patterns); everybody reads.

import { useEffect, useState } from "preact/hooks";

import { recoveryApi } from "../api";
import {
  Badge,
  Card,
  ConfirmButton,
  DataTable,
  Form,
  Link,
  PageHeader,
  ProblemAlert,
  SelectField,
  Spinner,
  StatusMessage,
  SubmitActions,
  TextAreaField,
  TextField,
} from "../components";
import { formatDateTime } from "../format";
import { useAction, useResource } from "../hooks";
import { navigate, useLocation } from "../router";
import { useSession } from "../session";
import type { FamilyDetail, MarkerKind } from "../types";
import { mayCurateRecovery } from "./incident-model";
import { DecryptorItem, RecoveryTabs } from "./recovery";

const kTypingDelayMs = 300;

export const kMarkerKindLabels: Record<MarkerKind, string> = {
  header: "File header bytes (hex)",
  footer: "File footer bytes (hex)",
  note_phrase: "Note phrase",
  note_text: "Whole note template",
  note_filename: "Note file name pattern",
  extension: "Extension pattern",
  email: "Contact e-mail (or pattern)",
  onion: "Onion address (or pattern)",
  crypto_address: "Wallet address",
  synonym: "Another name",
  ignore_extension: "Ignore a galaxy extension",
  ignore_note_filename: "Ignore a galaxy note file name",
};

function markerKindLabel(kind: string): string {
  return kMarkerKindLabels[kind as MarkerKind] ?? kind;
}

export function FamiliesPage() {
  const { me } = useSession();
  const loc = useLocation();
  const q = loc.query.get("q") ?? "";
  const [text, setText] = useState(q);
  const list = useResource(() => recoveryApi.families(q.trim()), [q]);
  const curator = mayCurateRecovery(me);
  const [adding, setAdding] = useState(false);

  useEffect(() => {
    if (text === q) return undefined;
    const timer = setTimeout(() => {
      navigate(text.trim() ? `${loc.path}?q=${encodeURIComponent(text)}` : loc.path, {
        replace: true,
      });
    }, kTypingDelayMs);
    return () => clearTimeout(timer);
  }, [text]);

  const items = list.data?.items ?? [];
  return (
    <>
      <PageHeader
        title="Ransomware families"
        description="The knowledge base identification works with: the MISP galaxy's ransomware families, with what the support centre added and corrected."
      />
      <RecoveryTabs current="families" />
      <Card class="catalogue-search-card">
        <form class="catalogue-search" role="search" onSubmit={(e) => e.preventDefault()}>
          <label for="family-search" class="sr-only">
            Search the families
          </label>
          <input
            id="family-search"
            type="search"
            class="input input-search"
            placeholder="Name or another name: e.g. LockBit, STOP, Djvu"
            value={text}
            maxLength={200}
            onInput={(e) => setText(e.currentTarget.value)}
          />
          {curator && !adding && (
            <button type="button" class="btn btn-secondary" onClick={() => setAdding(true)}>
              Add a family
            </button>
          )}
        </form>
      </Card>
      {adding && <NewFamilyForm onCancel={() => setAdding(false)} />}
      <ProblemAlert error={list.error} />
      {list.loading && !list.data && <Spinner />}
      {list.data && (
        <p class="results-count" role="status" aria-live="polite">
          {items.length === 0
            ? "No family matches."
            : `${items.length}${items.length === 100 ? " or more" : ""} ${items.length === 1 ? "family" : "families"}${q.trim() ? ` for “${q.trim()}”` : ""}`}
        </p>
      )}
      {items.length > 0 && (
        <DataTable label="Ransomware families" columns={["Family", "Source", "Markers", "Tools"]}>
          {items.map((f) => (
            <tr key={f.id} data-family-id={f.id} data-testid="family-row">
              <th scope="row">
                <Link href={`/recovery/families/${f.id}`} class="cell-main">
                  {f.name}
                </Link>
                {f.synonyms.length > 0 && (
                  <span class="cell-sub">{f.synonyms.slice(0, 6).join(", ")}</span>
                )}
              </th>
              <td>
                {f.source === "hub" ? (
                  <Badge tone="info">Added in the hub</Badge>
                ) : f.in_galaxy ? (
                  "MISP galaxy"
                ) : (
                  <Badge tone="warn">No longer in the galaxy</Badge>
                )}
              </td>
              <td>{f.markers}</td>
              <td>
                {f.decryptors > 0 ? <Badge tone="good">{f.decryptors}</Badge> : <span>0</span>}
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </>
  );
}

function NewFamilyForm(props: { onCancel: () => void }) {
  const [name, setName] = useState("");
  const [synonyms, setSynonyms] = useState("");
  const [description, setDescription] = useState("");
  const { busy, error, run } = useAction();
  return (
    <Card title="Add a family" description="For a family the MISP galaxy does not know yet.">
      <Form
        class="form form-grid"
        error={error}
        onSubmit={(e) => {
          e.preventDefault();
          return run(async () => {
            const created = await recoveryApi.createFamily({
              name: name.trim(),
              synonyms: synonyms
                .split(",")
                .map((s) => s.trim())
                .filter(Boolean),
              description,
            });
            navigate(`/recovery/families/${created.id}`);
          });
        }}
      >
        <TextField
          label="Name"
          name="name"
          value={name}
          onValue={setName}
          required
          maxLength={200}
        />
        <TextField
          label="Other names"
          name="synonyms"
          value={synonyms}
          onValue={setSynonyms}
          hint="Separated by commas."
        />
        <TextAreaField
          class="span-2"
          label="Description"
          name="description"
          value={description}
          onValue={setDescription}
          rows={3}
          maxLength={4000}
        />
        <ProblemAlert error={error} class="span-2" />
        <div class="form-actions span-2">
          <SubmitActions label="Add the family" busyLabel="Adding…" busy={busy} />
          <button type="button" class="btn btn-ghost" onClick={props.onCancel}>
            Cancel
          </button>
        </div>
      </Form>
    </Card>
  );
}

export function FamilyPage(props: { id: number }) {
  const loaded = useResource(() => recoveryApi.family(props.id), [props.id]);
  const [family, setFamily] = useState<FamilyDetail | undefined>(undefined);
  useEffect(() => setFamily(loaded.data), [loaded.data]);
  const removal = useAction();

  if (!family) {
    return (
      <>
        <PageHeader title="Ransomware family" />
        <ProblemAlert error={loaded.error} />
        {!loaded.error && <Spinner />}
        <p class="back-link">
          <Link href="/recovery/families">← Ransomware families</Link>
        </p>
      </>
    );
  }

  const f = family;
  return (
    <>
      <PageHeader title={f.name} description={f.description || undefined} />
      <RecoveryTabs current="families" />
      <p class="back-link">
        <Link href="/recovery/families">← Ransomware families</Link>
      </p>
      <Card class="family-header">
        <dl class="facts">
          <dt>Other names</dt>
          <dd>{f.synonyms.length ? f.synonyms.join(", ") : "—"}</dd>
          <dt>Source</dt>
          <dd>
            {f.source === "hub"
              ? "Added in the hub by the support centre"
              : f.in_galaxy
                ? "MISP galaxy (ransomware cluster)"
                : "MISP galaxy; no longer in its current version"}
          </dd>
          <dt>Decryption tools</dt>
          <dd data-testid="family-tools">
            {f.decryptors.length === 0 ? (
              "No decryption tool is known."
            ) : (
              <ul class="decryptor-list">
                {f.decryptors.map((d) => (
                  <DecryptorItem key={d.id} tool={d} />
                ))}
              </ul>
            )}
          </dd>
        </dl>
      </Card>
      <Card
        title="What identification looks for"
        description="The galaxy's patterns as identification reads them, with the hub's markers applied."
      >
        <div class="grid-2 family-patterns">
          <PatternList title="Encrypted-file extensions" items={f.patterns.extensions} />
          <PatternList title="Note file names" items={f.patterns.note_filenames} />
          <PatternList title="Contact e-mails" items={f.patterns.emails} />
          <PatternList title="Onion addresses" items={f.patterns.onions} />
        </div>
        {f.galaxy.note_texts.length > 0 && (
          <details class="family-notes">
            <summary>Known ransom notes ({f.galaxy.note_texts.length})</summary>
            {f.galaxy.note_texts.map((n, i) => (
              <pre key={i} class="note-text">
                {n}
              </pre>
            ))}
          </details>
        )}
        {f.galaxy.references.length > 0 && (
          <details class="family-references">
            <summary>References ({f.galaxy.references.length})</summary>
            <ul class="plain-list">
              {f.galaxy.references.map((r) => (
                <li key={r} class="wrap-anywhere">
                  <a href={r} target="_blank" rel="noopener noreferrer">
                    {r}
                  </a>
                </li>
              ))}
            </ul>
          </details>
        )}
      </Card>
      <Card
        title="Markers added in the hub"
        description="Additions and corrections by the support centre; they survive reloading the galaxy."
      >
        <StatusMessage message={removal.status} />
        <ProblemAlert error={removal.error} />
        {f.markers.length === 0 ? (
          <p class="empty">No marker has been added to this family.</p>
        ) : (
          <DataTable
            label={`Markers of ${f.name}`}
            columns={["Kind", "Value", "Comment", "Added"]}
            actions={f.can_curate}
            dense
          >
            {f.markers.map((m) => (
              <tr key={m.id} data-testid="marker" data-kind={m.kind}>
                <th scope="row">{markerKindLabel(m.kind)}</th>
                <td class="mono wrap-anywhere">
                  {m.value}
                  {(m.kind === "header" || m.kind === "footer") && (
                    <span class="cell-sub">
                      {m.kind === "header" ? "at" : "ending"} offset {m.offset}
                    </span>
                  )}
                </td>
                <td>{m.comment || "—"}</td>
                <td class="cell-date">
                  {m.created_by}, {formatDateTime(m.created_at)}
                </td>
                {f.can_curate && (
                  <td class="cell-actions">
                    <ConfirmButton
                      label="Remove"
                      confirmLabel="Remove it"
                      question="Remove this marker?"
                      tone="danger"
                      accessibleLabel={`Remove the marker ${m.value}`}
                      onConfirm={() =>
                        removal.run(async () => {
                          await recoveryApi.deleteMarker(f.id, m.id);
                          setFamily(await recoveryApi.family(f.id));
                          return "The marker was removed.";
                        })
                      }
                    />
                  </td>
                )}
              </tr>
            ))}
          </DataTable>
        )}
        {f.can_curate && <MarkerForm family={f} onAdded={setFamily} />}
      </Card>
    </>
  );
}

function PatternList(props: { title: string; items: string[] }) {
  return (
    <div>
      <h3 class="subheading">{props.title}</h3>
      {props.items.length === 0 ? (
        <p class="muted">None known.</p>
      ) : (
        <ul class="chip-list pattern-list">
          {props.items.slice(0, 60).map((p) => (
            <li key={p} class="chip mono">
              {p}
            </li>
          ))}
          {props.items.length > 60 && <li class="chip">and {props.items.length - 60} more</li>}
        </ul>
      )}
    </div>
  );
}

function MarkerForm(props: { family: FamilyDetail; onAdded: (f: FamilyDetail) => void }) {
  const [kind, setKind] = useState<MarkerKind>("header");
  const [value, setValue] = useState("");
  const [offset, setOffset] = useState("0");
  const [comment, setComment] = useState("");
  const { busy, error, status, run } = useAction();
  const bytes = kind === "header" || kind === "footer";
  return (
    <Form
      class="form form-grid marker-form"
      error={error}
      onSubmit={(e) => {
        e.preventDefault();
        return run(async () => {
          props.onAdded(
            await recoveryApi.addMarker(props.family.id, {
              kind,
              value,
              offset: bytes ? Number(offset) || 0 : 0,
              comment,
            }),
          );
          setValue("");
          setComment("");
          return "The marker was added; identification uses it from now on.";
        });
      }}
    >
      <h3 class="subheading span-2">Add a marker</h3>
      <SelectField
        label="Kind"
        name="kind"
        value={kind}
        onValue={setKind}
        options={Object.entries(kMarkerKindLabels) as Array<[MarkerKind, string]>}
      />
      {bytes && (
        <TextField
          label={kind === "header" ? "Offset from the start" : "Offset before the end"}
          name="offset"
          type="number"
          min={0}
          max={1048576}
          value={offset}
          onValue={setOffset}
        />
      )}
      {kind === "note_text" ? (
        <TextAreaField
          class="span-2"
          label="Value"
          name="value"
          value={value}
          onValue={setValue}
          rows={6}
          maxLength={16384}
          required
        />
      ) : (
        <TextField
          label="Value"
          name="value"
          value={value}
          onValue={setValue}
          required
          maxLength={200}
          spellcheck={false}
          class="input mono"
          hint={
            bytes
              ? "1 to 64 bytes as hex, e.g. 4d5a9000."
              : kind === "note_phrase"
                ? "At least three words only this family's notes contain."
                : "Patterns may use * for any run of characters."
          }
        />
      )}
      <div class="span-2">
        <TextField
          label="Comment (optional)"
          name="comment"
          value={comment}
          onValue={setComment}
          maxLength={500}
          hint="Where the marker comes from, e.g. the sample or report it was seen in."
        />
      </div>
      <ProblemAlert error={error} class="span-2" />
      <StatusMessage message={status} />
      <SubmitActions label="Add the marker" busyLabel="Adding…" busy={busy} class="span-2" />
    </Form>
  );
}
