// Drag and drop onto the upload form's drop zone: the dropped file becomes the file input's
// file, so the form is sent exactly as when the file is chosen with the input (which stays
// usable by keyboard and works without this script).
document.addEventListener("DOMContentLoaded", () => {
  for (const zone of document.querySelectorAll("[data-drop-target]")) {
    const input = document.getElementById(zone.dataset.dropTarget);
    if (!input) continue;
    zone.addEventListener("dragover", (event) => {
      event.preventDefault();
      zone.classList.add("dragging");
    });
    zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
    zone.addEventListener("drop", (event) => {
      event.preventDefault();
      zone.classList.remove("dragging");
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        input.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  }
});
