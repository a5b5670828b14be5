#!/usr/bin/env python3
"""The web pages in a real browser (Debian's headless Chromium driven by Selenium), with an accessibility check.

Starts `obsreview serve --demo` on a free port with a temporary data folder and waits for the demo's indexing. Then,
signing in through the sign-in page as each role (by keyboard: type, then Enter):
  1. assessor: uploads a generated 12-second H.264/AAC recording through /upload for the first disputed observation,
     with the connection throttled; reloads the page mid-way (the upload is interrupted), chooses the file again and
     checks it RESUMES from the server's offset (not from 0); waits until the page says it is ready; opens it and
     PLAYS it (currentTime advances); a thumbnail in the strip seeks the player; "Next keyframe" lands on a keyframe;
  2. moderator: opens the offer from their home page, accepts it, plays the recording, presses N twice at two moments
     and types two notes (Enter saves), clicks the first note (the player seeks there), picks a score and a rationale
     and submits the blind opinion; the page then says it is in and still shows no scores (the panel is sealed until
     every moderator has given theirs); the API holds the opinion with both notes;
  3. lay moderator, by keyboard only (Enter, Space, typing): opens the offer, accepts, submits a different opinion,
     which completes the panel: the page shows the earlier ratings; the first moderator's screen now shows them too;
  4. lead: the board, then the case: decides the outcome if it is theirs to decide in the decision view (opinions side by
     side, the notes as markers on the player, adopting an opinion, the confirmation step), and sees the outcome;
  5. employer: the observations and cases lists; flags a dispute on an observation with a reason (lands on its case);
  6. auditor and administrator: their home pages and the audit trail.
On every page visited, axe-core 4.12 runs the WCAG 2.0/2.1/2.2 A and AA rules: any
serious or critical violation fails the run. Every page is also checked at a tablet width (768 px) for sideways
scrolling. Screenshots of the main pages go to docs/screenshots/ (--screenshots DIR to put them elsewhere).

    python3 scripts/test-pages.py [path/to/obsreview] [--keep] [--show] [--screenshots DIR]

Installs chromium and chromium-driver (apt) and selenium (pip) when missing, and axe-core: its axe.min.js is taken from
the `axe-playwright-python` package (installed with --no-deps: only the script is used, injected through Selenium).
`axe-selenium-python` ships axe-core 3.1, which predates WCAG 2.2's rules (docs/decisions/0009-web-pages.md).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts", "lib"))
from demo_server import PASSWORD, DemoServer, Failure, check, http, wait  # noqa: E402
from tools import chromium, default_binary, ensure_debian, ensure_pip  # noqa: E402

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def log(message):
    print(f"test-pages: {message}", flush=True)


class Browser:
    """One Chromium, the pages it visits, and the accessibility and layout findings on each."""

    def __init__(self, base, show, screenshots):
        self.driver = chromium(show)
        self.base, self.screenshots = base, screenshots
        self.checked, self.violations = [], []

    def by(self, css):
        from selenium.webdriver.common.by import By
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def all(self, css):
        from selenium.webdriver.common.by import By
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def open(self, path):
        self.driver.get(self.base + path)
        self.wait_loaded()

    def wait_loaded(self):
        wait("the page to load", lambda: self.driver.execute_script("return document.readyState") == "complete")

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def sign_in(self, username):
        from selenium.webdriver.common.keys import Keys
        self.driver.delete_all_cookies()
        self.open("/signin")
        self.audit("sign-in")
        self.by("#username").send_keys(username)
        self.by("#password").send_keys(PASSWORD + Keys.ENTER)  # by keyboard
        wait(f"{username}'s home page", lambda: self.driver.current_url.rstrip("/") == self.base and self.all("h1"))
        self.wait_loaded()
        who = self.by(".who").text
        check(who, f"the header does not say who is signed in as {username}")
        log(f"signed in as {username}: {who.splitlines()[0]}")

    def audit(self, name, screenshot=None, at=None, tall=False):
        """axe-core's WCAG A/AA rules on the page as it is now; sideways scrolling at tablet width. The screenshot shows
        the top of the page, or `at` (an element) in the middle, or with `tall` the whole page."""
        self.js(axe_script())
        results = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
            ".then(r => done({violations: r.violations})).catch(e => done({error: String(e)}));", WCAG_TAGS)
        check("error" not in results, f"axe-core failed on {name}: {results.get('error')}")
        bad = [v for v in results["violations"] if v.get("impact") in ("serious", "critical")]
        for violation in bad:
            targets = [" ".join(node["target"]) for node in violation["nodes"]][:3]
            self.violations.append(f"{name}: {violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
        self.checked.append(name)
        if screenshot and self.screenshots:
            before = self.driver.get_window_size()
            if tall:
                height = self.js("return document.documentElement.scrollHeight")
                self.driver.set_window_size(before["width"], min(height + 160, 4000))
            if at is not None:
                self.js("arguments[0].scrollIntoView({block: 'center'})", at)
            else:
                self.js("window.scrollTo(0, 0)")
            self.driver.save_screenshot(os.path.join(self.screenshots, screenshot + ".png"))
            if tall:
                self.driver.set_window_size(before["width"], before["height"])
        size = self.driver.get_window_size()
        self.driver.set_window_size(768, 1024)
        overflow = self.js("return document.documentElement.scrollWidth - window.innerWidth")
        self.driver.set_window_size(size["width"], size["height"])
        if overflow > 1:
            self.violations.append(f"{name}: the page scrolls sideways by {overflow}px at a tablet width (768 px)")

    def player_state(self):
        return self.js("const v = document.getElementById('player'); return v ? {t: v.currentTime, ready: v.readyState, "
                       "paused: v.paused, error: v.error && v.error.code} : null")

    def play(self, what):
        self.js("const v = document.getElementById('player'); v.muted = true; v.play();")
        state = wait(f"{what} to play past 1 s", lambda: (lambda s: s if s and s["t"] > 1.0 and not s["error"] else None)(
            self.player_state()), timeout=40)
        log(f"{what} plays: currentTime {state['t']:.2f} s, readyState {state['ready']}")


_AXE = []


def axe_script():
    """axe-core's axe.min.js, from the axe-playwright-python package (read once)."""
    if not _AXE:
        import importlib.util
        folder = importlib.util.find_spec("axe_playwright_python").submodule_search_locations[0]
        with open(os.path.join(folder, "axe.min.js"), encoding="utf-8") as f:
            _AXE.append(f.read())
    return _AXE[0]


