// Sign-in: username and password; a six-digit code when the hub asks for two-factor
// authentication (401 totp-required), then all three are sent again.

import { useEffect, useRef, useState } from "preact/hooks";

import { ApiError, post, toApiError } from "../api";
import { CodeField, PasswordField, ProblemAlert, StatusMessage, TextField } from "../components";
import type { Me } from "../types";
import { AuthLayout } from "./auth-layout";

export function LoginPage(props: { notice: string | null; onSignedIn: (me: Me) => void }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [needCode, setNeedCode] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const codeRef = useRef<HTMLInputElement>(null);
  const userRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    userRef.current?.focus();
  }, []);

  useEffect(() => {
    if (needCode) codeRef.current?.focus();
  }, [needCode]);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      const body: Record<string, string> = { username: username.trim(), password };
      if (needCode) body.totp = code.trim();
      const me = await post<Me>("/api/v1/auth/login", body, { quiet401: true });
      props.onSignedIn(me);
    } catch (err) {
      const apiError = toApiError(err);
      if (apiError.slug === "totp-required") {
        // The first answer only says a code is needed; after a code was sent it means the code was wrong.
        if (needCode) {
          setError(apiError);
          setCode("");
          codeRef.current?.focus();
        }
        setNeedCode(true);
      } else if (apiError.slug === "unauthenticated") {
        setError(new ApiError({ ...apiError.problem, title: "Sign-in failed" }));
      } else {
        setError(withRetryHint(apiError));
      }
      setBusy(false);
    }
  };

  return (
    <AuthLayout
      title="Sign in"
      brandSub="Cybersecurity support for hospitals and healthcare providers"
      footnote="Access is limited to staff of registered organisations. Accounts are created by your organisation's administrator."
    >
      <form class="form" onSubmit={submit}>
        <StatusMessage message={error ? null : props.notice} />
        <ProblemAlert error={error} />
        <TextField
          label="Username"
          name="username"
          value={username}
          onValue={setUsername}
          autoComplete="username"
          autoCapitalize="none"
          spellcheck={false}
          required
          inputRef={userRef}
          readOnly={needCode}
        />
        <PasswordField
          label="Password"
          name="password"
          value={password}
          onValue={setPassword}
          autoComplete="current-password"
          readOnly={needCode}
        />
        {needCode && (
          <CodeField
            label="Authentication code"
            name="totp"
            value={code}
            onValue={setCode}
            inputRef={codeRef}
            hint="Enter the 6-digit code from your authenticator app."
          />
        )}
        <div class="form-actions">
          <button type="submit" class="btn btn-primary btn-block" disabled={busy}>
            {busy ? "Signing in…" : needCode ? "Verify and sign in" : "Sign in"}
          </button>
          {needCode && (
            <button
              type="button"
              class="btn btn-link"
              onClick={() => {
                setNeedCode(false);
                setCode("");
                setError(null);
              }}
            >
              Use a different account
            </button>
          )}
        </div>
      </form>
    </AuthLayout>
  );
}

function withRetryHint(error: ApiError): ApiError {
  if (error.slug !== "rate-limited" || error.retryAfter === null) return error;
  if (error.problem.detail && /\d/.test(error.problem.detail)) return error;
  const minutes = Math.ceil(error.retryAfter / 60);
  const wait = error.retryAfter < 90 ? `${error.retryAfter} seconds` : `${minutes} minutes`;
  const detail = `${error.problem.detail ? `${error.problem.detail} ` : ""}Try again in ${wait}.`;
  return new ApiError({ ...error.problem, detail }, error.retryAfter);
}
