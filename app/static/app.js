// Plomba's own behaviour: small, no inline handlers (the CSP forbids them).
document.addEventListener("click", function (event) {
  var toggle = event.target.closest("[data-toggle-nav]");
  if (toggle) {
    var nav = document.getElementById("sidenav");
    var open = nav.classList.toggle("open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  }
  var confirmable = event.target.closest("[data-confirm]");
  if (confirmable && !window.confirm(confirmable.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});
