#!/usr/bin/env python3
"""Generate a hospital sector's asset inventories, with the ground truth of what is affected.

Draws PROVIDERS inventories of ASSETS rows each (default 5,000 x 400 = 2 million assets) from
the products the CISA CSAF advisories in ../shared/data/csaf name, plus decoys and ordinary
hospital IT, and writes which (asset, CVE) pairs the advisories affect. The matcher
(src/advisories/matcher.h) is scored against that truth: bench/matcher_bench.cpp and
tests/advisories/matcher_test.cpp read what this writes.

Kinds of asset (fractions of each inventory, adjustable with --mix):
  planted     0.060  an advisory product as the advisory names it (case, punctuation and
                     legal forms varied: "PHILIPS N.V." for "Philips"), a version inside its range
  model       0.010  a product with CSAF model_numbers, written by model number, under a
                     different product name ("SCALANCE unit" + "6GK5206-2GS00-2TC2")
  noversion   0.010  an advisory product without a version: "possibly affected" unless the
                     advisory says all versions
  unaffected  0.030  decoy: an advisory product at a version outside its range
  othervendor 0.030  decoy: an advisory vendor with a product no advisory names
  lookalike   0.030  decoy: one character or word away from an advisory product or vendor
                     ("IntelliVue MX41", "Medtronix")
  filler      rest   ordinary hospital IT no advisory names

The truth is computed here, independently of the C++ matcher, by the rules docs/matching.md
states, for the forms this generator plants: vendor and product names normalised, the readings
of a name the matcher tries (without parentheses, with its product family, without the vendor's
name in front), model numbers, and version specs of the forms "all versions", "<= 6.2.1",
"vers:all/<V3.1", ">= 1.0|< 2.0" and a plain version. A draw whose name also names a product
with any other kind of range, or a product in a CSAF relationship, is drawn again, so every
truth label is exact. Labels per (asset, CVE): affected, possibly (needs review), fixed,
not_affected; a pair without a line has no finding.

Output (OUT):
  inventories/pNNNNN.csv  one CSV inventory per provider (vendor, product, version, model
                          number, serial, location, department, owner, network-connected,
                          patient-safety critical)
  truth.tsv               provider, line, CVE, label, advisory tracking id
  sector.json             arguments and counts

Determinism: the output depends only on the arguments and the CSAF files; one random stream,
seeded with --seed, drives every choice, and files are read in sorted order.

Usage:
  gen_sector.py --out bench-work/sector                       # 5,000 x 400
  gen_sector.py --providers 20 --assets 100 --seed 7 --out /tmp/small

Python 3.9+, standard library only.
"""

import argparse
import csv
import json
import os
import random
import re
import sys
import time
import unicodedata

sys.dont_write_bytecode = True

DEFAULT_MIX = {"planted": 0.06, "model": 0.01, "noversion": 0.01, "unaffected": 0.03,
               "othervendor": 0.03, "lookalike": 0.03}
TEMPLATES_PER_KIND = 3000

LEGAL_FORMS = {
    "inc", "incorporated", "ltd", "limited", "llc", "llp", "lp", "gmbh", "ag", "kgaa", "kg",
    "bv", "nv", "sa", "spa", "sas", "sarl", "srl", "sl", "sro", "se", "co", "corp",
    "corporation", "company", "plc", "oy", "oyj", "ab", "as", "asa", "aps", "pty", "pte",
    "kk", "ltda"}

SPECIAL_FOLDS = {"ß": "ss", "æ": "ae", "Æ": "ae", "ø": "o", "Ø": "o", "ł": "l", "Ł": "l",
                 "đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "þ": "th", "Þ": "th", "œ": "oe",
                 "Œ": "oe", "ĳ": "ij", "Ĳ": "ij", "ı": "i", "ħ": "h", "Ħ": "h", "ŋ": "n",
                 "Ŋ": "n", "ĸ": "k", "ſ": "s", "ŀ": "l", "Ŀ": "l", "ŉ": "n", "×": " ",
                 "÷": " ", "ș": "s", "Ș": "s", "ț": "t", "Ț": "t"}
GERMAN = {"ä": "ae", "Ä": "ae", "ö": "oe", "Ö": "oe", "ü": "ue", "Ü": "ue"}

