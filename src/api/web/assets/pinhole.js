// Pinhole's one script: pages work without it; it only makes the photo carousel nicer
// (arrow buttons, arrow keys, the current dot). No dependencies, no build step.
"use strict";
document.querySelectorAll(".carousel").forEach(function (carousel) {
  var slides = carousel.querySelector(".slides");
  var items = slides ? slides.children : [];
  if (items.length < 2) return;
  var dots = carousel.querySelectorAll("ol.dots a");
  var prev = carousel.querySelector(".prev");
  var next = carousel.querySelector(".next");
  // The photo in view; kept here, since mid-scroll the position is between two photos.
  var index = 0;
  function current() {
    return index;
  }
  function show(i) {
    i = Math.max(0, Math.min(items.length - 1, i));
    slides.scrollTo({ left: i * slides.clientWidth });
    mark(i);
  }
  function mark(i) {
    index = i;
    dots.forEach(function (d, n) {
      if (n === i) d.setAttribute("aria-current", "true");
      else d.removeAttribute("aria-current");
    });
    prev.hidden = i === 0;
    next.hidden = i === items.length - 1;
  }
  prev.hidden = true;
  next.hidden = false;
  prev.addEventListener("click", function () { show(current() - 1); });
  next.addEventListener("click", function () { show(current() + 1); });
  dots.forEach(function (d, n) {
    d.addEventListener("click", function (e) { e.preventDefault(); show(n); });
  });
  slides.addEventListener("keydown", function (e) {
    if (e.key === "ArrowLeft") { e.preventDefault(); show(current() - 1); }
    if (e.key === "ArrowRight") { e.preventDefault(); show(current() + 1); }
  });
  var timer;
  slides.addEventListener("scroll", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      mark(Math.round(slides.scrollLeft / Math.max(1, slides.clientWidth)));
    }, 120);
  });
});

// Compose: a preview of each chosen photo before posting; a click on it sets its focal
// point (the field stays editable, and works without this).
document.querySelectorAll("form.compose .slot").forEach(function (slot) {
  var file = slot.querySelector("input[type=file]");
  var preview = slot.querySelector("img.preview");
  var focus = slot.querySelector("input[name^=focus_]");
  var alt = slot.querySelector("textarea");
  if (!file || !preview) return;
  file.addEventListener("change", function () {
    var f = file.files && file.files[0];
    if (!f) {
      preview.hidden = true;
      return;
    }
    preview.src = URL.createObjectURL(f);
    preview.alt = "Preview of " + f.name;
    preview.hidden = false;
  });
  alt.addEventListener("input", function () {
    if (!preview.hidden && alt.value) preview.alt = alt.value;
  });
  preview.addEventListener("click", function (e) {
    var r = preview.getBoundingClientRect();
    var x = ((e.clientX - r.left) / r.width) * 2 - 1;
    var y = 1 - ((e.clientY - r.top) / r.height) * 2;
    focus.value = x.toFixed(2) + "," + y.toFixed(2);
  });
});

// Compose: only the chosen photos and one empty slot are shown; choosing a photo shows the
// next slot. Without the script every slot is there.
(function () {
  var slots = Array.prototype.slice.call(document.querySelectorAll("form.compose .slot"));
  if (!slots.length) return;
  function reveal() {
    var emptyShown = false;
    slots.forEach(function (slot) {
      var file = slot.querySelector("input[type=file]");
      var filled = file && file.files && file.files.length > 0;
      if (filled) {
        slot.hidden = false;
      } else {
        slot.hidden = emptyShown;
        emptyShown = true;
      }
    });
  }
  slots.forEach(function (slot) {
    var file = slot.querySelector("input[type=file]");
    if (file) file.addEventListener("change", reveal);
  });
  reveal();
})();
