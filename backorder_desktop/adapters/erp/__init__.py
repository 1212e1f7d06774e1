"""The ERP side of ``api`` mode: the merchant's stock feed over HTTP(S)."""
