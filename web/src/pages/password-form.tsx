// Change-password form, used by the forced first-login page and by My account.

import { useState } from "preact/hooks";

import { ApiError, post, toApiError } from "../api";
import { ProblemAlert, TextField } from "../components";

const kMinPassword = 12;
const kMaxPassword = 256;

function localProblem(detail: string, field: string): ApiError {
  return new ApiError({
    type: "urn:caduceus:problem:invalid-input",
    title: "Check the new password",
    status: 400,
    detail,
    field,
  });
}

export function PasswordChangeForm(props: {
  currentLabel: string;
  submitLabel: string;
  onChanged: () => void | Promise<void>;
}) {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [confirm, setConfirm] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (next.length < kMinPassword || next.length > kMaxPassword) {
      setError(
        localProblem(
          `The new password must be ${kMinPassword} to ${kMaxPassword} characters long.`,
          "new_password",
        ),
      );
      return;
    }
    if (next !== confirm) {
      setError(localProblem("The two new passwords do not match.", "confirm"));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await post<void>("/api/v1/me/password", { current_password: current, new_password: next });
      setCurrent("");
      setNext("");
      setConfirm("");
      await props.onChanged();
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setBusy(false);
    }
  };

  const field = error?.problem.field;
  return (
    <form class="form" onSubmit={submit}>
      <ProblemAlert error={error} />
      <TextField
        label={props.currentLabel}
        name="current_password"
        type="password"
        value={current}
        onValue={setCurrent}
        autoComplete="current-password"
        required
        invalid={field === "current_password"}
      />
      <TextField
        label="New password"
        name="new_password"
        type="password"
        value={next}
        onValue={setNext}
        autoComplete="new-password"
        required
        minLength={kMinPassword}
        maxLength={kMaxPassword}
        invalid={field === "new_password"}
        hint={`At least ${kMinPassword} characters. A passphrase of several unrelated words works well.`}
      />
      <TextField
        label="Repeat the new password"
        name="confirm_password"
        type="password"
        value={confirm}
        onValue={setConfirm}
        autoComplete="new-password"
        required
        invalid={field === "confirm"}
      />
      <div class="form-actions">
        <button type="submit" class="btn btn-primary" disabled={busy}>
          {busy ? "Saving…" : props.submitLabel}
        </button>
      </div>
    </form>
  );
}
