// Building blocks shared by the pages: alerts, fields, cards, one-time secrets.

import type { ComponentChildren, InputHTMLAttributes, Ref } from "preact";
import { useEffect, useId, useRef, useState } from "preact/hooks";

import type { ApiError } from "./api";
import { onLinkClick } from "./router";

export function Link(props: {
  href: string;
  class?: string;
  children: ComponentChildren;
  current?: boolean;
}) {
  return (
    <a
      href={props.href}
      class={props.class}
      aria-current={props.current ? "page" : undefined}
      onClick={(e) => onLinkClick(e, props.href)}
    >
      {props.children}
    </a>
  );
}

/** Shows a problem returned by the hub; announced to screen readers as it appears. */
export function ProblemAlert(props: { error: ApiError | null; class?: string }) {
  const { error } = props;
  return (
    <div class={`alert-region ${props.class ?? ""}`} role="alert" aria-live="assertive">
      {error && (
        <div class="alert alert-error" data-problem={error.slug}>
          <AlertIcon kind="error" />
          <div>
            <p class="alert-title">{error.problem.title}</p>
            {error.problem.detail && error.problem.detail !== error.problem.title && (
              <p class="alert-detail">{sentence(error.problem.detail)}</p>
            )}
          </div>
        </div>
      )}
    </div>
  );
}

/** The hub's details are lower-case phrases; shown on their own they read as sentences. */
function sentence(text: string): string {
  const t = text.trim();
  if (!t) return t;
  const first = t[0].toUpperCase() + t.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}

/** A polite status line for successful actions. */
export function StatusMessage(props: { message: string | null }) {
  return (
    <div class="alert-region" role="status" aria-live="polite">
      {props.message && (
        <div class="alert alert-success">
          <AlertIcon kind="success" />
          <p>{props.message}</p>
        </div>
      )}
    </div>
  );
}

export function Notice(props: {
  kind?: "info" | "warning";
  title?: string;
  children: ComponentChildren;
}) {
  const kind = props.kind ?? "info";
  return (
    <div class={`alert alert-${kind}`}>
      <AlertIcon kind={kind} />
      <div>
        {props.title && <p class="alert-title">{props.title}</p>}
        <div class="alert-detail">{props.children}</div>
      </div>
    </div>
  );
}

function AlertIcon(props: { kind: "error" | "success" | "info" | "warning" }) {
  const paths: Record<typeof props.kind, string> = {
    error:
      "M12 8v5m0 3.5v.01M10.3 3.9 2.4 17.5A2 2 0 0 0 4.1 20.5h15.8a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0z",
    warning:
      "M12 8v5m0 3.5v.01M10.3 3.9 2.4 17.5A2 2 0 0 0 4.1 20.5h15.8a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0z",
    success: "M5 12.5l4.5 4.5L19 7.5",
    info: "M12 11v6m0-9.5v.01M21 12a9 9 0 1 1-18 0 9 9 0 0 1 18 0z",
  };
  return (
    <svg class="alert-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d={paths[props.kind]} />
    </svg>
  );
}

type InputProps = Omit<
  InputHTMLAttributes<HTMLInputElement>,
  "label" | "value" | "onInput" | "ref"
>;

/** A labelled text input. `invalid` marks it when the hub's problem names this field. */
export function TextField(
  props: InputProps & {
    label: string;
    value: string;
    onValue: (v: string) => void;
    hint?: ComponentChildren;
    invalid?: boolean;
    inputRef?: Ref<HTMLInputElement>;
  },
) {
  const { label, value, onValue, hint, invalid, inputRef, ...rest } = props;
  const id = useId();
  const hintId = `${id}-hint`;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input
        id={id}
        ref={inputRef}
        class="input"
        value={value}
        aria-invalid={invalid ? "true" : undefined}
        aria-describedby={hint ? hintId : undefined}
        onInput={(e) => onValue(e.currentTarget.value)}
        {...rest}
      />
      {hint && (
        <p class="hint" id={hintId}>
          {hint}
        </p>
      )}
    </div>
  );
}

