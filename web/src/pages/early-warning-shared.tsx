// Pieces the early-warning pages share: their tabs, severity labels, the KEV / ransomware /
// patient-safety badges, deadline countdowns, and the live connection to the hub's alert stream.

import "./early-warning.css";

import { useEffect, useRef, useState } from "preact/hooks";

import { Link } from "../components";
import { formatDateTime } from "../format";
import { useNow } from "../hooks";
import { useSession } from "../session";
import {
  alertsApi,
  countdown,
  isProvider,
  isSeverity,
  kSeverityLabels,
  mayPublishAdvisories,
  type AlertSummary,
} from "./early-warning-model";

type Tab = "dashboard" | "alerts" | "advisories" | "inventory" | "publish" | "settings";

export function EarlyWarningTabs(props: { current: Tab }) {
  const { me } = useSession();
  const tabs: Array<[Tab, string, string]> = [
    ["dashboard", "/warnings", "Dashboard"],
    ["alerts", "/alerts", "Alerts"],
    ["advisories", "/advisories", "Advisories"],
  ];
  if (isProvider(me)) tabs.push(["inventory", "/inventory", "Asset inventory"]);
  if (mayPublishAdvisories(me)) tabs.push(["publish", "/advisories/import", "Publish"]);
  tabs.push(["settings", "/warnings/settings", "Delivery settings"]);
  return (
    <nav class="tabs ew-tabs" aria-label="Early-warning views">
      {tabs.map(([key, href, label]) => (
        <Link key={key} href={href} class="tab" current={props.current === key}>
          {label}
        </Link>
      ))}
    </nav>
  );
}

/** A severity written out on its colour (never colour alone). */
export function SeverityLabel(props: { severity: string | null | undefined }) {
  const s = props.severity;
  if (!isSeverity(s)) return <span class="sev sev-none">—</span>;
  return (
    <span class={`sev sev-${s}`} data-severity={s}>
      {kSeverityLabels[s]}
    </span>
  );
}

/** Known exploited, used by ransomware, patient-safety critical asset. */
export function AlertFlags(props: {
  kev?: boolean;
  ransomware?: boolean;
  patientSafety?: boolean;
}) {
  if (!props.kev && !props.ransomware && !props.patientSafety) return null;
  return (
    <span class="ew-flags">
      {props.kev && (
        <span
          class="ew-flag ew-flag-kev"
          title="In CISA's Known Exploited Vulnerabilities catalogue"
        >
          KEV
        </span>
      )}
      {props.ransomware && (
        <span class="ew-flag ew-flag-ransomware" title="Known to be used in ransomware campaigns">
          Ransomware
        </span>
      )}
      {props.patientSafety && (
        <span class="ew-flag ew-flag-safety" title="An affected asset is patient-safety critical">
          Patient safety
        </span>
      )}
    </span>
  );
}

/** The time left to a deadline, red once it has passed; refreshed every 30 s. */
export function DeadlineCountdown(props: { due: string | null; label: string; done?: boolean }) {
  const now = useNow();
  if (!props.due) return <span class="muted">—</span>;
  if (props.done) {
    return (
      <span class="ew-due ew-due-done" title={`${props.label} by ${formatDateTime(props.due)}`}>
        {formatDateTime(props.due)}
      </span>
    );
  }
  const c = countdown(props.due, now);
  return (
    <span
      class={`ew-due ${c.overdue ? "ew-due-overdue" : ""}`}
      data-overdue={c.overdue ? "true" : "false"}
      title={`${props.label} by ${formatDateTime(props.due)}`}
    >
      <span class="sr-only">{props.label}: </span>
      {c.text}
    </span>
  );
}

/** The deadlines of an alert as they stand in its state. */
export function AlertDeadlines(props: { alert: AlertSummary }) {
  const a = props.alert;
  const acknowledged = a.state !== "new";
  const closed = a.state === "resolved" || a.state === "not_affected" || a.state === "withdrawn";
  return (
    <span class="ew-deadlines">
      {a.ack_due && (
        <span class="ew-deadline">
          <span class="cell-sub">Acknowledge</span>
          <DeadlineCountdown due={a.ack_due} label="Acknowledge" done={acknowledged} />
        </span>
      )}
      {a.remediate_due && (
        <span class="ew-deadline">
          <span class="cell-sub">Remediate</span>
          <DeadlineCountdown due={a.remediate_due} label="Remediate" done={closed} />
        </span>
      )}
      {!a.ack_due && !a.remediate_due && <span class="muted">No deadline</span>}
    </span>
  );
}

export interface StreamEvent {
  id: string;
  kind: string;
  data: Record<string, unknown>;
}

const kStreamKinds = [
  "alert.created",
  "alert.updated",
  "alert.state",
  "alert.overdue",
  "advisory.published",
];

export type StreamStatus = "connecting" | "live" | "reconnecting" | "unavailable";

/**
 * Listens to the hub's alert stream (Server-Sent Events) while mounted and calls `onEvent` for
 * each event. The browser reconnects by itself and resumes with Last-Event-ID.
 */
export function useAlertStream(onEvent: (e: StreamEvent) => void): StreamStatus {
  const [status, setStatus] = useState<StreamStatus>("connecting");
  const handler = useRef(onEvent);
  handler.current = onEvent;
  useEffect(() => {
    if (typeof EventSource === "undefined") {
      setStatus("unavailable");
      return undefined;
    }
    const source = new EventSource(alertsApi.streamUrl, { withCredentials: true });
    const deliver = (kind: string) => (m: MessageEvent<string>) => {
      let data: Record<string, unknown> = {};
      try {
        const parsed: unknown = JSON.parse(m.data);
        if (parsed && typeof parsed === "object") data = parsed as Record<string, unknown>;
      } catch {
        // A heartbeat or a payload that is not JSON still tells that something happened.
      }
      handler.current({ id: m.lastEventId, kind, data });
    };
    const listeners = kStreamKinds.map((k) => [k, deliver(k)] as const);
    for (const [k, l] of listeners) source.addEventListener(k, l as EventListener);
    source.onmessage = deliver("message");
    source.onopen = () => setStatus("live");
    source.onerror = () =>
      setStatus(source.readyState === EventSource.CLOSED ? "unavailable" : "reconnecting");
    return () => {
      for (const [k, l] of listeners) source.removeEventListener(k, l as EventListener);
      source.close();
    };
  }, []);
  return status;
}

export function LiveIndicator(props: { status: StreamStatus }) {
  const text: Record<StreamStatus, string> = {
    connecting: "Connecting…",
    live: "Live",
    reconnecting: "Reconnecting…",
    unavailable: "Live updates unavailable",
  };
  return (
    <span
      class={`ew-live ew-live-${props.status}`}
      data-testid="live-indicator"
      data-status={props.status}
      role="status"
      title={props.status === "live" ? "New alerts appear here as the hub raises them." : undefined}
    >
      <span class="ew-live-dot" aria-hidden="true" />
      {text[props.status]}
    </span>
  );
}
