"""What a phone on the pub's Wi-Fi downloads from `pubquiz serve` (no Nginx): the join page's first
load, compressed, and the next page (the team's, after joining) whose static files all come from
the browser's cache."""

import re
import urllib.request

from playwright.sync_api import expect

FIRST_LOAD_LIMIT = 35 * 1024


def _transferred(page):
    """Bytes on the wire (headers and encoded bodies) for everything the page loads, as Chromium's
    network panel counts them, by URL."""
    cdp = page.context.new_cdp_session(page)
    urls, sizes = {}, {}
    cdp.on("Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]))
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
    cdp.send("Network.enable")
    return lambda: {urls[r]: size for r, size in sizes.items() if r in urls}


def _static_requests_served(base):
    """How many requests for /static/ the server has answered (its own metrics, from loopback)."""
    text = urllib.request.urlopen(base + "/metrics", timeout=5).read().decode()
    return sum(
        float(n)
        for n in re.findall(r'^pubquiz_requests_total\{[^}]*endpoint="static"[^}]*\} (\S+)$', text, re.M)
    )


def test_the_join_page_is_small_on_first_load_and_cached_after(people, live):
    _, code = people.true_or_false_game("host@example.org", ["The Thames flows through Oxford."], True)
    phone = people.new(width=390, height=844)
    transferred = _transferred(phone)
    phone.goto(f"{live}/join/{code}", wait_until="load")
    expect(phone.locator("input[name=name]")).to_be_visible()
    # Every script and the stylesheet finished (htmx is running): nothing still on the wire.
    phone.wait_for_function("() => window.htmx !== undefined && document.readyState === 'complete'")
    first = transferred()
    assert any("/static/vendor/htmx.min.js" in url for url in first), first
    total = sum(first.values())
    print(f"\nfirst load of the join page: {total / 1024:.1f} KB over {len(first)} requests")
    assert total <= FIRST_LOAD_LIMIT, {url: size for url, size in sorted(first.items())}

    # The next page is the team's own, after joining: a new session cookie must not make the
    # browser fetch its static files again.
    served = _static_requests_served(live)
    phone.fill("#name", "Quiz Team Aguilera")
    phone.click("button.primary")
    expect(phone).to_have_url(re.compile(f"/play/{code}$"))
    phone.wait_for_function("() => window.htmx !== undefined && document.readyState === 'complete'")
    cached = phone.evaluate("""() => performance.getEntriesByType('resource')
        .filter(e => e.name.includes('/static/')).map(e => [e.name, e.transferSize])""")
    assert len(cached) >= 4, cached
    assert all(size == 0 for _, size in cached), cached  # 0: from the cache, not even a revalidation
    assert _static_requests_served(live) == served
