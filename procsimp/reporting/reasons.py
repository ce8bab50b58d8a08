"""The reasons of the passes' changes in Indonesian.

A pass writes its :class:`~procsimp.Change` reason as one English sentence built from a
few fixed templates (``"{kind} by {post} removed: {level} no longer signs after
delayering."``). This module holds each template with its Indonesian counterpart.
A placeholder ``{name}`` is free text kept as it is (step and post names are the
user's own words); ``{name:type}`` is translated by its type: ``why`` (the clauses
saying why a step is kept), ``kind``, ``list`` (``'a' and 'b'``), ``num`` (numbers, in
Indonesian separators), ``unit`` (``days``), ``cost`` and ``basis`` (the cost
sentences), ``window``, ``phead``/``ptail`` (the parts of a parallelize reason).

:func:`translate` returns None for a reason no template matches (a user's own pass,
or a pass whose wording changed); the report then shows the English sentence and
says so. The tests run every pass on every example and check each reason matches.

>>> translate("Approval by Kepala Bidang removed: Eselon III no longer signs after "
...           "delayering.", "id")  # doctest: +NORMALIZE_WHITESPACE
'Persetujuan oleh Kepala Bidang dihapus: Eselon III tidak lagi menandatangani sesudah
 penyetaraan jabatan.'
"""

from __future__ import annotations

import functools
import re

_PLACEHOLDER = re.compile(r"\{(\w+)(?::(\w+))?\}")

