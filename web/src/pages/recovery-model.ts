// Ransomware identification in the browser: turning what the victim gives into clues (files are
// read locally; only a note and a few bytes of an encrypted file leave the machine), and how the
// evidence of a result reads.

import type { Clues } from "../types";

/** Notes larger than this are refused before upload (the hub's bound). */
export const kMaxNoteBytes = 1024 * 1024;
/** How many bytes of the start and the end of an encrypted file are read. */
export const kMarkerBytes = 32;
export const kMaxFileNames = 1000;

export const kEvidenceLabels: Record<string, string> = {
  note_filename: "Ransom-note file name",
  extension: "Encrypted-file extension",
  note_text: "Ransom-note text",
  note_phrase: "Phrase of the note",
  name: "Family name in the note",
  email: "Contact e-mail",
  onion: "Onion address",
  crypto_address: "Wallet address",
  header: "File header bytes",
  footer: "File footer bytes",
};

export function evidenceLabel(kind: string): string {
  return kEvidenceLabels[kind] ?? kind.replace(/_/g, " ");
}

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}

export function bytesToHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Hex digits only ("4D 5A 90 00", "0x4d5a" -> "4d5a90 00"...): spaces, colons and 0x go. */
export function cleanHex(text: string): string {
  return text
    .replace(/0x/gi, "")
    .replace(/[\s:,-]/g, "")
    .toLowerCase();
}

/** Non-empty trimmed lines (also split at commas and semicolons when `commas`). */
export function lines(text: string, commas = false): string[] {
  return text
    .split(commas ? /[\n,;]/ : /\n/)
    .map((l) => l.trim())
    .filter(Boolean);
}

export interface ClueDraft {
  noteName: string;
  noteText: string;
  /** The note file picked, read in the browser. */
  noteFile: { name: string; size: number; base64: string } | null;
  fileNames: string;
  headerHex: string;
  footerHex: string;
  emails: string;
  onions: string;
  wallets: string;
  incidentId: string;
}

export function emptyDraft(incidentId = ""): ClueDraft {
  return {
    noteName: "",
    noteText: "",
    noteFile: null,
    fileNames: "",
    headerHex: "",
    footerHex: "",
    emails: "",
    onions: "",
    wallets: "",
    incidentId,
  };
}

/** The identify request for a draft; members without content are left out. */
export function toClues(d: ClueDraft): Clues {
  const c: Clues = {};
  if (d.noteFile) {
    c.note_filename = d.noteFile.name;
    c.note_base64 = d.noteFile.base64;
  } else {
    if (d.noteName.trim()) c.note_filename = d.noteName.trim();
    if (d.noteText.trim()) c.note_text = d.noteText;
  }
  const names = lines(d.fileNames);
  if (names.length) c.file_names = names.slice(0, kMaxFileNames);
  if (cleanHex(d.headerHex)) c.header_hex = cleanHex(d.headerHex);
  if (cleanHex(d.footerHex)) c.footer_hex = cleanHex(d.footerHex);
  const emails = lines(d.emails, true);
  if (emails.length) c.emails = emails;
  const onions = lines(d.onions, true);
  if (onions.length) c.onions = onions;
  const wallets = lines(d.wallets, true);
  if (wallets.length) c.crypto_addresses = wallets;
  if (/^\d{1,15}$/.test(d.incidentId)) c.incident_id = Number(d.incidentId);
  return c;
}

export function hasClues(c: Clues): boolean {
  return Object.keys(c).some((k) => k !== "incident_id");
}
