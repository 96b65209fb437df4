// The service area that a later release of the hub will provide. Each page says plainly what
// the area will do; none shows invented data.

import { Card, PageHeader } from "../components";
import type { IconName } from "../shell";

export interface Area {
  path: string;
  label: string;
  icon: IconName;
  summary: string;
}

export const kAreas: readonly Area[] = [
  {
    path: "/warnings",
    label: "Early warnings",
    icon: "warning",
    summary:
      "Near-real-time warnings about vulnerabilities and active campaigns that affect hospital " +
      "systems and medical devices, matched against what your organisation runs. Providers " +
      "acknowledge each warning and record what they did about it.",
  },
];

export function PlaceholderPage(props: { area: Area }) {
  const { area } = props;
  return (
    <>
      <PageHeader title={area.label} />
      <Card class="placeholder" title="This area arrives with a later release of the hub">
        <p class="placeholder-text" data-testid="placeholder-summary">
          {area.summary}
        </p>
        <p class="muted">
          Nothing is stored or shown here yet. Accounts, organisations and audit logging are
          available today.
        </p>
      </Card>
    </>
  );
}
