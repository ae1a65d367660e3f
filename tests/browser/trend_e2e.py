"""Opens a `zhijian trend` page in headless Chromium and checks that it draws.

Run by tests/it/review.rs:  python3 trend_e2e.py PAGE.html OUT_DIR EXPECT_JSON
EXPECT_JSON:
  charts   number of SVG charts
  days     the period names every chart's x axis must show
  boxes    boxes in the score-distribution chart (one per period)
  agents   names in the agent table

The page has no script: what can go wrong is a chart that does not render (zero size, an SVG
error), something the Content-Security-Policy blocks (Chromium logs it as a console error), or
text drawn outside its chart. Each check raises AssertionError with what was seen. A
screenshot goes to OUT_DIR.
"""

import json
import os
import sys

from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("ZHIJIAN_CHROMIUM", "/usr/bin/chromium")


def check(cond, message):
    if not cond:
        raise AssertionError(message)


def main():
    page_path, out_dir, expect = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    os.makedirs(out_dir, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        problems = []
        page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on("request", lambda r: problems.append(f"request: {r.url}") if not r.url.startswith("file:") else None)
        page.goto("file://" + os.path.abspath(page_path))
        page.wait_for_load_state("load")

        charts = page.locator("svg.chart")
        check(charts.count() == expect["charts"], f"{charts.count()} charts, expected {expect['charts']}")
        for i in range(charts.count()):
            chart = charts.nth(i)
            box = chart.bounding_box()
            check(box and box["width"] > 300 and box["height"] > 80, f"chart {i} drawn at {box}")
            ticks = chart.locator("text.xtick").all_text_contents()
            check(ticks == expect["days"], f"chart {i} x axis: {ticks}")
            # Every label inside its chart.
            for t in chart.locator("text").all():
                tb = t.bounding_box()
                check(tb and tb["x"] >= box["x"] - 1 and tb["x"] + tb["width"] <= box["x"] + box["width"] + 1,
                      f"chart {i}: {t.text_content()!r} at {tb} outside {box}")
        boxes = page.locator("#scores g.box")
        check(boxes.count() == expect["boxes"], f"{boxes.count()} boxes")
        for i in range(boxes.count()):
            rect = boxes.nth(i).locator("rect").bounding_box()
            check(rect and rect["width"] > 4 and rect["height"] >= 1, f"box {i} at {rect}")
        agents = page.locator("#agents tbody th").all_text_contents()
        check(sorted(agents) == sorted(expect["agents"]), f"agents {agents}")
        # The in-page links lead somewhere.
        for a in page.locator("nav a").all():
            target = a.get_attribute("href")
            check(page.locator(target).count() == 1, f"nav link {target} has no target")
        page.screenshot(path=os.path.join(out_dir, "trend.png"), full_page=True)
        check(not problems, "\n".join(problems))
        browser.close()
    print(json.dumps({"ok": True, "charts": expect["charts"]}))


if __name__ == "__main__":
    main()
