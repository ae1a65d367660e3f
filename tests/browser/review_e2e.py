"""Drives the HTML review report in headless Chromium the way a supervisor would.

Run by tests/it/review.rs:  python3 review_e2e.py REPORT.html OUT_DIR EXPECT_JSON
                        or:  python3 review_e2e.py --smoke REPORT.html (load, no script errors)
EXPECT_JSON (computed by the Rust test from the JSONL report of the same calls):
  calls         number of calls in the report
  flagged       number of flagged calls
  rule          a rule id to filter by, and rule_calls: how many calls it fired on
  agent         an agent whose calls to open, agent_calls: how many
  reject_rule   on the agent's worst call, the rule whose first hit is marked 误判
  confirm_rule  on the same call, the rule whose first hit is marked 确认
  calls_with_hits  calls with at least one hit (the "not reviewed yet" filter)
  xss_search    a search term that finds only the call carrying the payloads
  payloads      strings that must appear as text, never as markup

Every check raises AssertionError with what was seen; the script exits non-zero on any.
It writes verdicts.csv (downloaded through the page's own button) and screenshots to OUT_DIR,
and prints a JSON summary (load time, counts) on stdout.
"""

import json
import os
import sys
import time

from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("ZHIJIAN_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]


def check(cond, message):
    if not cond:
        raise AssertionError(message)


def wait_until(page, expression, timeout=10.0):
    """Polls `expression` (the page's policy forbids the eval that wait_for_function uses)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if page.evaluate(expression):
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {expression}: hash {page.evaluate('location.hash')}")


def wait_rows(page, n, what):
    """Waits for the queue to show `n` rows: the page renders on `hashchange`, which may run
    after the hash a test waited for has changed."""
    try:
        wait_until(page, f"document.querySelectorAll('#queue li').length === {n}")
    except AssertionError:
        raise AssertionError(f"{what}: {page.locator('#queue li').count()} rows, expected {n}")


def wait_ready(page):
    page.wait_for_selector('body[data-ready="1"]', timeout=60000)


def queue_ids(page):
    return page.locator("#queue li .id").all_inner_texts()


def smoke(report):
    """Opens a report and fails on any script error: the page checks its own scoring against
    zhijian's on every call when it loads, and reports a disagreement as an error."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto("file://" + os.path.abspath(report))
        wait_ready(page)
        rows = page.locator("#queue li").count()
        browser.close()
    check(errors == [], f"script errors: {errors}")
    print(json.dumps({"ok": True, "rows": rows}))


def main():
    if sys.argv[1] == "--smoke":
        smoke(sys.argv[2])
        return
    report, out_dir, expect = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    url = "file://" + os.path.abspath(report)
    os.makedirs(out_dir, exist_ok=True)
    summary = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
        page = context.new_page()
        dialogs, errors, requests = [], [], []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("request", lambda r: requests.append(r.url) if not r.url.startswith(("file:", "blob:", "data:")) else None)

        started = time.monotonic()
        page.goto(url)
        wait_ready(page)
        summary["load_ms_wall"] = round((time.monotonic() - started) * 1000)
        summary["load_ms_script"] = page.evaluate("window.zhijianLoadMs")

        # The queue: every call, flagged ones first.
        ids = queue_ids(page)
        check(len(ids) == expect["calls"], f"queue has {len(ids)} rows, expected {expect['calls']}")
        flags = page.locator("#queue li").evaluate_all(
            "els => els.map(li => li.querySelector('.flag') !== null)")
        check(flags == sorted(flags, reverse=True), f"flagged calls are not first: {flags}")
        check(sum(flags) == expect["flagged"], f"{sum(flags)} rows flagged, expected {expect['flagged']}")
        count_text = page.inner_text("#queue-count")
        check(f"{expect['calls']} / {expect['calls']} 通" in count_text, count_text)

        # A filter through the page's own select: the URL hash keeps it, a reload restores it.
        page.select_option("#f-rule", expect["rule"])
        wait_until(page, f"location.hash.includes('rule={expect['rule']}')")
        wait_rows(page, expect["rule_calls"], "the rule filter")
        for text in page.locator("#queue li").all_inner_texts():
            check(expect["rule"] in text, f"a filtered row lacks {expect['rule']}: {text}")
        shared = page.evaluate("location.href")
        page.goto("about:blank")
        page.goto(shared)
        wait_ready(page)
        wait_rows(page, expect["rule_calls"], "the shared link lost the filter")
        check(page.input_value("#f-rule") == expect["rule"], "the select does not show the shared filter")
        page.click("#f-clear")
        wait_until(page, "!location.hash.includes('rule=')")
        wait_rows(page, expect["calls"], "clearing the filters did not show every call")

        # The agents view links to an agent's calls; two clicks reach the words that cost points.
        page.click('#tabs a[data-view="agents"]')
        page.wait_for_selector("#agents", state="visible")
        page.click(f'#agent-table a:text-is("{expect["agent"]}")')
        wait_until(page, "location.hash.includes('agent=')")
        wait_rows(page, expect["agent_calls"], "the agent filter")
        page.locator("#queue li a").first.click()
        page.wait_for_selector("#call .hitcard")
        marks = page.locator("#call mark.hit").all_inner_texts()
        check(len(marks) > 0, "no words highlighted in the call view")
        # A hit card shows only what applies: no part skipped by a condition leaks in as text.
        for card in page.locator("#call .hitcard").all_inner_texts():
            lines = [l.strip() for l in card.splitlines()]
            check("false" not in lines and "null" not in lines, f"a hit card shows a skipped part: {card!r}")
        page.screenshot(path=os.path.join(out_dir, "call-laptop.png"), full_page=True)

        # Verdicts through the buttons, a comment, kept across a reload.
        page.fill("#reviewer", "张主管")
        page.dispatch_event("#reviewer", "change")
        reject = page.locator(".hitcard", has=page.locator(f'.rid:text-is("{expect["reject_rule"]}")')).first
        reject.locator('button[data-verdict="误判"]').click()
        reject.locator('input[type="text"]').fill("说的是公司流程,不是推托")
        reject.locator('input[type="text"]').press("Tab")
        confirm = page.locator(".hitcard", has=page.locator(f'.rid:text-is("{expect["confirm_rule"]}")')).first
        confirm.locator('button[data-verdict="确认"]').click()
        check("已复核 2 /" in page.inner_text("#verdict-count"), page.inner_text("#verdict-count"))
        after = page.inner_text("#after-review")
        check("去掉 1 处误判后" in after, f"no score after review: {after!r}")
        page.reload()
        wait_ready(page)
        reject = page.locator(".hitcard", has=page.locator(f'.rid:text-is("{expect["reject_rule"]}")')).first
        check("on" in (reject.locator('button[data-verdict="误判"]').get_attribute("class") or ""),
              "the 误判 verdict did not survive a reload")
        check(reject.locator('input[type="text"]').input_value() == "说的是公司流程,不是推托",
              "the comment did not survive a reload")
        with page.expect_download() as download:
            page.click("#download")
        download.value.save_as(os.path.join(out_dir, "verdicts.csv"))

        def card(pg, rule):
            return pg.locator(".hitcard", has=pg.locator(f'.rid:text-is("{rule}")')).first

        # Two tabs on one report: each keeps the other's verdicts.
        other = context.new_page()
        other.goto(page.url)
        wait_ready(other)
        card(other, "EMP001").locator('button[data-verdict="确认"]').click()
        card(page, "CLS001").locator('button[data-verdict="确认"]').click()
        page.reload()
        wait_ready(page)
        for rule in ["EMP001", "CLS001", expect["confirm_rule"]]:
            button = card(page, rule).locator('button[data-verdict="确认"]')
            check("on" in (button.get_attribute("class") or ""), f"the {rule} verdict of one tab was lost")
        other.close()

        # Taking a verdict back keeps the comment written for it.
        opn = card(page, "OPN002")
        opn.locator('button[data-verdict="误判"]').click()
        opn.locator('input[type="text"]').fill("开场是机器人放的")
        opn.locator('input[type="text"]').press("Tab")
        opn.locator('button[data-verdict="误判"]').click()
        page.reload()
        wait_ready(page)
        opn = card(page, "OPN002")
        check(opn.locator('input[type="text"]').input_value() == "开场是机器人放的", "the comment was lost")
        check("on" not in (opn.locator('button[data-verdict="误判"]').get_attribute("class") or ""),
              "the verdict taken back is still on")

        # Calls still to review: every call with hits (two of one call's hits are judged).
        page.click('#tabs a[data-view="review"]')
        page.wait_for_selector("#review", state="visible")
        page.click("#f-clear")
        page.check("#f-todo")
        wait_until(page, "location.hash.includes('todo=1')")
        wait_rows(page, expect["calls_with_hits"], "the todo filter")

        # The payloads: found by search, shown as text, never run.
        page.click('#tabs a[data-view="review"]')
        page.wait_for_selector("#review", state="visible")
        page.click("#f-clear")
        page.fill("#f-q", expect["xss_search"])
        wait_until(page, "location.hash.includes('q=')")
        wait_rows(page, 1, "the search did not find exactly the payload call")
        page.locator("#queue li a").first.click()
        page.wait_for_selector("#call h2")
        call_text = page.inner_text("#call")
        queue_text = page.inner_text("#queue")
        for payload in expect["payloads"]:
            check(payload in call_text, f"payload not shown as text in the call view: {payload}")
        marked_turns = page.locator("#call .turn", has=page.locator("mark.hit")).all_inner_texts()
        check(any("<script>" in t for t in marked_turns),
              f"the payload is not text beside a highlight: {marked_turns}")
        check('onerror' in queue_text, "the payload call id is not shown as text in the queue")
        page.click('#tabs a[data-view="agents"]')
        page.wait_for_selector("#agents", state="visible")
        check(any(p in page.inner_text("#agents") for p in expect["payloads"]), "the payload agent name is not text")
        page.click('#tabs a[data-view="overview"]')
        page.wait_for_selector("#overview", state="visible")
        page.screenshot(path=os.path.join(out_dir, "overview-laptop.png"), full_page=True)
        check(page.locator("img").count() == 0, "an <img> element exists: markup was injected")
        check(page.locator("script").count() == 3, f"{page.locator('script').count()} script elements")
        check(page.evaluate("typeof window.__pwned") == "undefined", "an injected script ran")
        check(dialogs == [], f"a dialog opened: {dialogs}")

        # The customer's number, as the page renders it: masked, and the header says so.
        check("个人信息已遮盖" in page.inner_text("#top"), "the header does not say the page is masked")
        page.click('#tabs a[data-view="review"]')
        page.wait_for_selector("#review", state="visible")
        page.click("#f-clear")
        page.fill("#f-q", expect["masked_call"])
        wait_until(page, "location.hash.includes('q=')")
        wait_rows(page, 1, "the search did not find the call with a phone number")
        page.locator("#queue li a").first.click()
        page.wait_for_selector("#call h2")
        call_text = page.inner_text("#call")
        check(expect["phone_masked"] in call_text, f"the masked number is not shown: {call_text}")
        body = page.inner_text("body")
        check(expect["phone"] not in body, "the customer's number is visible in the page")
        check(expect["agent_id"] in call_text, "the agent's 工号 was masked too")
        english = [d for d in ["attitude", "language", "behaviour", "efficiency", "resolution"] if d in call_text]
        check(english == [], f"the score table names dimensions in English: {english}")
        check("问题解决" in call_text, "the score table does not name the dimension 问题解决")

        # Measured evidence (语速, 末句到挂机) reads as words, in the transcript and on its card.
        page.fill("#f-q", expect["measured_call"])
        wait_until(page, "[...document.querySelectorAll('#queue li')].length === 1 && "
                   f"document.querySelector('#queue li').innerText.includes('{expect['measured_call']}')")
        page.locator("#queue li a").first.click()
        wait_until(page, f"document.querySelector('#call h2') && document.querySelector('#call h2').innerText.includes('{expect['measured_call']}')")
        page.wait_for_selector("#call .hitcard")
        call_text = page.inner_text("#call")
        for words in expect["measured"]:
            check(words in call_text, f"the measurement {words} is not shown: {call_text}")
        check("undefined" not in call_text and "NaN" not in call_text, f"a measurement renders badly: {call_text}")
        page.fill("#f-q", "")

        # A page that unpacks fewer calls than it was written with says so, never passes for
        # complete (the same report with one more call claimed than it holds).
        with open(report, encoding="utf-8") as f:
            html = f.read()
        listed = f'"listed":{expect["calls"]},'
        check(listed in html, "the page's data block does not hold the call count")
        short = os.path.join(out_dir, "short.html")
        with open(short, "w", encoding="utf-8") as f:
            f.write(html.replace(listed, f'"listed":{expect["calls"] + 1},', 1))
        cut = context.new_page()
        cut.on("pageerror", lambda e: errors.append(str(e)))
        cut.goto("file://" + os.path.abspath(short))
        wait_ready(cut)
        warning = cut.inner_text("#short")
        check(f"写入了 {expect['calls'] + 1} 通,浏览器只读出 {expect['calls']} 通" in warning, warning)
        check("不完整" in cut.inner_text("#queue-count"), cut.inner_text("#queue-count"))
        check(cut.locator("#short").count() == 1 and page.locator("#short").count() == 0,
              "the warning must show on the short page only")
        cut.close()

        # A phone: the queue, then a call with a way back.
        phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        mobile = phone.new_page()
        mobile.on("pageerror", lambda e: errors.append(str(e)))
        mobile.goto(url)
        wait_ready(mobile)
        mobile.screenshot(path=os.path.join(out_dir, "queue-phone.png"))
        mobile.locator("#queue li a").first.click()
        mobile.wait_for_selector("#call h2")
        check(not mobile.is_visible("#queue-pane"), "on a phone the queue should give way to the call")
        check(mobile.is_visible("#call .back"), "on a phone the call view needs a way back")
        mobile.screenshot(path=os.path.join(out_dir, "call-phone.png"), full_page=True)
        overflow = mobile.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        check(overflow <= 1, f"the phone layout scrolls sideways by {overflow}px")
        mobile.click("#call .back")
        mobile.wait_for_selector("#queue-pane", state="visible")

        check(errors == [], f"script errors: {errors}")
        check(requests == [], f"the report fetched something: {requests}")
        browser.close()
    summary["ok"] = True
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
