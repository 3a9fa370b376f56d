"""An OpenID Connect provider in front of the national ID card login (`python -m idcard.oidc`).

Relying parties speak plain OIDC (authorization code flow with PKCE, Authlib
on the provider side); the login itself is the existing hand-off: the
browser goes to the citizen's ID card app, the card signs the challenge for
this provider's origin, and `idcard.portal` verifies the token.
"""