def make_video(path):
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-f", "lavfi",
                    "-i", "sine=frequency=440:sample_rate=48000", "-t", "12", "-c:v", "libx264", "-preset", "ultrafast",
                    "-b:v", "5M", "-g", "50", "-pix_fmt", "yuv420p", "-c:a", "aac", "-movflags", "+faststart", path], check=True)


def api(server, method, path, body=None):
    status, _, data = http(method, server.base + path, body, {"Authorization": f"Bearer {server.token}"})
    check(200 <= status < 300, f"{method} {path} answered {status}: {data[:300]!r}")
    return json.loads(data) if data else None


def wait_for_demo_indexing(server):
    def settled():
        busy = api(server, "GET", "/api/v1/recordings?status=stored&pageSize=500")["items"] + \
            api(server, "GET", "/api/v1/recordings?status=indexing&pageSize=500")["items"]
        return not busy
    wait("the demo recordings to be indexed", settled, timeout=240, interval=1)


def assessor_uploads(b, server, observation_id, video):
    b.sign_in("assessor")
    b.audit("assessor home", "home-assessor")
    b.open(f"/upload?observation={observation_id}&chunk=262144")
    check(b.by("#observation").get_attribute("value") == observation_id, "the upload page did not preselect the observation")
    b.audit("upload")
    b.driver.execute_cdp_cmd("Network.enable", {})
    b.driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
        "offline": False, "latency": 5, "downloadThroughput": -1, "uploadThroughput": 1_000_000})
    b.by("#file").send_keys(video)
    b.by("#start").click()
    wait("the upload to pass 20%", lambda: int(b.by("#progress").get_attribute("value") or 0) >= 20, timeout=60, interval=0.05)
    progress_text = b.by("#progress-text").text
    check("B/s" in progress_text and "left" in progress_text, f"the progress shows no speed or time left: {progress_text!r}")
    if b.screenshots:
        b.driver.save_screenshot(os.path.join(b.screenshots, "upload-progress.png"))
    log(f"interrupting the upload by reloading the page at: {progress_text}")
    # Leaving now would ask first (WebDriver's own navigation skips such prompts, so the event is sent by hand).
    check(b.js("const e = new Event('beforeunload', {cancelable: true}); window.dispatchEvent(e); return e.defaultPrevented;"),
          "the upload page does not ask before it is left mid-upload")
    b.driver.refresh()  # the request under way is cut off
    b.wait_loaded()
    # The server lists the unfinished upload: nothing about it was kept in the browser.
    offers = [e.text for e in b.all("[data-resume-url]")]
    check(any("Resume uploading observation-upload.mp4" in text for text in offers), f"the page offers no resumption: {offers}")
    check(b.js("return Object.keys(localStorage).filter(k => k.startsWith('obsreview')).length") == 0,
          "the upload page keeps something in the browser's storage")
    b.audit("upload with an unfinished upload")
    b.driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
        "offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
    b.by("#file").send_keys(video)
    b.by("#start").click()
    resumed = wait("the upload to resume", lambda: (lambda t: t if t.startswith("Resuming at") or "rror" in t else None)(
        b.by("#upload-status").text + b.by("#upload-error").text), timeout=20)
    check(resumed.startswith("Resuming at") and not resumed.startswith("Resuming at 0 bytes"), f"the upload did not resume: {resumed!r}")
    log(f"after the reload: {resumed.splitlines()[0]}")
    link = wait("the page to say the recording is ready", lambda: (b.all("#recording-link") or [None])[0] or
                (None if "rejected" not in b.by("#upload-status").text else Failure(b.by("#upload-status").text)), timeout=180, interval=0.5)
    if isinstance(link, Failure):
        raise link
    check(b.by("#upload-error").text == "", f"the upload page shows an error: {b.by('#upload-error').text}")
    recording_id = link.get_attribute("href").rsplit("/", 1)[1]
    detail = api(server, "GET", f"/api/v1/recordings/{recording_id}")["recording"]
    check(detail["status"] == "ready" and detail["byteCount"] == os.path.getsize(video),
          f"the uploaded recording is {detail['status']} with {detail['byteCount']} bytes, not ready with {os.path.getsize(video)}")
    b.audit("upload finished")
    link.click()
    b.wait_loaded()
    b.play("the uploaded recording")
    strip = b.all("ol.strip button")
    check(len(strip) >= 3, f"the recording page has {len(strip)} thumbnails in its strip")
    target = float(strip[2].get_attribute("data-seek-to"))
    b.js("document.getElementById('player').pause()")
    strip[2].click()
    wait("the thumbnail to seek the player", lambda: abs(b.player_state()["t"] - target) < 0.3)
    keyframes = [float(t) for t in b.by("[data-player]").get_attribute("data-keyframes").split()]
    b.by("[data-keyframe=next]").click()
    landed = wait("the next keyframe", lambda: (lambda t: t if t > target + 0.05 else None)(b.player_state()["t"]))
    check(any(abs(landed - k) < 0.002 for k in keyframes), f"'Next keyframe' landed at {landed}, not on a keyframe {keyframes[:8]}")
    check(b.all("dl.facts dt") and "SHA-256" in b.by("dl.facts").text, "the recording page shows no metadata")
    captions = os.path.join(os.path.dirname(video), "captions.vtt")
    with open(captions, "w") as f:
        f.write("WEBVTT\n\n00:00.000 --> 00:04.000\nAssessor: thank you for coming in today.\n")
    b.by("#captions-file").send_keys(captions)
    b.by("form[data-put-file] button").click()
    wait("the captions track after the upload", lambda: b.js(
        "const v = document.getElementById('player'); return v && v.textTracks.length === 1 && v.textTracks[0].kind === 'captions'"), timeout=20)
    log("captions uploaded: the player has a captions track")
    b.audit("recording", "recording")
    return recording_id


