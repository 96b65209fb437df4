// Shown while the user's organisation requires two-factor authentication and the user has not
// set it up: the hub refuses everything else (403 totp-enrollment-required) until then.

import { useEffect } from "preact/hooks";

import { useSession } from "../session";
import { BrandMark } from "../shell";
import { TotpEnrollment } from "./totp-enrollment";

export function ForcedTotpPage() {
  const { me, refresh, logout } = useSession();
  useEffect(() => {
    document.title = "Set up two-factor authentication · Caduceus";
  }, []);
  return (
    <div class="auth-page">
      <main class="auth-card auth-card-wide">
        <div class="auth-brand">
          <BrandMark />
          <div>
            <p class="auth-brand-name">Caduceus</p>
            <p class="auth-brand-sub">{me.organisation.name}</p>
          </div>
        </div>
        <h1 class="auth-title">Set up two-factor authentication</h1>
        <p class="auth-lead">
          {me.organisation.name} requires two-factor authentication for every account. Add Caduceus
          to an authenticator app on your phone (for example FreeOTP, Aegis or Google Authenticator)
          to continue.
        </p>
        <TotpEnrollment
          intro="You will then be asked for a 6-digit code from the app each time you sign in."
          onEnabled={refresh}
        />
        <p class="auth-footnote">
          <button type="button" class="btn btn-link" onClick={() => void logout()}>
            Sign out instead
          </button>
        </p>
      </main>
    </div>
  );
}
