"""The WooCommerce adapter: the REST client behind the store-client port, webhook signatures,
the key grant, the SSRF guard for store URLs, and (in `simulator`) a store in a process."""

from wooconnect.adapters.woocommerce.auth import AuthMode, OAuth1Signer, oauth_signature
from wooconnect.adapters.woocommerce.client import WooCommerceClient
from wooconnect.adapters.woocommerce.decode import (
    UndecodablePayload,
    decode_customer_payload,
    decode_deleted_payload,
    decode_order_payload,
)
from wooconnect.adapters.woocommerce.keygrant import (
    KeyGrantInvalid,
    build_authorize_url,
    decode_key_grant,
)
from wooconnect.adapters.woocommerce.retry import RetryPolicy
from wooconnect.adapters.woocommerce.signatures import sign_webhook_body, verify_webhook_signature
from wooconnect.adapters.woocommerce.ssrf import StoreAddressRefused, guard_store_url
from wooconnect.adapters.woocommerce.webhooks import WebhookTopics, generate_webhook_secret

__all__ = [
    "AuthMode",
    "KeyGrantInvalid",
    "OAuth1Signer",
    "RetryPolicy",
    "StoreAddressRefused",
    "UndecodablePayload",
    "WebhookTopics",
    "WooCommerceClient",
    "build_authorize_url",
    "decode_customer_payload",
    "decode_deleted_payload",
    "decode_key_grant",
    "decode_order_payload",
    "generate_webhook_secret",
    "guard_store_url",
    "oauth_signature",
    "sign_webhook_body",
    "verify_webhook_signature",
]
