// Plenum's one script: the theme switch, and panning and zooming the floor plan. No inline script
// runs anywhere (the Content-Security-Policy forbids it); pages work without this file.
(function () {
  "use strict";
  var root = document.documentElement;
  var saved = null;
  try { saved = localStorage.getItem("plenum-theme"); } catch (e) { /* storage off */ }
  if (saved) { root.setAttribute("data-theme", saved); }

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  ready(function () {
    var toggle = document.getElementById("theme-toggle");
    if (toggle) {
      toggle.addEventListener("click", function () {
        var dark = root.getAttribute("data-theme") === "dark" ||
          (!root.getAttribute("data-theme") && window.matchMedia("(prefers-color-scheme: dark)").matches);
        var next = dark ? "light" : "dark";
        root.setAttribute("data-theme", next);
        try { localStorage.setItem("plenum-theme", next); } catch (e) { /* storage off */ }
      });
    }
    ["floor-plan", "power-chain"].forEach(function (id) {
      var box = document.getElementById(id);
      if (box) { panZoom(box); }
    });
  });

  // panZoom moves the floor plan's viewBox: drag or arrow keys to pan, the wheel or + and − to zoom.
  function panZoom(box) {
    var svg = box.querySelector("svg");
    if (!svg || !svg.viewBox || !svg.viewBox.baseVal) { return; }
    var full = svg.viewBox.baseVal;
    var v = { x: full.x, y: full.y, w: full.width, h: full.height };
    var home = { x: v.x, y: v.y, w: v.w, h: v.h };
    function apply() { svg.setAttribute("viewBox", v.x + " " + v.y + " " + v.w + " " + v.h); }
    function zoom(f, cx, cy) {
      var nw = Math.min(home.w * 2, Math.max(home.w / 40, v.w * f));
      var k = nw / v.w;
      if (cx === undefined) { cx = v.x + v.w / 2; cy = v.y + v.h / 2; }
      v.x = cx - (cx - v.x) * k; v.y = cy - (cy - v.y) * k; v.w = nw; v.h = v.h * k;
      apply();
    }
    function toSVG(ev) {
      var r = svg.getBoundingClientRect();
      return { x: v.x + (ev.clientX - r.left) / r.width * v.w, y: v.y + (ev.clientY - r.top) / r.height * v.h };
    }
    box.addEventListener("wheel", function (ev) {
      ev.preventDefault();
      var p = toSVG(ev);
      zoom(ev.deltaY < 0 ? 0.8 : 1.25, p.x, p.y);
    }, { passive: false });
    var drag = null;
    box.addEventListener("pointerdown", function (ev) {
      if (ev.target.closest("a, button")) { return; }
      drag = { x: ev.clientX, y: ev.clientY, vx: v.x, vy: v.y };
      box.setPointerCapture(ev.pointerId);
    });
    box.addEventListener("pointermove", function (ev) {
      if (!drag) { return; }
      var r = svg.getBoundingClientRect();
      v.x = drag.vx - (ev.clientX - drag.x) / r.width * v.w;
      v.y = drag.vy - (ev.clientY - drag.y) / r.height * v.h;
      apply();
    });
    box.addEventListener("pointerup", function () { drag = null; });
    box.addEventListener("keydown", function (ev) {
      var step = v.w / 10;
      switch (ev.key) {
        case "ArrowLeft": v.x -= step; break;
        case "ArrowRight": v.x += step; break;
        case "ArrowUp": v.y -= step; break;
        case "ArrowDown": v.y += step; break;
        case "+": case "=": zoom(0.8); return;
        case "-": case "_": zoom(1.25); return;
        case "0": v = { x: home.x, y: home.y, w: home.w, h: home.h }; break;
        default: return;
      }
      ev.preventDefault();
      apply();
    });
    box.querySelectorAll("[data-zoom]").forEach(function (b) {
      b.addEventListener("click", function () {
        var z = b.getAttribute("data-zoom");
        if (z === "in") { zoom(0.8); } else if (z === "out") { zoom(1.25); } else { v = { x: home.x, y: home.y, w: home.w, h: home.h }; apply(); }
      });
    });
  }
})();
