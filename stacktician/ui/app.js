// The web UI's entry: signing in, and the routes (`#/stacks`, `#/stacks/NAME?tab=...`,
// `#/launch`, `#/templates`, `#/templates/NAME/VERSION`). Loaded last: the pages are in the
// scripts before it.
"use strict";

function signIn() {
  const err = el("p", { class: "error", id: "signin-error", role: "alert" });
  const input = el("input", { id: "token", type: "password", autocomplete: "off", required: true, "aria-describedby": "signin-error" });
  const form = el("form", {
    onsubmit: async (ev) => {
      ev.preventDefault();
      sessionStorage.setItem(TOKEN_KEY, input.value.trim());
      const r = await api("GET", "/v1/whoami");
      if (r.status === 200) {
        location.hash = "#/stacks";
      } else {
        sessionStorage.removeItem(TOKEN_KEY);
        err.textContent = errorText(r.data);
        input.focus();
      }
    },
  },
    el("label", { for: "token" }, "API token ", el("span", { class: "hint" }, "(kept in this browser session only)")),
    input, err,
    el("div", { class: "row" }, el("button", { class: "primary", type: "submit", id: "signin" }, "Sign in")));
  return [el("h1", {}, "Sign in"), form];
}

async function route() {
  stopStream();
  const hash = location.hash || "#/stacks";
  const [path, qs] = hash.slice(1).split("?");
  const query = new URLSearchParams(qs || "");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  const signedIn = !!sessionStorage.getItem(TOKEN_KEY);
  document.getElementById("nav").hidden = !signedIn;
  let content;
  if (!signedIn || parts[0] === "signin") {
    content = signIn();
  } else {
    if (!window.me) {
      const who = await api("GET", "/v1/whoami");
      if (who.status !== 200) return;
      window.me = who.data;
      document.getElementById("who").textContent = who.data.name + (who.data.admin ? " (admin)" : "");
    }
    if (parts[0] === "launch") content = await launchPage(query);
    else if (parts[0] === "templates" && parts[1]) content = await templatePage(parts[1], parts[2], query);
    else if (parts[0] === "templates") content = await templatesPage();
    else if (parts[0] === "stacks" && parts[1]) content = await stackPage(parts[1], query);
    else content = await stacksPage(query);
  }
  // A newer route drawn meanwhile wins.
  if ((location.hash || "#/stacks") !== hash) return;
  main().replaceChildren(...content.filter(Boolean));
  document.querySelectorAll("nav#nav a").forEach((a) => a.setAttribute("aria-current", hash.startsWith(a.getAttribute("href")) ? "page" : "false"));
  // For tests and assistive tools: which route the page shows now.
  document.body.setAttribute("data-rendered", hash);
  document.title = (main().querySelector("h1") || {}).textContent + " \u2014 Stacktician";
}

document.getElementById("signout").addEventListener("click", () => {
  sessionStorage.removeItem(TOKEN_KEY);
  window.me = null;
  location.hash = "#/signin";
});
window.addEventListener("hashchange", route);
route();