def moderator_reviews(b, server, case_id, username, score, notes, keyboard=False, completes_panel=False):
    """With keyboard=True every step is a key press on the focused element (Enter, Space, typing): no clicks.
    Sealed panels: the scores show after the opinion only when it completes the panel (completes_panel)."""
    from selenium.webdriver.common.keys import Keys

    def press(element, key=Keys.ENTER):
        element.send_keys(key) if keyboard else element.click()

    b.sign_in(username)
    b.audit(f"{username} home", "home-moderator" if notes else None)
    press(b.by(f"a[href='/cases/{case_id}/review']"))
    b.wait_loaded()
    check("Scores and opinions" not in b.driver.page_source, "the review screen shows scores before the opinion")
    b.audit(f"{username} offer")
    press(b.by("form[data-api$='/assignment/accept'] button"))
    wait("the review screen", lambda: b.all("#opinion-form"), timeout=20)
    b.wait_loaded()
    page = b.driver.page_source
    for hidden in ("Employer ", "Assessor (accrediting body)", "Another moderator"):
        check(hidden not in page, f"the blind review screen shows {hidden!r}")
    if notes:
        from selenium.webdriver.common.keys import Keys
        b.play("the recording on the review screen")
        taken = []
        for text in notes:
            wait("playback to move on", lambda: b.player_state()["t"] > (taken[-1] + 0.8 if taken else 1.0), timeout=30)
            b.by("body").send_keys("n")  # the N key, with focus outside any field
            wait("the note box to take focus", lambda: b.js("return document.activeElement.id") == "note-text")
            at = float(b.by("#note-time").get_attribute("value"))
            check(b.player_state()["paused"], "N did not pause the video")
            b.driver.switch_to.active_element.send_keys(text + Keys.ENTER)
            taken.append(at)
            b.js("document.getElementById('player').play()")
        items = wait("two notes in the list", lambda: (lambda i: i if len(i) == len(notes) else None)(b.all("#notes li")))
        check(notes[0] in items[0].text and notes[1] in items[1].text, f"the notes list reads {[i.text for i in items]}")
        b.js("document.getElementById('player').pause()")
        items[0].find_element("css selector", "button").click()
        wait("a note to seek the player", lambda: abs(b.player_state()["t"] - taken[0]) < 0.3)
        log(f"{username} took notes at {', '.join(f'{t:.2f}' for t in taken)} s; clicking the first seeks back to it")
        # The button notes the current moment by click (or tap), and says which moment.
        b.js("const v = document.getElementById('player'); v.currentTime = 3.2;")
        wait("the button to name the playback time", lambda: b.by("#note-now").text == "Add note at 0:03")
        b.by("#note-now").click()
        wait("the note box at the playback time", lambda: abs(float(b.by("#note-time").get_attribute("value")) - 3.2) < 0.3)
        b.by("#note-text").send_keys("Added with the button" + Keys.ENTER)
        wait("three notes in the list", lambda: len(b.all("#notes li")) == 3)
        notes = notes + ["Added with the button"]
        # The notes are a draft on the server, for this moderator alone: nothing in the browser; a reload brings them back.
        wait("the draft to be saved", lambda: "(3 notes)" in b.by("#notes-status").text)
        check(b.js("return Object.keys(localStorage).filter(k => k.startsWith('obsreview')).length") == 0,
              "the review page keeps notes in the browser's storage")
        b.driver.refresh()
        b.wait_loaded()
        wait("the draft notes after a reload", lambda: len(b.all("#notes li")) == 3, timeout=20)
        log(f"{username}'s notes are a server-side draft: a reload shows all three, the browser keeps none")
        b.audit("review screen", "review")
    if not notes:
        # Another moderator on the same browser sees none of the first one's notes.
        check(not b.all("#notes li"), f"{username} sees notes that are not theirs: {[i.text for i in b.all('#notes li')]}")
    if keyboard:
        b.by(f"#opinion-score-{score}").send_keys(Keys.SPACE)
    else:
        b.by(f"label[for='opinion-score-{score}']").click()
    b.by("#opinion-rationale").send_keys(f"Second opinion by {username}: score {score} for the practice seen.")
    press(b.by("#opinion-form button[type=submit]"))
    # The confirmation step (decision 27): what is about to be sent and that it becomes final, then confirm or go back.
    step = wait("the confirmation step", lambda: b.all(".confirm-step"), timeout=10)[0]
    check("cannot be changed" in step.text and f"{score}" in step.text, f"the confirmation step says {step.text[:200]!r}")
    check(b.driver.switch_to.active_element.tag_name == "h3", "focus did not move to the confirmation step")
    check(not b.by("#opinion-form").is_displayed(), "the form stays shown behind the confirmation step")
    b.audit(f"{username} confirmation step", "confirm-opinion" if notes else None, at=step)
    if not keyboard:
        # Back returns to the form with everything kept; submitting again asks again.
        step.find_element("css selector", "[data-confirm-back]").click()
        check(b.by("#opinion-form").is_displayed() and b.by("#opinion-rationale").get_attribute("value"), "Back lost the form")
        press(b.by("#opinion-form button[type=submit]"))
        step = wait("the confirmation step again", lambda: b.all(".confirm-step"), timeout=10)[0]
    press(step.find_element("css selector", "[data-confirm-submit]"))
    if completes_panel:
        wait("the scores after the opinion", lambda: "Scores and opinions" in b.driver.page_source, timeout=20)
        b.wait_loaded()
        check("Employer" in b.by("#after-heading").find_element("xpath", "..").text, "the earlier ratings are not shown after the panel completed")
        b.audit(f"{username} after opinion", "review-after")
    else:
        wait("the sealed notice after the opinion", lambda: "Your opinion is in" in b.driver.page_source, timeout=20)
        b.wait_loaded()
        page = b.driver.page_source
        for hidden in ("Scores and opinions", "Assessor (accrediting body)", "Another moderator"):
            check(hidden not in page, f"the sealed review screen shows {hidden!r} before the panel is complete")
        b.audit(f"{username} after opinion (sealed)", "review-sealed" if notes else None)
    opinions = api(server, "GET", f"/api/v1/cases/{case_id}/opinions")["items"]
    mine = [o for o in opinions if o["score"] == score and username in o["rationale"]]
    check(mine, f"the API has no opinion of {username} with score {score}: {opinions}")
    check(len(mine[0]["annotations"]) == len(notes), f"{username}'s opinion has {len(mine[0]['annotations'])} notes, not {len(notes)}")
    log(f"{username} submitted a blind opinion ({score}) with {len(notes)} notes")


