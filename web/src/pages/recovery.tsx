// Ransomware recovery: "Identify" — the victim pastes or picks the ransom note, lists encrypted
// file names, gives the first and last bytes of an encrypted file and the attacker's contacts, and
// gets the candidate families ranked with their evidence and the decryption tools known for each.
// Files are read in the browser: only the note and 32 bytes of each end of an encrypted file are
// sent, never the encrypted files themselves.

import { useId, useRef, useState } from "preact/hooks";

import { ApiError, incidentsApi, recoveryApi } from "../api";
import { ConfidenceBar } from "../charts";
import {
  Badge,
  Card,
  DataTable,
  Form,
  Link,
  Notice,
  PageHeader,
  ProblemAlert,
  SelectField,
  StatusMessage,
  SubmitActions,
  TextAreaField,
  TextField,
} from "../components";
import { formatBytes, formatDate } from "../format";
import { useAction, useResource } from "../hooks";
import { useLocation } from "../router";
import { useSession } from "../session";
import type { Candidate, Decryptor, IdentifyResult } from "../types";
import { mayAttachToIncidents } from "./incident-model";
import {
  bytesToBase64,
  bytesToHex,
  type ClueDraft,
  emptyDraft,
  evidenceLabel,
  hasClues,
  kMarkerBytes,
  kMaxNoteBytes,
  toClues,
} from "./recovery-model";

export function RecoveryTabs(props: { current: "identify" | "decryptors" | "families" }) {
  return (
    <nav class="tabs" aria-label="Recovery views">
      <Link href="/recovery" class="tab" current={props.current === "identify"}>
        Identify the ransomware
      </Link>
      <Link href="/recovery/decryptors" class="tab" current={props.current === "decryptors"}>
        Decryption tools
      </Link>
      <Link href="/recovery/families" class="tab" current={props.current === "families"}>
        Families
      </Link>
    </nav>
  );
}

function problem(field: string, title: string, detail: string): ApiError {
  return new ApiError({
    type: "urn:caduceus:problem:invalid-input",
    title,
    status: 400,
    detail,
    field,
  });
}

