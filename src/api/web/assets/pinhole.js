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
