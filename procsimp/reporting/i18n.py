"""The words of the report in English and Indonesian, and numbers written each way.

Every heading, label and sentence of the report is a key of :data:`TEXT`; both
languages have every key (a test checks). Numbers follow the language: English
``1,234.5`` and Indonesian ``1.234,5``.

>>> Words("id").number(1234.5, 1)
'1.234,5'
>>> Words("en").share(0.653)
'65.3%'
>>> Words("id").time(2, "day", working=True)
'2 hari kerja'
"""

from __future__ import annotations

import math
from typing import Literal

Lang = Literal["en", "id"]
LANGS: tuple[str, ...] = ("en", "id")

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "html_lang": "en",
        "doc_title": "{name}: what the reform changes",
        "question_heading": "The question",
        "question_passes": "What would the reform change for {name}: how many "
                           "layers the file climbs, how long a case takes, how many cases "
                           "meet the legal deadline, and what a case costs?",
        "question_versions": "What changes between {name} and {after}: how many layers the "
                             "file climbs, how long a case takes, how many cases meet the legal "
                             "deadline, and what a case costs?",
        "reform_line": "The reform: {reform}.",
        "answer_heading": "The answer",
        "card_layers": "Layers the file climbs",
        "card_mean": "Mean lead time",
        "card_in": "{title}, in {unit}",
        "card_p90": "Lead time of 9 cases in 10 (p90)",
        "card_on_time": "On time: {deadline}",
        "card_cost": "Cost per case",
        "before": "before",
        "after": "after",
        "cut": "cut",
        "ci": "95% CI",
        "to": "to",
        "cut_line": "cut {value} (95% CI {low} to {high})",
        "change_line": "change {value} (95% CI {low} to {high})",
        "within": "within {limit}",
        "deemed_rule": "a late case is {rule}",
        "no_cases_on_clock": "no simulated case reaches both ends of this deadline's clock",
        "layers_note": "hierarchy levels whose posts perform a step",
        "sim_note": "{n} simulated cases, the same cases before and after",
        "cost_note": "expected, per case: step costs and each post's rate times its work",
        "no_deadline": "The process declares no legal deadline, so no on-time share is "
                       "reported.",
        "diagram_heading": "Before and after",
        "diagram_note": "Each box is a step, placed on its level of the hierarchy, as long as "
                        "its expected duration; faded boxes in the first panel are the steps "
                        "the reform removes or merges.",
        "distribution_note": "Share of cases finished by each time, before and after (the "
                             "same simulated cases as the figures above).",
        "changes_heading": "What changes, and why",
        "changes_intro": "Every change the reform makes, pass by pass, with its reason.",
        "changes_none": "This pass changes nothing in this process.",
        "changes_unknown": "The version after was given as a finished process, not as the "
                           "result of procsimp's passes, so the reasons are not known. Steps "
                           "only before: {gone}. Steps only after: {new}.",
        "pass_cut": "Expected lead time after this pass: {lead} (cut {cut}); layers after it: "
                    "{layers}.",
        "col_change": "change",
        "col_steps": "steps",
        "col_reason": "reason",
        "kept_heading": "What the law kept",
        "kept_intro": "Steps and posts no pass may touch (a legal requirement or an exemption), "
                      "and what the passes deliberately left as it is.",
        "kept_locked_step": "locked step: a legal requirement, no pass removes, merges or "
                            "reassigns it",
        "kept_locked_role": "locked post: exempt from simplification",
        "kept_locked_level": "locked level: exempt from delayering",
        "kept_nothing_locked": "The process file locks no step, post or level.",
        "kept_skipped": "Left as it is on purpose",
        "kept_none_skipped": "No pass left anything aside.",
        "col_what": "what",
        "col_why": "why",
        "col_pass": "pass",
        "assumptions_heading": "What the estimate rests on",
        "assumptions_intro": "Each step's duration (elapsed time, inbox waiting included) and "
                             "where it comes from. Times are in {unit}.",
        "col_step": "step",
        "col_post": "post",
        "col_kind": "kind",
        "col_duration": "duration",
        "col_mean": "mean",
        "col_work": "work (touch time)",
        "col_source": "source",
        "source_typed": "typed in the process file",
        "source_calibrated": "calibrated from the event log: {family}, {cases} cases",
        "handoff_delay": "Transfer between two posts (every handoff): {duration}, mean {mean}.",
        "no_handoff_delay": "Transfers between posts take no time of their own.",
        "sendback": "{step} sends the file back to {to} in {p} of cases",
        "sendback_delay": "; the way back takes {delay}",
        "sendback_revision": "; the revision takes {revision}",
        "branch": "after {step}, {share} of cases go to {to}",
        "branches_heading": "Send-backs and choices",
        "calibration_heading": "Calibration against the event log",
        "calibration_card": "Held out: {test} cases after {split} (fitted on {fit}). Distance "
                            "between the real and the simulated lead times (Wasserstein): "
                            "{w}; the noise floor of the real data alone: {floor}. {verdict}",
        "card_within": "The model is within the noise of the data.",
        "card_outside": "The model is further from the data than its noise: treat the figures "
                        "with care.",
        "card_errors": "Error of the simulated figure against the held-out cases",
        "col_statistic": "statistic",
        "col_error": "error",
        "col_noise": "noise floor",
        "unsupported": "What the log contradicts",
        "workload_heading": "Workload",
        "workload_intro": "Cases arrive at {rate} per {unit}; each post's people share its "
                          "work and queue first come, first served. The lead times above "
                          "come from the durations in the process file; these queue waits "
                          "come from a queueing model of each post's workload.",
        "col_utilisation_before": "utilisation before",
        "col_utilisation_after": "utilisation after",
        "col_wait_before": "queue wait before",
        "col_wait_after": "queue wait after",
        "col_bottleneck": "bottleneck",
        "unstable": "overloaded (the queue grows without bound)",
        "bottleneck_before": "before",
        "bottleneck_after": "after",
        "bottleneck_both": "before and after",
        "calendar_heading": "Calendar and deadlines",
        "calendar_text": "Working days: {days}, {hours} hours a day; holidays: {holidays}. "
                         "Durations are working time on this calendar.",
        "calendar_none": "No working calendar: time runs continuously.",
        "holidays_country": "national list of {country} ({categories})",
        "holidays_dates": "{count} listed dates",
        "holidays_none": "none",
        "holidays_public": "public holidays",
        "holidays_government": "collective leave (cuti bersama)",
        "col_deadline": "deadline",
        "col_within": "within",
        "col_clock": "clock",
        "col_on_miss": "if late",
        "col_legal": "legal source",
        "col_on_time_before": "on time before",
        "col_on_time_after": "on time after",
        "col_change_ci": "change (95% CI)",
        "clock_from_to": "{start} {end}",
        "clock_from_step": "from the end of {step}",
        "clock_from_start": "from the start",
        "clock_to_step": "to the end of {step}",
        "clock_to_finish": "to the end of the last step",
        "on_miss_none": "no legal effect",
        "on_miss_deemed_granted": "deemed granted",
        "on_miss_issued_by_system": "issued by the system",
        "method_heading": "How the figures were computed",
        "method_text": (
            "The process is a graph of steps. Each simulated case draws every step's duration "
            "from its distribution, waits for all the steps it needs, follows the choices and "
            "send-backs with their probabilities, and ends when the last step is done. "
            "{n} cases were simulated (seed {seed}) for each version. The same cases run "
            "through both versions: each step keeps its own random draws, so the cut is "
            "measured case by case and its interval is narrow. The 95% intervals of the means "
            "come from the spread of the cases; those of the quantiles (p90) from their order "
            "statistics, and those of the cuts from the paired cases (a bootstrap for p90). "
            "Layers count the hierarchy levels whose posts perform a step. Cost is the expected "
            "cost of a case: the step costs plus each post's rate times its work. A shortcut "
            "formula on mean durations gives a lower lead time than the simulation when "
            "branches run in parallel (the slower of two random branches is slower on average "
            "than the slower of their means); this report quotes the simulated figures."),
        "method_calendar": "With a calendar, every time is working time: weekends and holidays "
                           "do not count.",
        "method_notes": "Caveats",
        "footer": "Made with procsimp {version}. Every figure comes from the process files "
                  "and the simulation described above.",
        "unit_minute": "minute", "unit_minutes": "minutes",
        "unit_hour": "hour", "unit_hours": "hours",
        "unit_day": "day", "unit_days": "days",
        "unit_week": "week", "unit_weeks": "weeks",
        "unit_month": "month", "unit_year": "year",
        "working_minute": "working minute", "working_minutes": "working minutes",
        "working_hour": "working hour", "working_hours": "working hours",
        "working_day": "working day", "working_days": "working days",
        "working_week": "working week", "working_weeks": "working weeks",
        "calendar_day": "calendar day", "calendar_days": "calendar days",
        "kind_task": "task", "kind_review": "review", "kind_approval": "approval",
        "kind_signature": "signature", "kind_handoff": "handoff",
        "change_removed": "removed", "change_merged": "merged", "change_reassigned": "moved",
        "change_retimed": "faster", "change_reordered": "reordered",
        "change_edge_dropped": "wait dropped", "change_skipped": "kept",
        "pass_delayer": "Delayering", "pass_merge_sequential": "Merging consecutive steps",
        "pass_parallelize": "Reviews in parallel",
        "pass_eliminate_duplicates": "Duplicate checks removed",
        "pass_digitize": "Digitalisation", "pass_single_window": "One-stop window",
        "dist_fixed": "fixed", "dist_triangular": "triangular", "dist_pert": "PERT",
        "dist_uniform": "uniform", "dist_lognormal": "lognormal",
        "dist_empirical": "observed values", "dist_exponential": "exponential",
        "dist_gamma": "gamma", "dist_sum": "sum",
        "param_low": "low", "param_mode": "most likely", "param_high": "high",
        "param_median": "median", "param_p90": "p90", "param_mu": "mu", "param_sigma": "sigma",
        "param_mean": "mean", "param_sd": "sd", "param_values": "values",
        "and": "and",
        "none": "none",
        "untranslated": "(in English)",
    },
    "id": {
        "html_lang": "id",
        "doc_title": "{name}: apa yang diubah reformasi",
        "question_heading": "Pertanyaan",
        "question_passes": "Apa yang diubah reformasi pada {name}: berapa lapis "
                           "jenjang yang dilalui berkas, berapa lama satu perkara, berapa "
                           "perkara yang memenuhi batas waktu hukum, dan berapa biaya satu "
                           "perkara?",
        "question_versions": "Apa yang berubah antara {name} dan {after}: berapa lapis jenjang "
                             "yang dilalui berkas, berapa lama satu perkara, berapa perkara yang "
                             "memenuhi batas waktu hukum, dan berapa biaya satu perkara?",
        "reform_line": "Reformasi: {reform}.",
        "answer_heading": "Jawaban",
        "card_layers": "Lapis jenjang yang dilalui berkas",
        "card_mean": "Waktu penyelesaian rata-rata",
        "card_in": "{title}, dalam {unit}",
        "card_p90": "Waktu penyelesaian 9 dari 10 perkara (p90)",
        "card_on_time": "Tepat waktu: {deadline}",
        "card_cost": "Biaya per perkara",
        "before": "sebelum",
        "after": "sesudah",
        "cut": "penghematan",
        "ci": "IK 95%",
        "to": "s.d.",
        "cut_line": "berkurang {value} (IK 95% {low} s.d. {high})",
        "change_line": "berubah {value} (IK 95% {low} s.d. {high})",
        "within": "dalam {limit}",
        "deemed_rule": "perkara yang terlambat {rule}",
        "no_cases_on_clock": "tidak ada perkara simulasi yang mencapai kedua ujung jam batas "
                             "waktu ini",
        "layers_note": "jenjang hierarki yang pejabatnya mengerjakan suatu langkah",
        "sim_note": "{n} perkara simulasi, perkara yang sama sebelum dan sesudah",
        "cost_note": "nilai harapan per perkara: biaya langkah ditambah tarif tiap jabatan "
                     "dikali waktu kerjanya",
        "no_deadline": "Proses ini tidak menetapkan batas waktu hukum, sehingga tidak ada "
                       "persentase tepat waktu.",
        "diagram_heading": "Sebelum dan sesudah",
        "diagram_note": "Setiap kotak adalah satu langkah, diletakkan pada jenjang hierarkinya, "
                        "sepanjang durasi harapannya; kotak pudar pada panel pertama adalah "
                        "langkah yang dihapus atau digabung oleh reformasi.",
        "distribution_note": "Persentase perkara yang selesai pada setiap waktu, sebelum dan "
                             "sesudah (perkara simulasi yang sama dengan angka di atas).",
        "changes_heading": "Apa yang berubah, dan mengapa",
        "changes_intro": "Setiap perubahan yang dibuat reformasi, tahap demi tahap, dengan "
                         "alasannya.",
        "changes_none": "Tahap ini tidak mengubah apa pun pada proses ini.",
        "changes_unknown": "Versi sesudah diberikan sebagai proses jadi, bukan sebagai hasil "
                           "tahap-tahap procsimp, sehingga alasannya tidak diketahui. Langkah "
                           "yang hanya ada sebelum: {gone}. Langkah yang hanya ada sesudah: "
                           "{new}.",
        "pass_cut": "Waktu penyelesaian harapan sesudah tahap ini: {lead} (berkurang {cut}); "
                    "lapis jenjang sesudahnya: {layers}.",
        "col_change": "perubahan",
        "col_steps": "langkah",
        "col_reason": "alasan",
        "kept_heading": "Yang dipertahankan oleh hukum",
        "kept_intro": "Langkah dan jabatan yang tidak boleh diubah tahap mana pun (ketentuan "
                      "hukum atau pengecualian), dan apa yang sengaja dibiarkan oleh tahap-tahap "
                      "reformasi.",
        "kept_locked_step": "langkah terkunci: ketentuan hukum, tidak ada tahap yang menghapus, "
                            "menggabung, atau memindahkannya",
        "kept_locked_role": "jabatan terkunci: dikecualikan dari penyederhanaan",
        "kept_locked_level": "jenjang terkunci: dikecualikan dari penyetaraan jabatan",
        "kept_nothing_locked": "Berkas proses tidak mengunci langkah, jabatan, atau jenjang apa "
                               "pun.",
        "kept_skipped": "Sengaja dibiarkan",
        "kept_none_skipped": "Tidak ada yang dibiarkan oleh tahap mana pun.",
        "col_what": "apa",
        "col_why": "mengapa",
        "col_pass": "tahap",
        "assumptions_heading": "Dasar perkiraan",
        "assumptions_intro": "Durasi setiap langkah (waktu berlalu, termasuk menunggu di meja) "
                             "dan asalnya. Waktu dalam {unit}.",
        "col_step": "langkah",
        "col_post": "jabatan",
        "col_kind": "jenis",
        "col_duration": "durasi",
        "col_mean": "rata-rata",
        "col_work": "waktu kerja",
        "col_source": "sumber",
        "source_typed": "diisi dalam berkas proses",
        "source_calibrated": "dikalibrasi dari log kejadian: {family}, {cases} perkara",
        "handoff_delay": "Perpindahan berkas antara dua jabatan (setiap serah terima): "
                         "{duration}, rata-rata {mean}.",
        "no_handoff_delay": "Perpindahan berkas antarjabatan tidak memakan waktu tersendiri.",
        "sendback": "{step} mengembalikan berkas ke {to} pada {p} perkara",
        "sendback_delay": "; perjalanan kembali memakan {delay}",
        "sendback_revision": "; perbaikan memakan {revision}",
        "branch": "sesudah {step}, {share} perkara menuju {to}",
        "branches_heading": "Pengembalian berkas dan pilihan",
        "calibration_heading": "Kalibrasi terhadap log kejadian",
        "calibration_card": "Data uji: {test} perkara sesudah {split} (dikalibrasi pada {fit}). "
                            "Jarak antara waktu penyelesaian nyata dan simulasi (Wasserstein): "
                            "{w}; batas derau data nyata sendiri: {floor}. {verdict}",
        "card_within": "Model berada dalam batas derau data.",
        "card_outside": "Model lebih jauh dari data daripada derau datanya: gunakan angka ini "
                        "dengan hati-hati.",
        "card_errors": "Galat angka simulasi terhadap perkara uji",
        "col_statistic": "statistik",
        "col_error": "galat",
        "col_noise": "batas derau",
        "unsupported": "Yang dibantah oleh log",
        "workload_heading": "Beban kerja",
        "workload_intro": "Perkara datang {rate} per {unit}; pegawai setiap jabatan berbagi "
                          "pekerjaannya dan mengantre menurut urutan kedatangan. Waktu "
                          "penyelesaian di atas berasal dari durasi dalam berkas proses; "
                          "waktu antre ini berasal dari model antrean beban kerja setiap "
                          "jabatan.",
        "col_utilisation_before": "utilisasi sebelum",
        "col_utilisation_after": "utilisasi sesudah",
        "col_wait_before": "antrean sebelum",
        "col_wait_after": "antrean sesudah",
        "col_bottleneck": "hambatan",
        "unstable": "kelebihan beban (antrean tumbuh tanpa batas)",
        "bottleneck_before": "sebelum",
        "bottleneck_after": "sesudah",
        "bottleneck_both": "sebelum dan sesudah",
        "calendar_heading": "Kalender dan batas waktu",
        "calendar_text": "Hari kerja: {days}, {hours} jam sehari; hari libur: {holidays}. "
                         "Durasi adalah waktu kerja pada kalender ini.",
        "calendar_none": "Tanpa kalender kerja: waktu berjalan terus.",
        "holidays_country": "daftar nasional {country} ({categories})",
        "holidays_dates": "{count} tanggal tercantum",
        "holidays_none": "tidak ada",
        "holidays_public": "libur nasional",
        "holidays_government": "cuti bersama",
        "col_deadline": "batas waktu",
        "col_within": "dalam",
        "col_clock": "dihitung",
        "col_on_miss": "jika terlambat",
        "col_legal": "dasar hukum",
        "col_on_time_before": "tepat waktu sebelum",
        "col_on_time_after": "tepat waktu sesudah",
        "col_change_ci": "perubahan (IK 95%)",
        "clock_from_to": "{start} {end}",
        "clock_from_step": "dari selesainya {step}",
        "clock_from_start": "dari awal",
        "clock_to_step": "sampai selesainya {step}",
        "clock_to_finish": "sampai selesainya langkah terakhir",
        "on_miss_none": "tanpa akibat hukum",
        "on_miss_deemed_granted": "dianggap dikabulkan (fiktif positif)",
        "on_miss_issued_by_system": "diterbitkan oleh sistem",
        "method_heading": "Cara menghitung angka",
        "method_text": (
            "Proses adalah graf langkah-langkah. Setiap perkara simulasi menarik durasi setiap "
            "langkah dari distribusinya, menunggu semua langkah yang diperlukannya, mengikuti "
            "pilihan dan pengembalian berkas menurut peluangnya, dan berakhir ketika langkah "
            "terakhir selesai. Untuk setiap versi disimulasikan {n} perkara (seed {seed}). "
            "Perkara yang sama dijalankan pada kedua versi: setiap langkah menyimpan tarikan "
            "acaknya sendiri, sehingga penghematan diukur perkara demi perkara dan intervalnya "
            "sempit. Interval 95% untuk rata-rata berasal dari sebaran perkara; untuk kuantil "
            "(p90) dari statistik urutannya, dan untuk penghematan dari perkara berpasangan "
            "(bootstrap untuk p90). Lapis jenjang menghitung jenjang hierarki yang pejabatnya "
            "mengerjakan suatu langkah. Biaya adalah biaya harapan satu perkara: biaya langkah "
            "ditambah tarif tiap jabatan dikali waktu kerjanya. Rumus ringkas pada durasi "
            "rata-rata memberi waktu penyelesaian lebih rendah daripada simulasi bila cabang "
            "berjalan paralel (cabang acak yang lebih lambat rata-rata lebih lambat daripada "
            "rata-rata yang lebih lambat); laporan ini memakai angka simulasi."),
        "method_calendar": "Dengan kalender, setiap waktu adalah waktu kerja: akhir pekan dan "
                           "hari libur tidak dihitung.",
        "method_notes": "Catatan",
        "footer": "Dibuat dengan procsimp {version}. Setiap angka berasal dari berkas proses dan "
                  "simulasi yang dijelaskan di atas.",
        "unit_minute": "menit", "unit_minutes": "menit",
        "unit_hour": "jam", "unit_hours": "jam",
        "unit_day": "hari", "unit_days": "hari",
        "unit_week": "minggu", "unit_weeks": "minggu",
        "unit_month": "bulan", "unit_year": "tahun",
        "working_minute": "menit kerja", "working_minutes": "menit kerja",
        "working_hour": "jam kerja", "working_hours": "jam kerja",
        "working_day": "hari kerja", "working_days": "hari kerja",
        "working_week": "minggu kerja", "working_weeks": "minggu kerja",
        "calendar_day": "hari kalender", "calendar_days": "hari kalender",
        "kind_task": "tugas", "kind_review": "pemeriksaan", "kind_approval": "persetujuan",
        "kind_signature": "tanda tangan", "kind_handoff": "serah terima",
        "change_removed": "dihapus", "change_merged": "digabung", "change_reassigned": "dipindah",
        "change_retimed": "dipercepat", "change_reordered": "diurutkan ulang",
        "change_edge_dropped": "tunggu dihapus", "change_skipped": "dipertahankan",
        "pass_delayer": "Penyederhanaan birokrasi (penyetaraan jabatan)",
        "pass_merge_sequential": "Penggabungan langkah berurutan",
        "pass_parallelize": "Pemeriksaan paralel",
        "pass_eliminate_duplicates": "Penghapusan pemeriksaan ganda",
        "pass_digitize": "Digitalisasi (SPBE)", "pass_single_window": "Layanan satu pintu (PTSP)",
        "dist_fixed": "tetap", "dist_triangular": "segitiga", "dist_pert": "PERT",
        "dist_uniform": "seragam", "dist_lognormal": "lognormal",
        "dist_empirical": "nilai teramati", "dist_exponential": "eksponensial",
        "dist_gamma": "gamma", "dist_sum": "jumlah",
        "param_low": "terendah", "param_mode": "paling mungkin", "param_high": "tertinggi",
        "param_median": "median", "param_p90": "p90", "param_mu": "mu",
        "param_sigma": "sigma", "param_mean": "rata-rata", "param_sd": "simpangan baku",
        "param_values": "nilai",
        "and": "dan",
        "none": "tidak ada",
        "untranslated": "(dalam bahasa Inggris)",
    },
}