export function RecoveryPage() {
  const { me } = useSession();
  const loc = useLocation();
  const incidentParam = loc.query.get("incident") ?? "";
  const [draft, setDraft] = useState<ClueDraft>(() =>
    emptyDraft(/^\d{1,15}$/.test(incidentParam) ? incidentParam : ""),
  );
  const [result, setResult] = useState<IdentifyResult | null>(null);
  const [attached, setAttached] = useState<string | null>(null);
  const { busy, error, setError, run } = useAction();
  const resultRef = useRef<HTMLHeadingElement>(null);
  const canAttach = mayAttachToIncidents(me);
  const incidents = useResource(
    () => (canAttach ? incidentsApi.list("open") : Promise.resolve(undefined)),
    [canAttach],
  );
  const set = <K extends keyof ClueDraft>(k: K, v: ClueDraft[K]) =>
    setDraft((old) => ({ ...old, [k]: v }));

  const pickNote = async (file: File | undefined) => {
    setError(null);
    if (!file) return;
    if (file.size > kMaxNoteBytes) {
      setError(
        problem(
          "note_base64",
          "The note file is too large",
          `A ransom note may be at most 1 MiB; this file has ${formatBytes(file.size)}. Is it really the note?`,
        ),
      );
      return;
    }
    const bytes = new Uint8Array(await file.arrayBuffer());
    set("noteFile", { name: file.name, size: file.size, base64: bytesToBase64(bytes) });
  };

  const pickSample = async (file: File | undefined) => {
    if (!file) return;
    const head = new Uint8Array(await file.slice(0, kMarkerBytes).arrayBuffer());
    const tail = new Uint8Array(
      await file.slice(Math.max(0, file.size - kMarkerBytes)).arrayBuffer(),
    );
    setDraft((old) => ({
      ...old,
      headerHex: bytesToHex(head),
      footerHex: bytesToHex(tail),
      fileNames: old.fileNames.split("\n").some((l) => l.trim() === file.name)
        ? old.fileNames
        : [old.fileNames.trim(), file.name].filter(Boolean).join("\n"),
    }));
  };

  const submit = (e: Event) => {
    e.preventDefault();
    const clues = toClues(draft);
    if (!hasClues(clues)) {
      setError(
        problem(
          "note_text",
          "Nothing to identify yet",
          "Give at least one clue: the ransom note, an encrypted file name, bytes of an encrypted file or a contact of the attackers.",
        ),
      );
      return;
    }
    return run(async () => {
      setResult(null);
      setAttached(null);
      const found = await recoveryApi.identify(clues);
      setResult(found);
      if (clues.incident_id !== undefined) {
        const inc = incidents.data?.items.find((i) => i.id === clues.incident_id);
        setAttached(
          `The result was attached to ${inc ? inc.reference : `incident ${clues.incident_id}`}.`,
        );
      }
      requestAnimationFrame(() => resultRef.current?.focus());
    });
  };

  return (
    <>
      <PageHeader
        title="Ransomware recovery"
        description="Find out which ransomware hit you and whether a free decryption tool exists. Nothing is stored unless you attach the result to an incident, and encrypted files never leave your computer."
      />
      <RecoveryTabs current="identify" />
      <Card
        title="What do you see?"
        description="Give whatever you have; more clues give a surer answer. Victim IDs, keys and amounts in the note do not matter."
      >
        <Form class="form identify-form" error={error} onSubmit={submit}>
          <fieldset class="form-section">
            <legend class="subheading">The ransom note</legend>
            <NoteFilePicker draft={draft} onPick={pickNote} onClear={() => set("noteFile", null)} />
            {!draft.noteFile && (
              <>
                <TextAreaField
                  label="Or paste the text of the note"
                  name="note_text"
                  value={draft.noteText}
                  onValue={(v) => set("noteText", v)}
                  rows={8}
                  placeholder="All your files have been encrypted…"
                  hint="HTML notes may be pasted as they are."
                />
                <TextField
                  label="File name of the note"
                  name="note_filename"
                  value={draft.noteName}
                  onValue={(v) => set("noteName", v)}
                  maxLength={1024}
                  placeholder="e.g. HOW_TO_DECRYPT.txt"
                  spellcheck={false}
                />
              </>
            )}
          </fieldset>
          <fieldset class="form-section">
            <legend class="subheading">Encrypted files</legend>
            <TextAreaField
              label="Names of a few encrypted files"
              name="file_names"
              value={draft.fileNames}
              onValue={(v) => set("fileNames", v)}
              rows={4}
              placeholder={
                "budget.xlsx.id-1E857D00.[recovery@mail.cc].wallet\nscan_0042.pdf.locked"
              }
              hint="One per line, as they appear now, with the extension the ransomware added."
            />
            <SampleFilePicker onPick={pickSample} />
            <div class="form-grid">
              <TextField
                label="First bytes (hex)"
                name="header_hex"
                value={draft.headerHex}
                onValue={(v) => set("headerHex", v)}
                spellcheck={false}
                class="input mono"
              />
              <TextField
                label="Last bytes (hex)"
                name="footer_hex"
                value={draft.footerHex}
                onValue={(v) => set("footerHex", v)}
                spellcheck={false}
                class="input mono"
              />
            </div>
          </fieldset>
          <fieldset class="form-section">
            <legend class="subheading">The attackers' contacts</legend>
            <div class="form-grid form-grid-3">
              <TextAreaField
                label="E-mail addresses"
                name="emails"
                value={draft.emails}
                onValue={(v) => set("emails", v)}
                rows={3}
                hint="One per line."
              />
              <TextAreaField
                label="Onion addresses"
                name="onions"
                value={draft.onions}
                onValue={(v) => set("onions", v)}
                rows={3}
                hint="Tor (.onion) sites or URLs."
              />
              <TextAreaField
                label="Wallet addresses"
                name="crypto_addresses"
                value={draft.wallets}
                onValue={(v) => set("wallets", v)}
                rows={3}
                hint="Bitcoin or Monero."
              />
            </div>
          </fieldset>
          {canAttach && (incidents.data?.items.length ?? 0) > 0 && (
            <SelectField
              label="Attach the result to an incident"
              name="incident_id"
              value={draft.incidentId}
              onValue={(v) => set("incidentId", v)}
              options={[
                ["", "Do not attach (nothing is stored)"],
                ...(incidents.data?.items ?? []).map(
                  (i) => [String(i.id), `${i.reference}: ${i.title}`] as const,
                ),
              ]}
              hint="The result is then listed with the incident's recovery checklist, for everyone who follows the incident."
            />
          )}
          <ProblemAlert error={error} />
          <SubmitActions label="Identify" busyLabel="Identifying…" busy={busy} />
        </Form>
      </Card>
      <StatusMessage message={attached} />
      {result && <Results result={result} headingRef={resultRef} />}
    </>
  );
}

