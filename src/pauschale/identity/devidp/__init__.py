"""A development stand-in for BundID: a real SAML identity provider.

Mounted at ``/dev-idp/`` only when ``PAUSCHALE_DEV_IDP`` is on (development and
test settings). It is built on pysaml2's ``Server``, keeps its own key pair in
``SAML_KEY_DIR`` and behaves like BundID where our service provider can tell:

- ``/dev-idp/metadata/``: its metadata (the SP loads it in-process).
- ``/dev-idp/sso/post/`` (HTTP-POST) and ``/dev-idp/sso/redirect/``
  (HTTP-Redirect): take an AuthnRequest, verify its signature against the SP's
  metadata and check BundID's ``akdb`` extension. A refusal shows BundID's
  error code (``saml-request-not-signed``, ``akdb-extension-missing``, …) in
  ``<code class="error-code">`` with status 400.
- The login page then offers invented test persons (one per trust level) and
  a form for an own person. Both are forms posting to ``/dev-idp/login/``.

Form fields of the login page (stable; a demo script fills them in):

- in both forms, hidden: ``csrfmiddlewaretoken``, ``SAMLRequest``,
  ``RelayState``, ``binding`` (``post`` or ``redirect``), ``SigAlg``,
  ``Signature`` – send them back unchanged;
- the submit button ``person``: a preset key (``basis``, ``substantiell``,
  ``hoch``) in the first form, ``custom`` in the second;
- the own person: ``username``, ``given_names``, ``family_name``,
  ``birth_date`` (YYYY-MM-DD), ``street``, ``postal_code``, ``city`` (the last
  three optional) and ``trust_level`` (``1`` basis, ``3`` ELSTER, ``4`` eID).

The answer is a page with a form (``SAMLResponse``, ``RelayState``) that
posts itself to the SP's assertion consumer service, or is posted by its
button without JavaScript. The response is signed (rsa-sha256, sha256
digests), and so is the assertion inside it, which is encrypted for the SP's
encryption certificate with AES-256-GCM (key transport RSA-OAEP-MGF1P). The
attributes are the requested ones among bPK2, names, birth date, address,
country, EID-CITIZEN-QAA-LEVEL, AssertionProvedBy and Version, by OID with
NameFormat uri; bPK2 is derived as described in ``persons``.

To try the waiting room's adaptive rate, ``pauschale devidp_fault --fail-ratio
0.5 --latency-ms 800`` makes it answer a share of logins with SAML status
``Responder`` and delay every answer (``faults``); ``--off`` heals it.
"""
