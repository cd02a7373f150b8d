"""How long each kiosk form takes a citizen: taps and seconds for each form and language, in headless Chromium.

A scripted citizen walks through the browser kiosk from its welcome screen to the thank-you screen on a
landscape tablet (1280×800), answering every question it is shown with one tap (a face, or the first option;
"what should improve": one choice and Next) and leaving the comment empty. For each form and language it prints:

* **taps**: every tap from the welcome screen to the thank-you screen;
* **words**: the words the citizen has to read: each screen's question and the labels of its answers (those
  under the faces only on the first screen of faces: after it, the faces speak for themselves);
* **fluent s** and **slow s**: a model of a citizen's time, ``words / speed + 1.5 s per tap``, for a fluent
  reader (220 words, in Vietnamese syllables, a minute) and a slow one (120: an elderly citizen, or one who reads
  little Vietnamese);
* **machine s**: the wall time of the scripted walk (the app and the browser on this machine).

The full SIPAS form is the baseline: every other form's taps and times are printed as a ratio to it,
measured in the same run. Forms: the short SIPAS form (a counter with the split design), the full form (a counter
that keeps it), the one-tap rating and the case evaluation; languages: every kiosk language of the questionnaire.

    .venv/bin/python -m benchmarks.bench_kiosk_walkthrough
    .venv/bin/python -m benchmarks.bench_kiosk_walkthrough --languages vi en --repeat 5
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks import harness

#: Form name → the counter that shows it (from the shipped Sơn La organisation).
FORMS = {
    "sipas short": "so-tu-phap-1",
    "sipas full": "so-noi-vu-1",
    "rating (one tap)": "ttpv-quynh-nhai-tong-hop",
    "case evaluation": "so-tu-phap-2",
}
BASELINE = "sipas full"
#: Reading speeds in words (Vietnamese: syllables) a minute: a slow reader (elderly, or reading little
#: Vietnamese) and a fluent one.
SLOW, FLUENT = 120, 220
SECONDS_PER_TAP = 1.5
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

SHOWN = "() => [...document.querySelectorAll('section.screen')].filter(e => !e.hidden).map(e => e.id).join()"
#: Words a citizen reads on a screen: the question, and the answers' labels (the faces' labels only the first time:
#: after one screen of faces, the faces speak for themselves).
WORDS = """([s, labels]) => {
  const count = t => t.split(/\\s+/).filter(w => /\\w/u.test(w)).length;
  const legend = s.querySelector('legend, .legend');
  const answers = [...s.querySelectorAll(labels ? '.choice-label, .option span' : '.option span')];
  return count(legend ? legend.innerText : '') + answers.reduce((n, e) => n + count(e.innerText), 0);
}"""


@dataclass(frozen=True)
class Walk:
    form: str
    language: str
    taps: int
    words: int
    machine: float

    @property
    def slow(self) -> float:
        return 60 * self.words / SLOW + SECONDS_PER_TAP * self.taps

    @property
    def fluent(self) -> float:
        return 60 * self.words / FLUENT + SECONDS_PER_TAP * self.taps


def walk(page, base: str, form: str, counter: str, language: str) -> Walk:
    """One citizen from the welcome screen to the thank-you screen."""
    started = time.perf_counter()
    page.goto(f"{base}/k/{counter}?lang={language}")
    taps, words, seen_faces = 0, 0, False
    begin = page.locator("a[data-begin]")
    if begin.count():
        words += len(page.locator(".welcome h1").inner_text().split())
        begin.first.tap()
        taps += 1
        page.wait_for_selector("form.survey")
    page.wait_for_selector(".progress:not([hidden])")  # kiosk.js shows one screen at a time
    one_tap = page.locator("form[data-one-tap]").count() > 0
    while True:
        shown = page.evaluate(SHOWN)
        screen = page.locator(f"#{shown}")
        if "review" in (screen.get_attribute("class") or ""):
            page.locator(".steps .send").tap()
            taps += 1
            break
        question = screen.locator(".question")
        kind = question.get_attribute("data-type")
        words += page.evaluate(WORDS, [screen.element_handle(), not seen_faces])
        seen_faces = seen_faces or kind == "scale"
        if kind == "scale":
            faces = screen.locator("label.choice:not(.skip)")
            faces.nth(min(3, faces.count() - 1)).tap()  # "satisfied", or the best of a shorter scale
        else:
            screen.locator("label.option").first.tap()
        taps += 1
        if one_tap:  # the answer is kept; the reason is optional and the kiosk sends by itself
            break
        if kind == "multi":
            page.locator(".steps .next").tap()
            taps += 1
        page.wait_for_function(f"before => ({SHOWN})() !== before", arg=shown)
    page.wait_for_selector("#thanks:not([hidden])", timeout=30_000)
    return Walk(form, language, taps, words, time.perf_counter() - started)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--languages", nargs="*", help="kiosk languages (default: every one the form offers)")
    parser.add_argument("--repeat", type=int, default=3, help="walks per form and language (the short form draws)")
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright
    from sqlalchemy import select
    from werkzeug.serving import make_server

    from surveyapp import create_app
    from surveyapp.db import db
    from surveyapp.languages import kiosk_languages
    from surveyapp.organisation.models import Counter
    from surveyapp.questionnaires.loader import current_version

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'walk.sqlite3'}"
        harness.prepare_database(url, devices=1)  # the kiosks here are browsers; one tablet is enrolled all the same
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": "walkthrough",
                "KIOSK_THANKS_SECONDS": 1,
                "FLAG_HOURS_GRACE_MINUTES": 24 * 60,
            }
        )
        with app.app_context():
            offered = {}
            for form, code in FORMS.items():
                counter = db.session.scalar(select(Counter).where(Counter.code == code))
                offered[form] = kiosk_languages(current_version(counter.instrument_code).definition)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        walks: list[Walk] = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for form, counter in FORMS.items():
                for language in args.languages or offered[form]:
                    if language not in offered[form]:
                        continue
                    for _ in range(args.repeat):
                        context = browser.new_context(viewport={"width": 1280, "height": 800}, has_touch=True)
                        walks.append(walk(context.new_page(), base, form, counter, language))
                        context.close()
            browser.close()
        server.shutdown()

    def median(form: str, language: str | None, attribute: str) -> float:
        values = [getattr(w, attribute) for w in walks if w.form == form and language in (None, w.language)]
        return statistics.median(values)

    print(f"Kiosk walkthrough: {args.repeat} walk(s) per form and language, landscape tablet, median of the walks")
    print(f"fluent s, slow s = words / ({FLUENT}, {SLOW} a minute) + {SECONDS_PER_TAP} s per tap")
    print(f"{'form':18s} {'lang':5s} {'taps':>5s} {'words':>6s} {'fluent s':>9s} {'slow s':>7s} {'machine s':>10s}")
    for form in FORMS:
        for language in dict.fromkeys(w.language for w in walks if w.form == form):
            figures = [median(form, language, name) for name in ("taps", "words", "fluent", "slow", "machine")]
            print(
                f"{form:18s} {language:5s} {figures[0]:5.0f} {figures[1]:6.0f} {figures[2]:9.1f} {figures[3]:7.1f}"
                f" {figures[4]:10.2f}"
            )
    base_taps, base_time = median(BASELINE, "vi", "taps"), median(BASELINE, "vi", "fluent")
    print(f"\nAgainst the full SIPAS form in Vietnamese ({base_taps:.0f} taps, {base_time:.0f} s fluent), same run:")
    for form in FORMS:
        print(
            f"  {form:18s} taps ×{median(form, 'vi', 'taps') / base_taps:.2f}"
            f"   time ×{median(form, 'vi', 'fluent') / base_time:.2f}"
        )


if __name__ == "__main__":
    main()