function NoteFilePicker(props: {
  draft: ClueDraft;
  onPick: (f: File | undefined) => void;
  onClear: () => void;
}) {
  const id = useId();
  const f = props.draft.noteFile;
  if (f) {
    return (
      <p class="picked-file" data-testid="note-file">
        <Badge tone="info">Note file</Badge> <strong>{f.name}</strong>{" "}
        <span class="muted">({formatBytes(f.size)}, read in your browser)</span>{" "}
        <button type="button" class="btn btn-link" onClick={props.onClear}>
          Remove
        </button>
      </p>
    );
  }
  return (
    <div class="field">
      <label for={id}>Pick the note file</label>
      <input
        id={id}
        type="file"
        class="input-file"
        name="note_file"
        onChange={(e) => {
          const file = e.currentTarget.files?.[0];
          e.currentTarget.value = "";
          void props.onPick(file);
        }}
      />
      <p class="hint">Text, HTML or RTF, in any encoding (UTF-16 notes included). At most 1 MiB.</p>
    </div>
  );
}

function SampleFilePicker(props: { onPick: (f: File | undefined) => void }) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>Read the bytes from an encrypted file (optional)</label>
      <input
        id={id}
        type="file"
        class="input-file"
        name="sample_file"
        onChange={(e) => {
          const file = e.currentTarget.files?.[0];
          e.currentTarget.value = "";
          void props.onPick(file);
        }}
      />
      <p class="hint">
        Only its name and its first and last {kMarkerBytes} bytes are read, here in the browser; the
        file itself is not sent.
      </p>
    </div>
  );
}

function Results(props: {
  result: IdentifyResult;
  headingRef: { current: HTMLHeadingElement | null };
}) {
  const { result } = props;
  const notes = result.notes ?? [];
  return (
    <section class="identify-results" aria-labelledby="identify-results-heading">
      <h2 class="section-title" id="identify-results-heading" ref={props.headingRef} tabIndex={-1}>
        Results
      </h2>
      {notes.map((n, i) => (
        <p class="muted note-reading" key={i} data-testid="note-reading">
          The note{n.file_name ? ` ${n.file_name}` : ""} was read as {n.encoding.toUpperCase()}
          {n.markup !== "none" ? ` (${n.markup.toUpperCase()} removed)` : ""}
          {n.truncated ? ", cut at 1 MiB" : ""}.
        </p>
      ))}
      {result.unknown && (
        <Notice kind="warning" title="The ransomware could not be identified with confidence">
          <p data-testid="identify-unknown">
            {result.candidates.length
              ? "The families below match weakly. Add more clues — the note's text, a few encrypted file names — or ask your CSIRT or the support centre."
              : "Nothing matched. Add more clues — the note's text, a few encrypted file names — or ask your CSIRT or the support centre."}
          </p>
        </Notice>
      )}
      {result.candidates.length > 0 && (
        <ol class="candidates" aria-label="Candidate families">
          {result.candidates.map((c, i) => (
            <CandidateCard key={c.family.id || c.family.name} candidate={c} rank={i + 1} />
          ))}
        </ol>
      )}
    </section>
  );
}