FILLERS = [
    ("Microsoft", "Windows 10 Enterprise", ["21H2", "22H2"]),
    ("Microsoft", "Exchange Server 2019", ["CU12", "CU13", "CU14"]),
    ("Microsoft", "SQL Server 2019", ["15.0.4345.5", "15.0.4375.4"]),
    ("Cisco", "Catalyst 9300-48P", ["17.9.4", "17.12.2"]),
    ("Cisco", "Meraki MR46", ["29.7", "30.5"]),
    ("Hewlett Packard Enterprise", "ProLiant DL380 Gen10", ["U30 2.90", "U30 3.00"]),
    ("HP Inc.", "LaserJet Pro M404dn", ["002.2307A", "002.2315A"]),
    ("Dell Technologies", "OptiPlex 7090", ["1.22.0", "1.25.0"]),
    ("Lenovo", "ThinkPad T14 Gen 3", ["1.38", "1.41"]),
    ("Zebra Technologies", "ZD421 label printer", ["V93.21.23Z", "V93.21.26Z"]),
    ("Apple", "iPad Air (5th generation)", ["17.5.1", "17.6"]),
    ("Epic Systems", "Hyperspace", ["May 2024", "Aug 2024"]),
    ("Oracle Health", "PowerChart", ["2018.07", "2022.01"]),
    ("Citrix", "Workspace app", ["2402", "2405"]),
    ("VMware", "vSphere ESXi", ["7.0 U3", "8.0 U2"]),
    ("Fortinet", "FortiGate 100F", ["7.2.8", "7.4.3"]),
    ("Palo Alto Networks", "PA-3220", ["10.2.9", "11.1.2"]),
    ("Aruba", "AP-515", ["8.10.0.12", "8.11.2.1"]),
    ("Ubiquiti", "UniFi U6 Pro", ["6.6.77"]),
    ("Samsung", "Galaxy Tab Active3", ["13", "14"]),
    ("Brother", "HL-L6400DW", ["1.54"]),
    ("Canon", "imageRUNNER ADVANCE C5535i", ["3.12", "3.15"]),
    ("Axis Communications", "P3245-LVE", ["10.12.182", "11.9.60"]),
    ("Honeywell", "Xenon 1950g scanner", ["CV000082", "CV000095"]),
    ("Ascom", "Myco 3 handset", ["3.3.2", "3.4.1"]),
    ("Spok", "Care Connect", ["5.2", "5.4"]),
    ("Vocera", "Smartbadge", ["6.1.0", "6.2.0"]),
    ("Nuance", "Dragon Medical One", ["2023.4", "2024.1"]),
    ("Agfa HealthCare", "Enterprise Imaging", ["8.1.4", "8.2.2"]),
    ("Sectra", "IDS7 workstation", ["25.1", "26.2"]),
    ("Atos", "Unify OpenScape Desk Phone CP410", ["V1 R15.4.0"]),
    ("Yealink", "T54W", ["96.86.0.70"]),
    ("Synology", "DS920+", ["7.2.1-69057"]),
    ("APC by Schneider", "Smart-UPS SRT 3000", ["UPS 15.5"]),
    ("Kyocera", "ECOSYS M3655idn", ["2S0_2000.006.100"]),
    ("Veeam", "Backup & Replication", ["12.1.2.172"]),
    ("Sophos", "Intercept X Endpoint", ["2023.2.2.2"]),
    ("Mitel", "MiVoice Business", ["10.0 SP1"]),
]
LOCATIONS = ["ICU", "Emergency", "Radiology", "Cardiology", "Oncology", "Surgery", "Pharmacy",
             "Laboratory", "Neonatal", "Outpatients", "Administration", "Data centre"]
OWNERS = ["Biomedical engineering", "IT operations", "Clinical engineering", "Facilities"]
SUFFIXES = ["Lite", "Cloud Connector", "Mobile Viewer", "Service Gateway", "Analytics Suite"]
VENDOR_LOOKALIKES = [" Systems", " Labs", "x"]

SIMPLE = re.compile(r"^\s*(<=|<|>=|>|=)?\s*([vV]?)(\d+(?:\.\d+)*)\s*$")


# --------------------------------------------------------------------------------------------
# names, as src/advisories/names.cpp reads them