def moderator_sees_scores(b, case_id, username):
    """Once the panel is complete, the first moderator's review screen shows the ratings and both opinions."""
    b.sign_in(username)
    b.open(f"/cases/{case_id}/review")
    wait("the scores once the panel is complete", lambda: "Scores and opinions" in b.driver.page_source, timeout=20)
    b.wait_loaded()
    section = b.by("#after-heading").find_element("xpath", "..").text
    check("Employer" in section and "Another moderator" in section, f"{username} does not see the panel's views: {section[:200]!r}")
    log(f"{username} sees the ratings and the other opinion once the panel is complete")


def lead_decides(b, server, case_id):
    b.sign_in("lead")
    b.audit("lead home", "home-lead")
    b.open("/board")
    b.audit("board", "board")
    check("Employer's score" in b.driver.page_source and b.all("table tbody tr"), "the board shows no cases with their scores")
    b.open("/board?state=open&sort=candidate&q=OBS")
    b.audit("board (open cases, searched, by candidate)")
    boxes = b.all("input[name=caseIds]")
    if boxes:
        boxes[0].click()
        b.by("#bulk-send button[type=submit]").click()
        report = wait("the bulk action's report", lambda: b.by("#bulk-send .form-report").text, timeout=30)
        check("1 sent to moderation" in report, f"the board's bulk send reports {report!r}")
        b.audit("board after a bulk send to moderation")
        log(f"bulk send from the board: {report.splitlines()[0]}")
    b.open("/board?overdue=true&sort=due")
    b.audit("board (overdue work)")
    b.open(f"/cases/{case_id}")
    b.audit("case (lead)")
    decide = b.all(f"a[href='/cases/{case_id}/decision']")
    if decide:
        # The decision view (decision 27): the opinions side by side, every note a marker on one player.
        decide[0].click()
        wait("the decision view", lambda: b.all("#decision-form"), timeout=20)
        b.wait_loaded()
        columns = b.all(".opinion-column")
        check(len(columns) == 2, f"the decision view shows {len(columns)} opinions side by side, not 2")
        markers = b.all(".marker-track .marker")
        elsewhere = b.all("a[href*='/decision?recording=']")
        check(markers, "the decision view shows no note markers on the player")
        check(len(b.all(".decision-notes li")) == len(markers), "the notes list and the markers differ")
        check(len(markers) + len(b.all("ol.notes:not(.decision-notes) li")) >= 2,
              f"the decision view shows {len(markers)} markers and no other notes: the first moderator gave at least 2")
        check(all(m.value_of_css_property("left") not in ("", "auto") for m in markers), "a marker is not placed on the timeline")
        b.audit("decision view", "decision-view", tall=True)
        b.driver.execute_script("arguments[0].click()", markers[-1])
        seek_to = float(markers[-1].get_attribute("data-seek-to"))
        wait("a marker seeks", lambda: abs(b.player_state()["t"] - seek_to) < 1.5, timeout=10)
        log(f"the decision view: 2 opinions side by side, {len(markers)} markers on the player, {len(elsewhere)} links to other recordings")
        b.by("label[for='adopt-1']").click()
        check(b.by("#decision-own-score").get_attribute("disabled") is not None, "another score stays open while an opinion is adopted")
        b.by("#decision-reason").send_keys("The first moderator's notes show the risk cue was picked up; the practice meets the standard.")
        b.by("#decision-form button[type=submit]").click()
        step = wait("the decision's confirmation step", lambda: b.all(".confirm-step"), timeout=10)[0]
        check("final" in step.text and "Adopt" in step.text, f"the decision's confirmation step says {step.text[:200]!r}")
        b.audit("decision confirmation step", "confirm-decision", at=step)
        step.find_element("css selector", "[data-confirm-submit]").click()
        wait("the decided view", lambda: "adopted" in b.driver.page_source and not b.all("#decision-form"), timeout=20)
        b.open(f"/cases/{case_id}")
    outcome = wait("the outcome on the case page", lambda: b.all("#outcome-heading"), timeout=20)[0].text
    b.wait_loaded()
    check(outcome.startswith("Outcome:"), f"the case page shows {outcome!r}")
    state = api(server, "GET", f"/api/v1/cases/{case_id}")
    check(state["outcome"] is not None, "the API has no outcome for the case")
    if decide:
        check(state["outcome"].get("adoptedOpinionId") in state["outcome"]["basedOn"], "the outcome does not record the adopted opinion")
        check("adopted the opinion of" in b.driver.page_source, "the case page does not say which opinion was adopted")
    check(not b.all("#assign-heading"), "a decided case still offers 'Assign a moderator'")
    check(b.all("#history-heading"), "the lead's case page has no history")
    b.audit("case decided", "case")
    log(f"the lead sees {outcome!r} ({'decided by the lead' if decide else 'reconciled by rule'})")
    for path in ("/cases", "/observations", "/recordings", "/audit"):
        b.open(path)
        b.audit(f"lead {path}")
    b.open("/statistics")
    charts = b.all("figure svg[role=img]")
    check(len(charts) == 5, f"the statistics page has {len(charts)} charts, not 5")
    check(all(c.find_elements("css selector", "title") for c in charts), "a chart has no title for assistive technology")
    figures = {dt.text: dt.find_element("xpath", "following-sibling::dd").text for dt in b.all("dl.figures dt")}
    check(figures.get("Observations", "").startswith("44"), f"the statistics page counts {figures.get('Observations')!r} observations, not 44")
    decided = api(server, "GET", "/api/v1/statistics")["report"]["counts"]["decidedCases"]
    check(decided >= 1, "the statistics do not count the lead's decision")
    b.audit("statistics", "statistics")
    log(f"statistics: {len(charts)} charts; κ {figures.get('Cohen' + chr(39) + 's κ, employer vs assessor', '?').splitlines()[0]}, {decided} decided case(s)")


