"""The store URL a location enters in step 1."""

from __future__ import annotations

import pytest

from wooconnect.domain.errors import InvalidStoreUrl
from wooconnect.domain.store_url import StoreUrl


def test_a_plain_https_store_url_is_accepted_as_written() -> None:
    url = StoreUrl.parse("https://shop.example.com")
    assert url.value == "https://shop.example.com"
    assert url.domain == "shop.example.com"


def test_a_sub_directory_store_is_accepted() -> None:
    url = StoreUrl.parse("https://example.com/store")
    assert url.value == "https://example.com/store"
    assert url.join("/wp-json/wc/v3/orders") == "https://example.com/store/wp-json/wc/v3/orders"


def test_domains_compare_without_case_www_or_default_port() -> None:
    a = StoreUrl.parse("https://WWW.Shop.Example.com:443")
    b = StoreUrl.parse("https://shop.example.com")
    assert a.domain == b.domain == "shop.example.com"


def test_a_non_default_port_is_part_of_the_domain() -> None:
    assert StoreUrl.parse("https://shop.example.com:8443").domain == "shop.example.com:8443"


def test_idn_hosts_are_normalised_to_punycode() -> None:
    url = StoreUrl.parse("https://bücher.example")
    assert url.host == "xn--bcher-kva.example"
    assert url.domain == StoreUrl.parse("https://XN--BCHER-KVA.example").domain


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("https://shop.example.com/", "trailing slash"),
        ("http://shop.example.com", "https"),
        ("javascript:alert(1)", "https://"),
        ("https://", "no host"),
        ("https:///path", "no host"),
        ("https://user:pass@shop.example.com", "credentials"),
        ("https://user@shop.example.com", "credentials"),
        ("https://shop.example.com?x=1", "query"),
        ("https://shop.example.com#top", "fragment"),
        ("shop.example.com", "https://"),
        ("ftp://shop.example.com", "https://"),
        ("file:///etc/passwd", "https://"),
        ("", "empty"),
        ("https://shop example.com", "white space"),
        ("https://-bad-.example.com", "valid domain"),
        ("https://shop.example.com:99999", "not a URL"),
    ],
)
def test_bad_store_urls_are_refused_with_the_reason(raw: str, reason: str) -> None:
    with pytest.raises(InvalidStoreUrl, match=reason):
        StoreUrl.parse(raw)


def test_plain_http_is_accepted_only_where_the_operator_allowed_it() -> None:
    url = StoreUrl.parse("http://127.0.0.1:8100", allow_insecure=True)
    assert url.value == "http://127.0.0.1:8100"
    assert not url.is_secure
