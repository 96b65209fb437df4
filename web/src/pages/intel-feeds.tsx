// Feeds that the hub pulls into collections on a schedule: MISP feeds, TAXII 2.1 collections of
// other servers, plain-text and CSV blocklists. Administrators of a collection's root create and
// change them, run one now, and read the log of its runs. A stored credential is never shown.

import { useState } from "preact/hooks";

import { intelApi } from "../api";
import {
  Badge,
  Card,
  CheckField,
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
  TextField,
} from "../components";
import { formatDateTime } from "../format";
import { useAction, useResource } from "../hooks";
import { navigate } from "../router";
import { kTlpLevels, TlpLabel, tlpName } from "../tlp";
import type { FeedParsing, FeedRun, IntelCollection, IntelFeed, IntelFeedInput } from "../types";
import { kFeedKinds, kObservableKinds, plural } from "./intel-model";
import { CollectionSelect, IntelTabs, useCollections } from "./intel-shared";

function kindText(kind: string): string {
  return kFeedKinds.find(([k]) => k === kind)?.[1] ?? kind;
}

const kRunTones: Record<string, "good" | "info" | "warn" | "bad"> = {
  ok: "good",
  not_modified: "good",
  running: "info",
  partial: "warn",
  error: "bad",
};

const kRunLabels: Record<string, string> = {
  ok: "OK",
  not_modified: "Not modified",
  running: "Running",
  partial: "Partly failed",
  error: "Failed",
};

function RunBadge(props: { status: string }) {
  return (
    <Badge tone={kRunTones[props.status] ?? "neutral"}>
      {kRunLabels[props.status] ?? props.status}
    </Badge>
  );
}

function runSummary(r: FeedRun): string {
  if (r.not_modified) return "nothing changed at the source";
  if (r.status === "error" && r.message) return r.message;
  const revoked = r.revoked > 0 ? `, ${r.revoked} revoked (left the list)` : "";
  return `${r.fetched} fetched, ${r.accepted} stored, ${r.duplicates} already there, ${r.rejected} rejected${revoked}`;
}

function RunStatus(props: { run: FeedRun | null }) {
  const r = props.run;
  if (!r) return <span class="muted">Never run</span>;
  return (
    <span data-testid="run-status" data-status={r.status}>
      <RunBadge status={r.status} />
      <span class="cell-sub">{formatDateTime(r.at)}</span>
      <span class="cell-note">{runSummary(r)}</span>
    </span>
  );
}