function CandidateCard(props: { candidate: Candidate; rank: number }) {
  const c = props.candidate;
  return (
    <li
      class="candidate card"
      data-testid="candidate"
      data-family={c.family.name}
      data-rank={props.rank}
    >
      <header class="candidate-head">
        <span class="candidate-rank" aria-hidden="true">
          {props.rank}
        </span>
        <div class="candidate-name">
          <h3 class="card-title">
            {c.family.id > 0 ? (
              <Link href={`/recovery/families/${c.family.id}`}>{c.family.name}</Link>
            ) : (
              c.family.name
            )}
          </h3>
          {c.family.synonyms.length > 0 && (
            <p class="muted candidate-synonyms">
              Also known as {c.family.synonyms.slice(0, 8).join(", ")}
              {c.family.synonyms.length > 8 ? "…" : ""}
            </p>
          )}
        </div>
        <ConfidenceBar value={c.confidence} label={`Confidence that it is ${c.family.name}`} />
      </header>
      <div class="card-body">
        <Decryptors candidate={c} />
        <h4 class="subheading">Evidence</h4>
        <DataTable
          label={`Evidence for ${c.family.name}`}
          columns={["What matched", "Your clue", "Known for the family"]}
          dense
        >
          {c.evidence.map((e, i) => (
            <tr key={i} data-kind={e.kind} data-testid="evidence">
              <th scope="row">{evidenceLabel(e.kind)}</th>
              <td class="mono wrap-anywhere">{e.clue}</td>
              <td class="mono wrap-anywhere">{e.matched}</td>
            </tr>
          ))}
        </DataTable>
      </div>
    </li>
  );
}

function Decryptors(props: { candidate: Candidate }) {
  const c = props.candidate;
  if (c.decryptors.length === 0) {
    return (
      <div class="decryptor-none" data-testid="no-decryptor">
        <p>
          <Badge tone="warn">No decryption tool is known</Badge>{" "}
          <span>
            No free decryption tool is known for {c.family.name}. Restore from clean backups; do not
            pay without talking to your CSIRT.
          </span>
        </p>
        {(c.decryptor_hints?.length ?? 0) > 0 && (
          <details class="decryptor-hints">
            <summary>References that mention a decryptor ({c.decryptor_hints!.length})</summary>
            <ul class="plain-list">
              {c.decryptor_hints!.map((h) => (
                <li key={h} class="wrap-anywhere">
                  <a href={h} target="_blank" rel="noopener noreferrer">
                    {h}
                  </a>
                </li>
              ))}
            </ul>
          </details>
        )}
      </div>
    );
  }
  return (
    <div class="decryptor-found" data-testid="decryptors">
      <p>
        <Badge tone="good">
          {c.decryptors.length === 1
            ? "A decryption tool is known"
            : `${c.decryptors.length} decryption tools are known`}
        </Badge>
      </p>
      <ul class="decryptor-list">
        {c.decryptors.map((d) => (
          <DecryptorItem key={d.id} tool={d} />
        ))}
      </ul>
    </div>
  );
}

export function DecryptorItem(props: { tool: Decryptor }) {
  const d = props.tool;
  return (
    <li class="decryptor" data-testid="decryptor" data-key={d.key}>
      <p>
        <a href={d.url} target="_blank" rel="noopener noreferrer" class="decryptor-tool">
          {d.tool}
        </a>{" "}
        <span class="muted">
          by {d.provider} · last verified {formatDate(d.last_verified)}
        </span>
      </p>
      {d.instructions && (
        <details class="guidance">
          <summary>How to use it</summary>
          <p class="timeline-text">{d.instructions}</p>
        </details>
      )}
    </li>
  );
}
