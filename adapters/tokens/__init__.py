"""Token adapters: capability tokens (PyJWT, HMAC) and identity tokens (Cognito, RS256).

Import the submodule you need; this package imports nothing, so a function pays only for
what it uses (`dev_identity` in particular needs `cryptography`, which Lambda does not ship).
"""