def fold(text, german):
    out = []
    for ch in text:
        cp = ord(ch)
        if cp < 0x80:
            out.append(ch)
        elif german and ch in GERMAN:
            out.append(GERMAN[ch])
        elif ch in SPECIAL_FOLDS:
            out.append(SPECIAL_FOLDS[ch])
        elif 0xC0 <= cp < 0x180:
            base = unicodedata.normalize("NFKD", ch)[0]
            out.append(base if ord(base) < 0x80 else " ")
        elif ch in "\u2018\u2019\u02bc":
            out.append("'")
        elif cp < 0xC0 or 0x2000 <= cp <= 0x214F or 0x3000 <= cp <= 0x303F or cp == 0xFFFD:
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def words(folded):
    out, cur, seg = [], [], 0
    n = len(folded)
    for i, c in enumerate(folded):
        prev = folded[i - 1] if i > 0 else ""
        nxt = folded[i + 1] if i + 1 < n else ""
        if (c.isascii() and c.isalnum()) or ord(c) >= 0x80:
            cur.append(c.lower() if c.isascii() else c)
            seg += 1
        elif c == "'":
            continue
        elif c == "." and prev.isdigit() and nxt.isdigit() and cur:
            cur.append(".")
            seg = 0
        elif (c == "." and seg == 1 and prev.isascii() and prev.isalpha() and nxt.isascii()
              and nxt.isalpha()):
            seg = 0
        elif c == "+" and cur:
            cur.append("+")
        elif c == "&":
            if cur:
                out.append("".join(cur))
            cur, seg = [], 0
            out.append("and")
        else:
            if cur:
                out.append("".join(cur))
            cur, seg = [], 0
    if cur:
        out.append("".join(cur))
    return out


def vendor_key(name, german=False):
    w = words(fold(name[:512], german))
    while len(w) > 1 and w[0] in ("the", "koninklijke"):
        w.pop(0)
    while True:
        stripped = False
        while len(w) > 1 and w[-1] in LEGAL_FORMS:
            w.pop()
            stripped = True
        if stripped and len(w) > 1 and w[-1] == "and":
            w.pop()
            continue
        break
    return " ".join(w)


def product_key(name, german=False):
    return " ".join(words(fold(name[:512], german)))


def keys(kind, name):
    f = vendor_key if kind == "vendor" else product_key
    out = []
    for german in (False, True):
        k = f(name, german)
        if k and k not in out:
            out.append(k)
    return out


def model_key(model):
    return "".join(c for c in fold(model, False) if c not in " -_./").upper()


def without_parentheses(text):
    out, depth = [], 0
    for c in text:
        if c == "(":
            depth += 1
        elif c == ")":
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append(c)
    return " ".join("".join(out).split())


def parenthesised(text):
    parts, depth, start = [], 0, 0
    for i, c in enumerate(text):
        if c == "(":
            if depth == 0:
                start = i + 1
            depth += 1
        elif c == ")" and depth > 0:
            depth -= 1
            if depth == 0:
                parts.append(" ".join(text[start:i].split()))
    return parts


def without_prefix(key, prefix):
    if not prefix or len(key) <= len(prefix) + 1:
        return ""
    if not key.startswith(prefix) or key[len(prefix)] != " ":
        return ""
    return key[len(prefix) + 1:]


# --------------------------------------------------------------------------------------------
# versions: the simple forms whose truth this generator knows

def parse_spec(text):
    """('all',) | ('cons', [(op, prefix, numbers)]) | None when not a simple form."""
    t = text.strip()
    low = t.lower()
    vers = low.startswith("vers:all/") or low.startswith("vers:generic/")
    if vers:
        t = t.split("/", 1)[1].strip()
    if t == "*" or t.lower() in ("all versions", "all"):
        return ("all",)
    parts = t.split("|") if vers else [t]
    cons = []
    for p in parts:
        m = SIMPLE.match(p)
        if not m:
            return None
        nums = tuple(int(x) for x in m.group(3).split("."))
        if len(nums) > 5 or any(x > 10**6 for x in nums):
            return None
        cons.append((m.group(1) or "=", m.group(2), nums))
    if len(cons) == 1:
        return ("cons", cons)
    if len(cons) == 2:
        lower = [c for c in cons if c[0] in (">", ">=")]
        upper = [c for c in cons if c[0] in ("<", "<=")]
        if len(lower) == 1 and len(upper) == 1 and cmp(lower[0][2], upper[0][2]) < 0:
            return ("cons", [lower[0], upper[0]])
    return None


