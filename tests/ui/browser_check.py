#!/usr/bin/python3
"""The operator's page in a real browser: headless Chromium driven by
Selenium, against a running xcp-pxe. Prints one line per check and exits
non-zero on the first failure. The caller runs it in a network namespace of
its own, so that the browser reaches nothing but that namespace's loopback.

  browser_check.py --url http://127.0.0.1:PORT --token TOKEN \
      --installed MAC --installing MAC --failed MAC --log-line TEXT --shots DIR
"""
import argparse
import os
import sys
import tempfile
import time

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait


def browser(profile):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1280,900", "--no-first-run", "--no-default-browser-check",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--user-data-dir=" + profile):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        raise SystemExit(1)


def main():
    p = argparse.ArgumentParser()
    for name in ("url", "token", "installed", "installing", "failed", "log-line", "shots", "backup"):
        p.add_argument("--" + name, required=True)
    a = p.parse_args()
    os.makedirs(a.shots, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        d = browser(profile)
        wait = WebDriverWait(d, 20)
        try:
            run(d, wait, a)
        except TimeoutException as e:
            d.save_screenshot(os.path.join(a.shots, "failure.png"))
            check(False, "timed out: " + str(e).strip())
        finally:
            d.quit()


def row_state(d, mac):
    return d.find_element(By.CSS_SELECTOR, 'tr[data-mac="%s"] .state' % mac).text


def run(d, wait, a):
    # Signed in by the URL's fragment, which never reaches the server.
    d.get(a.url + "/ui/#token=" + a.token)
    wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, 'tr[data-mac="%s"]' % a.failed)))
    check("token" not in d.current_url, "the token is taken out of the address bar")
    check(d.execute_script("return sessionStorage.getItem('xcp-pxe-token')") == a.token,
          "the token is kept in sessionStorage")
    states = {mac: row_state(d, mac) for mac in (a.installed, a.installing, a.failed)}
    check(states == {a.installed: "installed", a.installing: "installing", a.failed: "failed"},
          "the list shows the three states: %s" % states)
    d.save_screenshot(os.path.join(a.shots, "host-list.png"))

    # Filter.
    box = d.find_element(By.ID, "filter")
    box.send_keys("failed")
    rows = d.find_elements(By.CSS_SELECTOR, "#host-table tbody tr")
    check([r.get_attribute("data-mac") for r in rows] == [a.failed], "the filter keeps the failed host only")
    box.clear()
    box.send_keys(" ")
    box.send_keys(Keys.BACKSPACE)

    # The installing host's timeline.
    d.find_element(By.LINK_TEXT, a.installing).click()
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#timeline svg rect.bar")))
    phases = {r.get_attribute("data-phase") for r in d.find_elements(By.CSS_SELECTOR, "#timeline rect.bar")}
    wanted = {"loader", "config", "kernel and image", "answerfile", "partition", "install"}
    check(wanted <= phases, "the installing host's timeline has its phases: %s" % sorted(phases))
    tip = d.find_element(By.CSS_SELECTOR, '#timeline rect[data-phase="kernel and image"] title')
    text = tip.get_attribute("textContent")
    check(any(u in text for u in (" B", " KB", " MB", " GB")) and " s" in text,
          "a bar tells its duration and bytes on hover: " + text)
    d.save_screenshot(os.path.join(a.shots, "host-timeline.png"))

    # The failed host's log.
    d.get(a.url + "/ui/#/hosts/" + a.failed)
    wait.until(ec.text_to_be_present_in_element((By.ID, "host-log"), a.log_line))
    check(True, "the failed host's log is shown")
    d.save_screenshot(os.path.join(a.shots, "host-failed.png"))

    # Reinstall, by keyboard alone: Tab to the button, Enter, confirm.
    body = d.find_element(By.TAG_NAME, "body")
    body.click()
    for _ in range(40):
        active = d.switch_to.active_element
        if active.get_attribute("data-action") == "reinstall":
            break
        active.send_keys(Keys.TAB)
    check(d.switch_to.active_element.get_attribute("data-action") == "reinstall",
          "the reinstall button is reached by Tab")
    d.switch_to.active_element.send_keys(Keys.ENTER)
    wait.until(ec.alert_is_present())
    alert = d.switch_to.alert
    check("reinstall" in alert.text, "reinstall asks for confirmation: " + alert.text)
    alert.accept()
    wait.until(ec.text_to_be_present_in_element((By.ID, "message"), "Done"))
    check(True, "reinstall confirmed")

    # A backup the server keeps, restored onto a new disk from the host's page.
    d.get(a.url + "/ui/#/hosts/" + a.installing)
    row = wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, 'tr[data-backup="%s"]' % a.backup)))
    check(a.backup in row.text, "the host's page lists its backup: " + row.text)
    row.find_element(By.TAG_NAME, "button").click()
    wait.until(ec.alert_is_present())
    alert = d.switch_to.alert
    check(a.backup in alert.text and "identity" in alert.text, "the restore asks for confirmation: " + alert.text)
    alert.accept()
    wait.until(ec.text_to_be_present_in_element((By.ID, "message"), "Done: restore"))
    check(True, "restore from the backup confirmed")

    # A narrow screen.
    d.set_window_size(390, 844)
    d.get(a.url + "/ui/#/")
    wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, 'tr[data-mac="%s"]' % a.failed)))
    d.save_screenshot(os.path.join(a.shots, "host-list-narrow.png"))
    d.set_window_size(1280, 900)

    # A wrong token: a clear message and no data.
    d.execute_script("sessionStorage.clear()")
    d.get("about:blank")
    d.get(a.url + "/ui/#token=not-the-token")
    wait.until(ec.visibility_of_element_located((By.ID, "sign-in")))
    wait.until(ec.text_to_be_present_in_element((By.ID, "message"), "refused"))
    rows = d.find_elements(By.CSS_SELECTOR, "#host-table tbody tr")
    check(len(rows) == 0 and not d.find_element(By.ID, "hosts").is_displayed(),
          "a wrong token shows a clear message and no data: " + d.find_element(By.ID, "message").text)
    d.save_screenshot(os.path.join(a.shots, "wrong-token.png"))


if __name__ == "__main__":
    main()
