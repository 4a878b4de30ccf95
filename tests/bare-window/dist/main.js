// Renders 50 static rows, then reports the first paint to the benchmark.
const list = document.getElementById('list');
for (let i = 0; i < 50; i++) {
  const li = document.createElement('li');
  li.textContent = `Row ${i + 1}: a static line of text, as long as an inbox snippet tends to be`;
  list.appendChild(li);
}
requestAnimationFrame(() =>
  requestAnimationFrame(() => window.__TAURI_INTERNALS__.invoke('painted')),
);