def cmp(a, b):
    n = max(len(a), len(b))
    a = a + (0,) * (n - len(a))
    b = b + (0,) * (n - len(b))
    return (a > b) - (a < b)


def parse_version(text):
    m = re.match(r"^\s*[vV]?(\d+(?:\.\d+)*)\s*$", text)
    return tuple(int(x) for x in m.group(1).split(".")) if m else None


def holds(op, v, bound):
    c = cmp(v, bound)
    return {"=": c == 0, "<": c < 0, "<=": c <= 0, ">": c > 0, ">=": c >= 0}[op]


def verdict(spec, version):
    """'affected' (inside), 'outside' or 'unknown'."""
    if spec[0] == "all":
        return "affected"
    if not version:
        return "unknown"
    v = parse_version(version)
    if v is None:
        return "unknown"
    return "affected" if all(holds(op, v, b) for op, _, b in spec[1]) else "outside"


def spec_for_status(spec, status):
    if spec[0] != "cons" or len(spec[1]) != 1 or spec[1][0][0] != "=":
        return spec
    _, prefix, nums = spec[1][0]
    if status in ("first_affected", "first_fixed"):
        return ("cons", [(">=", prefix, nums)])
    if status == "last_affected":
        return ("cons", [("<=", prefix, nums)])
    return spec


def fmt_version(prefix, nums):
    return prefix + ".".join(str(x) for x in nums)


def inside_version(spec, rng):
    if spec[0] == "all":
        return "%d.%d.%d" % (rng.randint(1, 9), rng.randint(0, 9), rng.randint(0, 20))
    cons = spec[1]
    for _ in range(20):
        op, prefix, nums = rng.choice(cons)
        cand = list(nums)
        if op in ("<", "<="):
            if op == "<" or rng.random() < 0.5:
                nonzero = [i for i, x in enumerate(cand) if x > 0]
                if not nonzero:
                    continue
                i = rng.choice(nonzero)
                cand[i] -= 1
                cand[i + 1:] = [rng.randint(0, 9) for _ in cand[i + 1:]]
        elif op in (">", ">="):
            if op == ">" or rng.random() < 0.5:
                cand[-1] += rng.randint(1, 3)
        text = fmt_version(prefix, tuple(cand))
        if verdict(spec, text) == "affected":
            return text
    return None


def outside_version(spec, rng):
    if spec[0] == "all":
        return None
    for _ in range(20):
        op, prefix, nums = rng.choice(spec[1])
        cand = list(nums)
        if op in ("<", "<=", "="):
            if op == "<" and rng.random() < 0.5:
                pass
            else:
                cand[-1] += rng.randint(1, 3)
        else:
            nonzero = [i for i, x in enumerate(cand) if x > 0]
            if not nonzero:
                return None
            cand[nonzero[-1]] -= 1
        text = fmt_version(prefix, tuple(cand))
        if verdict(spec, text) == "outside":
            return text
    return None


# --------------------------------------------------------------------------------------------
# the advisories

STATUS_LISTS = ("known_affected", "first_affected", "last_affected", "under_investigation",
                "fixed", "first_fixed", "recommended", "known_not_affected")
RANK = {"affected": 3, "possibly": 2, "fixed": 1, "not_affected": 0}


