// Shown while the user's organisation requires two-factor authentication and the user has not
// set it up: the hub refuses everything else (403 totp-enrollment-required) until then.

import { useSession } from "../session";
import { RequiredStepLayout } from "./auth-layout";
import { TotpEnrollment } from "./totp-enrollment";

export function ForcedTotpPage() {
  const { me, refresh } = useSession();
  return (
    <RequiredStepLayout
      title="Set up two-factor authentication"
      wide
      lead={
        <>
          {me.organisation.name} requires two-factor authentication for every account. Add Caduceus
          to an authenticator app on your phone (for example FreeOTP, Aegis or Google Authenticator)
          to continue.
        </>
      }
    >
      <TotpEnrollment
        intro="You will then be asked for a 6-digit code from the app each time you sign in."
        onEnabled={refresh}
      />
    </RequiredStepLayout>
  );
}
