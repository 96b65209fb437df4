// Building blocks shared by the pages: alerts, fields, cards, one-time secrets.

import { type ComponentChildren, createContext, type InputHTMLAttributes, type Ref } from "preact";
import { useContext, useEffect, useId, useRef, useState } from "preact/hooks";

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

/** The `field` named by the problem of the enclosing Form. */
const ProblemField = createContext<string | undefined>(undefined);

/**
 * A form whose fields mark themselves invalid (aria-invalid) when the problem shown for it, from
 * the hub or from a local check, names them: its `field` equals the field's `name`.
 */
export function Form(props: {
  class: string;
  error: ApiError | null;
  onSubmit: (e: Event) => void | Promise<void>;
  children: ComponentChildren;
}) {
  return (
    <ProblemField.Provider value={props.error?.problem.field}>
      <form class={props.class} onSubmit={props.onSubmit}>
        {props.children}
      </form>
    </ProblemField.Provider>
  );
}

interface ControlAttributes {
  id: string;
  "aria-invalid": "true" | undefined;
  "aria-describedby": string | undefined;
}

/**
 * A label, a control and an optional hint. `invalid` overrides what the enclosing Form's
 * problem says about the field called `name`.
 */
function Field(props: {
  label: string;
  name: unknown;
  hint?: ComponentChildren;
  invalid?: boolean;
  control: (attributes: ControlAttributes) => ComponentChildren;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const problemField = useContext(ProblemField);
  const invalid = props.invalid ?? (problemField !== undefined && props.name === problemField);
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      {props.control({
        id,
        "aria-invalid": invalid ? "true" : undefined,
        "aria-describedby": props.hint ? hintId : undefined,
      })}
      {props.hint && (
        <p class="hint" id={hintId}>
          {props.hint}
        </p>
      )}
    </div>
  );
}

type TextFieldProps = InputProps & {
  label: string;
  value: string;
  onValue: (v: string) => void;
  hint?: ComponentChildren;
  invalid?: boolean;
  inputRef?: Ref<HTMLInputElement>;
};

/** A labelled text input. */
export function TextField(props: TextFieldProps) {
  const { label, value, onValue, hint, invalid, inputRef, ...rest } = props;
  return (
    <Field
      label={label}
      name={rest.name}
      hint={hint}
      invalid={invalid}
      control={(attributes) => (
        <input
          {...attributes}
          ref={inputRef}
          class="input"
          value={value}
          onInput={(e) => onValue(e.currentTarget.value)}
          {...rest}
        />
      )}
    />
  );
}

/** A required password input. */
export function PasswordField(props: Omit<TextFieldProps, "type" | "required">) {
  return <TextField {...props} type="password" required />;
}

/** A 6-digit code from an authenticator app; anything but digits is dropped as it is typed. */
export function CodeField(props: {
  label: string;
  name: string;
  value: string;
  onValue: (v: string) => void;
  hint?: ComponentChildren;
  inputRef?: Ref<HTMLInputElement>;
}) {
  return (
    <TextField
      label={props.label}
      name={props.name}
      value={props.value}
      onValue={(v) => props.onValue(v.replace(/\D/g, "").slice(0, 6))}
      inputMode="numeric"
      autoComplete="one-time-code"
      pattern="[0-9]{6}"
      maxLength={6}
      required
      inputRef={props.inputRef}
      hint={props.hint}
    />
  );
}