export function IntelFeedsPage() {
  const feeds = useResource(() => intelApi.feeds(), []);
  const collections = useCollections();
  const [creating, setCreating] = useState(false);
  const runs = useAction();
  const colTitle = (id: string) => collections.data?.items.find((c) => c.id === id)?.title ?? id;
  const administered = collections.data?.items.filter((c) => c.can_administer) ?? [];

  return (
    <>
      <PageHeader
        title="Threat intel feeds"
        description="Sources the hub pulls into a collection on a schedule, fetching only what changed (ETag and If-Modified-Since)."
      />
      <IntelTabs current="feeds" />
      {!creating && administered.length > 0 && (
        <div class="page-actions">
          <button type="button" class="btn btn-primary" onClick={() => setCreating(true)}>
            New feed
          </button>
        </div>
      )}
      {creating && (
        <FeedForm
          collections={administered}
          onCancel={() => setCreating(false)}
          onSaved={(f) => navigate(`/intel/feeds/${f.id}`)}
        />
      )}
      <StatusMessage message={runs.status} />
      <ProblemAlert error={feeds.error ?? runs.error} />
      <Card title="Feeds">
        {feeds.loading && !feeds.data && <Spinner />}
        {feeds.data && feeds.data.items.length === 0 && (
          <p class="empty">No feed is configured for the collections you administer.</p>
        )}
        {feeds.data && feeds.data.items.length > 0 && (
          <DataTable
            label="Feeds"
            columns={["Feed", "Kind", "Collection", "Every", "TLP", "Last run"]}
            actions
          >
            {feeds.data.items.map((f) => (
              <tr key={f.id} data-feed-id={f.id} class={f.enabled ? undefined : "row-muted"}>
                <th scope="row" class="intel-feed-cell">
                  <Link href={`/intel/feeds/${f.id}`} class="cell-main">
                    {f.name}
                  </Link>
                  <span class="cell-sub wrap-anywhere">{f.url}</span>
                  {!f.enabled && <span class="cell-note">Disabled</span>}
                </th>
                <td>{kindText(f.kind)}</td>
                <td>{f.collection_title || colTitle(f.collection)}</td>
                <td>{plural(f.interval_minutes, "minute")}</td>
                <td>{f.tlp ? <TlpLabel tlp={f.tlp} /> : "collection's default"}</td>
                <td>
                  <RunStatus run={f.last_run} />
                </td>
                <td class="cell-actions">
                  <button
                    type="button"
                    class="btn btn-small btn-secondary"
                    disabled={runs.busy}
                    onClick={() =>
                      runs.run(async () => {
                        const r = await intelApi.runFeed(f.id);
                        await feeds.reload();
                        return `${f.name}: ${kRunLabels[r.status] ?? r.status}, ${runSummary(r)}.`;
                      })
                    }
                  >
                    Run now <span class="sr-only">{f.name}</span>
                  </button>
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </Card>
    </>
  );
}

function FeedForm(props: {
  collections: IntelCollection[];
  feed?: IntelFeed;
  onCancel?: () => void;
  onSaved: (f: IntelFeed) => void;
}) {
  const f = props.feed;
  const [v, setV] = useState<IntelFeedInput>({
    name: f?.name ?? "",
    kind: f?.kind ?? "misp",
    url: f?.url ?? "",
    collection: f?.collection ?? props.collections[0]?.id ?? "",
    enabled: f?.enabled ?? true,
    interval_minutes: f?.interval_minutes ?? 60,
    tlp: f?.tlp ?? null,
    parsing: f?.parsing ?? { column: 0, delimiter: ",", header: false },
  });
  const [auth, setAuth] = useState("");
  const { busy, error, status, run } = useAction();
  const set = <K extends keyof IntelFeedInput>(k: K, x: IntelFeedInput[K]) =>
    setV((old) => ({ ...old, [k]: x }));
  const setParsing = (p: Partial<FeedParsing>) =>
    setV((old) => ({ ...old, parsing: { ...old.parsing, ...p } }));
  const lists = v.kind === "text" || v.kind === "csv";
  const submit = (e: Event) => {
    e.preventDefault();
    const body: IntelFeedInput = { ...v, interval_minutes: Number(v.interval_minutes) };
    if (auth) body.auth = auth;
    return run(async () => {
      const saved = f ? await intelApi.updateFeed(f.id, body) : await intelApi.createFeed(body);
      setAuth("");
      props.onSaved(saved);
      return f ? "The feed was saved." : undefined;
    });
  };
  return (
    <Card title={f ? "Settings" : "New feed"}>
      <Form class="form form-grid" error={error} onSubmit={submit}>
        <TextField
          label="Name"
          name="name"
          value={v.name}
          onValue={(x) => set("name", x)}
          required
          maxLength={200}
        />
        <SelectField
          label="Kind"
          name="kind"
          value={v.kind}
          onValue={(x) => set("kind", x)}
          options={kFeedKinds}
          disabled={!!f}
          hint={f ? "A feed's kind does not change; create another feed instead." : undefined}
        />
        <TextField
          class="input mono"
          label="Address"
          name="url"
          type="url"
          value={v.url}
          onValue={(x) => set("url", x)}
          required
          maxLength={2048}
          placeholder="https://"
          hint={
            v.kind === "misp"
              ? "The feed's directory: the hub reads manifest.json, then the events that changed."
              : v.kind === "taxii"
                ? "The collection's objects address, …/collections/<id>/objects/."
                : "One value per line (CSV: one column of each row)."
          }
        />
        {f ? (
          <TextField
            label="Into collection"
            name="collection"
            value={f.collection_title}
            onValue={() => undefined}
            readOnly
            hint="A feed's collection does not change."
          />
        ) : (
          <CollectionSelect
            label="Into collection"
            name="collection"
            collections={props.collections}
            value={v.collection}
            onValue={(x) => set("collection", x)}
          />
        )}
        <TextField
          label="Every (minutes)"
          name="interval_minutes"
          type="number"
          min={1}
          max={1000000}
          value={String(v.interval_minutes)}
          onValue={(x) => set("interval_minutes", Number(x))}
          required
        />
        <SelectField
          label="TLP of what arrives without one"
          name="tlp"
          value={v.tlp ?? ""}
          onValue={(x) => set("tlp", x === "" ? null : x)}
          options={[
            ["", "The collection's default"],
            ...kTlpLevels.map((t) => [t, tlpName(t)] as const),
          ]}
        />
        {lists && (
          <SelectField
            label="Values are"
            name="parsing_kind"
            value={v.parsing.kind ?? ""}
            onValue={(x) => setParsing({ kind: x === "" ? undefined : x })}
            options={[["", "Detected per value"], ...kObservableKinds]}
          />
        )}
        {v.kind === "csv" && (
          <>
            <TextField
              label="Column (0 is the first)"
              name="column"
              type="number"
              min={0}
              max={255}
              value={String(v.parsing.column)}
              onValue={(x) => setParsing({ column: Number(x) })}
            />
            <TextField
              label="Delimiter"
              name="delimiter"
              value={v.parsing.delimiter}
              onValue={(x) => setParsing({ delimiter: x.slice(0, 1) })}
              maxLength={1}
              required
            />
            <div class="field">
              <CheckField
                label="The first line names the columns"
                name="header"
                checked={v.parsing.header}
                onChecked={(x) => setParsing({ header: x })}
              />
            </div>
          </>
        )}
        <TextField
          label={f?.has_auth ? "Credential (stored; type to replace it)" : "Credential (optional)"}
          name="auth"
          type="password"
          autoComplete="off"
          value={auth}
          onValue={setAuth}
          maxLength={4096}
          hint="An Authorization header value or a token; stored by the hub and never shown again."
        />
        <div class="span-2">
          <CheckField
            label="Enabled: pull on schedule"
            name="enabled"
            checked={v.enabled}
            onChecked={(x) => set("enabled", x)}
          />
        </div>
        <ProblemAlert error={error} class="span-2" />
        <StatusMessage message={status} />
        <div class="form-actions span-2">
          <SubmitActions
            label={f ? "Save the feed" : "Create the feed"}
            busyLabel="Saving…"
            busy={busy}
          />
          {props.onCancel && (
            <button type="button" class="btn btn-ghost" onClick={props.onCancel}>
              Cancel
            </button>
          )}
        </div>
      </Form>
    </Card>
  );
}

export function IntelFeedPage(props: { id: number }) {
  const feed = useResource(() => intelApi.feed(props.id), [props.id]);
  const runs = useResource(() => intelApi.feedRuns(props.id), [props.id]);
  const collections = useCollections();
  const action = useAction();
  const f = feed.data;
  const administered = collections.data?.items.filter((c) => c.can_administer) ?? [];

  return (
    <>
      <PageHeader title={f ? f.name : "Feed"} />
      <IntelTabs current="feeds" />
      <p class="back-link">
        <Link href="/intel/feeds">← Feeds</Link>
      </p>
      <ProblemAlert error={feed.error ?? action.error} />
      <StatusMessage message={action.status} />
      {feed.loading && !f && <Spinner />}
      {f && (
        <>
          <div class="page-actions">
            <button
              type="button"
              class="btn btn-primary"
              disabled={action.busy}
              onClick={() =>
                action.run(async () => {
                  const r = await intelApi.runFeed(f.id);
                  await Promise.all([feed.reload(), runs.reload()]);
                  return `Run finished: ${kRunLabels[r.status] ?? r.status}, ${runSummary(r)}.`;
                })
              }
            >
              {action.busy ? "Running…" : "Run now"}
            </button>
            <ConfirmButton
              label="Delete the feed"
              confirmLabel="Delete it"
              question="Delete this feed? What it imported stays."
              tone="danger"
              onConfirm={() =>
                action.run(async () => {
                  await intelApi.deleteFeed(f.id);
                  navigate("/intel/feeds");
                })
              }
            />
          </div>
          {collections.data && (
            <FeedForm
              key={`${f.id}-${f.name}-${f.url}`}
              feed={f}
              collections={
                administered.some((c) => c.id === f.collection)
                  ? administered
                  : [
                      ...administered,
                      ...collections.data.items.filter((c) => c.id === f.collection),
                    ]
              }
              onSaved={() => void feed.reload()}
            />
          )}
        </>
      )}
      <Card title="Run log" description="The latest runs, newest first.">
        <ProblemAlert error={runs.error} />
        {runs.loading && !runs.data && <Spinner />}
        {runs.data && runs.data.items.length === 0 && <p class="empty">Not run yet.</p>}
        {runs.data && runs.data.items.length > 0 && (
          <DataTable
            label="Run log"
            columns={[
              "When",
              "Status",
              "Fetched",
              "Stored",
              "Already there",
              "Rejected",
              "Revoked",
              "Message",
            ]}
            dense
          >
            {runs.data.items.map((r, i) => (
              <tr key={`${r.at}-${i}`} data-testid="feed-run" data-status={r.status}>
                <td class="cell-date">{formatDateTime(r.at, true)}</td>
                <td>
                  <RunBadge status={r.status} />
                </td>
                <td>{r.fetched}</td>
                <td>{r.accepted}</td>
                <td>{r.duplicates}</td>
                <td>{r.rejected}</td>
                <td>{r.revoked}</td>
                <td class="wrap-anywhere">{r.message ?? ""}</td>
              </tr>
            ))}
          </DataTable>
        )}
      </Card>
    </>
  );
}
