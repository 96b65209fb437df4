// Shown right after login while the hub requires a new password (first sign-in with a one-time
// password, or after an administrator reset it). Nothing else is reachable until it is done.

import { useSession } from "../session";
import { RequiredStepLayout } from "./auth-layout";
import { PasswordChangeForm } from "./password-form";

export function ForcedPasswordPage(props: { onChanged: () => Promise<void> }) {
  const { me } = useSession();
  return (
    <RequiredStepLayout
      title="Choose a new password"
      lead={
        <>
          Welcome, {me.user.display_name || me.user.username}. The password you signed in with was
          issued for one use only. Choose your own password to continue.
        </>
      }
    >
      <PasswordChangeForm
        currentLabel="One-time password"
        submitLabel="Save and continue"
        onChanged={props.onChanged}
      />
    </RequiredStepLayout>
  );
}
