// Administration > Audit log: newest entries first, older pages on demand, and for
// support-centre administrators a check of the log's hash chain.

import { useCallback, useEffect, useState } from "preact/hooks";

import { type ApiError, get, post, toApiError } from "../api";
import { Badge, Card, DataTable, PageHeader, ProblemAlert, Spinner } from "../components";
import { formatDateTime } from "../format";
import { useAction } from "../hooks";
import { useSession } from "../session";
import type { AuditEntry, AuditPage as Page, VerifyResult } from "../types";

const kPageSize = 50;

export function AuditPage() {
  const { me } = useSession();
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [loading, setLoading] = useState(true);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  const load = useCallback(async (before: number | null) => {
    setLoading(true);
    setError(null);
    try {
      const query = before === null ? "" : `&before=${before}`;
      const page = await get<Page>(`/api/v1/audit?limit=${kPageSize}${query}`);
      setEntries((old) => (before === null ? page.items : [...old, ...page.items]));
      setNext(page.next_before);
      setLoaded(true);
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setLoading(false);
    }
  }, []);

  useEffect(() => {
    void load(null);
  }, [load]);

  const canVerify = me.user.role === "admin" && me.organisation.kind === "support_centre";

  if (error?.status === 403 && !loaded) {
    return (
      <>
        <PageHeader title="Audit log" />
        <ProblemAlert error={error} />
      </>
    );
  }

  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every security-relevant action on the hub, newest first. Entries are chained by hash so that later changes can be detected."
      />
      {canVerify && <VerifyChain />}
      <Card
        title="Entries"
        actions={
          <button
            type="button"
            class="btn btn-secondary btn-small"
            disabled={loading}
            onClick={() => void load(null)}
          >
            Refresh
          </button>
        }
      >
        <ProblemAlert error={error} />
        {loading && !loaded && <Spinner />}
        {loaded && entries.length === 0 && <p class="empty">The audit log is empty.</p>}
        {entries.length > 0 && (
          <DataTable
            label="Audit log entries"
            columns={["Time", "Actor", "Action", "Target", "Address", "Status"]}
            dense
          >
            {entries.map((e) => (
              <tr key={e.seq} data-seq={e.seq} data-action={e.action}>
                <td class="nowrap">
                  <time dateTime={e.at} title={`#${e.seq} · ${e.at}`}>
                    {formatDateTime(e.at, true)}
                  </time>
                </td>
                <td>{e.actor ?? <span class="muted">—</span>}</td>
                <td>
                  <code class="code-chip">{e.action}</code>
                </td>
                <td>{e.target ?? <span class="muted">—</span>}</td>
                <td class="mono">{e.address ?? "—"}</td>
                <td>
                  <Badge tone={e.status < 300 ? "good" : e.status < 500 ? "warn" : "bad"}>
                    {e.status}
                  </Badge>
                </td>
              </tr>
            ))}
          </DataTable>
        )}
        {next !== null && (
          <div class="table-footer">
            <button
              type="button"
              class="btn btn-secondary"
              disabled={loading}
              onClick={() => void load(next)}
            >
              {loading ? "Loading…" : "Load older entries"}
            </button>
          </div>
        )}
        {loaded && next === null && entries.length > 0 && (
          <p class="table-end">Beginning of the log reached.</p>
        )}
      </Card>
    </>
  );
}

function VerifyChain() {
  const [result, setResult] = useState<VerifyResult | null>(null);
  const { busy, error, run } = useAction();

  const verify = () => {
    setResult(null);
    return run(async () => {
      setResult(await post<VerifyResult>("/api/v1/audit/verify", {}));
    });
  };

  return (
    <Card
      title="Integrity"
      description="Recomputes the hash chain over the whole log and reports the first entry that does not match."
      actions={
        <button type="button" class="btn btn-primary" disabled={busy} onClick={verify}>
          {busy ? "Verifying…" : "Verify chain"}
        </button>
      }
    >
      <ProblemAlert error={error} />
      <div role="status" aria-live="polite" class="verify-result" data-testid="verify-result">
        {result?.ok && (
          <p class="verify-ok" data-ok="true">
            <Badge tone="good">Chain intact</Badge>
            {result.entries_checked} {result.entries_checked === 1 ? "entry" : "entries"} checked;
            none was altered or removed.
          </p>
        )}
        {result && !result.ok && (
          <p class="verify-bad" data-ok="false">
            <Badge tone="bad">Chain broken</Badge>
            {result.first_broken_seq !== null
              ? `The first entry that does not match is #${result.first_broken_seq}`
              : "The chain does not match"}
            {result.reason ? `: ${result.reason}` : "."} {result.entries_checked} entries checked.
          </p>
        )}
        {!result && !busy && <p class="muted">Not verified in this session yet.</p>}
      </div>
    </Card>
  );
}