class Product:
    def __init__(self, advisory, medical, vendor, name, family, spec_text, models):
        self.advisory = advisory
        self.medical = medical
        self.vendor = vendor
        self.name = name
        self.family = family
        self.spec_text = spec_text
        self.spec = parse_spec(spec_text) if spec_text else ("all",)
        self.models = models
        self.statuses = []          # (cve, status)
        self.tainted = False        # part of a relationship: the truth here ignores those
        vendors = [vendor, without_parentheses(vendor)] + parenthesised(vendor)
        products = [name, without_parentheses(name)] + ([family + " " + name] if family else [])
        self.vendor_keys = set(k for v in vendors for k in keys("vendor", v))
        self.direct = set(k for p in products for k in keys("product", p))
        self.prefixed = set()
        for v in vendors:
            for prefix in (vendor_key(v), product_key(v)):
                if not prefix:
                    continue
                for p in products:
                    k = product_key(p)
                    if not k:
                        continue
                    bare = without_prefix(k, prefix)
                    if bare:
                        self.prefixed.update((bare, prefix + " " + bare))
                    self.prefixed.add(prefix + " " + k)
        self.model_keys = set(model_key(m) for m in models if model_key(m))

    def same_vendor(self, asset_vendor):
        return bool(self.vendor_keys & set(keys("vendor", asset_vendor)))

    def names_match(self, asset_vendor, asset_product):
        if not self.same_vendor(asset_vendor):
            return False
        ak = keys("product", asset_product)
        return bool(self.direct & set(ak)) or (ak and ak[0] in self.prefixed)

    def identity(self, vendor, product, model):
        if self.models and model:
            return self.same_vendor(vendor) and model_key(model) in self.model_keys
        return self.names_match(vendor, product)


def load_advisories(root):
    products = []
    paths = []
    for d, _, files in os.walk(root):
        for f in files:
            if f.endswith(".json"):
                paths.append(os.path.join(d, f))
    paths.sort()
    for path in paths:
        try:
            with open(path, encoding="utf-8") as fh:
                doc = json.load(fh)
        except (ValueError, UnicodeDecodeError):
            continue
        if not isinstance(doc, dict) or "product_tree" not in doc or "document" not in doc:
            continue
        try:
            tracking = doc["document"]["tracking"]["id"]
        except (KeyError, TypeError):
            continue
        medical = os.path.basename(path).startswith("icsma")
        by_id = {}

        def walk(branches, vendor, family, pname, spec):
            for b in branches or []:
                cat, name = b.get("category"), b.get("name", "")
                v, fam, pn, sp = vendor, family, pname, spec
                if cat == "vendor":
                    v = name
                elif cat == "product_family":
                    fam = name
                elif cat == "product_name":
                    pn = name
                elif cat in ("product_version", "product_version_range"):
                    sp = name
                if "product" in b:
                    helper = b["product"].get("product_identification_helper", {}) or {}
                    p = Product(tracking, medical, v, pn, fam, sp,
                                list(helper.get("model_numbers", []) or []))
                    by_id[b["product"].get("product_id")] = p
                    products.append(p)
                walk(b.get("branches"), v, fam, pn, sp)

        try:
            walk(doc["product_tree"].get("branches"), "", "", "", "")
            for r in doc["product_tree"].get("relationships", []) or []:
                for ref in (r.get("product_reference"), r.get("relates_to_product_reference")):
                    if ref in by_id:
                        by_id[ref].tainted = True
            for vuln in doc.get("vulnerabilities", []) or []:
                cve = vuln.get("cve")
                if not cve:
                    continue
                for status in STATUS_LISTS:
                    for pid in (vuln.get("product_status", {}) or {}).get(status, []) or []:
                        if pid in by_id:
                            by_id[pid].statuses.append((cve, status))
        except (AttributeError, TypeError):
            continue
    return products


class Catalogue:
    def __init__(self, products):
        self.products = products
        self.by_name = {}
        self.by_model = {}
        for p in products:
            for vk in p.vendor_keys:
                for pk in p.direct | p.prefixed:
                    self.by_name.setdefault((vk, pk), []).append(p)
            for mk in p.model_keys:
                self.by_model.setdefault(mk, []).append(p)

    def matching(self, vendor, product, model):
        cands = []
        for vk in keys("vendor", vendor):
            for pk in keys("product", product):
                cands.extend(self.by_name.get((vk, pk), ()))
        if model:
            cands.extend(self.by_model.get(model_key(model), ()))
        seen, out = set(), []
        for p in cands:
            if id(p) not in seen and p.identity(vendor, product, model):
                seen.add(id(p))
                out.append(p)
        return out

    def truth(self, vendor, product, version, model):
        """{cve: (label, advisory)} or None when a matching product makes the truth uncertain."""
        labels = {}
        for p in self.matching(vendor, product, model):
            if p.tainted or p.spec is None:
                return None
            for cve, status in p.statuses:
                v = verdict(spec_for_status(p.spec, status), version)
                label = None
                if status in ("known_affected", "first_affected", "last_affected"):
                    label = {"affected": "affected", "unknown": "possibly",
                             "outside": "not_affected"}[v]
                elif status == "under_investigation":
                    label = None if v == "outside" else "possibly"
                elif status in ("fixed", "first_fixed", "recommended"):
                    label = "fixed" if v == "affected" else None
                elif status == "known_not_affected":
                    label = "not_affected" if v == "affected" else None
                if label is None:
                    continue
                old = labels.get(cve)
                if old is None or RANK[label] > RANK[old[0]]:
                    labels[cve] = (label, p.advisory)
        return labels