def employer_flags(b, server):
    b.sign_in("employer")
    b.audit("employer home", "home-employer")
    b.open("/cases")
    b.audit("employer cases", "cases")
    b.open("/statistics")
    check("your own staff" in b.driver.page_source and "The whole scheme" in b.driver.page_source, "the employer's statistics are not scoped")
    b.audit("employer statistics")
    b.open("/observations")
    b.audit("employer observations")
    links = b.all("table a[href^='/observations/']")
    check(links, "the employer sees no observations")
    links[-1].click()
    b.wait_loaded()
    b.audit("observation")
    b.by("#flag-reason").send_keys("We believe the assessor did not see the whole recording.")
    b.by("form[data-api$='/flags'] button").click()
    wait("the case page after flagging", lambda: "/cases/" in b.driver.current_url and b.all("h1"), timeout=20)
    b.wait_loaded()
    check("Flagged" in b.driver.page_source or "flag" in b.driver.page_source.lower(), "the case page does not show the flag")
    b.audit("employer case")
    log(f"the employer flagged a dispute: {b.by('h1').text}")


def lead_runs_moderation(b, server):
    """The administration pages the lead runs moderation from: moderators, the policy editor (a refused value is
    explained beside its field), a sample previewed and then drawn, calibration."""
    b.sign_in("lead")
    b.open("/moderation")
    check(b.all("form[data-api$='/profile']"), "the lead is offered no profile form")
    b.audit("moderators and conflicts")
    b.open("/moderation/policy")
    b.audit("moderation policy")
    field = b.by("#policy-moderatorsPerCase")
    field.clear()
    field.send_keys("9")
    b.by("form[data-api='/api/v1/moderation/policy'] button[type=submit]").click()
    message = wait("the policy's field error", lambda: b.by("#policy-moderatorsPerCase-error").text, timeout=20)
    check(message.startswith("Moderators per case must be from 1 to 5, not 9"), f"the field error says {message!r}")
    check(b.by("#policy-moderatorsPerCase").get_attribute("aria-invalid") == "true", "the refused setting is not marked invalid")
    b.audit("moderation policy with a refused value", "policy")
    log(f"policy editor: {message}")
    b.open("/moderation/samples?seed=42&rate=0.2")
    picks = b.all("input[name=expectedPicks]")
    check(picks, "the preview picks nothing from the demo")
    b.audit("quality sample preview", "samples-preview")
    expected = sorted(p.get_attribute("value") for p in picks)
    b.by("form[data-api='/api/v1/samples'] button[type=submit]").click()
    wait("the cases page after the draw", lambda: b.driver.current_url.endswith("/cases"), timeout=30)
    b.wait_loaded()
    estimates = api(server, "GET", "/api/v1/samples/estimates")
    check(any(d["seed"] == 42 for d in estimates["draws"]), "the draw is not recorded")
    b.open("/moderation/samples")
    b.audit("quality samples drawn")
    b.open("/moderation/calibration")
    b.audit("calibration")
    log(f"the lead previewed and drew a sample of {len(expected)} observations (seed 42)")


