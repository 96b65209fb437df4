// Client-side routing on the History API. The hub serves index.html for every non-API path
// without a file extension, so any path rendered here can also be loaded directly.

import { useEffect, useState } from "preact/hooks";

const kNavigateEvent = "caduceus:navigate";

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  const current = location.pathname + location.search;
  if (to === current) return;
  if (options.replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  window.dispatchEvent(new Event(kNavigateEvent));
}

export interface Location {
  path: string;
  query: URLSearchParams;
}

function read(): Location {
  return { path: location.pathname, query: new URLSearchParams(location.search) };
}

export function useLocation(): Location {
  const [loc, setLoc] = useState<Location>(read);
  useEffect(() => {
    const update = () => setLoc(read());
    window.addEventListener("popstate", update);
    window.addEventListener(kNavigateEvent, update);
    return () => {
      window.removeEventListener("popstate", update);
      window.removeEventListener(kNavigateEvent, update);
    };
  }, []);
  return loc;
}

/** A same-origin path safe to return to after login (no scheme, no protocol-relative URL). */
export function safeReturnPath(value: string | null): string {
  if (!value || !value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) {
    return "/";
  }
  if (value.startsWith("/login")) return "/";
  return value;
}

/** Click handler for in-app links: plain left clicks navigate without reloading the page. */
export function onLinkClick(e: MouseEvent, href: string): void {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) {
    return;
  }
  e.preventDefault();
  navigate(href);
}