# --------------------------------------------------------------------------------------------
# templates: (kind, vendor, product, version, model, medical, truth)

def vary_vendor(vendor, rng):
    r = rng.random()
    if r < 0.15:
        return vendor.upper()
    if r < 0.25 and not vendor.endswith("."):
        return vendor + rng.choice((" Inc.", " GmbH", " N.V.", " Ltd"))
    return vendor


def vary_product(product, rng):
    r = rng.random()
    if r < 0.1:
        return product.lower()
    if r < 0.2:
        return product.replace(" ", "-")
    return product


def lookalike_product(product, rng):
    digits = [i for i, c in enumerate(product) if c.isdigit()]
    if digits and rng.random() < 0.6:
        i = rng.choice(digits)
        return product[:i] + str((int(product[i]) + rng.randint(1, 8)) % 10) + product[i + 1:]
    return product + " " + rng.choice(("Pro", "II", "Plus", "Mini"))


def make_templates(catalogue, rng, per_kind):
    usable = [p for p in catalogue.products
              if p.vendor and p.name and p.statuses and not p.tainted and p.spec is not None
              and any(s in ("known_affected", "first_affected", "last_affected")
                      for _, s in p.statuses)]
    medical = [p for p in usable if p.medical]
    other = [p for p in usable if not p.medical]
    with_models = [p for p in usable if p.model_keys]

    def pick(pool_rng):
        pool = medical if (medical and (not other or pool_rng.random() < 0.5)) else other
        return pool_rng.choice(pool)

    def accept(kind, vendor, product, version, model, medical_flag, need_match):
        truth = catalogue.truth(vendor, product, version, model)
        if truth is None:
            return None
        if need_match and not truth:
            return None
        if not need_match and truth:
            return None
        return (kind, vendor, product, version, model, medical_flag, truth)

    templates = {k: [] for k in DEFAULT_MIX}
    templates["filler"] = []
    for vendor, product, versions in FILLERS:
        for version in versions:
            if not catalogue.matching(vendor, product, ""):
                templates["filler"].append(("filler", vendor, product, version, "", False, {}))
    for kind in DEFAULT_MIX:
        attempts = 0
        while len(templates[kind]) < per_kind and attempts < per_kind * 50:
            attempts += 1
            t = None
            if kind == "model":
                if not with_models:
                    break
                p = rng.choice(with_models)
                version = inside_version(p.spec, rng)
                model = rng.choice(p.models)
                name = (p.family or without_parentheses(p.name).split(" ")[0]) + " unit"
                if version:
                    t = accept(kind, vary_vendor(p.vendor, rng), name, version, model, p.medical,
                               True)
            else:
                p = pick(rng)
                if kind == "planted":
                    version = inside_version(p.spec, rng)
                    if version:
                        t = accept(kind, vary_vendor(p.vendor, rng), vary_product(p.name, rng),
                                   version, "", p.medical, True)
                elif kind == "noversion":
                    t = accept(kind, p.vendor, p.name, "", "", p.medical, True)
                elif kind == "unaffected":
                    version = outside_version(p.spec, rng)
                    if version:
                        t = accept(kind, p.vendor, p.name, version, "", p.medical, True)
                        if t and any(label != "not_affected" for label, _ in t[6].values()):
                            t = None
                elif kind == "othervendor":
                    product = without_parentheses(p.name) + " " + rng.choice(SUFFIXES)
                    t = accept(kind, p.vendor, product, inside_version(p.spec, rng) or "1.0", "",
                               p.medical, False)
                elif kind == "lookalike":
                    if rng.random() < 0.7:
                        vendor, product = p.vendor, lookalike_product(p.name, rng)
                    else:
                        vendor = without_parentheses(p.vendor) + rng.choice(VENDOR_LOOKALIKES)
                        product = p.name
                    t = accept(kind, vendor, product, inside_version(p.spec, rng) or "1.0", "",
                               p.medical, False)
            if t is not None:
                templates[kind].append(t)
    return templates