export function SelectField<V extends string>(props: {
  label: string;
  value: V;
  onValue: (v: V) => void;
  options: ReadonlyArray<readonly [V, string]>;
  hint?: ComponentChildren;
  disabled?: boolean;
  name?: string;
  invalid?: boolean;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <select
        id={id}
        name={props.name}
        class="input"
        value={props.value}
        disabled={props.disabled}
        aria-invalid={props.invalid ? "true" : undefined}
        aria-describedby={props.hint ? hintId : undefined}
        onChange={(e) => props.onValue(e.currentTarget.value as V)}
      >
        {props.options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
      {props.hint && (
        <p class="hint" id={hintId}>
          {props.hint}
        </p>
      )}
    </div>
  );
}

export function Card(props: {
  title?: string;
  description?: ComponentChildren;
  actions?: ComponentChildren;
  children: ComponentChildren;
  class?: string;
  labelledBy?: string;
}) {
  const id = useId();
  return (
    <section class={`card ${props.class ?? ""}`} aria-labelledby={props.title ? id : undefined}>
      {(props.title || props.actions) && (
        <header class="card-header">
          <div>
            {props.title && (
              <h2 class="card-title" id={id}>
                {props.title}
              </h2>
            )}
            {props.description && <p class="card-description">{props.description}</p>}
          </div>
          {props.actions && <div class="card-actions">{props.actions}</div>}
        </header>
      )}
      <div class="card-body">{props.children}</div>
    </section>
  );
}

/** Page title; focused after each navigation so screen readers announce the new page. */
export function PageHeader(props: { title: string; description?: ComponentChildren }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${props.title} · Caduceus`;
    ref.current?.focus({ preventScroll: true });
  }, [props.title]);
  return (
    <div class="page-header">
      <h1 ref={ref} tabIndex={-1}>
        {props.title}
      </h1>
      {props.description && <p class="page-description">{props.description}</p>}
    </div>
  );
}

export function Badge(props: {
  tone?: "neutral" | "good" | "warn" | "bad" | "info";
  children: ComponentChildren;
}) {
  return <span class={`badge badge-${props.tone ?? "neutral"}`}>{props.children}</span>;
}

/** A secret the hub returns only once (initial password, API token), with a copy button. */
export function SecretOnce(props: {
  title: string;
  secret: string;
  children?: ComponentChildren;
  onDismiss: () => void;
}) {
  const [copied, setCopied] = useState<"idle" | "done" | "failed">("idle");
  const codeRef = useRef<HTMLElement>(null);
  const id = useId();

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.secret);
      setCopied("done");
    } catch {
      const range = document.createRange();
      if (codeRef.current) {
        range.selectNodeContents(codeRef.current);
        const sel = window.getSelection();
        sel?.removeAllRanges();
        sel?.addRange(range);
      }
      setCopied("failed");
    }
  };

  return (
    <div class="secret-once" role="region" aria-labelledby={id}>
      <p class="secret-title" id={id}>
        {props.title}
      </p>
      {props.children && <div class="secret-explain">{props.children}</div>}
      <div class="secret-row">
        <code class="secret-value" ref={codeRef} data-secret>
          {props.secret}
        </code>
        <button type="button" class="btn btn-secondary" onClick={copy}>
          <CopyIcon />
          Copy
        </button>
      </div>
      <p class="hint" role="status" aria-live="polite">
        {copied === "done" && "Copied to the clipboard."}
        {copied === "failed" &&
          "The clipboard is not available: the text is selected, copy it with Ctrl+C."}
      </p>
      <button type="button" class="btn btn-link" onClick={props.onDismiss}>
        I have stored it — hide
      </button>
    </div>
  );
}

function CopyIcon() {
  return (
    <svg class="btn-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d="M9 9h10v11H9zM5 15V4h10" />
    </svg>
  );
}

export function Spinner(props: { label?: string }) {
  return (
    <p class="loading" role="status">
      <span class="spinner" aria-hidden="true" />
      {props.label ?? "Loading…"}
    </p>
  );
}

/** A button that asks for confirmation inline before running a destructive action. */
export function ConfirmButton(props: {
  label: string;
  confirmLabel: string;
  question: string;
  onConfirm: () => void | Promise<void>;
  tone?: "danger" | "secondary";
  disabled?: boolean;
  accessibleLabel?: string;
}) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (asking) confirmRef.current?.focus();
  }, [asking]);

  if (!asking) {
    return (
      <button
        type="button"
        class={`btn btn-small btn-${props.tone === "danger" ? "danger-outline" : "secondary"}`}
        disabled={props.disabled}
        aria-label={props.accessibleLabel}
        onClick={() => setAsking(true)}
      >
        {props.label}
      </button>
    );
  }
  return (
    <span class="confirm-inline">
      <span class="confirm-question">{props.question}</span>
      <button
        type="button"
        ref={confirmRef}
        class={`btn btn-small ${props.tone === "danger" ? "btn-danger" : "btn-primary"}`}
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          try {
            await props.onConfirm();
          } finally {
            setBusy(false);
            setAsking(false);
          }
        }}
      >
        {props.confirmLabel}
      </button>
      <button type="button" class="btn btn-small btn-ghost" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}
