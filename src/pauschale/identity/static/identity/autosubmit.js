// Send SAML POST-binding forms on at once. Without JavaScript the person
// presses the form's own button instead.
document.querySelectorAll("form[data-autosubmit]").forEach((form) => form.submit());