# --------------------------------------------------------------------------------------------

def parse_mix(text):
    mix = dict(DEFAULT_MIX)
    for part in text.split(","):
        k, _, v = part.partition("=")
        if k.strip() not in DEFAULT_MIX:
            raise argparse.ArgumentTypeError("unknown kind %r" % k)
        mix[k.strip()] = float(v)
    if sum(mix.values()) > 1:
        raise argparse.ArgumentTypeError("the fractions add up to more than 1")
    return mix


def default_csaf():
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.normpath(os.path.join(here, "..", "..", "shared", "data", "csaf"))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("--csaf", default=default_csaf(),
                    help="CSAF directory (default ../shared/data/csaf)")
    ap.add_argument("--providers", type=int, default=5000, help="inventories (default 5000)")
    ap.add_argument("--assets", type=int, default=400, help="assets per inventory (default 400)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--mix", type=parse_mix, default=dict(DEFAULT_MIX),
                    help="fractions per kind, e.g. planted=0.06,lookalike=0.03 (rest: filler)")
    ap.add_argument("--out", required=True, help="output directory")
    args = ap.parse_args(argv)
    if args.providers < 1 or args.assets < 1 or args.providers > 99999:
        ap.error("--providers must be 1..99999 and --assets at least 1")

    t0 = time.time()
    rng = random.Random(args.seed)
    catalogue = Catalogue(load_advisories(args.csaf))
    if not catalogue.products:
        ap.error("no CSAF product trees under %s" % args.csaf)
    templates = make_templates(catalogue, rng, TEMPLATES_PER_KIND)
    kinds = [k for k in DEFAULT_MIX if args.mix[k] > 0 and templates[k]]
    cum, acc = [], 0.0
    for k in kinds:
        acc += args.mix[k]
        cum.append(acc)

    inv_dir = os.path.join(args.out, "inventories")
    os.makedirs(inv_dir, exist_ok=True)
    counts = {k: 0 for k in list(DEFAULT_MIX) + ["filler"]}
    labels = {k: 0 for k in RANK}
    header = ["vendor", "product", "version", "model number", "serial", "location", "department",
              "owner", "network-connected", "patient-safety critical"]
    with open(os.path.join(args.out, "truth.tsv"), "w", encoding="utf-8", newline="\n") as truth:
        truth.write("provider\tline\tcve\tlabel\tadvisory\n")
        for provider in range(1, args.providers + 1):
            path = os.path.join(inv_dir, "p%05d.csv" % provider)
            with open(path, "w", encoding="utf-8", newline="") as fh:
                w = csv.writer(fh, lineterminator="\n")
                w.writerow(header)
                for row in range(args.assets):
                    r = rng.random()
                    kind = "filler"
                    for k, c in zip(kinds, cum):
                        if r < c:
                            kind = k
                            break
                    t = rng.choice(templates[kind])
                    _, vendor, product, version, model, medical, cases = t
                    safety = medical and rng.random() < 0.6
                    w.writerow([vendor, product, version, model,
                                "SN%08d" % rng.randrange(10**8), rng.choice(LOCATIONS),
                                rng.choice(LOCATIONS), rng.choice(OWNERS),
                                "yes" if rng.random() < 0.8 else "no",
                                "yes" if safety else "no"])
                    counts[kind] += 1
                    line = row + 2
                    for cve in sorted(cases):
                        label, advisory = cases[cve]
                        labels[label] += 1
                        truth.write("%d\t%d\t%s\t%s\t%s\n" % (provider, line, cve, label, advisory))
    summary = {"providers": args.providers, "assets_per_provider": args.assets, "seed": args.seed,
               "mix": args.mix, "csaf_products": len(catalogue.products),
               "templates": {k: len(v) for k, v in templates.items()},
               "assets": counts, "truth_pairs": labels}
    with open(os.path.join(args.out, "sector.json"), "w", encoding="utf-8") as fh:
        json.dump(summary, fh, indent=2, sort_keys=True)
        fh.write("\n")
    sys.stderr.write("%s (%.1f s)\n" % (json.dumps(summary, sort_keys=True), time.time() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
