"""The page the merchant's browser returns to from the store's approval page, over real HTTP:
it needs no token, and it takes what the store appends to the return URL (`success` and
`user_id`, the grant's state) beside anything else, where the API behind a token refuses a
query parameter it does not know."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx

from tests.http.conftest import Shop


def returned(shop: Shop, **appended: str) -> httpx.Response:
    """The browser's visit to the return URL the store was given, with `appended` added."""
    offered = parse_qs(urlsplit(shop.waiting["authorize_url"]).query)
    [return_url] = offered["return_url"]
    with httpx.Client() as browser:
        return browser.get(return_url, params=appended)


def state(shop: Shop) -> str:
    [user_id] = parse_qs(urlsplit(shop.waiting["authorize_url"]).query)["user_id"]
    return user_id


def test_a_declined_approval_returns_to_a_page_that_says_so_without_a_token(shop: Shop) -> None:
    page = returned(shop, success="0", user_id=state(shop))
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert "declined" in page.text


def test_the_return_page_takes_what_else_the_store_appends(shop: Shop) -> None:
    page = returned(shop, success="1", user_id=state(shop), wc_error="", lang="en")
    assert page.status_code == 200, page.text
    assert "did not complete the connection" in page.text


def test_a_return_with_a_state_never_issued_is_a_page_not_an_api_error(shop: Shop) -> None:
    page = returned(shop, success="1", user_id="never-issued")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "not valid" in page.text
