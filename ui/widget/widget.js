// Trial-assistant widget for portals. Add one tag to a page:
//   <script src="https://HOST/widget.js" data-title="Ask about our trials"
//           data-position="bottom-right" data-question="Which trials accept ECOG 2?"></script>
// and the page gets a chat button that opens HOST/embed in an iframe. The button lives in a
// shadow root so the portal's CSS and this widget's CSS cannot affect each other. The portal's
// origin must be listed in the server's TRIALS_ALLOWED_ORIGINS, or the browser refuses the frame.
(function () {
  "use strict";
  const script = document.currentScript;
  if (!script || window.__trialsWidgetLoaded) return;
  window.__trialsWidgetLoaded = true;

  const server = new URL(script.src, location.href).origin;
  const title = script.dataset.title || "Clinical-trial assistant";
  const side = script.dataset.position === "bottom-left" ? "left" : "right";
  const question = script.dataset.question || "";

  const host = document.createElement("div");
  host.id = "trials-widget";
  const root = host.attachShadow({ mode: "open" });

  const style = document.createElement("style");
  style.textContent = `
    :host { all: initial; }
    .launcher { position: fixed; bottom: 20px; ${side}: 20px; z-index: 2147483000;
      font: 600 14px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
      background: #1e3a8a; color: #fff; border: 0; border-radius: 24px; padding: 12px 18px;
      box-shadow: 0 4px 14px rgba(0,0,0,.25); cursor: pointer; }
    .panel { position: fixed; bottom: 76px; ${side}: 20px; z-index: 2147483000;
      width: min(400px, calc(100vw - 40px)); height: min(600px, calc(100vh - 100px));
      border: 1px solid #cbd5e1; border-radius: 12px; overflow: hidden; background: #fff;
      box-shadow: 0 8px 28px rgba(0,0,0,.3); }
    .panel[hidden] { display: none; }
    iframe { border: 0; width: 100%; height: 100%; }
  `;

  const launcher = document.createElement("button");
  launcher.className = "launcher";
  launcher.type = "button";
  launcher.textContent = title;
  launcher.setAttribute("aria-expanded", "false");

  const panel = document.createElement("div");
  panel.className = "panel";
  panel.hidden = true;

  function openFrame() {
    if (panel.firstChild) return;
    const frame = document.createElement("iframe");
    const query = new URLSearchParams({ title: title });
    if (question) query.set("question", question);
    frame.src = server + "/embed?" + query.toString();
    frame.title = title;
    panel.append(frame);
  }

  function setOpen(open) {
    if (open) openFrame();
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
  }

  launcher.addEventListener("click", () => setOpen(panel.hidden));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") setOpen(false);
  });

  root.append(style, panel, launcher);
  document.body.append(host);
})();