#: type -> (English template, Indonesian template) pairs; "sentence" holds whole reasons.
TEMPLATES: dict[str, tuple[tuple[str, str], ...]] = {
    "why": (
        ("step {name} is locked (a legal requirement)",
         "langkah {name} terkunci (ketentuan hukum)"),
        ("the post {name} is locked (exempt from simplification)",
         "jabatan {name} terkunci (dikecualikan dari penyederhanaan)"),
        ("level {name} is locked (exempt from simplification)",
         "jenjang {name} terkunci (dikecualikan dari penyederhanaan)"),
        ("it decides between alternatives", "langkah ini memutuskan di antara alternatif"),
        ("it sends files back for revision",
         "langkah ini mengembalikan berkas untuk diperbaiki"),
        ("files are sent back to it for revision",
         "berkas dikembalikan ke langkah ini untuk diperbaiki"),
        ("it merges alternatives", "langkah ini menyatukan alternatif"),
        ("its output {name} is needed later", "hasilnya, {name}, diperlukan kemudian"),
        ("it lies on an alternative branch that splits after it",
         "langkah ini berada pada cabang alternatif yang bercabang lagi sesudahnya"),
        ("the step after it merges alternatives", "langkah sesudahnya menyatukan alternatif"),
        ("it sits on an alternative branch", "langkah ini berada pada cabang alternatif"),
        ("it lies inside a revision loop (rework), which is left as it is",
         "langkah ini berada di dalam putaran perbaikan (rework), yang dibiarkan apa adanya"),
        ("what it needs comes from one branch of a choice",
         "yang diperlukannya berasal dari satu cabang pilihan"),
        ("what it needs is made inside a revision loop (rework)",
         "yang diperlukannya dibuat di dalam putaran perbaikan (rework)"),
        ("it is issued by another organisation ({org})",
         "diterbitkan oleh organisasi lain ({org})"),
    ),
    "kind": (("Approval", "Persetujuan"), ("Signature", "Tanda tangan")),
    "kindword": (("task", "tugas"), ("review", "pemeriksaan"), ("approval", "persetujuan"),
                 ("signature", "tanda tangan"), ("handoff", "serah terima")),
    "unit": (("minutes", "menit"), ("hours", "jam"), ("days", "hari"), ("weeks", "minggu")),
    "window": (("One-stop service window (PTSP)", "loket layanan satu pintu (PTSP)"),
               ("{post}", "{post}")),
    "basis": (
        (" like the desks it replaces ({desks})", " seperti meja yang digantikannya ({desks})"),
        (", the rates of the desks it replaces ({desks}) weighted by the work it takes",
         ", tarif meja yang digantikannya ({desks}) ditimbang menurut pekerjaan yang diambilnya"),
        (" (option rate)", " (opsi rate)"),
        ("", ""),
    ),
    "cost": (
        (" At {post}'s rate it costs {a:num} per execution instead of {b:num}.",
         " Dengan tarif {post}, biayanya {a} per pelaksanaan, bukan {b}."),
        (" At {post}'s rate its {k:num} steps cost {a:num} per execution instead of {b:num}.",
         " Dengan tarif {post}, {k} langkahnya berbiaya {a} per pelaksanaan, bukan {b}."),
        (" At the window's rate of {r:num}{basis:basis} it costs {a:num} per execution "
         "instead of {b:num}.",
         " Dengan tarif loket {r}{basis}, biayanya {a} per pelaksanaan, bukan {b}."),
        (" The window is paid {r:num}{basis:basis}, so the cost stays.",
         " Loket dibayar {r}{basis}, sehingga biayanya tetap."),
        ("", ""),
    ),
    "state": (("unstable: its queue grows without bound",
               "tidak stabil: antreannya tumbuh tanpa batas"),
              ("overloaded", "kelebihan beban")),
    "phead": (
        ("{a} no longer waits for {l:list}; it receives the file from {m:list} directly",
         "{a} tidak lagi menunggu {l}; langkah ini menerima berkas langsung dari {m}"),
        ("{a} now waits for {l:list} directly, as they no longer come one after another",
         "{a} kini menunggu {l} secara langsung, karena langkah-langkah itu tidak lagi "
         "berurutan"),
        ("{a} no longer waits for {l:list}", "{a} tidak lagi menunggu {l}"),
    ),
    "ptail": (
        ("it needs only {needs} from earlier steps.",
         "langkah ini hanya memerlukan {needs} dari langkah sebelumnya."),
        ("it needs {needs} from earlier steps; {l:list} must still come before {m:list}, "
         "which is left as it is and needs what they make.",
         "langkah ini memerlukan {needs} dari langkah sebelumnya; {l} tetap harus mendahului "
         "{m}, yang dibiarkan apa adanya dan memerlukan hasilnya."),
        ("{l:list} must still come before {m:list}, which is left as it is and needs what "
         "they make.",
         "{l} tetap harus mendahului {m}, yang dibiarkan apa adanya dan memerlukan hasilnya."),
    ),
    "warning": ((
        " Warning: {who} is now at {u} utilisation (was {was}), {state:state}; name another "
        "signer with the option signatories, or add staff or availability.",
        " Peringatan: {who} kini pada utilisasi {u} (sebelumnya {was}), {state}; sebutkan "
        "penandatangan lain dengan opsi signatories, atau tambah pegawai atau ketersediaan."),),
    "version": (("before", "sebelum"), ("after", "sesudah")),
    "method": (("enumeration", "penjabaran semua hasil"), ("monte carlo", "Monte Carlo")),
    "se": ((", standard error {x:num}", ", galat baku {x}"), ("", "")),
    # the caveats of procsimp.compare (Report.notes)
    "note": (
        ("Flow analysis is not exact for {v:version} (a choice or rework inside parallel "
         "branches, or choices not block-structured): its lead time is the expectation over "
         "every branch and rework outcome ({m:method}{se:se}).",
         "Analisis alir tidak eksak untuk versi {v} (pilihan atau pengembalian berkas di dalam "
         "cabang paralel, atau pilihan yang tidak tersusun dalam blok): waktu penyelesaiannya "
         "adalah nilai harapan atas setiap hasil cabang dan pengembalian berkas ({m}{se})."),
    ),
    "sentence": (
        # delayer
        ("Level {lv} is not a level of this process (already removed?); its levels are "
         "{levels}.",
         "Jenjang {lv} bukan jenjang proses ini (sudah dihapus?); jenjangnya: {levels}."),
        ("Level {lv} is kept: it is locked (exempt from delayering).",
         "Jenjang {lv} dipertahankan: jenjang ini terkunci (dikecualikan dari penyetaraan "
         "jabatan)."),
        ("Every level would be removed; at least one must remain.",
         "Semua jenjang akan terhapus; sedikitnya satu harus tetap ada."),
        ("{post} belongs to another organisation ({org}): delayering this office leaves the "
         "post as it is.",
         "{post} milik organisasi lain ({org}): penyetaraan jabatan di kantor ini membiarkan "
         "jabatan tersebut apa adanya."),
        ("{k:kind} by {post} kept: {why:why}.", "{k} oleh {post} dipertahankan: {why}."),
        ("{k:kind} by {post} becomes a review: the check stays because {why:why}, the signing "
         "authority goes.",
         "{k} oleh {post} menjadi pemeriksaan: pemeriksaannya tetap karena {why}, kewenangan "
         "menandatanganinya hilang."),
        ("{k:kind} by {post} removed: {lv} no longer signs after delayering.",
         "{k} oleh {post} dihapus: {lv} tidak lagi menandatangani sesudah penyetaraan "
         "jabatan."),
        ("Work of {post} kept at its level: the post is locked.",
         "Pekerjaan {post} tetap pada jenjangnya: jabatan ini terkunci."),
        ("{post} keeps its level: it performs the locked step {name}.",
         "{post} tetap pada jenjangnya: jabatan ini mengerjakan langkah terkunci {name}."),
        ("Work of {post} handed to {heir} ({lv}): the post no longer exists after "
         "delayering.{c:cost}",
         "Pekerjaan {post} diserahkan kepada {heir} ({lv}): jabatan ini tidak ada lagi sesudah "
         "penyetaraan jabatan.{c}"),
        ("{post} becomes a functional post at {lv}; its expert work stays with the same "
         "people.",
         "{post} menjadi jabatan fungsional pada {lv}; pekerjaan keahliannya tetap pada orang "
         "yang sama."),
        ("Signature by {post} kept at its level: the document still needs a signature and no "
         "post above {other} at a remaining level is known; give {id} a reports_to, or name "
         "who signs with the option signatories ({spec}).",
         "Tanda tangan oleh {post} tetap pada jenjangnya: dokumen masih memerlukan tanda "
         "tangan dan tidak diketahui jabatan di atas {other} pada jenjang yang tersisa; beri "
         "{id} sebuah reports_to, atau sebutkan penandatangannya dengan opsi signatories "
         "({spec})."),
        ("Signature by {post} kept at its level: moving it to {signer} would add a transfer "
         "of {x:num} {u:unit} between {name} and the signature (the pass never makes a case "
         "slower).",
         "Tanda tangan oleh {post} tetap pada jenjangnya: memindahkannya ke {signer} akan "
         "menambah perpindahan {x} {u} antara {name} dan tanda tangan (tahap ini tidak pernah "
         "membuat perkara lebih lambat)."),
        ("Signature by {post} moves to {signer} ({lv}): {other} no longer signs after "
         "delayering, and the document still needs a signature.{c:cost}",
         "Tanda tangan oleh {post} pindah ke {signer} ({lv}): {other} tidak lagi "
         "menandatangani sesudah penyetaraan jabatan, dan dokumen masih memerlukan tanda "
         "tangan.{c}"),
        # merge_sequential
        ("{name} not merged with its neighbours: {why:why}.",
         "{name} tidak digabung dengan langkah di sekitarnya: {why}."),
        ("{l:list} (same level) merged into one step performed by {post}: the file no longer "
         "changes hands between them.",
         "{l} (jenjang sama) digabung menjadi satu langkah yang dikerjakan {post}: berkas "
         "tidak lagi berpindah tangan di antaranya."),
        ("{l:list} by {post} merged into one step: the file no longer waits between them.",
         "{l} oleh {post} digabung menjadi satu langkah: berkas tidak lagi menunggu di "
         "antaranya."),
        # parallelize
        ("{name} keeps its order: {why:why}.", "{name} tetap pada urutannya: {why}."),
        ("{name} keeps its order: receiving the file straight from {other} would take longer "
         "than the current route.",
         "{name} tetap pada urutannya: menerima berkas langsung dari {other} akan lebih lama "
         "daripada jalur sekarang."),
        ("{name} no longer waits for {l:list} directly: it already comes after {m:list}.",
         "{name} tidak lagi menunggu {l} secara langsung: langkah ini sudah datang sesudah "
         "{m}."),
        ("{h:phead}: {t:ptail}", "{h}: {t}"),
        # eliminate_duplicates
        ("{a} repeats {b} (same {k:kindword} of {arts} by the same office) but is kept: "
         "{why:why}.",
         "{a} mengulang {b} ({k} yang sama atas {arts} oleh kantor yang sama) tetapi "
         "dipertahankan: {why}."),
        ("{a} repeats {b} (same {k:kindword} of {arts} by the same office), with nothing "
         "changed in between: the second check is removed.",
         "{a} mengulang {b} ({k} yang sama atas {arts} oleh kantor yang sama), tanpa perubahan "
         "di antaranya: pemeriksaan kedua dihapus."),
        # digitize
        ("Paper transfers between desks become electronic: the handoff delay goes from "
         "{x:num} to {y:num} {u:unit} (send-backs without their own delay included; revision "
         "times stay).",
         "Perpindahan berkas kertas antarmeja menjadi elektronik: jeda serah terima berubah "
         "dari {x} menjadi {y} {u} (termasuk pengembalian berkas tanpa jeda sendiri; waktu "
         "perbaikan tetap)."),
        ("{name} is done electronically: its duration goes from {x:num} to {y:num} {u:unit}.",
         "{name} dikerjakan secara elektronik: durasinya berubah dari {x} menjadi {y} {u}."),
        ("{name} receives the file electronically from {froms:timed}: the transfer takes "
         "{x:num} {u:unit}.",
         "{name} menerima berkas secara elektronik dari {froms}: perpindahannya memakan "
         "{x} {u}."),
        ("{name} sends its send-backs to {to} electronically: the way back goes from {x:num} "
         "to {y:num} {u:unit}; the revision ({r:num} {v:unit}) stays.",
         "{name} mengembalikan berkas ke {to} secara elektronik: perjalanan kembali berubah "
         "dari {x} menjadi {y} {u}; perbaikannya ({r} {v}) tetap."),
        ("{name} sends its send-backs to {to} electronically: the way back goes from {x:num} "
         "to {y:num} {u:unit}.",
         "{name} mengembalikan berkas ke {to} secara elektronik: perjalanan kembali berubah "
         "dari {x} menjadi {y} {u}."),
        ("Steps of and transfers to and from {posts} stay as they are: another organisation "
         "is not part of this reform (name its post in the option roles to include it).",
         "Langkah dan perpindahan berkas dari dan ke {posts} dibiarkan apa adanya: organisasi "
         "lain bukan bagian dari reformasi ini (sebutkan jabatannya dalam opsi roles untuk "
         "mengikutsertakannya)."),
        # single_window
        ("{name} stays with {post}: at the window it would add a handoff to {other}.",
         "{name} tetap pada {post}: di loket, langkah ini akan menambah serah terima ke "
         "{other}."),
        ("{name} stays with {post}: {why:why}.", "{name} tetap pada {post}: {why}."),
        ("The contacts that can move are all with {post} already: it serves as the single "
         "window, and no second desk is created.",
         "Kontak yang dapat dipindah sudah semuanya pada {post}: jabatan ini menjadi loket "
         "tunggal, dan tidak dibuat meja kedua."),
        ("The contacts stay where they are: at the window the applicant would still meet "
         "{x:num} desks instead of {y:num}.",
         "Kontak tetap di tempatnya: di loket, pemohon masih akan menemui {x} meja, bukan "
         "{y}."),
        ("{name} moves from {post} to the {w:window}: the applicant deals with one front "
         "office.{c:cost}",
         "{name} pindah dari {post} ke {w}: pemohon berurusan dengan satu kantor depan.{c}"),
        ("{l} become one visit to the {w:window}.", "{l} menjadi satu kunjungan ke {w}."),
    ),
}

