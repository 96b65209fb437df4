// The running deadline clocks of an incident (24 h, 72 h, one month, and the CSIRT's requests),
// compact deadline badges for lists, and the reminders of deadlines that are due soon or overdue.

import { incidentsApi } from "../api";
import { Badge, Card, Link, ProblemAlert } from "../components";
import { formatDateTime } from "../format";
import { useNow, useResource } from "../hooks";
import type { Deadline, Incident, IncidentSummary, Reminder } from "../types";
import {
  clockText,
  deadlineLabel,
  formatSpan,
  kDeadlineStateLabels,
  kDeadlineStateTones,
  needsAttention,
} from "./incident-model";

export function DeadlineBadge(props: { state: Deadline["state"] }) {
  return (
    <span class="deadline-badge" data-state={props.state}>
      <Badge tone={kDeadlineStateTones[props.state]}>{kDeadlineStateLabels[props.state]}</Badge>
    </span>
  );
}

/** The share of the window that has passed, when its start is known (0..1), else null. */
function elapsed(d: Deadline, incident: IncidentSummary, now: number): number | null {
  if (!d.due_at) return null;
  const due = Date.parse(d.due_at);
  let start: number | null = null;
  if (d.stage === "early_warning" || d.stage === "notification") {
    start = Date.parse(incident.aware_at);
  }
  if (start === null || !(due > start)) return null;
  const end = d.submitted_at ? Date.parse(d.submitted_at) : now;
  return Math.max(0, Math.min(1, (end - start) / (due - start)));
}

/** One clock per deadline, most prominent first: the ones that need attention. */
export function DeadlineClocks(props: { incident: Incident }) {
  const now = useNow();
  const { incident } = props;
  const shown = incident.deadlines.filter(
    (d) => d.state !== "not_applicable" || d.stage === "intermediate",
  );
  const intermediateNa = shown.filter(
    (d) => d.stage === "intermediate" && d.state === "not_applicable",
  );
  const clocks = shown.filter((d) => !intermediateNa.includes(d));
  return (
    <Card
      title="Deadlines"
      class="clocks-card"
      description="NIS2 Article 23(4): counted from the moment the provider became aware of the incident. The clocks run until the report is submitted."
    >
      <ol class="clocks" aria-label="Deadline clocks">
        {clocks.map((d) => {
          const fraction = elapsed(d, incident, now);
          const key = `${d.stage}-${d.request_id ?? ""}`;
          return (
            <li
              key={key}
              class={`clock clock-${d.state}`}
              data-testid="deadline-clock"
              data-stage={d.stage}
              data-state={d.state}
              data-due-at={d.due_at ?? ""}
            >
              <p class="clock-stage">{deadlineLabel(d)}</p>
              <p
                class={`clock-time${d.due_at || d.state === "met" || d.state === "met_late" ? "" : " clock-time-open"}`}
                role="timer"
                aria-live="off"
              >
                {clockText(d, now, incident.reports.progress !== undefined)}
              </p>
              {fraction !== null && (
                <div class="clock-track" aria-hidden="true">
                  <svg
                    class="clock-svg"
                    viewBox="0 0 100 6"
                    preserveAspectRatio="none"
                    focusable="false"
                  >
                    <rect x="0" y="0" width="100" height="6" class="clock-bg" />
                    {fraction > 0 && (
                      <rect
                        x="0"
                        y="0"
                        width={Math.max(1, fraction * 100)}
                        height="6"
                        class="clock-fill"
                      />
                    )}
                  </svg>
                </div>
              )}
              <p class="clock-meta">
                <DeadlineBadge state={d.state} />
                <span class="muted">
                  {d.due_at ? `due ${formatDateTime(d.due_at)}` : "no due date yet"}
                </span>
              </p>
              {d.submitted_at && (
                <p class="clock-sub muted">Submitted {formatDateTime(d.submitted_at)}</p>
              )}
            </li>
          );
        })}
      </ol>
      {intermediateNa.length > 0 && (
        <p class="muted clock-note">
          Intermediate reports are due only when your CSIRT requests information.
        </p>
      )}
    </Card>
  );
}

/** The deadlines of a listed incident that need attention, as badges. */
export function DeadlineChips(props: { deadlines: Deadline[] }) {
  const urgent = props.deadlines.filter(needsAttention);
  if (urgent.length === 0) return <span class="muted">—</span>;
  return (
    <ul class="chip-list deadline-chips">
      {urgent.map((d) => (
        <li key={`${d.stage}-${d.request_id ?? ""}`} data-stage={d.stage} data-state={d.state}>
          <Badge tone={kDeadlineStateTones[d.state]}>
            {deadlineLabel(d)}: {kDeadlineStateLabels[d.state].toLowerCase()}
          </Badge>
        </li>
      ))}
    </ul>
  );
}

/**
 * The caller's reminders (GET /api/v1/incidents/reminders): nothing at all when there are none,
 * unless `showEmpty`.
 */
export function RemindersCard(props: { showEmpty?: boolean }) {
  const reminders = useResource(() => incidentsApi.reminders(), []);
  const now = useNow();
  const items = reminders.data?.items ?? [];
  if (!reminders.error && items.length === 0 && !props.showEmpty) return null;
  return (
    <Card
      title="Reminders"
      class="reminders-card"
      description="Deadlines of open incidents that are due soon or have passed."
    >
      <ProblemAlert error={reminders.error} />
      {reminders.data && items.length === 0 && (
        <p class="empty">No deadline is due soon or overdue.</p>
      )}
      {items.length > 0 && (
        <ul class="reminder-list" aria-label="Reminders">
          {items.map((r) => (
            <ReminderItem
              key={`${r.incident_id}-${r.stage}-${r.request_id ?? ""}`}
              reminder={r}
              now={now}
            />
          ))}
        </ul>
      )}
    </Card>
  );
}

function ReminderItem(props: { reminder: Reminder; now: number }) {
  const r = props.reminder;
  const due = r.due_at ? Date.parse(r.due_at) : null;
  const when =
    due === null
      ? ""
      : due > props.now
        ? `${formatSpan(due - props.now)} left`
        : `overdue by ${formatSpan(props.now - due)}`;
  return (
    <li
      class={`reminder reminder-${r.state}`}
      data-testid="reminder"
      data-incident-id={r.incident_id}
      data-stage={r.stage}
      data-state={r.state}
    >
      <DeadlineBadge state={r.state} />
      <span class="reminder-text">
        <Link href={`/incidents/${r.incident_id}`}>
          {r.reference}: {r.title}
        </Link>
        <span class="muted">
          {" "}
          — {deadlineLabel(r)} {when}
          {r.due_at && ` (due ${formatDateTime(r.due_at)})`}
        </span>
      </span>
      {r.action_needed && r.stage !== "intermediate" && (
        <Link
          href={`/incidents/${r.incident_id}/reports/${r.stage}`}
          class="btn btn-small btn-secondary"
        >
          Submit{" "}
          <span class="sr-only">
            the {deadlineLabel(r).toLowerCase()} of {r.reference}
          </span>
        </Link>
      )}
      {r.action_needed && r.stage === "intermediate" && (
        <Link
          href={`/incidents/${r.incident_id}/reports/intermediate${r.request_id !== undefined ? `?request=${r.request_id}` : ""}`}
          class="btn btn-small btn-secondary"
        >
          Answer <span class="sr-only">the request of {r.reference}</span>
        </Link>
      )}
    </li>
  );
}
