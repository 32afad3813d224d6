"""Sign-in of people with Entra ID for the web UI: OpenID Connect authorization code with PKCE
(``client.py``: discovery, the authorize URL, the code redemption, JWKS, Graph group check) and our own ID
token validation (``id_token.py``: signature against the JWKS, issuer, audience, expiry, nonce, tenant).
MSAL 1.38+ no longer validates ID tokens, so this package does not use it; PyJWT + cryptography do the JOSE.
"""
