// The catalogue of decryption tools: which free tool decrypts which ransomware family, who
// publishes it and how to use it. Everybody searches it; support-centre staff add, correct and
// remove tools.

import { useState } from "preact/hooks";

import { recoveryApi } from "../api";
import {
  Card,
  ConfirmButton,
  Form,
  PageHeader,
  ProblemAlert,
  Spinner,
  StatusMessage,
  SubmitActions,
  TextAreaField,
  TextField,
} from "../components";
import { formatDate } from "../format";
import { useAction, useResource } from "../hooks";
import { useSession } from "../session";
import type { Decryptor, DecryptorInput } from "../types";
import { mayCurateRecovery } from "./incident-model";
import { RecoveryTabs } from "./recovery";

function matches(d: Decryptor, q: string): boolean {
  if (!q) return true;
  const hay = [d.tool, d.provider, d.key, ...d.families].join(" ").toLowerCase();
  return q
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((w) => hay.includes(w));
}

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

export function DecryptorsPage() {
  const { me } = useSession();
  const list = useResource(() => recoveryApi.decryptors(), []);
  const [q, setQ] = useState("");
  const [editing, setEditing] = useState<number | "new" | null>(null);
  const removal = useAction();
  const curator = mayCurateRecovery(me);
  const items = (list.data?.items ?? [])
    .filter((d) => matches(d, q.trim()))
    .sort(
      (a, b) => a.families[0]?.localeCompare(b.families[0] ?? "") || a.tool.localeCompare(b.tool),
    );

  const saved = async (message: string) => {
    setEditing(null);
    await list.reload();
    removal.setStatus(message);
  };

  return (
    <>
      <PageHeader
        title="Decryption tools"
        description="Free tools that decrypt files of some ransomware families, from No More Ransom partners and security vendors. Check the tool's own instructions before running it, and work on copies of the encrypted files."
      />
      <RecoveryTabs current="decryptors" />
      <Card class="catalogue-search-card">
        <form class="catalogue-search" role="search" onSubmit={(e) => e.preventDefault()}>
          <label for="decryptor-search" class="sr-only">
            Search the decryption tools
          </label>
          <input
            id="decryptor-search"
            type="search"
            class="input input-search"
            placeholder="Search by family, tool or provider: e.g. STOP, Emsisoft, Avast"
            value={q}
            maxLength={200}
            onInput={(e) => setQ(e.currentTarget.value)}
          />
          {curator && editing !== "new" && (
            <button type="button" class="btn btn-secondary" onClick={() => setEditing("new")}>
              Add a tool
            </button>
          )}
        </form>
      </Card>
      {editing === "new" && (
        <DecryptorForm
          onCancel={() => setEditing(null)}
          onSaved={() => saved("The tool was added.")}
        />
      )}
      <StatusMessage message={removal.status} />
      <ProblemAlert error={list.error ?? removal.error} />
      {list.loading && !list.data && <Spinner />}
      {list.data && (
        <p class="results-count" role="status" aria-live="polite">
          {items.length === 0
            ? "No tool matches."
            : `${items.length} ${items.length === 1 ? "tool" : "tools"}${q.trim() ? ` for “${q.trim()}”` : ""}`}
        </p>
      )}
      {items.length > 0 && (
        <ul class="decryptor-catalogue" aria-label="Decryption tools">
          {items.map((d) =>
            editing === d.id ? (
              <li key={d.id}>
                <DecryptorForm
                  tool={d}
                  onCancel={() => setEditing(null)}
                  onSaved={() => saved("The tool was saved.")}
                />
              </li>
            ) : (
              <li
                key={d.id}
                class="card decryptor-entry"
                data-testid="decryptor-entry"
                data-key={d.key}
              >
                <div class="card-body">
                  <p class="decryptor-families">
                    {d.families.map((f) => (
                      <span key={f} class="chip">
                        {f}
                      </span>
                    ))}
                  </p>
                  <h2 class="result-title">
                    <a href={d.url} target="_blank" rel="noopener noreferrer">
                      {d.tool}
                    </a>
                  </h2>
                  <p class="muted">
                    {d.provider} · last verified {formatDate(d.last_verified)}
                  </p>
                  {d.instructions && (
                    <details class="guidance">
                      <summary>How to use it</summary>
                      <p class="timeline-text">{d.instructions}</p>
                    </details>
                  )}
                  {curator && (
                    <div class="form-actions">
                      <button
                        type="button"
                        class="btn btn-small btn-secondary"
                        onClick={() => setEditing(d.id)}
                      >
                        Edit <span class="sr-only">{d.tool}</span>
                      </button>
                      <ConfirmButton
                        label="Remove"
                        confirmLabel="Remove it"
                        question={`Remove ${d.tool} from the catalogue?`}
                        tone="danger"
                        accessibleLabel={`Remove ${d.tool}`}
                        onConfirm={() =>
                          removal.run(async () => {
                            await recoveryApi.deleteDecryptor(d.id);
                            await list.reload();
                            return `${d.tool} was removed.`;
                          })
                        }
                      />
                    </div>
                  )}
                </div>
              </li>
            ),
          )}
        </ul>
      )}
    </>
  );
}

