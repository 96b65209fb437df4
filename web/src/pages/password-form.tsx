// Change-password form, used by the forced first-login page and by My account.

import { useState } from "preact/hooks";

import { ApiError, post } from "../api";
import { Form, PasswordField, ProblemAlert, SubmitActions } from "../components";
import { useAction } from "../hooks";

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
  const { busy, error, setError, run } = useAction();

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
      setError(localProblem("The two new passwords do not match.", "confirm_password"));
      return;
    }
    await run(async () => {
      await post<void>("/api/v1/me/password", { current_password: current, new_password: next });
      setCurrent("");
      setNext("");
      setConfirm("");
      await props.onChanged();
    });
  };

  return (
    <Form class="form" error={error} onSubmit={submit}>
      <ProblemAlert error={error} />
      <PasswordField
        label={props.currentLabel}
        name="current_password"
        value={current}
        onValue={setCurrent}
        autoComplete="current-password"
      />
      <PasswordField
        label="New password"
        name="new_password"
        value={next}
        onValue={setNext}
        autoComplete="new-password"
        minLength={kMinPassword}
        maxLength={kMaxPassword}
        hint={`At least ${kMinPassword} characters. A passphrase of several unrelated words works well.`}
      />
      <PasswordField
        label="Repeat the new password"
        name="confirm_password"
        value={confirm}
        onValue={setConfirm}
        autoComplete="new-password"
      />
      <SubmitActions label={props.submitLabel} busyLabel="Saving…" busy={busy} />
    </Form>
  );
}