def administrator_manages_users(b):
    """The administrator's users page: every account's state, and a reset link issued and used."""
    b.sign_in("admin")
    b.audit("administrator home")
    b.open("/users")
    b.audit("users and organisations", "users")
    from selenium.webdriver.support.ui import Select
    options = [o.text for o in Select(b.by("#reset-user")).options]
    employer = next((o for o in options if o.startswith("Demo Employer")), None)
    check(employer, f"the reset form offers no employer: {options[:5]}")
    Select(b.by("#reset-user")).select_by_visible_text(employer)
    b.by("form[data-show-link] button[type=submit]").click()
    shown = wait("the reset link", lambda: b.by("[data-link-slot]").text, timeout=20)
    link = shown.rsplit(" ", 1)[1].strip()
    check("/reset#" in link, f"the page shows {shown!r}")
    # The employer has no second factor, so the link would let its holder in: a second administrator approves it
    # first (decision 41); the issuer is told so, and is not offered the approval.
    check(shown.startswith("Another administrator must approve this link"), f"the page shows {shown!r}")
    b.audit("users with a reset link shown")
    b.open("/users")
    check("You issued this link: another administrator must approve it." in b.by("main").text, "the issuer is not told to find another administrator")
    b.sign_in("admin2")
    b.open("/users")
    b.audit("users with a reset awaiting approval")
    approve = next(f for f in b.driver.find_elements("css selector", "form[data-api$='/reset/approval']"))
    approve.find_element("css selector", "button").click()
    wait("the approval", lambda: not b.driver.find_elements("css selector", "form[data-api$='/reset/approval']"), timeout=20)
    b.driver.delete_all_cookies()
    b.driver.get(link)
    b.wait_loaded()
    b.audit("set a new password")
    b.by("#reset-password").send_keys("harbour violet thimble quartz")
    b.by("#reset-again").send_keys("harbour violet thimble quartz")
    b.by("#reset button[type=submit]").click()
    done = wait("the new password set", lambda: b.by("#reset-done").text, timeout=20)
    check(done.startswith("Your new password is set"), f"the reset page says {done!r}")
    log(f"the administrator issued a reset link for {employer}; a second administrator approved it; it set a new password")
    b.sign_in("admin")
    b.open("/moderation")
    b.audit("moderators (administrator)")