/** A checkbox with its label; place several in a fieldset with a legend. */
export function CheckField(props: {
  label: string;
  name: string;
  checked: boolean;
  onChecked: (checked: boolean) => void;
}) {
  return (
    <label class="check">
      <input
        type="checkbox"
        name={props.name}
        checked={props.checked}
        onChange={(e) => props.onChecked(e.currentTarget.checked)}
      />
      {props.label}
    </label>
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
  return (
    <Field
      label={props.label}
      name={props.name}
      hint={props.hint}
      invalid={props.invalid}
      control={(attributes) => (
        <select
          {...attributes}
          name={props.name}
          class="input"
          value={props.value}
          disabled={props.disabled}
          onChange={(e) => props.onValue(e.currentTarget.value as V)}
        >
          {props.options.map(([v, text]) => (
            <option key={v} value={v}>
              {text}
            </option>
          ))}
        </select>
      )}
    />
  );
}

/** A labelled multi-line text input; marked invalid like TextField. */
export function TextAreaField(props: {
  label: string;
  name: string;
  value: string;
  onValue: (v: string) => void;
  rows?: number;
  maxLength?: number;
  required?: boolean;
  placeholder?: string;
  hint?: ComponentChildren;
  invalid?: boolean;
  class?: string;
  disabled?: boolean;
}) {
  const field = (
    <Field
      label={props.label}
      name={props.name}
      hint={props.hint}
      invalid={props.invalid}
      control={(attributes) => (
        <textarea
          {...attributes}
          name={props.name}
          class="input textarea"
          rows={props.rows ?? 4}
          maxLength={props.maxLength}
          required={props.required}
          placeholder={props.placeholder}
          disabled={props.disabled}
          value={props.value}
          onInput={(e) => props.onValue(e.currentTarget.value)}
        />
      )}
    />
  );
  return props.class ? <div class={props.class}>{field}</div> : field;
}

/**
 * A question answered by one of a few options shown as radio buttons; the fieldset is marked
 * invalid when the Form's problem names `name`.
 */
export function RadioField<V extends string>(props: {
  legend: string;
  name: string;
  value: V | "";
  onValue: (v: V) => void;
  options: ReadonlyArray<readonly [V, string]>;
  hint?: ComponentChildren;
  class?: string;
  required?: boolean;
}) {
  const id = useId();
  const problemField = useContext(ProblemField);
  const invalid = problemField !== undefined && problemField === props.name;
  return (
    <fieldset
      class={`radio-field${invalid ? " radio-field-invalid" : ""} ${props.class ?? ""}`}
      aria-describedby={props.hint ? `${id}-hint` : undefined}
      data-name={props.name}
    >
      <legend class="field-legend" id={`${id}-legend`}>
        {props.legend}
      </legend>
      {props.hint && (
        <p class="hint" id={`${id}-hint`}>
          {props.hint}
        </p>
      )}
      <div
        class="choice-options"
        role="radiogroup"
        aria-labelledby={`${id}-legend`}
        aria-invalid={invalid ? "true" : undefined}
      >
        {props.options.map(([v, label]) => (
          <label key={v} class={`choice${props.value === v ? " choice-selected" : ""}`}>
            <input
              type="radio"
              name={props.name}
              value={v}
              checked={props.value === v}
              required={props.required}
              onChange={() => props.onValue(v)}
            />
            {label}
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/** The submit button of a form, disabled and relabelled while the form is being sent. */
export function SubmitActions(props: {
  label: string;
  busyLabel: string;
  busy: boolean;
  class?: string;
}) {
  return (
    <div class={props.class ? `form-actions ${props.class}` : "form-actions"}>
      <button type="submit" class="btn btn-primary" disabled={props.busy}>
        {props.busy ? props.busyLabel : props.label}
      </button>
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

/**
 * A horizontally scrollable table named for screen readers. `false` columns are left out;
 * `actions` adds a last column, unlabelled on screen, for per-row buttons.
 */
export function DataTable(props: {
  label: string;
  columns: ReadonlyArray<string | false>;
  actions?: boolean;
  dense?: boolean;
  children: ComponentChildren;
}) {
  return (
    <div class="table-wrap">
      <table class={props.dense ? "table table-dense" : "table"} aria-label={props.label}>
        <thead>
          <tr>
            {props.columns.map(
              (column) =>
                column !== false && (
                  <th key={column} scope="col">
                    {column}
                  </th>
                ),
            )}
            {props.actions && (
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
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
