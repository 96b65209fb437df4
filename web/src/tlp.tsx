// Traffic Light Protocol 2.0 (FIRST, 2022) as the console shows it: the standard labels, coloured
// text on black (RED #FF2B2B, AMBER #FFC000, GREEN #33FF00, CLEAR white), always with the level
// written out so that colour is never the only carrier, and who may see an object at each level
// under the hub's sharing rules.

import { useId } from "preact/hooks";

import type { Tlp } from "./types";

/** Least restrictive first, as the hub orders them. */
export const kTlpLevels: readonly Tlp[] = ["clear", "green", "amber", "amber+strict", "red"];

export function tlpName(tlp: Tlp): string {
  return `TLP:${tlp.toUpperCase()}`;
}

/** Who sees an object of each level, as the hub enforces it. */
export const kTlpAudience: Record<Tlp, string> = {
  clear: "anyone with access to the hub",
  green: "the community of the collection",
  amber: "your organisation, its authority and the organisations you name",
  "amber+strict": "your organisation only",
  red: "only the organisations you name",
};

/** Reads a level as people and tools write it ("TLP:AMBER", "white", "amber_strict"). */
export function parseTlp(text: string): Tlp | null {
  const t = text
    .trim()
    .toLowerCase()
    .replace(/^tlp:/, "")
    .replace(/[_ ]strict$/, "+strict");
  if (t === "white") return "clear";
  return (kTlpLevels as readonly string[]).includes(t) ? (t as Tlp) : null;
}

function tlpClass(tlp: Tlp): string {
  return `tlp tlp-${tlp.replace("+", "-")}`;
}

/**
 * The standard label of a level. An unknown value from the hub is shown as plain text, never
 * with a colour it does not have. `explain` adds who may see it, for screen readers.
 */
export function TlpLabel(props: { tlp: Tlp | string; explain?: boolean }) {
  const tlp = parseTlp(props.tlp);
  if (!tlp) return <span class="tlp tlp-unknown">{props.tlp || "no TLP"}</span>;
  return (
    <span class={tlpClass(tlp)} data-tlp={tlp} title={`Shared with ${kTlpAudience[tlp]}`}>
      {tlpName(tlp)}
      {props.explain && <span class="sr-only">, shared with {kTlpAudience[tlp]}</span>}
    </span>
  );
}

/** A choice of level as radio buttons, each showing its label and its audience. */
export function TlpPicker(props: {
  legend: string;
  name: string;
  value: Tlp | "";
  onValue: (tlp: Tlp) => void;
  levels?: readonly Tlp[];
  hint?: string;
  /** Audience text per level, when a page words it differently (e.g. for a collection). */
  audience?: Partial<Record<Tlp, string>>;
}) {
  const id = useId();
  return (
    <fieldset class="tlp-picker" data-name={props.name}>
      <legend class="field-legend">{props.legend}</legend>
      {props.hint && <p class="hint">{props.hint}</p>}
      <div class="tlp-options">
        {(props.levels ?? kTlpLevels).map((tlp) => (
          <div key={tlp} class={`tlp-option${props.value === tlp ? " tlp-option-on" : ""}`}>
            <label class="check">
              <input
                type="radio"
                name={props.name}
                value={tlp}
                checked={props.value === tlp}
                aria-describedby={`${id}-${tlp}`}
                onChange={() => props.onValue(tlp)}
              />
              <TlpLabel tlp={tlp} />
            </label>
            <span class="tlp-audience" id={`${id}-${tlp}`}>
              {props.audience?.[tlp] ?? kTlpAudience[tlp]}
            </span>
          </div>
        ))}
      </div>
    </fieldset>
  );
}