#: Types whose text is rewritten by a function rather than a table.
# every form a reason writes a number in: 1,234.5, <0.001 (procsimp.passes.base.amount),
# and, in reasons of older versions, 1e-05 or inf
_NUMBER = r"[<>]?-?(?:inf|[0-9][0-9,]*(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?)"
_FREE = r".+?"


def _pattern(template: str, named: bool) -> str:
    """The regular expression of an English template (named groups at the top level)."""
    out, pos = [], 0
    for m in _PLACEHOLDER.finditer(template):
        out.append(re.escape(template[pos:m.start()]))
        name, kind = m.group(1), m.group(2)
        inner = _type_pattern(kind)
        out.append(f"(?P<{name}>{inner})" if named else f"(?:{inner})")
        pos = m.end()
    out.append(re.escape(template[pos:]))
    return "".join(out)


def _type_pattern(kind: str | None) -> str:
    if kind is None or kind in ("list", "timed"):
        return _FREE
    if kind == "num":
        return _NUMBER
    return "|".join(f"(?:{_pattern(en, named=False)})" for en, _ in TEMPLATES[kind])


@functools.cache
def _compiled(kind: str) -> tuple[tuple[re.Pattern[str], str, dict[str, str | None]], ...]:
    rules = []
    for en, target in TEMPLATES[kind]:
        types = {m.group(1): m.group(2) for m in _PLACEHOLDER.finditer(en)}
        rules.append((re.compile("^" + _pattern(en, named=True) + "$", re.DOTALL), target,
                      types))
    return tuple(rules)


