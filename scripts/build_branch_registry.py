"""Builds the development branch registry (ucj_pipeline/contract/reference/branches.csv, branch_regencies.csv).

The official BPJS Ketenagakerjaan registry of Kantor Cabang is not open data. This script builds a stand-in that
covers all 514 regencies with about 125 branches, names the branches the seeds mention (Palopo, Sinjai, Luwu
Timur, Makassar, Palu, Luwuk) with the regencies they plausibly serve, and groups the rest by province. Run it
once and commit its output; replace the files with the official registry when it is available.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

REFERENCE = Path(__file__).resolve().parent.parent / "ucj_pipeline" / "contract" / "reference"
TOTAL_BRANCHES = 125

REGIONAL_OFFICES = {
    "Kanwil Sumbagut": ["11", "12"],
    "Kanwil Sumbarriau": ["13", "14", "21"],
    "Kanwil Sumbagsel": ["15", "16", "17", "18", "19"],
    "Kanwil DKI Jakarta": ["31"],
    "Kanwil Jawa Barat": ["32"],
    "Kanwil Jateng dan DIY": ["33", "34"],
    "Kanwil Jawa Timur": ["35"],
    "Kanwil Banten": ["36"],
    "Kanwil Bali Nusa Tenggara": ["51", "52", "53"],
    "Kanwil Kalimantan": ["61", "62", "63", "64", "65"],
    "Kanwil Sulawesi dan Maluku": ["71", "72", "73", "74", "75", "76", "81", "82"],
    "Kanwil Papua": ["91", "92", "93", "94", "95", "96"],
}

# The seeds' branches, with the regencies each serves (Kemendagri codes).
SEED_BRANCHES = {
    "MAKASSAR": ("Makassar", ["73.71", "73.06", "73.09", "73.05", "73.10", "73.04"]),
    "PALOPO": ("Palopo", ["73.73", "73.17", "73.22", "73.16", "73.18", "73.26"]),
    "SINJAI": ("Sinjai", ["73.07", "73.02", "73.01", "73.03"]),
    "LUWUTIMUR": ("Luwu Timur", ["73.24"]),
    "PAREPARE": ("Parepare", ["73.72", "73.15", "73.11", "73.14"]),
    "WATAMPONE": ("Watampone", ["73.08", "73.12", "73.13"]),
    "PALU": ("Palu", ["72.71", "72.03", "72.10", "72.08", "72.02", "72.09"]),
    "LUWUK": ("Luwuk", ["72.01", "72.07", "72.11"]),
    "MOROWALI": ("Morowali", ["72.06", "72.12"]),
    "TOLITOLI": ("Toli-Toli", ["72.04", "72.05"]),
}


def short_name(regency_name: str) -> str:
    return re.sub(r"^(Kabupaten|Kota)\s+(Administrasi\s+)?", "", regency_name)


def branch_code(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^A-Z0-9]", "", name.upper())[:12]
    code, n = base, 2
    while code in taken or len(code) < 3:
        code = f"{base[:10]}{n}"
        n += 1
    return code


def main() -> None:
    with open(REFERENCE / "regencies.csv", encoding="utf-8") as f:
        regencies = list(csv.DictReader(f))
    seeded = {code for _, codes in SEED_BRANCHES.values() for code in codes}
    office_of = {p: office for office, provinces in REGIONAL_OFFICES.items() for p in provinces}

    branches: list[dict[str, str]] = []
    pairs: list[tuple[str, str]] = []
    taken: set[str] = set(SEED_BRANCHES)
    for code, (name, served) in SEED_BRANCHES.items():
        branches.append(
            {"branch_code": code, "branch_name": f"Kantor Cabang {name}", "regional_office": office_of[served[0][:2]]}
        )
        pairs += [(code, r) for r in served]

    rest = [r for r in regencies if r["code"] not in seeded]
    budget = TOTAL_BRANCHES - len(SEED_BRANCHES)
    by_province: dict[str, list[dict[str, str]]] = {}
    for r in rest:
        by_province.setdefault(r["province_code"], []).append(r)
    for province, members in sorted(by_province.items()):
        n = max(1, round(len(members) * budget / len(rest)))
        size = -(-len(members) // n)
        for i in range(0, len(members), size):
            group = members[i : i + size]
            anchor = next((r for r in group if r["name"].startswith("Kota ")), group[0])
            code = branch_code(short_name(anchor["name"]), taken)
            taken.add(code)
            branches.append(
                {
                    "branch_code": code,
                    "branch_name": f"Kantor Cabang {short_name(anchor['name'])}",
                    "regional_office": office_of[province],
                }
            )
            pairs += [(code, r["code"]) for r in group]

    with open(REFERENCE / "branches.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["branch_code", "branch_name", "regional_office"])
        w.writeheader()
        w.writerows(sorted(branches, key=lambda b: b["branch_code"]))
    with open(REFERENCE / "branch_regencies.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["branch_code", "regency_code"])
        w.writerows(sorted(pairs))
    print(f"{len(branches)} branches serving {len(pairs)} regencies")


if __name__ == "__main__":
    main()