function DecryptorForm(props: { tool?: Decryptor; onCancel: () => void; onSaved: () => void }) {
  const t = props.tool;
  const [v, setV] = useState({
    key: t?.key ?? "",
    families: t?.families.join(", ") ?? "",
    tool: t?.tool ?? "",
    provider: t?.provider ?? "",
    url: t?.url ?? "",
    instructions: t?.instructions ?? "",
    last_verified: t?.last_verified ?? today(),
  });
  const { busy, error, run } = useAction();
  const set = (k: keyof typeof v, value: string) => setV((old) => ({ ...old, [k]: value }));
  const submit = (e: Event) => {
    e.preventDefault();
    const body: DecryptorInput = {
      families: v.families
        .split(/[,;\n]/)
        .map((f) => f.trim())
        .filter(Boolean),
      tool: v.tool.trim(),
      provider: v.provider.trim(),
      url: v.url.trim(),
      instructions: v.instructions,
      last_verified: v.last_verified,
    };
    return run(async () => {
      if (t) {
        await recoveryApi.changeDecryptor(t.id, body);
      } else {
        if (v.key.trim()) body.key = v.key.trim();
        await recoveryApi.addDecryptor(body);
      }
      props.onSaved();
    });
  };
  return (
    <Card title={t ? `Edit ${t.tool}` : "Add a decryption tool"} class="decryptor-form-card">
      <Form class="form form-grid" error={error} onSubmit={submit}>
        <TextField
          label="Families"
          name="families"
          value={v.families}
          onValue={(x) => set("families", x)}
          required
          hint="Names as the MISP galaxy spells them, separated by commas (e.g. STOP, Djvu)."
        />
        <TextField
          label={t ? "Key" : "Key (optional)"}
          name="key"
          value={v.key}
          onValue={(x) => set("key", x.toLowerCase())}
          readOnly={!!t}
          pattern="[a-z0-9\-]{3,64}"
          hint={
            t
              ? "The key never changes."
              : "3 to 64 lower-case letters, digits and hyphens; derived from the tool when blank."
          }
        />
        <TextField
          label="Tool"
          name="tool"
          value={v.tool}
          onValue={(x) => set("tool", x)}
          required
          maxLength={200}
        />
        <TextField
          label="Provider"
          name="provider"
          value={v.provider}
          onValue={(x) => set("provider", x)}
          required
          maxLength={100}
        />
        <TextField
          label="Web address"
          name="url"
          type="url"
          value={v.url}
          onValue={(x) => set("url", x)}
          required
          placeholder="https://"
          maxLength={2048}
        />
        <TextField
          label="Last verified"
          name="last_verified"
          type="date"
          value={v.last_verified}
          onValue={(x) => set("last_verified", x)}
          required
        />
        <TextAreaField
          class="span-2"
          label="Instructions"
          name="instructions"
          value={v.instructions}
          onValue={(x) => set("instructions", x)}
          rows={4}
          maxLength={4000}
        />
        <ProblemAlert error={error} class="span-2" />
        <div class="form-actions span-2">
          <SubmitActions
            label={t ? "Save changes" : "Add the tool"}
            busyLabel="Saving…"
            busy={busy}
          />
          <button type="button" class="btn btn-ghost" onClick={props.onCancel}>
            Cancel
          </button>
        </div>
      </Form>
    </Card>
  );
}
