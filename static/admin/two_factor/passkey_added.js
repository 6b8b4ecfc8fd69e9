// "How you log in" (templates/admin/two_factor/devices.html): once
// django-otp-webauthn reports a new passkey, reload so it shows in the list.
document.addEventListener("otp_webauthn.register_complete", () => {
  window.location.reload();
});
