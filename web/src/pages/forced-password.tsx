// Shown right after login while the hub requires a new password (first sign-in with a one-time
// password, or after an administrator reset it). Nothing else is reachable until it is done.

import { useEffect } from "preact/hooks";

import { useSession } from "../session";
import { BrandMark } from "../shell";
import { PasswordChangeForm } from "./password-form";

export function ForcedPasswordPage(props: { onChanged: () => Promise<void> }) {
  const { me, logout } = useSession();
  useEffect(() => {
    document.title = "Choose a new password · Caduceus";
  }, []);
  return (
    <div class="auth-page">
      <main class="auth-card">
        <div class="auth-brand">
          <BrandMark />
          <div>
            <p class="auth-brand-name">Caduceus</p>
            <p class="auth-brand-sub">{me.organisation.name}</p>
          </div>
        </div>
        <h1 class="auth-title">Choose a new password</h1>
        <p class="auth-lead">
          Welcome, {me.user.display_name || me.user.username}. The password you signed in with was
          issued for one use only. Choose your own password to continue.
        </p>
        <PasswordChangeForm
          currentLabel="One-time password"
          submitLabel="Save and continue"
          onChanged={props.onChanged}
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
