// Two-factor enrolment: asks the hub for a new secret, shows it as a QR code, a key and an
// otpauth link, and activates it once the user confirms a code from their authenticator app.

import { useEffect, useState } from "preact/hooks";

import { post } from "../api";
import { CodeField, PasswordField, ProblemAlert, Spinner } from "../components";
import { useAction } from "../hooks";
import type { TotpSetup } from "../types";

/** Renders the otpauth URI as an SVG QR code in a data: URL (allowed by the CSP's img-src). */
function useQrCode(uri: string | null): string | null {
  const [qr, setQr] = useState<string | null>(null);
  useEffect(() => {
    setQr(null);
    if (!uri) return undefined;
    let live = true;
    import("qrcode")
      .then((lib) => lib.toString(uri, { type: "svg", margin: 1, errorCorrectionLevel: "M" }))
      .then((svg) => {
        if (live) setQr(`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`);
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [uri]);
  return qr;
}

export function TotpEnrollment(props: {
  intro: string;
  onEnabled: () => Promise<void>;
  onCancel?: () => void;
}) {
  const [setup, setSetup] = useState<TotpSetup | null>(null);
  const [code, setCode] = useState("");
  const [password, setPassword] = useState("");
  const { busy, error, setError, run } = useAction();
  const qr = useQrCode(setup?.otpauth_uri ?? null);

  const begin = () =>
    run(async () => {
      setSetup(await post<TotpSetup>("/api/v1/me/totp/setup", {}));
      setCode("");
    });

  const enable = (e: Event) => {
    e.preventDefault();
    return run(async () => {
      await post<void>("/api/v1/me/totp/enable", { password, code: code.trim() });
      setSetup(null);
      setCode("");
      setPassword("");
      await props.onEnabled();
    });
  };

  if (!setup) {
    return (
      <div class="stack">
        <ProblemAlert error={error} />
        <p>{props.intro}</p>
        <div>
          <button type="button" class="btn btn-primary" disabled={busy} onClick={begin}>
            Set up two-factor authentication
          </button>
        </div>
      </div>
    );
  }

  return (
    <div class="totp-setup">
      <ProblemAlert error={error} />
      <ol class="steps">
        <li>
          <p class="step-title">Add Caduceus to your authenticator app</p>
          <div class="totp-grid">
            <div class="qr-box">
              {qr ? (
                <img
                  src={qr}
                  class="qr"
                  width={176}
                  height={176}
                  alt="QR code containing the setup key below"
                />
              ) : (
                <Spinner label="Drawing QR code…" />
              )}
            </div>
            <dl class="facts facts-stacked">
              <dt>Setup key</dt>
              <dd>
                <code class="secret-key" data-testid="totp-secret">
                  {setup.secret}
                </code>
              </dd>
              <dt>Setup link</dt>
              <dd>
                <code class="wrap-anywhere" data-testid="totp-uri">
                  {setup.otpauth_uri}
                </code>
              </dd>
            </dl>
          </div>
        </li>
        <li>
          <p class="step-title">Confirm with your password and the code the app shows</p>
          <form class="form form-inline" onSubmit={enable}>
            <PasswordField
              label="Your password"
              name="password"
              autoComplete="current-password"
              value={password}
              onValue={setPassword}
            />
            <CodeField label="6-digit code" name="code" value={code} onValue={setCode} />
            <button type="submit" class="btn btn-primary" disabled={busy}>
              Enable
            </button>
            <button
              type="button"
              class="btn btn-ghost"
              onClick={() => {
                setSetup(null);
                setError(null);
                props.onCancel?.();
              }}
            >
              Cancel
            </button>
          </form>
        </li>
      </ol>
    </div>
  );
}