def _number(text: str) -> str:
    """A number in Indonesian separators (``1.234,5``); infinity as ``∞``."""
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".").replace("inf", "∞")


def _value(text: str, kind: str | None) -> str | None:
    if kind is None:
        return text
    if kind == "num":
        return _number(text)
    if kind == "list":
        return text.replace("' and '", "' dan '").replace('" and "', '" dan "')
    if kind == "timed":  # "'Draft' (1.5 days), 'Check' (0.5 days)"
        def unit(m: re.Match[str]) -> str:
            word = _translate(m.group(2), "unit")
            return f"({_number(m.group(1))} {word if word is not None else m.group(2)})"
        return re.sub(rf"\(({_NUMBER}) (\w+)\)", unit, text)
    return _translate(text, kind)


def _translate(text: str, kind: str) -> str | None:
    for pattern, target, types in _compiled(kind):
        m = pattern.match(text)
        if m is None:
            continue
        values = {}
        for name, sub in types.items():
            value = _value(m.group(name), sub)
            if value is None:
                break
            values[name] = value
        else:
            return target.format(**values)
    return None


def translate_note(note: str, lang: str) -> str | None:
    """A caveat of :func:`procsimp.compare` in ``lang``; None when no template fits."""
    return note if lang == "en" else _translate(note, "note")


def translate(reason: str, lang: str) -> str | None:
    """``reason`` in ``lang`` (``en`` returns it unchanged); None when no template fits."""
    if lang == "en":
        return reason
    main, sep, rest = reason.partition(" Warning: ")
    text = _translate(main, "sentence")
    if text is None or not sep:
        return text
    tail = _translate(" Warning: " + rest, "warning")
    return None if tail is None else text + tail


__all__ = ["TEMPLATES", "translate", "translate_note"]