WEEKDAYS = {
    "en": {"mon": "Mon", "tue": "Tue", "wed": "Wed", "thu": "Thu", "fri": "Fri", "sat": "Sat",
           "sun": "Sun"},
    "id": {"mon": "Sen", "tue": "Sel", "wed": "Rab", "thu": "Kam", "fri": "Jum", "sat": "Sab",
           "sun": "Min"},
}


class Words:
    """The report's words and number formats in one language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.text = TEXT[lang]

    def __call__(self, key: str, **values: object) -> str:
        return self.text[key].format(**values) if values else self.text[key]

    def number(self, value: float, decimals: int = 1) -> str:
        """``value`` with thousands grouped, in the language's separators."""
        if not math.isfinite(value):
            return "∞" if value > 0 else "-∞" if value < 0 else "-"
        text = f"{value:,.{decimals}f}"
        if self.lang == "id":
            text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
        return text.replace("-", "\u2212")

    def plain(self, value: float) -> str:
        """A parameter as written (``0.5``, ``3``): no trailing zeros."""
        text = f"{value:,.6g}" if abs(value) < 1e6 else f"{value:,.0f}"
        if self.lang == "id":
            text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
        return text

    def share(self, value: float, decimals: int = 1) -> str:
        return self.number(100 * value, decimals) + "%"

    def points(self, value: float, decimals: int = 1) -> str:
        """A change of a share, in percentage points with its sign."""
        sign = "+" if value >= 0 else ""
        return sign + self.number(100 * value, decimals) + (" pp" if self.lang == "en"
                                                            else " poin")

    def unit(self, unit: str, value: float | None = None, *, working: bool = False) -> str:
        """``day``/``days`` (``working day(s)`` on a calendar) in the language."""
        plural = value is None or value != 1
        key = ("working_" if working else "unit_") + unit + ("s" if plural else "")
        return self.text.get(key, self.text.get("unit_" + unit, unit))

    def time(self, value: float, unit: str, *, working: bool = False, decimals: int | None = None
             ) -> str:
        shown = self.number(value, decimals) if decimals is not None else self.plain(value)
        return f"{shown} {self.unit(unit, value, working=working)}"

    def listing(self, items: list[str]) -> str:
        """``a, b and c`` in the language."""
        if len(items) <= 1:
            return "".join(items)
        return ", ".join(items[:-1]) + f" {self('and')} " + items[-1]


__all__ = ["LANGS", "TEXT", "WEEKDAYS", "Lang", "Words"]