def notices(b):
    """The moderator's notices (decision 24): the case offered to them is listed with a link to it, the header's link
    counts it, and "Mark all read" clears the count; then their notification settings."""
    b.sign_in("moderator")
    wait("the offer among the moderator's notices", lambda: (b.open("/notices"), "A case has been offered to you" in b.driver.page_source)[1],
         timeout=30)
    b.wait_loaded()
    check(b.all(".notices li a[href^='/cases/']"), "a notice has no link to its case")
    unread = b.all(".notices li.unread")
    if unread:
        check(b.all(".notices-link .badge"), "the header does not count the unread notices")
    b.audit("moderator notices", "notices")
    if unread:
        b.by("form[data-api='/api/v1/notices/read'] button").click()
        wait("the notices marked read", lambda: (b.open("/notices"), not b.all(".notices li.unread"))[1], timeout=20)
    b.open("/settings/notifications")
    check(b.all("input[name=delivery]") and b.all("input[name=mutedKinds]"), "the notification settings have no choices")
    b.audit("notification settings", "notification-settings")
    log(f"the moderator's notices page lists the offer ({len(unread)} unread, then marked read); the notification settings page")


def others(b, recording_id):
    b.sign_in("auditor")
    b.audit("auditor home")
    b.open("/audit")
    b.audit("audit trail")
    b.open(f"/audit?subjectType=recording&subjectId={recording_id}")
    rows = [row.text for row in b.all("tbody tr")]
    check(any("Recording viewed" in row for row in rows), f"the audit trail of the uploaded recording shows no viewing: {rows}")
    b.audit("audit trail", "audit")
    b.sign_in("admin")
    b.by("[data-signout]").click()
    wait("sign-out", lambda: "/signin" in b.driver.current_url)
    b.open("/cases")
    check("/signin" in b.driver.current_url, "a signed-out browser can open /cases")
    # The privacy notice and the accessibility statement are open to anyone, and accessible themselves.
    for path, name in (("/privacy", "privacy notice"), ("/accessibility", "accessibility statement")):
        b.open(path)
        check(path in b.driver.current_url and b.all("h1"), f"the {name} is not public")
        b.audit(name)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binary", nargs="?")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--show", action="store_true")
    parser.add_argument("--screenshots", default=os.path.join(ROOT, "docs", "screenshots"))
    args = parser.parse_args()
    ensure_debian(["chromium", "chromium-driver", "ffmpeg"], log)
    ensure_pip({"selenium": "selenium"}, log)
    ensure_pip({"axe_playwright_python": "axe-playwright-python"}, log, no_deps=True)  # only its axe.min.js
    binary = args.binary or default_binary()
    work = tempfile.mkdtemp(prefix="obsreview-pages-")
    os.makedirs(args.screenshots, exist_ok=True)
    # Notices derived every second, so that the lead's decision reaches the employer's notices page during the walk.
    os.environ["OBSREVIEW_NOTIFY_INTERVAL_SECONDS"] = "1"
    server = DemoServer(binary, os.path.join(work, "data"), os.path.join(work, "server.log"))
    b = None
    ok = False
    try:
        server.start()
        _, server.token = server.sign_in_with_token("lead")
        wait_for_demo_indexing(server)
        case = api(server, "GET", "/api/v1/cases?state=in_moderation")["items"]
        case = case or api(server, "GET", "/api/v1/cases?state=awaiting_moderation")["items"]
        check(case, "the demo has no case in moderation")
        case = case[0]
        video = os.path.join(work, "observation-upload.mp4")
        make_video(video)
        b = Browser(server.base, args.show, args.screenshots)
        recording_id = assessor_uploads(b, server, case["observationId"], video)
        moderator_reviews(b, server, case["id"], "moderator", 5, ["Warm introduction, explains purpose", "Misses a risk cue"])
        moderator_reviews(b, server, case["id"], "lay", 2, [], keyboard=True, completes_panel=True)
        moderator_sees_scores(b, case["id"], "moderator")
        lead_decides(b, server, case["id"])
        employer_flags(b, server)
        lead_runs_moderation(b, server)
        administrator_manages_users(b)
        notices(b)
        others(b, recording_id)
        check(not b.violations, "accessibility or layout problems:\n  " + "\n  ".join(b.violations))
        log(f"axe-core (WCAG 2.2 A/AA): no serious or critical violations on {len(b.checked)} page states")
        ok = True
    except Failure as failure:
        log(f"FAILED: {failure}")
        if b:
            b.driver.save_screenshot(os.path.join(work, "failure.png"))
            log(f"at {b.driver.current_url}; screenshot {work}/failure.png")
            for entry in b.driver.get_log("browser")[-10:]:
                log(f"browser console: {entry['message']}")
        log("server log (last lines):\n" + server.log_tail())
    finally:
        if b:
            b.driver.quit()
        server.stop()
        if ok and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        elif not ok:
            log(f"kept {work}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
