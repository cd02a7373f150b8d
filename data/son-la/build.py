"""Build Sơn La's organisation file and illustrative service volumes from the list of communes since 2025.

    python data/son-la/build.py            # rewrite organisation.toml and service-volumes.csv
    python data/son-la/build.py --check    # exit 1 if either file differs from what this script builds

Input: ``communes-2025.csv`` (the 75 communes and wards in force since 1 July 2025, with official codes, the
former district each lay in and the former units merged into it; Resolution 1681/NQ-UBTVQH15). The rules
below turn it into the organisation of today with the organisation of 2021–2025 kept as history:

* **Areas.** The province; the 75 communes and wards (code ``xa-<name>`` or ``phuong-<name>``, their official
  code, ``former_district``, in service from 2025-07-01); the 12 former districts and their 200-odd former
  communes, wards and townships, all retired on 2025-07-01. A former commune's ``successor`` is the new
  commune it merged into. A former district is ``split_into`` the new communes that received its former
  communes; each takes the share of the district's former communes it received (a proxy for its share of the
  district's citizens, documented in ``README.md``).
* **Agencies.** Each new commune's Trung tâm Phục vụ hành chính công (``ttpv-<name>``); the provincial centre
  (``ttpvhcc-tinh``, under the Văn phòng UBND tỉnh); the departments of today, with the merged departments
  retired and pointing to the department that absorbed them. A district people's committee is split into the
  commune centres that took over its procedures, in the district's shares; a former commune's people's
  committee passes to its new commune's centre.
* **Counters.** A centre at a former district seat or in a ward has counters for land, justice and civil
  status, and a general counter; other communes have the general counter. The counters of a district's
  one-stop shop pass to the same counters of the centre now in its building (the seat commune).
* **Volumes** (``service-volumes.csv``): illustrative case files per agency × field × quarter from 2025-Q1 to
  2026-Q4 for every agency in service on the quarter's first day, drawn from a fixed seed. They are not the
  province's figures.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REFORM_DAY = dt.date(2025, 7, 1)
QUARTERS = ("2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4")

FIELDS = (
    ("land", "Đất đai", "Land", "land"),
    ("civil-status", "Hộ tịch", "Civil status", "family"),
    ("certification", "Chứng thực", "Certification", "stamp"),
    ("construction", "Xây dựng", "Construction", "building"),
    ("business", "Đăng ký kinh doanh", "Business registration", "shop"),
    ("judicial-record", "Lý lịch tư pháp", "Judicial records", "document"),
    ("labour-social", "Lao động, thương binh và xã hội", "Labour and social affairs", "people"),
    ("transport", "Giao thông vận tải", "Transport", "car"),
    ("agriculture", "Nông nghiệp", "Agriculture", "leaf"),
    ("health-education", "Y tế, giáo dục", "Health and education", "health"),
    ("other", "Lĩnh vực khác", "Other", "other"),
)

#: The 12 district-level units of 2021–2025: the label in the CSV, code, name, English name.
DISTRICTS = (
    ("TP Sơn La", "tp-son-la", "Thành phố Sơn La", "Sơn La city"),
    ("Quỳnh Nhai", "quynh-nhai", "Huyện Quỳnh Nhai", "Quỳnh Nhai district"),
    ("Thuận Châu", "thuan-chau", "Huyện Thuận Châu", "Thuận Châu district"),
    ("Mường La", "muong-la", "Huyện Mường La", "Mường La district"),
    ("Bắc Yên", "bac-yen", "Huyện Bắc Yên", "Bắc Yên district"),
    ("Phù Yên", "phu-yen", "Huyện Phù Yên", "Phù Yên district"),
    ("TX Mộc Châu", "moc-chau", "Thị xã Mộc Châu", "Mộc Châu town"),
    ("Yên Châu", "yen-chau", "Huyện Yên Châu", "Yên Châu district"),
    ("Mai Sơn", "mai-son", "Huyện Mai Sơn", "Mai Sơn district"),
    ("Sông Mã", "song-ma", "Huyện Sông Mã", "Sông Mã district"),
    ("Sốp Cộp", "sop-cop", "Huyện Sốp Cộp", "Sốp Cộp district"),
    ("Vân Hồ", "van-ho", "Huyện Vân Hồ", "Vân Hồ district"),
)
#: The new commune in the former seat of each district (where the district's one-stop shop stood).
SEATS = {"tp-son-la": "Tô Hiệu", "moc-chau": "Mộc Châu"}
#: Districts whose general counter showed the one-tap rating rather than the SIPAS questionnaire.
RATING_COUNTERS = {"quynh-nhai", "phu-yen", "song-ma"}

#: Codes of former communes already used by the 2021–2025 file (kept so that stored responses stay attached).
KEPT_CODES = {
    ("TP Sơn La", "P.Chiềng Lề"): "chieng-le",
    ("TP Sơn La", "P.Quyết Thắng"): "quyet-thang",
    ("Mai Sơn", "TT Hát Lót"): "hat-lot",
    ("Mai Sơn", "Chiềng Mung"): "chieng-mung",
    ("Thuận Châu", "TT Thuận Châu"): "thuan-chau-tt",
    ("Sông Mã", "Chiềng Khương"): "chieng-khuong",
    ("Mường La", "TT Ít Ong"): "it-ong",
    ("Quỳnh Nhai", "TT Mường Giàng"): "muong-giang",
    ("Phù Yên", "TT Quang Huy"): "phu-yen-tt",
}

#: Departments: code, name, English name, counters (field, instrument), established, retired into.
DEPARTMENTS = (
    ("so-tai-chinh", "Sở Tài chính", "Department of Finance", None, None),
    ("so-noi-vu", "Sở Nội vụ", "Department of Home Affairs", None, None),
    ("so-xay-dung", "Sở Xây dựng", "Department of Construction", None, None),
    ("so-khoa-hoc-cong-nghe", "Sở Khoa học và Công nghệ", "Department of Science and Technology", None, None),
    (
        "so-nong-nghiep-moi-truong",
        "Sở Nông nghiệp và Môi trường",
        "Department of Agriculture and Environment",
        REFORM_DAY,
        None,
    ),
    (
        "so-dan-toc-ton-giao",
        "Sở Dân tộc và Tôn giáo",
        "Department of Ethnic and Religious Affairs",
        dt.date(2025, 3, 1),
        None,
    ),
    ("so-y-te", "Sở Y tế", "Department of Health", None, None),
    ("so-giao-duc-dao-tao", "Sở Giáo dục và Đào tạo", "Department of Education and Training", None, None),
    ("so-tu-phap", "Sở Tư pháp", "Department of Justice", None, None),
    ("so-cong-thuong", "Sở Công Thương", "Department of Industry and Trade", None, None),
    ("so-van-hoa-tt-dl", "Sở Văn hóa, Thể thao và Du lịch", "Department of Culture, Sports and Tourism", None, None),
    ("so-ke-hoach-dau-tu", "Sở Kế hoạch và Đầu tư", "Department of Planning and Investment", None, "so-tai-chinh"),
    (
        "so-lao-dong-tbxh",
        "Sở Lao động - Thương binh và Xã hội",
        "Department of Labour, Invalids and Social Affairs",
        None,
        "so-noi-vu",
    ),
    ("so-giao-thong-van-tai", "Sở Giao thông vận tải", "Department of Transport", None, "so-xay-dung"),
    (
        "so-thong-tin-truyen-thong",
        "Sở Thông tin và Truyền thông",
        "Department of Information and Communications",
        None,
        "so-khoa-hoc-cong-nghe",
    ),
    (
        "so-nong-nghiep-ptnt",
        "Sở Nông nghiệp và Phát triển nông thôn",
        "Department of Agriculture and Rural Development",
        None,
        "so-nong-nghiep-moi-truong",
    ),
    (
        "so-tai-nguyen-moi-truong",
        "Sở Tài nguyên và Môi trường",
        "Department of Natural Resources and Environment",
        None,
        "so-nong-nghiep-moi-truong",
    ),
)

#: Counters whose kiosk asks the full questionnaire even when its version has a short form: the Department of
#: Home Affairs' own counter keeps the national form whole (what should improve, the respondent profile).
FULL_FORM_COUNTERS = frozenset({"so-noi-vu-1"})

#: Department counters at the provincial centre: code, agency, number, field, instrument, established,
#: retired into (the counter that took over its desk).
DEPARTMENT_COUNTERS = (
    ("so-ke-hoach-dau-tu-1", "so-ke-hoach-dau-tu", 1, "business", "sipas", None, "so-tai-chinh-2"),
    ("so-ke-hoach-dau-tu-2", "so-ke-hoach-dau-tu", 2, "business", "rating", None, "so-tai-chinh-3"),
    ("so-tu-phap-1", "so-tu-phap", 1, "judicial-record", "sipas", None, None),
    ("so-tu-phap-2", "so-tu-phap", 2, "certification", "case", None, None),
    ("so-tai-nguyen-moi-truong-1", "so-tai-nguyen-moi-truong", 1, "land", "sipas", None, "so-nong-nghiep-moi-truong-1"),
    ("so-tai-nguyen-moi-truong-2", "so-tai-nguyen-moi-truong", 2, "land", "sipas", None, "so-nong-nghiep-moi-truong-2"),
    ("so-xay-dung-1", "so-xay-dung", 1, "construction", "sipas", None, None),
    ("so-giao-thong-van-tai-1", "so-giao-thong-van-tai", 1, "transport", "sipas", None, "so-xay-dung-2"),
    ("so-cong-thuong-1", "so-cong-thuong", 1, "business", "sipas", None, None),
    ("so-lao-dong-tbxh-1", "so-lao-dong-tbxh", 1, "labour-social", "sipas", None, "so-noi-vu-2"),
    ("so-nong-nghiep-ptnt-1", "so-nong-nghiep-ptnt", 1, "agriculture", "sipas", None, "so-nong-nghiep-moi-truong-3"),
    ("so-y-te-1", "so-y-te", 1, "health-education", "sipas", None, None),
    ("so-giao-duc-dao-tao-1", "so-giao-duc-dao-tao", 1, "health-education", "sipas", None, None),
    ("so-van-hoa-tt-dl-1", "so-van-hoa-tt-dl", 1, "other", "sipas", None, None),
    ("so-thong-tin-truyen-thong-1", "so-thong-tin-truyen-thong", 1, "other", "sipas", None, "so-khoa-hoc-cong-nghe-2"),
    ("so-noi-vu-1", "so-noi-vu", 1, "other", "sipas", None, None),
    ("so-tai-chinh-1", "so-tai-chinh", 1, "other", "sipas", None, None),
    ("so-khoa-hoc-cong-nghe-1", "so-khoa-hoc-cong-nghe", 1, "other", "sipas", None, None),
    ("so-tai-chinh-2", "so-tai-chinh", 2, "business", "sipas", REFORM_DAY, None),
    ("so-tai-chinh-3", "so-tai-chinh", 3, "business", "rating", REFORM_DAY, None),
    ("so-noi-vu-2", "so-noi-vu", 2, "labour-social", "sipas", REFORM_DAY, None),
    ("so-xay-dung-2", "so-xay-dung", 2, "transport", "sipas", REFORM_DAY, None),
    ("so-khoa-hoc-cong-nghe-2", "so-khoa-hoc-cong-nghe", 2, "other", "sipas", REFORM_DAY, None),
    ("so-nong-nghiep-moi-truong-1", "so-nong-nghiep-moi-truong", 1, "land", "sipas", REFORM_DAY, None),
    ("so-nong-nghiep-moi-truong-2", "so-nong-nghiep-moi-truong", 2, "land", "sipas", REFORM_DAY, None),
    ("so-nong-nghiep-moi-truong-3", "so-nong-nghiep-moi-truong", 3, "agriculture", "sipas", REFORM_DAY, None),
    ("so-dan-toc-ton-giao-1", "so-dan-toc-ton-giao", 1, "other", "sipas", dt.date(2025, 3, 1), None),
)

#: The 2021–2025 file's commune people's committees (one one-stop counter each), by former commune code.
FORMER_COMMUNE_AGENCIES = (
    "chieng-le",
    "quyet-thang",
    "hat-lot",
    "chieng-mung",
    "thuan-chau-tt",
    "chieng-khuong",
    "it-ong",
    "muong-giang",
    "phu-yen-tt",
)

#: A one-stop shop's counters: suffix, name, field (None: the citizen chooses).
SHOP_COUNTERS = (
    ("dat-dai", "Quầy Đất đai", "Land counter", "land"),
    ("tu-phap", "Quầy Tư pháp – Hộ tịch", "Justice and civil status counter", "civil-status"),
    ("tong-hop", "Quầy Tổng hợp", "General counter", None),
)
#: Fields a general counter serves (for the volumes).
GENERAL_FIELDS = ("certification", "construction", "business", "labour-social", "agriculture", "other")


def slug(text: str) -> str:
    """ASCII code of a Vietnamese name: ``Chiềng Mung`` → ``chieng-mung``."""
    text = text.replace("Đ", "D").replace("đ", "d")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join(ascii_text.lower().replace("(", " ").replace(")", " ").split())


@dataclass
class Former:
    """A former commune, ward or township and the new commune it merged into."""

    code: str
    name: str
    kind: str  # "xã", "phường", "thị trấn"
    district: str  # code
    successor: str  # area code of the new commune


@dataclass
class Commune:
    code: str  # the official code
    kind: str
    name: str
    district: str
    formed_from: list[Former] = field(default_factory=list)

    @property
    def area(self) -> str:
        return f"{'phuong' if self.kind == 'phường' else 'xa'}-{slug(self.name)}"

    @property
    def centre(self) -> str:
        return f"ttpv-{slug(self.name)}"

    @property
    def full_name(self) -> str:
        return f"{self.kind.capitalize()} {self.name}"

    @property
    def english(self) -> str:
        return f"{self.name} {'ward' if self.kind == 'phường' else 'commune'}"


def read_communes(path: Path) -> list[Commune]:
    district_code = {label: code for label, code, _, _ in DISTRICTS}
    district_label = {slug(label.removeprefix("TP ").removeprefix("TX ")): label for label, *_ in DISTRICTS}
    communes: list[Commune] = []
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            commune = Commune(row["code"], row["kind"], row["name"], district_code[row["former_district"]])
            for part in (p.strip() for p in row["formed_from"].split(";")):
                part = part.removesuffix(" (unchanged)")
                label = row["former_district"]
                if part.endswith(")"):
                    part, _, other = part[:-1].partition(" (")
                    label = district_label[slug(other)]
                kind = "xã"
                if part.startswith("P."):
                    kind, part = "phường", part[2:]
                elif part.startswith("TT "):
                    kind, part = "thị trấn", part[3:]
                prefix = {"xã": "", "phường": "P.", "thị trấn": "TT "}[kind]
                code = KEPT_CODES.get((label, prefix + part))
                commune.formed_from.append(Former(code or "", part, kind, district_code[label], commune.area))
            communes.append(commune)
    _former_codes([f for c in communes for f in c.formed_from])
    return communes


def _former_codes(formers: list[Former]) -> None:
    """Codes for the former units: their name, with ``-tt`` for a township, and the district where names repeat
    or would clash with a district's code."""
    taken = {code for _, code, _, _ in DISTRICTS} | set(KEPT_CODES.values())
    wanted: dict[str, list[Former]] = {}
    for former in formers:
        if not former.code:
            base = slug(former.name) + ("-tt" if former.kind == "thị trấn" else "")
            wanted.setdefault(base, []).append(former)
    for base, group in wanted.items():
        for former in group:
            former.code = base if len(group) == 1 and base not in taken else f"{base}-{former.district}"


