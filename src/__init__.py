"""wooconnect: WooCommerce stores to CRM locations (src/ is this package)."""
