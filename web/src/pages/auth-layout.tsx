// Frame of the pages shown outside the console: sign-in, and the steps the hub requires right
// after sign-in before anything else is reachable.

import type { ComponentChildren } from "preact";
import { useEffect } from "preact/hooks";

import { useSession } from "../session";
import { BrandMark } from "../shell";

/** A centred card with the brand, the page's title (also the document title) and a footnote. */
export function AuthLayout(props: {
  title: string;
  brandSub: ComponentChildren;
  footnote: ComponentChildren;
  wide?: boolean;
  children: ComponentChildren;
}) {
  useEffect(() => {
    document.title = `${props.title} · Caduceus`;
  }, [props.title]);
  return (
    <div class="auth-page">
      <main class={props.wide ? "auth-card auth-card-wide" : "auth-card"}>
        <div class="auth-brand">
          <BrandMark />
          <div>
            <p class="auth-brand-name">Caduceus</p>
            <p class="auth-brand-sub">{props.brandSub}</p>
          </div>
        </div>
        <h1 class="auth-title">{props.title}</h1>
        {props.children}
        <p class="auth-footnote">{props.footnote}</p>
      </main>
    </div>
  );
}

/** A step the signed-in user must complete first; the only other way out is signing out. */
export function RequiredStepLayout(props: {
  title: string;
  lead: ComponentChildren;
  wide?: boolean;
  children: ComponentChildren;
}) {
  const { me, logout } = useSession();
  return (
    <AuthLayout
      title={props.title}
      brandSub={me.organisation.name}
      wide={props.wide}
      footnote={
        <button type="button" class="btn btn-link" onClick={() => void logout()}>
          Sign out instead
        </button>
      }
    >
      <p class="auth-lead">{props.lead}</p>
      {props.children}
    </AuthLayout>
  );
}