def split_shares(communes: list[Commune]) -> dict[str, list[tuple[str, float]]]:
    """Each former district's split: the new communes that received its former communes, with the share of
    them each received."""
    counts: dict[str, dict[str, int]] = {}
    for commune in communes:
        for former in commune.formed_from:
            per = counts.setdefault(former.district, {})
            per[commune.area] = per.get(commune.area, 0) + 1
    shares = {}
    for district, per in counts.items():
        shares[district] = _rounded([(area, n / sum(per.values())) for area, n in per.items()])
    return shares


def _rounded(parts: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """Shares to three decimals that still add up to exactly 1 (the rounding goes to the largest)."""
    rounded = [(unit, round(share, 3)) for unit, share in parts]
    largest = max(range(len(rounded)), key=lambda i: rounded[i][1])
    rest = round(1 - sum(share for i, (_, share) in enumerate(rounded) if i != largest), 3)
    rounded[largest] = (rounded[largest][0], rest)
    return rounded


class Toml:
    """Just enough TOML writing for this file: arrays of tables with strings, dates, numbers and inline tables."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def comment(self, text: str) -> None:
        self.lines += ["", *(f"# {line}".rstrip() for line in text.splitlines())]

    def table(self, array: str, /, **values) -> None:
        self.lines += ["", f"[[{array}]]"]
        for key, value in values.items():
            if value is not None:
                self.lines.append(f"{key} = {self.value(value)}")

    def raw(self, text: str) -> None:
        self.lines.append(text)

    @classmethod
    def value(cls, value) -> str:
        if isinstance(value, str):
            return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, float):
            return f"{value:.3f}"
        if isinstance(value, list):
            return "[" + ", ".join(cls.value(v) for v in value) + "]"
        if isinstance(value, dict):
            return "{ " + ", ".join(f"{k} = {cls.value(v)}" for k, v in value.items()) + " }"
        return str(value)

    def text(self) -> str:
        return "\n".join(self.lines).lstrip("\n") + "\n"


HEADER = """\
# Sơn La province: the two-tier organisation in force since 1 July 2025 (the province, 75 communes and wards,
# their public administration service centres, the provincial centre and the departments of today), with the
# organisation of 2021–2025 kept as history (12 former districts, their former communes, wards and townships,
# their one-stop shops and the departments merged in 2025), each retired on 2025-07-01 with its successor.
#
# Built by data/son-la/build.py from communes-2025.csv; edit the script, not this file (a test checks that they
# agree). Format: surveyapp/schemas/organisation.schema.json. Codes are stable ASCII slugs; never reuse one.
# A retired unit names where its citizens went: `successor` (merged whole) or `split_into` (shared, with the
# share each successor took over). `former_district` is a grouping (khu vực) for continuity with the reports
# of 2021–2025, not an administrative level.

format = 1

# Office hours in local time (Asia/Ho_Chi_Minh).
[hours.office]
mon = ["07:00-11:30", "13:30-17:00"]
tue = ["07:00-11:30", "13:30-17:00"]
wed = ["07:00-11:30", "13:30-17:00"]
thu = ["07:00-11:30", "13:30-17:00"]
fri = ["07:00-11:30", "13:30-17:00"]

# The provincial centre also opens on Saturday mornings.
[hours.centre]
mon = ["07:00-11:30", "13:30-17:00"]
tue = ["07:00-11:30", "13:30-17:00"]
wed = ["07:00-11:30", "13:30-17:00"]
thu = ["07:00-11:30", "13:30-17:00"]
fri = ["07:00-11:30", "13:30-17:00"]
sat = ["07:30-11:30"]"""


def build_organisation(communes: list[Commune]) -> str:
    out = Toml()
    out.raw(HEADER)
    out.comment("-------------------------------------------------------------- fields of procedure (lĩnh vực)")
    for code, name, english, icon in FIELDS:
        out.table("fields", code=code, name=name, name_en=english, icon=icon)

    splits = split_shares(communes)
    seats = _seats(communes)
    names = {code: (name, english) for _, code, name, english in DISTRICTS}

    out.comment("-------------------------------------------------------------- the province")
    out.table("areas", code="son-la", level="province", name="Tỉnh Sơn La", name_en="Sơn La province")

    out.comment(
        "-------------------------------------------------------------- communes and wards since 1 July 2025\n"
        "Resolution 1681/NQ-UBTVQH15; official codes from Decision 19/2025/QĐ-TTg."
    )
    for commune in communes:
        out.table(
            "areas",
            code=commune.area,
            level="commune",
            parent="son-la",
            official_code=commune.code,
            name=commune.full_name,
            name_en=commune.english,
            former_district=commune.district,
            established_on=REFORM_DAY,
        )

    out.comment(
        "-------------------------------------------------------------- former districts (2021–2025)\n"
        "Each is split among the new communes that received its former communes, in proportion to how many."
    )
    for _, code, name, english in DISTRICTS:
        out.table(
            "areas",
            code=code,
            level="district",
            parent="son-la",
            name=name,
            name_en=english,
            former_district=code,
            retired_on=REFORM_DAY,
            split_into=[{"unit": unit, "share": share} for unit, share in splits[code]],
        )

    out.comment("-------------------------------------------------------------- former communes, wards and townships")
    for commune in communes:
        for former in commune.formed_from:
            kind = former.kind.capitalize()
            english = {"xã": "commune", "phường": "ward", "thị trấn": "township"}[former.kind]
            out.table(
                "areas",
                code=former.code,
                level="commune",
                parent=former.district,
                name=f"{kind} {former.name}",
                name_en=f"{former.name} {english} (until 2025)",
                former_district=former.district,
                retired_on=REFORM_DAY,
                successor=former.successor,
            )

    out.comment("-------------------------------------------------------------- the provincial centre and departments")
    out.table(
        "agencies",
        code="ttpvhcc-tinh",
        kind="centre",
        area="son-la",
        name="Trung tâm Phục vụ hành chính công tỉnh Sơn La",
        name_en="Sơn La provincial public administration service centre",
    )
    out.table(
        "counters",
        code="ttpvhcc-tinh-huong-dan",
        agency="ttpvhcc-tinh",
        name="Quầy Hướng dẫn và tiếp nhận chung – Trung tâm Phục vụ hành chính công tỉnh",
        name_en="Guidance and general reception – provincial centre",
        hours="centre",
    )
    for code, name, english, established, successor in DEPARTMENTS:
        out.table(
            "agencies",
            code=code,
            kind="department",
            area="son-la",
            name=name,
            name_en=english,
            established_on=established,
            retired_on=REFORM_DAY if successor else None,
            successor=successor,
        )
    for code, agency, number, field_code, instrument, established, successor in DEPARTMENT_COUNTERS:
        out.table(
            "counters",
            code=code,
            agency=agency,
            name=f"Quầy {number} – Trung tâm Phục vụ hành chính công tỉnh",
            name_en=f"Counter {number} – provincial centre",
            field=field_code,
            instrument=None if instrument == "sipas" else instrument,
            form="full" if code in FULL_FORM_COUNTERS else None,
            hours="centre",
            established_on=established,
            retired_on=REFORM_DAY if successor else None,
            successor=successor,
        )

    out.comment("---------------------------------------------------- commune and ward centres (Decree 118/2025)")
    for commune in communes:
        kind = commune.kind
        out.table(
            "agencies",
            code=commune.centre,
            kind="commune-centre",
            area=commune.area,
            name=f"Trung tâm Phục vụ hành chính công {kind} {commune.name}",
            name_en=f"{commune.english} public administration service centre",
            established_on=REFORM_DAY,
        )
        rating = commune.area in {seats[d] for d in RATING_COUNTERS}
        for suffix, name, english, field_code in _shop_counters(commune, seats):
            out.table(
                "counters",
                code=f"{commune.centre}-{suffix}",
                agency=commune.centre,
                name=name,
                name_en=english,
                field=field_code,
                instrument="rating" if rating and suffix == "tong-hop" else None,
                hours="office",
                established_on=REFORM_DAY,
            )

    out.comment(
        "-------------------------------------------------------------- district one-stop shops (2021–2025)\n"
        "Each district's people's committee is split among the centres of the communes that received its\n"
        "former communes; its counters pass to the centre now in its building (the former district seat)."
    )
    centre_of = {c.area: c.centre for c in communes}
    bare = {code: label.removeprefix("TP ").removeprefix("TX ") for label, code, _, _ in DISTRICTS}
    for _, code, _name, _english in DISTRICTS:
        agency = f"ubnd-{code}"
        people = "thành phố" if code == "tp-son-la" else ("thị xã" if code == "moc-chau" else "huyện")
        out.table(
            "agencies",
            code=agency,
            kind="district",
            area=code,
            name=f"Ủy ban nhân dân {people} {bare[code]}",
            name_en=f"{names[code][1]} people's committee (until 2025)",
            retired_on=REFORM_DAY,
            split_into=[{"unit": centre_of[unit], "share": share} for unit, share in splits[code]],
        )
        seat_centre = centre_of[seats[code]]
        for suffix, counter_name, english, field_code in SHOP_COUNTERS:
            out.table(
                "counters",
                code=f"{agency}-{suffix}",
                agency=agency,
                name=f"{counter_name} – Bộ phận Một cửa",
                name_en=f"{english} – one-stop shop",
                field=field_code,
                instrument="rating" if code in RATING_COUNTERS and suffix == "tong-hop" else None,
                hours="office",
                retired_on=REFORM_DAY,
                successor=f"{seat_centre}-{suffix}",
            )

    out.comment("-------------------------------------------------------------- commune one-stop shops (2021–2025)")
    formers = {f.code: (f, c) for c in communes for f in c.formed_from}
    for code in FORMER_COMMUNE_AGENCIES:
        former, commune = formers[code]
        out.table(
            "agencies",
            code=f"ubnd-{code}",
            kind="commune",
            area=code,
            name=f"Ủy ban nhân dân {former.kind} {former.name}",
            name_en=f"{former.name} people's committee (until 2025)",
            retired_on=REFORM_DAY,
            successor=commune.centre,
        )
        out.table(
            "counters",
            code=f"ubnd-{code}-1",
            agency=f"ubnd-{code}",
            name="Bộ phận Một cửa",
            name_en="One-stop shop",
            hours="office",
            retired_on=REFORM_DAY,
            successor=f"{commune.centre}-tong-hop",
        )
    return out.text()


def _seats(communes: list[Commune]) -> dict[str, str]:
    """The new commune at each former district's seat, by district code."""
    by_name = {c.name: c.area for c in communes}
    return {code: by_name[SEATS.get(code, label)] for label, code, _, _ in DISTRICTS}


def _shop_counters(commune: Commune, seats: dict[str, str]):
    if commune.kind == "phường" or commune.area in seats.values():
        return [(s, n, e, f) for s, n, e, f in SHOP_COUNTERS]
    return [("tong-hop", "Quầy Tiếp nhận và trả kết quả", "Reception and results counter", None)]


def build_volumes(communes: list[Commune]) -> str:
    """Illustrative case files per agency × field × quarter (seeded; see the module's documentation)."""
    rng = random.Random(2025)  # noqa: S311  # illustrative figures from a fixed seed, not a secret
    seats = set(_seats(communes).values())
    agencies: list[tuple[str, dict[str, int], dt.date | None, dt.date | None]] = []
    per_department: dict[str, dict[str, int]] = {}
    for _code, agency, _n, field_code, *_rest in DEPARTMENT_COUNTERS:
        per_department.setdefault(agency, {})[field_code] = rng.randint(350, 1300)
    for code, _name, _english, established, successor in DEPARTMENTS:
        agencies.append(
            (
                code,
                per_department.get(code, {"other": rng.randint(150, 500)}),
                established,
                REFORM_DAY if successor else None,
            )
        )
    agencies.append(("ttpvhcc-tinh", {f: rng.randint(80, 300) for f in ("business", "land", "other")}, None, None))
    district_fields = ("land", "civil-status", "certification", "construction", "business", "labour-social", "other")
    for _, code, *_ in DISTRICTS:
        agencies.append((f"ubnd-{code}", {f: rng.randint(400, 2500) for f in district_fields}, None, REFORM_DAY))
    for code in FORMER_COMMUNE_AGENCIES:
        fields = ("land", "civil-status", "certification", "labour-social", "other")
        agencies.append((f"ubnd-{code}", {f: rng.randint(150, 900) for f in fields}, None, REFORM_DAY))
    for commune in communes:
        big = commune.kind == "phường" or commune.area in seats
        fields = ("land", "civil-status", *GENERAL_FIELDS)
        scale = 3 if big else 1
        agencies.append((commune.centre, {f: scale * rng.randint(60, 450) for f in fields}, REFORM_DAY, None))
    lines = ["agency,field,period,cases"]
    for code, fields, established, retired in agencies:
        for quarter in QUARTERS:
            first = dt.date(int(quarter[:4]), 3 * int(quarter[-1]) - 2, 1)
            last = dt.date(first.year + (first.month == 10), (first.month + 3 - 1) % 12 + 1, 1)
            if (established and established >= last) or (retired and retired <= first):
                continue
            for field_code, cases in fields.items():
                lines.append(f"{code},{field_code},{quarter},{max(0, int(cases * rng.uniform(0.85, 1.15)))}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the shipped files differ from a fresh build")
    args = parser.parse_args(argv)
    communes = read_communes(HERE / "communes-2025.csv")
    outputs = {
        HERE / "organisation.toml": build_organisation(communes),
        HERE / "service-volumes.csv": build_volumes(communes),
    }
    stale = [path.name for path, text in outputs.items() if not path.exists() or path.read_text("utf-8") != text]
    if args.check:
        if stale:
            print(f"out of date: {', '.join(stale)}; run python data/son-la/build.py", file=sys.stderr)
            return 1
        return 0
    for path, text in outputs.items():
        path.write_text(text, encoding="utf-8")
    print(f"wrote {', '.join(path.name for path in outputs)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
