// Top-level component: finds out whether a session exists, then shows the login page, the
// forced password change, or the console shell with the page for the current path.

import { useCallback, useEffect, useMemo, useState } from "preact/hooks";

import { get, post, setCsrfToken, setSessionHooks } from "./api";
import { Spinner } from "./components";
import { navigate, safeReturnPath, useLocation } from "./router";
import { type Session, SessionContext } from "./session";
import { Shell } from "./shell";
import type { Me } from "./types";
import { ForcedPasswordPage } from "./pages/forced-password";
import { ForcedTotpPage } from "./pages/forced-totp";
import { LoginPage } from "./pages/login";

type State = { status: "loading" } | { status: "anonymous" } | { status: "signed-in"; me: Me };

const kForcedPasswordPath = "/account/new-password";
const kForcedTotpPath = "/account/two-factor";

/** The page the user must complete before anything else, if any. */
function requiredStep(me: Me): string | null {
  if (me.password_change_required) return kForcedPasswordPath;
  if (me.organisation.require_totp && !me.user.totp_enabled) return kForcedTotpPath;
  return null;
}

export function App() {
  const [state, setState] = useState<State>({ status: "loading" });
  const [notice, setNotice] = useState<string | null>(null);
  const loc = useLocation();

  const adopt = useCallback((me: Me) => {
    setCsrfToken(me.csrf_token);
    setState({ status: "signed-in", me });
  }, []);

  const endSession = useCallback(() => {
    setCsrfToken(null);
    setState({ status: "anonymous" });
  }, []);

  const refresh = useCallback(async () => {
    adopt(await get<Me>("/api/v1/me"));
  }, [adopt]);

  useEffect(() => {
    setSessionHooks({
      onUnauthenticated: () => {
        endSession();
        const here = location.pathname + location.search;
        const next =
          here === "/" || here.startsWith("/login") ? "" : `?next=${encodeURIComponent(here)}`;
        navigate(`/login${next}`, { replace: true });
      },
      onAccountActionRequired: () => {
        void refresh().catch(() => undefined);
      },
    });
    get<Me>("/api/v1/me", { quiet401: true }).then(adopt, endSession);
  }, [adopt, endSession, refresh]);

  const logout = useCallback(async () => {
    try {
      await post<void>("/api/v1/auth/logout", {}, { quiet401: true });
    } catch {
      // The session is dropped locally whatever the hub answered.
    }
    endSession();
    navigate("/login", { replace: true });
  }, [endSession]);

  const session = useMemo<Session | null>(
    () => (state.status === "signed-in" ? { me: state.me, refresh, logout } : null),
    [state, refresh, logout],
  );

  // Redirects that follow from the session state and the path.
  const target = redirectFor(state, loc.path, loc.query);
  useEffect(() => {
    if (target) navigate(target, { replace: true });
  }, [target]);

  if (state.status === "loading" || target) {
    return (
      <main class="boot">
        <Spinner label="Loading Caduceus…" />
      </main>
    );
  }

  if (state.status === "anonymous") {
    return (
      <LoginPage
        notice={notice}
        onSignedIn={(me) => {
          setNotice(null);
          adopt(me);
          navigate(requiredStep(me) ?? safeReturnPath(loc.query.get("next")), {
            replace: true,
          });
        }}
      />
    );
  }

  const step = requiredStep(state.me);
  return (
    <SessionContext.Provider value={session}>
      {step === kForcedTotpPath && <ForcedTotpPage />}
      {step === kForcedPasswordPath && (
        <ForcedPasswordPage
          onChanged={async () => {
            try {
              adopt(await get<Me>("/api/v1/me", { quiet401: true }));
              navigate("/", { replace: true });
            } catch {
              endSession();
              setNotice("Your new password is saved. Sign in with it to continue.");
              navigate("/login", { replace: true });
            }
          }}
        />
      )}
      {step === null && <Shell path={loc.path} />}
    </SessionContext.Provider>
  );
}

function redirectFor(state: State, path: string, query: URLSearchParams): string | null {
  if (state.status === "loading") return null;
  if (state.status === "anonymous") {
    if (path === "/login") return null;
    const here = path + (query.toString() ? `?${query}` : "");
    return here === "/" ? "/login" : `/login?next=${encodeURIComponent(here)}`;
  }
  const step = requiredStep(state.me);
  if (step) return path === step ? null : step;
  if (path === "/login") return safeReturnPath(query.get("next"));
  if (path === kForcedPasswordPath || path === kForcedTotpPath) return "/";
  return null;
}
